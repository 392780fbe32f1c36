"""`evaluate` refusing held-out KTO rows all labelled bad says what to do, as the Evaluate page does (before: the
plural refusal alone, a dead end for a CLI user: helper 292's walk)."""

import json

from ftlib.cli import main
from ftlib.testing import make_run


def kto(label: bool, i: int) -> dict:
    prompt = [{"role": "user", "content": f"Name tide number {i}."}]
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": "Spring."}], "label": label}


def refusal(tmp_path, capsys, labels: list[bool], *extra: str) -> str:
    run = make_run("20261208-040000-kto-done", {"dataset": "chat_style", "method": "kto", "max_steps": 2})
    data = tmp_path / "held_out.jsonl"
    data.write_text("".join(json.dumps(kto(label, i)) + "\n" for i, label in enumerate(labels)))
    assert main(["evaluate", run.id, "--data", str(data), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: None of the") and "each one's answer is labelled bad" in err, err
    return err


def test_a_file_with_no_good_answer_is_told_to_hold_some(tmp_path, capsys):
    err = refusal(tmp_path, capsys, [False, False, False])
    assert err.endswith(
        "Give --data a file holding answers labelled good (label true); "
        + str(tmp_path / "held_out.jsonl")
        + " holds none."
    ), err


def test_a_good_answer_past_the_limit_is_pointed_at(tmp_path, capsys):
    err = refusal(tmp_path, capsys, [False, False, True], "--limit", "2")
    assert err.endswith("Raise --limit to 3 or more: row 3's answer is labelled good."), err
