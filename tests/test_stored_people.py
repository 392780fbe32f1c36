"""Who uploaded a stored file and who removed one, where known (ftlib.stored_people), and what the Data page says
of them: its "Files on this server" (not "Your files": they are everyone's), an "Uploaded by" column once someone is
known, and a note to a session whose open upload or active split someone else removed, naming who where known."""

from __future__ import annotations

import getpass
import json
import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import stored_data, stored_people, workspace
from ftlib.cli import main
from ftlib.run_people import Who
from tests.test_pages_stored_data import data_page, table

ROOT = Path(__file__).resolve().parents[1]
ROWS = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(10)]
BYTES = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
ANA = Who("Ana Lima", "ana@example.com")
BOB = Who("bob", via="cli")


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


# --- the engine -------------------------------------------------------------------------------------------


def test_who_uploaded_is_kept_beside_the_upload_hidden_and_goes_with_it():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    assert stored_people.record_upload(upload, ANA)
    assert not stored_people.record_upload(upload, BOB)  # the same file sent again: the first uploader stays
    record = stored_people.record_path(upload)
    old = time.time() - 2 * stored_data.LEFTOVER_AGE
    os.utime(record, (old, old))  # an old record is still no leftover of a write cut short
    assert workspace.list_uploads() == [upload] and stored_data.leftovers() == []
    (item,) = stored_data.list_stored()
    assert item.uploaded_by == "ana@example.com"
    stored_data.remove(f"upload:{upload.name}")
    assert not record.exists() and list(workspace.uploads_dir().glob(".*.by.json")) == []


def test_nobody_known_records_nothing_and_an_upload_from_before_names_nobody():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    assert not stored_people.record_upload(upload, None)  # the password alone: no identity
    assert not stored_people.record_path(upload).exists()
    assert [i.uploaded_by for i in stored_data.list_stored()] == [""]
    stored_people.record_path(upload).write_text("{not json")  # a damaged record: nobody, nothing invented
    assert stored_people.uploaded_by(upload) == ""


def test_a_removal_records_who_removed_it_the_latest_kept_and_the_log_bounded():
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"source": "chats"})
    stored_data.remove("chats", by=BOB)
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"source": "chats"})
    stored_data.remove("chats")  # saved again and removed by nobody known: the latest removal counts
    assert stored_people.removal("split", "chats").by is None
    assert stored_people.removal("split", "other") is None
    for i in range(stored_people.KEPT + 5):
        stored_people.record_removal("upload", f"u{i}", ANA)
    events = json.loads((workspace.workspace_dir() / stored_people.REMOVALS_FILE).read_text())["removals"]
    assert len(events) == stored_people.KEPT and events[-1]["name"] == f"u{stored_people.KEPT + 4}"
    assert stored_people.removal("upload", f"u{stored_people.KEPT + 4}").by_words() == " by ana@example.com"


def test_data_remove_on_the_command_line_records_the_os_account(monkeypatch, capsys):
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    upload = workspace.save_upload("chats.jsonl", BYTES)
    assert main(["data", "remove", upload.name]) == 0
    assert stored_people.removal("upload", upload.name).by_words() == " by carol (command line)"


# --- the Data page ----------------------------------------------------------------------------------------


def test_the_list_is_named_for_what_it_is_and_says_who_uploaded_once_someone_is_known():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    at = data_page()
    labels = [e.label for e in at.expander]
    assert "Files on this server: uploads and saved splits" in labels and not any("Your files" in x for x in labels)
    assert "Uploaded by" not in table(at)[0]  # nobody known: no column of blanks
    stored_people.record_upload(upload, ANA)
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"path": str(upload), "source": "chats"})  # lists anew
    at.run()
    rows = {r["Kind"]: r for r in table(at)}
    assert rows["upload"]["Uploaded by"] == "ana@example.com" and rows["split"]["Uploaded by"] == ""


def test_the_readme_and_the_architecture_name_the_list_as_the_page_does():
    for doc in ("README.md", "docs/ARCHITECTURE.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "Your files" not in text and "Files on this server" in text, doc


def test_an_earlier_upload_a_teammate_removed_is_said_once_naming_who():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    at.selectbox(key="data_earlier").set_value(upload.name).run()
    assert not at.exception and not [w for w in warnings(at) if "chats.jsonl" in w]
    stored_data.remove(f"upload:{upload.name}", by=BOB)  # a teammate, from the command line
    at.switch_page("pages/2_Tokens.py").run()
    at.switch_page("pages/1_Data.py").run()
    said = [w for w in warnings(at) if "chats.jsonl" in w]
    assert said == [
        "The upload `chats.jsonl` you had open was removed from this server by bob (command line); upload it again "
        "to go on."
    ], warnings(at)
    assert not at.exception and not at.error
    at.run()
    assert not [w for w in warnings(at) if "chats.jsonl" in w]  # once


def test_an_upload_removed_from_under_the_box_is_said_not_an_unreadable_file():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="data_upload").upload("chats.jsonl", BYTES, "application/jsonl").run()
    (stored,) = workspace.list_uploads()
    stored_data.remove(f"upload:{stored.name}")  # by nobody known (the password alone), in another tab
    at.run()
    assert not at.exception and not [e.value for e in at.error], [e.value for e in at.error]
    said = [w for w in warnings(at) if w.startswith("The upload `chats.jsonl` you had open was removed")]
    assert said and "server; clear the **Dataset file** box below" in said[0], warnings(at)  # drawn under it


def test_the_active_split_a_teammate_removed_is_said_once_on_the_data_page():
    workspace.save_split("theirs", ROWS[:8], ROWS[8:], {"source": "theirs"})
    workspace.save_split("other", ROWS[:8], ROWS[8:], {"source": "other"})
    at = data_page(active_split="theirs")
    stored_data.remove("split:theirs", by=ANA)
    at.run()
    said = [w for w in warnings(at) if w.startswith("The split `theirs` you were using was removed")]
    assert said and "removed from this server by ana@example.com; the pages now use the split `other`" in said[0]
    at.run()
    assert not [w for w in warnings(at) if "`theirs`" in w]  # once


def test_a_removal_here_is_not_said_again_as_someone_elses():
    workspace.save_split("mine", ROWS[:8], ROWS[8:], {"source": "mine"})
    at = data_page(active_split="mine")
    at.selectbox(key="stored_pick").set_value("split:mine").run()
    at.button(key="stored_ask").click().run()
    at.button(key="stored_remove").click().run()
    at.run()
    assert not at.exception and not [w for w in warnings(at) if "you were using" in w]


def test_an_upload_through_the_box_records_the_signed_in_person(monkeypatch):
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {  # a sign-in set up (faked as tests/test_auth.py does)
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-secret",
        "client_id": "studio",
        "client_secret": "s3cret",
        "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="data_upload").upload("chats.jsonl", BYTES, "application/jsonl").run()
    assert not at.exception, at.exception
    (stored,) = workspace.list_uploads()
    assert stored_people.uploaded_by(stored) == "ana@example.com"
    at.run()
    assert table(at)[0]["Uploaded by"] == "ana@example.com"


def test_a_removed_split_said_to_one_session_leaves_the_others_splits_cached(monkeypatch):
    """gone_notes cleared the split cache of every session on the server: each read its split again."""
    from ui.common import cached_split

    workspace.save_split("theirs", ROWS[:8], ROWS[8:], {"source": "theirs"})
    workspace.save_split("other", ROWS[:8], ROWS[8:], {"source": "other"})
    loads = []
    real = workspace.load_split
    monkeypatch.setattr(workspace, "load_split", lambda name, *a, **k: loads.append(name) or real(name, *a, **k))
    cached_split("other")  # another session's split (the Tokens page reads it so), read and cached
    at = data_page(active_split="theirs")
    stored_data.remove("split:theirs", by=ANA)
    at.run()
    assert [w for w in warnings(at) if w.startswith("The split `theirs` you were using was removed")]
    cached_split("other")
    assert loads == ["other"]  # read once: the other session's split still cached


def test_a_split_removed_here_leaves_the_other_sessions_splits_cached(monkeypatch):
    from ui.common import cached_split

    workspace.save_split("mine", ROWS[:8], ROWS[8:], {"source": "mine"})
    workspace.save_split("other", ROWS[:8], ROWS[8:], {"source": "other"})
    loads = []
    real = workspace.load_split
    monkeypatch.setattr(workspace, "load_split", lambda name, *a, **k: loads.append(name) or real(name, *a, **k))
    cached_split("other")
    at = data_page(active_split="mine")
    at.selectbox(key="stored_pick").set_value("split:mine").run()
    at.button(key="stored_ask").click().run()
    at.button(key="stored_remove").click().run()
    assert not at.exception and not (workspace.split_folder("mine") / "meta.json").exists()
    cached_split("other")
    assert loads == ["other"]
