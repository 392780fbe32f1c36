"""CLI leftovers (helper 237): what `train`'s step lines say, named in `train --help`."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from ftlib.cli import main

# One logged row of each method (metrics.jsonl's names, as ftlib.metrics maps TRL's logs), the heading of its part of
# the legend, and the columns its step line prints beside the common ones: each must be named there.
COMMON = {"step": 3, "loss": 0.6931, "learning_rate": 2e-4, "grad_norm": 0.81, "tokens_per_s": 912.0, "elapsed": 14}
STEP_ROWS = [
    ("every method", {}, ["loss", "lr", "grad", "tok/s"]),
    ("DPO", {"reward_accuracy": 1.0, "reward_margin": 3.735}, ["reward acc", "margin"]),
    ("reward model", {"accuracy": 0.75, "margin": 1.2}, ["accuracy", "margin"]),
    ("KTO", {"rewards_chosen": 0.12, "rewards_rejected": -0.34, "kl": 0.0}, ["rewards good", "kl"]),
    ("GRPO", {"reward": 0.81, "reward_std": 0.21, "kl": 0.002}, ["reward", "kl"]),
]


def _train_help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("heading, logged, columns", STEP_ROWS, ids=[r[0] for r in STEP_ROWS])
def test_train_help_names_each_column_of_its_step_lines_per_method(capsys, heading, logged, columns):
    """`train` printed "[step 3/20] loss 0.6931 ... reward acc 1.00 margin 3.735" (DPO), KTO's "rewards good +0.120 bad
    -0.340 kl ≤0 (clamped)" and GRPO's "reward 0.810 ± 0.210" with no word anywhere of what each is: `train --help`
    now ends with a legend, each column the line prints named under its method, with TRL's logged name."""
    from ftlib.metrics import _progress_line

    line = _progress_line({**COMMON, **logged}, SimpleNamespace(max_steps=20))
    said = _train_help(capsys)
    legend = said[said.index("What each progress line says") : said.index("Exit code:")]
    # Its parts: the common columns, then one under each method's heading ("DPO:" on a line of its own).
    parts = re.split(r"\n([A-Za-z][\w ]*):\n", legend)
    part = dict(zip(parts[1::2], parts[2::2], strict=True)).get(heading, "") if heading != "every method" else parts[0]
    for column in columns:
        assert re.search(rf"\b{re.escape(column)}\b", line), (column, line)  # the line prints it
        assert re.search(rf"^ {{2}}{re.escape(column)}\b", part, re.M), (column, part)  # the legend names it, a row
    assert "page" not in said.lower()


def test_the_step_legend_gives_trls_names_and_the_readings_that_matter(capsys):
    """The standard meaning, in TRL's logged names (what a reader of TRL's docs or a W&B chart knows them by)."""
    said = " ".join(_train_help(capsys).split())
    for name in ("rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected", "reward_std"):
        assert name in said, name
    assert "0.50 is chance" in said and "kl ≤0 (clamped)" in said and "[eval step N]" in said


# `said_end` (train_follow.py) on a run deleted as it ended: `runs.find` raised "There is no run 'X'. `runs list`
# shows the runs." for a run the command had just followed to its end (a DPO run, whose held-out rewards it reads);
# a run without a held-out score was said "finished" and exit 0, its result gone unsaid.
def _gone_as_it_ended(monkeypatch, eval_score):
    from ftlib import runs
    from ftlib.commands import train as train_command
    from ftlib.run_people import CLI, Who
    from ftlib.testing import make_run

    run_id = "20261207-210000-dpo-gone"
    make_run(run_id, {"name": "gone", "method": "dpo"}, state="interrupted", stopped_by="user", max_steps=6)
    monkeypatch.setattr(runs, "resume", lambda run_id, by=None: {"state": "queued", "message": "Waiting."})

    def follow(run_id, offset=0):  # it ends; a teammate deletes it before the end is said
        ended = SimpleNamespace(state="finished", message="Finished.", duration_s=3.0, step=6, max_steps=6,
                                train_score=0.4, train_text="loss 0.4000", eval_score=eval_score,
                                eval_text="loss 0.2082", log_tail=[], divergence=None)  # fmt: skip
        runs.delete(run_id, by=Who("bob", via=CLI))
        return ended

    monkeypatch.setattr(train_command, "follow", follow)
    return run_id


@pytest.mark.parametrize("eval_score", [0.2082, None], ids=["held-out score", "none"])
def test_a_run_deleted_as_it_ended_is_said_deleted_with_who_did_it(monkeypatch, capsys, eval_score):
    run_id = _gone_as_it_ended(monkeypatch, eval_score)
    assert main(["runs", "resume", "gone", "--wait"]) == 2
    out, err = capsys.readouterr()
    assert err == (
        f"error: Run '{run_id}' was deleted by bob (command line) as it ended (finished, step 6/6): its result went "
        "with it. `python -m ftlib runs list` shows the runs left.\n"
    ), err
    assert "finished after" not in out and "Traceback" not in err


@pytest.mark.parametrize("as_read", [False, True], ids=["before the next look", "as the next look reads it"])
def test_a_followed_run_deleted_before_it_ended_is_said_deleted(monkeypatch, capsys, as_read):
    """Deleted while queued (a queued run may be deleted): following it said "There is no run 'X'" of the run whose
    lines it had been printing; deleted as a look read it, its summary's state ("unknown") was printed first."""
    from ftlib import runs
    from ftlib.commands.train_follow import follow
    from ftlib.testing import make_run

    run = make_run("20261207-210500-lora-queued", {"name": "queued"}, state="queued", max_steps=6)
    read, looks = runs.wait, []

    def wait(run_id, timeout=None):  # the first look finds it queued; it is deleted before the next, or within it
        looks.append(run_id)
        if len(looks) == 1:
            return run.summary()
        if len(looks) == 2:
            runs.delete(run_id)
            if as_read:  # found, then gone as its files are read
                return run.summary()
        return read(run_id, timeout=timeout)

    monkeypatch.setattr(runs, "wait", wait)
    with pytest.raises(runs.RunError) as raised:
        follow(run.id, poll=0)
    assert str(raised.value) == (
        f"Run '{run.id}' was deleted before it ended (queued): nothing of it is left to follow. `python -m ftlib runs "
        "list` shows the runs left."
    )
    assert capsys.readouterr().out == f"[{run.id}] queued\n"


def test_train_json_of_a_run_deleted_as_it_ended_says_it_was_deleted():
    """`train --json` reads the run's summary after following it: there too the deletion is said, not "no run"."""
    from ftlib import runs
    from ftlib.commands.train import _summary
    from ftlib.testing import make_run

    run = make_run("20261207-211000-lora-json", {"name": "json"}, max_steps=2, step=2)
    ended = run.summary()
    runs.delete(run.id)
    with pytest.raises(runs.RunError, match=r"was deleted as it ended \(finished, step 2/2\): its result went"):
        _summary(run.id, ended)


# `tokens`' first line put the file after the place's brackets: "--line 3 is data row 3 (line 5 of the file) of
# t.csv", "item 3 (the 'test' key's item 2) of k.json" ("line 5 of the file) of t.csv"). Every other message names
# a row of a file as `split_lines.place` does, the file beside the row's number and the bracket last: train's
# held-out notes, evaluate's places, the pages' captions ("row 2 is item 9 of garden.json (the 'test' key's item 3)").
def test_tokens_names_the_row_and_its_file_as_every_other_message_does(tmp_path, capsys):
    table = tmp_path / "qa.csv"
    table.write_text('prompt,completion\n"Say\nhi",Hello\nWhy?,\nYo,Hey\n', encoding="utf-8")  # data row 1 spans 2
    keyed = tmp_path / "qa.json"
    rows = [{"prompt": p, "completion": c} for p, c in (("Hi", "Hello"), ("Yo", "Hey"), ("Sup", "Not much"))]
    keyed.write_text(json.dumps({"train": rows[:1], "test": rows[1:]}), encoding="utf-8")

    assert main(["tokens", str(table), "--line", "3", "--template", "chatml"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"--line 3 is data row 3 of {table} (line 5 of the file)"
    assert main(["tokens", str(keyed), "--row", "2", "--template", "chatml"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"--row 2 (counted from 0 among 3 valid rows) is item 3 of {keyed} (the 'test' key's item 2)"
    assert main(["tokens", str(table), "--line", "2", "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --line 2: data row 2 of {table} (line 4 of the file) was set aside, not read"), err


# The training time estimate (ftlib.run_time) is the optimizer steps' time alone: its rate's seconds leave out the
# held-out evaluations (the base model's before the first step too) and checkpoints (`metrics._interval`), and
# `time_estimate`'s docstring said so; the page's caption and `train`'s note said only "(after the model loads)".
def test_the_time_estimate_says_what_it_does_not_count(tmp_path):
    from ftlib import run_time
    from ftlib.config import RunConfig
    from ftlib.testing import make_run

    speeds = [{"kind": "train", "step": s, "loss": 1.0, "tokens_per_s": 200.0, "elapsed": s} for s in (1, 2, 3)]
    speeds.insert(0, {"kind": "eval", "step": 0, "eval_loss": 2.0, "elapsed": 0})  # not a rate: no step's
    runs = [
        make_run("20261201-100000-b", {"model": "/m", "method": "lora"}, metrics=speeds, root=tmp_path, device="cpu")
    ]
    est = run_time.time_estimate(RunConfig(model="/m", dataset="x", epochs=1.0), 4000, 40, "cpu", runs=runs)
    assert est.sentence().startswith(
        "About 0:00:20 of training (not counting loading the model, held-out evaluations or saving checkpoints): "
        "4,000 tokens at the 200 tokens/s"
    ), est.sentence()
