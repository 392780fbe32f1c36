"""AppTest: the Data page's "Split and save" with the data's own test file (a published train/test split): the test
file by upload or server path, its report, the overlap taken out of train, a refusal of another kind of data, the
save, and the boxes as they were after a visit to another page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    # The local-path inputs only read allowed folders: let them see this test's tmp_path.
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


# ShareGPT training rows (one also in the test file) and Alpaca test rows (one with no answer): one kind, two formats.
TRAIN = [
    {"conversations": [{"from": "human", "value": f"Tell me fact {i}."}, {"from": "gpt", "value": f"Fact {i}."}]}
    for i in range(8)
]
TEST = [
    {"instruction": "Tell me fact 3.", "output": "Fact 3."},  # the canonical row of TRAIN[3]
    {"instruction": "Tell me fact 20.", "output": "Fact 20."},
    {"instruction": "Tell me fact 21.", "output": ""},
    {"instruction": "Tell me fact 22.", "output": "Fact 22."},
]


def data_page(train: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(train)).run()
    assert not at.exception, at.exception
    return at


def own_test_file(at: AppTest, test: Path) -> AppTest:
    at.radio(key="split_test_from").set_value("file").run()
    at.radio(key="split_test_source").set_value("Local path").run()
    at.text_input(key="split_test_path").input(str(test)).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption])


def test_a_test_file_of_another_format_is_read_shown_and_saved_without_its_rows_in_train(tmp_path):
    at = data_page(write_jsonl(tmp_path / "facts_train.jsonl", TRAIN))
    at = own_test_file(at, write_jsonl(tmp_path / "facts_test.jsonl", TEST))
    assert not at.error, [e.value for e in at.error]
    # The test file's own report: its format, valid rows and the row it skips.
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("Format", "instruction and answer") in metrics and ("Valid rows", "3") in metrics, metrics
    # It reads as a sentence (helper 78's walk: "read as X's **Read the file as** and field mapping are set" did not).
    assert (
        "**Test file facts_test.jsonl**, read with the same settings as facts_train.jsonl (**Read the file as** and "
        "the field mapping)"
    ) in texts(at)
    assert any("1 of the file's 4 rows cannot be used" in w.value for w in at.warning)
    assert "Train **7** rows, test **3** rows." in texts(at)
    overlap = [w.value for w in at.warning if "also in" in w.value]
    assert overlap and overlap[0].startswith(
        "1 row of facts_train.jsonl is also in facts_test.jsonl (exact copies of 1 of its rows): line 4. It is taken "
        "out of train"
    ), overlap
    assert not at.button(key="split_save").disabled
    at.text_input(key="split_name").input("facts own").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved **facts_own**: 7 train rows and 3 test rows" in s.value for s in at.success)
    train, test, meta = workspace.load_split("facts_own")
    assert test == [chat("Tell me fact 3.", "Fact 3."), chat("Tell me fact 20.", "Fact 20."), TEST_CHAT_22]
    assert len(train) == 7 and chat("Tell me fact 3.", "Fact 3.") not in train
    assert meta["split"] == "own" and "seed" not in meta and "test_size" not in meta
    assert meta["format"] == "sharegpt" and meta["test_file"]["format"] == "alpaca"
    assert (meta["test_file"]["source"], meta["test_file"]["valid_rows"], meta["test_file"]["total_rows"]) == (
        "facts_test.jsonl",
        3,
        4,
    )
    assert meta["test_file"]["errors"] == 1


TEST_CHAT_22 = chat("Tell me fact 22.", "Fact 22.")


def test_a_test_file_of_another_kind_is_refused_and_save_stays_disabled(tmp_path):
    at = data_page(write_jsonl(tmp_path / "chats.jsonl", TRAIN))
    pairs = [{"prompt": "Say hi.", "chosen": "Hi!", "rejected": "Go away."}]
    at = own_test_file(at, write_jsonl(tmp_path / "pairs.jsonl", pairs))
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(
        "**Test file**: pairs.jsonl holds pairs of a chosen and a rejected answer to the same prompt (read as "
        "preference), but chats.jsonl holds conversations (messages) to imitate (read as sharegpt)"
    ), errors
    assert at.button(key="split_save").disabled
    # Neither is a path outside the allowed folders or a test file with no valid row ever saved.
    at.text_input(key="split_test_path").input("/etc/passwd").run()
    assert "outside the folders this server allows" in at.error[0].value and at.button(key="split_save").disabled
    write_jsonl(tmp_path / "unanswered.jsonl", [{"messages": [{"role": "user", "content": "Hm?"}]}])
    at.text_input(key="split_test_path").input(str(tmp_path / "unanswered.jsonl")).run()
    assert "has no valid rows" in at.error[0].value and at.button(key="split_save").disabled


def test_an_uploaded_test_file_is_stored_and_the_boxes_survive_a_visit_to_another_page(tmp_path, monkeypatch):
    from streamlit.elements.lib import policies

    logged = []  # Streamlit's "created with a default value but also had its value set via the Session State API"
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    at = data_page(write_jsonl(tmp_path / "facts_train.jsonl", TRAIN))
    at.radio(key="split_test_from").set_value("file").run()
    assert at.radio(key="split_test_source").value == "Upload"
    assert at.button(key="split_save").disabled  # nothing to save before a test file is given
    assert at.button(key="split_save").help.startswith("Nothing to save yet: give the data's own test file above")
    payload = "".join(json.dumps(r) + "\n" for r in TEST).encode()
    at.file_uploader(key="split_test_upload").upload("facts test.jsonl", payload, "application/json").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = list(workspace.uploads_dir().iterdir())
    assert len(stored) == 1 and stored[0].name.endswith("facts_test.jsonl") and stored[0].read_bytes() == payload
    assert "Train **7** rows, test **3** rows." in texts(at)
    at.checkbox(key="split_dedupe").check().run()
    at.text_input(key="split_name").input("kept name").run()
    at.switch_page("pages/2_Tokens.py").run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    # As it was: the test file's source, the upload reopened, the duplicates box and the name.
    assert at.radio(key="split_test_from").value == "file"
    assert at.selectbox(key="split_test_earlier").value == stored[0].name
    assert at.checkbox(key="split_dedupe").value and at.text_input(key="split_name").value == "kept name"
    assert "Train **7** rows, test **3** rows (0 duplicates dropped)." in texts(at)
    assert len(list(workspace.uploads_dir().iterdir())) == 1  # stored once
    assert not logged, logged
    # Back to a split drawn from this file: its own boxes, as before.
    at.radio(key="split_test_from").set_value("split").run()
    assert at.number_input(key="split_ratio").value == 0.25 and "Train **6** rows, test **2** rows" in texts(at)


def test_a_typed_test_path_survives_a_visit_to_another_page(tmp_path):
    at = data_page(write_jsonl(tmp_path / "facts_train.jsonl", TRAIN))
    at.radio(key="split_test_from").set_value("file").run()
    at.radio(key="split_test_source").set_value("Local path").run()
    write_jsonl(tmp_path / "facts_test.jsonl", TEST)
    at.text_input(key="split_test_path").input(str(tmp_path / "facts_test.jsonl"))  # typed, left with the click
    at.switch_page("pages/2_Tokens.py").run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="split_test_source").value == "Local path"
    assert at.text_input(key="split_test_path").value == str(tmp_path / "facts_test.jsonl")
    assert "Train **7** rows, test **3** rows." in texts(at)
