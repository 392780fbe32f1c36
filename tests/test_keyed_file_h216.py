"""Small gaps around a .json file that holds its own split ({"train": [...], "test": [...]}, ftlib.split_keys) and
the CLI's tables (helper 216): `runs show` names the held-out key, `runs list` and `data files` pad a name by its width
on a terminal, the Data page's preview names each row's key, and `evaluate --data` scores only the held-out key."""

from __future__ import annotations

import json
import sys

from ftlib import runs
from ftlib.cli import main


def qa(tag: str, n: int) -> list[dict]:
    return [
        {"prompt": f"Wie viele {tag}-Äpfel sind {i} plus eins?", "completion": f"{i + 1} {tag}-Äpfel."}
        for i in range(n)
    ]


TRAIN, TEST = qa("train", 6), qa("test", 2)


def _write(tmp_path, document) -> str:
    path = tmp_path / "splits.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_runs_show_names_the_files_held_out_key(monkeypatch, tmp_path, capsys, tiny_model_dir):
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    path = _write(tmp_path, {"train": TRAIN, "test": TEST})
    argv = ["train", "--dataset", path, "--model", str(tiny_model_dir), "--device", "cpu", "--max-steps", "1"]
    assert main([*argv, "--detach"]) == 0
    run_id = capsys.readouterr().out.strip()
    assert main(["runs", "show", run_id]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("rows: ")]
    assert len(rows) == 1 and rows[0].startswith("rows: 6 training, 2 held out, kept when it was queued; "), rows
    assert rows[0].endswith("; its test rows from its 'test' key"), rows  # workspace.split_origin's words


def _columns(text: str) -> int:  # a terminal's columns of a text of CJK characters, plain emoji and ASCII
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_runs_list_pads_a_name_of_cjk_characters_or_emoji_by_its_width_on_a_terminal(capsys):
    from ftlib.testing import make_run

    make_run("20261207-170000-lora-chat_style", {"dataset": "chats", "name": "价格模型 テスト"})
    make_run("20261207-170100-lora-chat_style", {"dataset": "chats", "name": "🚀 rocket run"})
    make_run("20261207-170200-lora-chat_style", {"dataset": "chats", "name": "很长的名字" * 6})  # 60 columns: cut
    make_run("20261207-170300-lora-chat_style", {"dataset": "chats", "name": "bob quick test"})
    assert main(["runs", "list"]) == 0
    head, *lines = capsys.readouterr().out.splitlines()
    state = head.index("state")
    for line in lines:
        ends = [i for i in range(len(line) + 1) if _columns(line[:i]) == state]  # the state column's first character
        assert ends and line[ends[0] - 2 : ends[0]] == "  " and line[ends[0]] != " ", line
    cut = next(line for line in lines if line.startswith("20261207-170200"))
    assert "很长的名字很长的名字很…  " in cut  # cut to 24 columns with its ellipsis (21 + 1), then the gap


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def test_evaluate_data_on_a_file_holding_its_own_split_scores_only_its_held_out_key(
    varied_dir, adapter_template, tmp_path, capsys
):
    """`evaluate RUN --data splits.json` scored every key, 'train' included, and warned of the rows the run trained on;
    a run on the file held its 'test' key out, so that key is what is scored, said in one note line."""
    from ftlib import workspace
    from ftlib.testing import make_run

    trained = [_chat(f"Nenne einen Fluss, bitte ({n}).", "Der Rhein.") for n in "ab"]
    held = [_chat("Nenne einen Berg.", "Die Zugspitze.")]
    workspace.save_split("flüsse", trained, held)
    make_run("fluss-run", {"model": str(varied_dir), "dataset": "flüsse"}, adapter=adapter_template)
    data = _write(tmp_path, {"train": trained, "test": held})
    argv = ["evaluate", "fluss-run", "--data", data, "--max-new-tokens", "2", "--json"]
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "trained on (" not in out.err, out.err
    notes = [line for line in out.err.splitlines() if "holds its own split" in line]
    assert notes == [
        "note: splits.json holds its own split: only its held-out key 'test' (1 row) is scored, not 'train' (2 rows), "
        "which a run on the file trains on (--all-keys scores every key)."
    ], out.err
    assert json.loads(out.out)["rows"] == 1  # --json as before, of the one held-out row
    assert main([*argv, "--all-keys"]) == 0  # every key, as before: the trained rows named
    out = capsys.readouterr()
    assert (
        "holds its own split" not in out.err
        and "are rows the run trained on (item 1 at the 'train' key's item 1, item 2 at the" in out.err
    ), out.err
    assert json.loads(out.out)["rows"] == 3


def test_the_data_pages_preview_names_the_key_each_row_of_a_keyed_file_came_from(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path box reads only allowed folders
    path = _write(tmp_path, {"train": TRAIN, "test": TEST})
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(path).run()
    assert not at.exception, at.exception
    heads = [c.value for c in at.caption if c.value.startswith("Item ")]
    assert heads[:1] == ["Item 1 (the 'train' key's item 1)"], heads
    at.number_input(key="data_page").set_value(2).run()  # 5 rows a page: the second holds the 'test' key's
    heads = [c.value for c in at.caption if c.value.startswith("Item ")]
    assert heads[1:] == ["Item 7 (the 'test' key's item 1)", "Item 8 (the 'test' key's item 2)"], heads
