"""AppTest: the Data page's "Split and save" for a .json file that holds its own split (`{"train": [...],
"validation": [...], "test": [...]}`): its own test key is offered first and chosen, the sentence says which key
became which, the save holds out the key's rows as published, the random split is still there, and a file without
keys opened after it starts at the random split again (ftlib.split_keys)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path box reads only allowed folders


def qa(tag: str, n: int) -> list[dict]:
    return [{"instruction": f"Nenne die {tag}-Zahl nach {i}.", "output": f"{tag} {i + 1}."} for i in range(n)]


TRAIN, VALID, TEST = qa("Lern", 12), qa("Prüf", 3), qa("Test", 5)


def open_file(at: AppTest, path: Path) -> AppTest:
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    assert not at.exception, at.exception
    return at


def asked(rows: list[dict]) -> list[str]:
    return [r["messages"][0]["content"] for r in rows]


def test_the_files_own_test_split_is_the_default_choice_and_is_saved_as_published(tmp_path):
    path = tmp_path / "zahlen.json"
    path.write_text(json.dumps({"train": TRAIN, "validation": VALID, "test": TEST}, ensure_ascii=False), "utf-8")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at = open_file(at, path)
    radio = at.radio(key="split_test_from")
    assert (radio.value, radio.options[0]) == ("keys", "use the file's own test split ('test', 5 rows)")
    assert {"split from this file", "from another file (the data's own test split)"} <= set(radio.options)
    said = [i.value for i in at.info if "The file's own split:" in i.value]
    assert said == [
        "The file's own split: 'test' (5 rows) of zahlen.json is held out as published, and 'train' (12 rows) trains; "
        "'validation' (3 rows) is left out, neither trained on nor held out: one key is the test split. **split from "
        "this file** draws a split from all its rows instead."
    ], [i.value for i in at.info]
    assert "Train **12** rows, test **5** rows." in [c.value for c in at.caption]
    at.text_input(key="split_name").input("zahlen own").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    train, test, meta = workspace.load_split("zahlen_own")
    assert asked(train) == [r["instruction"] for r in TRAIN]
    assert asked(test) == [r["instruction"] for r in TEST]  # as published, in order
    assert (meta["split"], meta["test_key"], meta["left_out_keys"]) == ("own", "test", ["validation"])

    # The random split is still there, drawn from all 20 rows; the file's own test split said no more.
    at.radio(key="split_test_from").set_value("split").run()
    assert not at.exception and not [i for i in at.info if "The file's own split:" in i.value]
    assert any(c.value.startswith("Train **") and "test **" in c.value for c in at.caption)

    # A test file of its own: the file's keys all train, said with the way back.
    at.radio(key="split_test_from").set_value("file").run()
    assert any("zahlen.json holds its own split: with a test file of its own" in w.value for w in at.warning)

    # A file without keys opened next: no such choice, and the page is on the random split.
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(TRAIN + TEST, ensure_ascii=False), "utf-8")
    at.radio(key="split_test_from").set_value("keys").run()
    at = open_file(at, plain)
    radio = at.radio(key="split_test_from")
    assert radio.value == "split" and "keys" not in radio.options and len(radio.options) == 2, radio.options
