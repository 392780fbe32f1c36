"""Helper 140's walk: engine messages worded for the page and the CLI at once, read on the pages without the CLI's
flags: a Data page test file that needs a mapping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.labels import on_data_page

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_mapping_asides_with_several_flags_leave_no_cli_words():
    said = on_data_page(
        "map it under Field mapping on the Data page (`--map COLUMN=prompt`, `--map COLUMN=completion` in the CLI)"
    )
    assert said == "map it under Field mapping above", said


def with_test_file(tmp_path: Path, test: Path) -> AppTest:
    """The Data page reading 8 Alpaca rows of facts, its test rows from the file `test` (a Local path)."""
    train = [{"instruction": f"Tell me fact {i}.", "output": f"Fact {i}."} for i in range(8)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(write_jsonl(tmp_path / "facts.jsonl", train))).run()
    at.radio(key="split_test_from").set_value("file").run()
    at.radio(key="split_test_source").set_value("Local path").run()
    at.text_input(key="split_test_path").input(str(test)).run()
    return at


def test_a_test_file_the_engine_cannot_read_unmapped_is_said_in_the_pages_words(tmp_path):
    test = [{"ask": "Tell me fact 20.", "reply": "Fact 20."}]
    at = with_test_file(tmp_path, write_jsonl(tmp_path / "odd.jsonl", test))
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("**Test file**: could not read odd.jsonl"), errors
    assert "Field mapping above" in errors[0] and "--map" not in errors[0] and "Data page" not in errors[0], errors


def without_chat_template(model_dir: Path, into: Path) -> Path:
    """A copy of `model_dir` whose tokenizer has no chat template (a base model's)."""
    shutil.copytree(model_dir, into)
    (into / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((into / "tokenizer_config.json").read_text(encoding="utf-8"))
    config.pop("chat_template", None)
    (into / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return into


def test_a_model_without_a_chat_template_is_said_with_the_pages_box(tiny_model_dir, tmp_path):
    from ftlib import workspace
    from tests.test_pages_train import SFT_ROWS

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["active_model"] = str(without_chat_template(tiny_model_dir, tmp_path / "base"))
    at.run()
    for page in ("pages/2_Tokens.py", "pages/3_Batches.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        errors = [e.value for e in at.error if "no chat template of its own" in e.value]
        assert errors and "(the **Chat template** box)" in errors[0], (page, [e.value for e in at.error])
        assert "--template" not in errors[0], errors
    # The Data page has no Chat template box: it names the page that has one.
    train = [{"instruction": f"Tell me fact {i}.", "output": f"Fact {i}."} for i in range(8)]
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(write_jsonl(tmp_path / "facts.jsonl", train))).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error if "no chat template of its own" in e.value]
    assert errors and "(the **Chat template** box on the Tokens page)" in errors[0], [e.value for e in at.error]


def test_a_test_table_of_unnamed_columns_is_asked_for_in_the_pages_words(tmp_path):
    test = tmp_path / "notes.csv"
    test.write_text("alpha,beta\nThe mill was built in 1820 by the river.,It still turns.\n", encoding="utf-8")
    at = with_test_file(tmp_path, test)
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("**Test file**: could not read notes.csv"), errors
    assert "Field mapping above" in errors[0] and "--map" not in errors[0] and "in the CLI" not in errors[0], errors


def test_a_refused_file_is_said_in_the_data_pages_words(tmp_path):
    # a good/bad label holding ratings (1-5): refused, with the way out in the page's words ("above", no --format)
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}.", "label": i % 5 + 1} for i in range(10)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(write_jsonl(tmp_path / "rated.jsonl", rows))).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Could not read this file: The 'label' field"), errors
    assert errors[0].endswith("or pick another format ('Read the file as' above)."), errors
