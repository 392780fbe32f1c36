"""AppTest: the Data page's "Files on this server" lists the uploads and saved splits with their sizes and users,
removes one after a confirmation (the active split too, and the page and the next page draw on without it), refuses
while a queued run still reads it, and removes the leftovers of writes cut short."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import runs, stored_data, workspace
from ftlib.config import RunConfig

ROOT = Path(__file__).resolve().parents[1]
ROWS = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(10)]
BYTES = "".join(json.dumps(r) + "\n" for r in ROWS).encode()


def data_page(**state) -> AppTest:
    """The Data page as a new session opens it, with `state` in its session state first."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest) -> list[dict]:
    frame = next(d.value for d in at.dataframe if "Used by" in d.value.columns)
    return frame.to_dict("records")


def remove(at: AppTest, key: str) -> AppTest:
    at.selectbox(key="stored_pick").set_value(key).run()
    at.button(key="stored_ask").click().run()
    assert [w.value for w in at.warning if "for good?" in w.value], "no confirmation"
    at.button(key="stored_remove").click().run()
    assert not at.exception, at.exception
    return at


def test_your_files_lists_and_removes_the_active_split_and_the_pages_draw_on():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"path": str(upload), "source": "chats"})
    run_id = runs.create_run(RunConfig(dataset="chats", name="on-split", device="cpu"))
    at = data_page()
    listed = {r["Kind"]: r for r in table(at)}
    assert listed["upload"]["Size"] == f"{len(BYTES)} B" and "split chats" in listed["upload"]["Used by"]
    assert listed["split"]["Name"] == "chats · active" and run_id in listed["split"]["Used by"]
    at.session_state["active_split"] = "chats"  # this session's own choice (ui.common.SPLIT_KEY)
    remove(at, "split:chats")
    assert [s.value for s in at.success if s.value.startswith("Removed the split `chats`")]
    assert not workspace.split_folder("chats").exists() and [r["Kind"] for r in table(at)] == ["upload"]
    # The Remove box moves to what is left through session state, which the browser is told: its key merely dropped,
    # Chromium kept showing the split just removed, and Remove… then asked about another item (helper 257).
    pick = at.selectbox(key="stored_pick")
    assert pick.value == f"upload:{upload.name}" and pick.proto.set_value
    at.run()  # the next rerun, and the next page, draw without the split
    assert not at.exception and not at.error
    at.switch_page("pages/2_Tokens.py").run()
    assert not at.exception and not [e.value for e in at.error], [e.value for e in at.error]


def test_a_split_a_queued_run_reads_at_its_start_is_not_offered_for_removal():
    run_id = runs.create_run(RunConfig(dataset="later", name="early", device="cpu"))  # kept no copy: none then
    workspace.save_split("later", ROWS[:8], ROWS[8:], {"source": "later"})
    at = data_page()
    at.selectbox(key="stored_pick").set_value("split:later").run()
    at.button(key="stored_ask").click().run()
    assert [
        e.value
        for e in at.error
        if "cannot be removed now. The split 'later' is read at the start" in e.value and run_id in e.value
    ]
    assert not [b for b in at.button if b.key == "stored_remove"]
    assert workspace.split_folder("later").exists()


def test_the_leftovers_of_writes_cut_short_are_removed_with_one_click():
    left = workspace.uploads_dir() / ".big.jsonl.ab12cd34.tmp"
    left.write_bytes(b"x" * 4096)
    old = time.time() - 2 * stored_data.LEFTOVER_AGE
    os.utime(left, (old, old))
    at = data_page()
    assert [c.value for c in at.caption if c.value.startswith("1 hidden leftover (4 KiB)")]
    at.button(key="stored_leftovers").click().run()
    assert not left.exists() and [s.value for s in at.success if s.value == "Removed 1 leftover (4 KiB)."]


def test_an_upload_removed_while_it_is_in_the_upload_box_says_to_clear_the_box():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="data_upload").upload("chats.jsonl", BYTES, "application/jsonl").run()
    (stored,) = workspace.list_uploads()
    at.run()  # the list above the box is drawn before the box stores the file: listed from the next run on
    remove(at, f"upload:{stored.name}")
    said = [w.value for w in at.warning if w.value.startswith("Removed the upload `chats.jsonl")]
    assert said and "still in the **Dataset file** box below" in said[0], [w.value for w in at.warning]
    assert not stored.exists() and workspace.list_uploads() == []
    at.file_uploader(key="data_upload").set_value(None).run()  # cleared: the page draws on, nothing stored again
    assert not at.exception and not at.error and workspace.list_uploads() == []


def test_a_tab_whose_split_a_teammate_removed_is_told_so_on_the_next_page_not_shown_an_error():
    """A teammate's tab still has the split active when it is removed: its next page says the split is gone and where
    to choose another (no red error, no other split opened in its place)."""
    workspace.save_split("theirs", ROWS[:8], ROWS[8:], {"source": "theirs"})
    workspace.save_split("other", ROWS[:8], ROWS[8:], {"source": "other"})
    at = data_page()
    at.session_state["active_split"] = "theirs"  # the teammate's own choice (ui.common.SPLIT_KEY)
    stored_data.remove("split:theirs")  # by someone else, from another tab or the CLI
    at.switch_page("pages/2_Tokens.py").run()
    assert not at.exception and not [e.value for e in at.error], [e.value for e in at.error]
    said = [w.value for w in at.warning if "`theirs` this tab was using is no longer saved" in w.value]
    assert said and "Data" in said[0]
