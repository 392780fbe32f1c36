"""`batch` on a file with no valid row names the reasons grouped (commands.skipped_said since dc5bd8f2): a " ..." after
them, added wherever more than 3 rows were left out, read as reasons left unsaid when one reason covered them all."""

import json

from ftlib.cli import main


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_one_reason_for_five_rows_is_said_whole(tmp_path, capsys):
    rows = [{"messages": [{"role": "user", "content": f"Question {i}?"}]} for i in range(5)]
    assert main(["batch", write(tmp_path / "prompts.jsonl", rows)]) == 2
    err = capsys.readouterr().err
    assert "5 rows: lines 1, 2, 3 and 2 more: there is no assistant turn" in err, err
    assert " ..." not in err and "other reason" not in err, err


def test_seven_rows_of_three_reasons_are_said_whole(tmp_path, capsys):
    roles = ["wizard", "elf", "dwarf", "orc"]  # one reason: a role the studio does not know, differing by row
    rows = [{"messages": [{"role": r, "content": "Hi"}, {"role": "assistant", "content": "Yo"}]} for r in roles]
    rows += [{"messages": [{"role": "user", "content": "Hi"}]}] * 2 + [{"text": 5}]
    assert main(["batch", write(tmp_path / "mixed.jsonl", rows)]) == 2
    err = capsys.readouterr().err
    assert "(Differs by row: 'wizard' (line 1)" in err and "2 rows: lines 5, 6: " in err and "; line 7: " in err, err
    assert " ..." not in err and "other reason" not in err, err
