"""`data inspect --model` names the rows a max length cuts, as the file names them (helper 191's walk: "1 row is longer
than --max-length 384 (cut in training)" of a JSONL export with a BOM, Windows line ends, a blank last line and one
very long answer; a spreadsheet's CSV is named by data row and line). At most 3 are named, the rest counted."""

from __future__ import annotations

import json

from ftlib.cli import main


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


LONG = " ".join(["Chlorophyll takes in sunlight and the leaf makes sugar from water and air."] * 40)
ROWS = [
    _chat("Wie spät ist es in Tokio? 🕐", "21 Uhr. 東京は夜の九時です。"),
    _chat("请用一句话介绍长城。", "长城是古代的防御工事。"),
    _chat("Explain photosynthesis at length.", LONG),
]


def _tokens_line(out: str) -> str:
    (said,) = [line for line in out.splitlines() if line.startswith("tokens:")]
    return said


def test_the_long_row_of_a_bom_crlf_export_is_named_by_its_line(tmp_path, capsys):
    path = tmp_path / "export.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in ROWS).encode() + b"\r\n"
    )
    assert main(["data", "inspect", str(path), "--model", "default"]) == 0
    assert _tokens_line(capsys.readouterr().out).endswith(
        "1 row is longer than --max-length 384 (line 3; cut in training)"
    )
    assert main(["data", "inspect", str(path), "--model", "default", "--json"]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert (lengths["truncated"], lengths["cut"]) == (1, ["line 3"])


def test_a_csv_names_data_rows_and_counts_past_three(tmp_path, capsys):
    lines = ["Instruction ;Output"] + [f"Write about leaves, part {i};{LONG}" for i in range(5)]
    path = tmp_path / "sheet.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert main(["data", "inspect", str(path), "--model", "default", "--max-length", "64"]) == 0
    assert _tokens_line(capsys.readouterr().out).endswith(
        "5 rows are longer than --max-length 64 (data row 1 at line 2 of the file, data row 2 at line 3 of the file, "
        "data row 3 at line 4 of the file and 2 more; cut in training)"
    )
