"""Helper 157's cold walk of the alignment methods from the command line, with files shaped as published preference
data is (a chat export with thumbs, UltraFeedback, HH-RLHF): a command the CLI offers as the way on works as given."""

from __future__ import annotations

import json
import shlex

from ftlib import runs
from ftlib.cli import main
from tests.test_cli_errors import one_error_line


def test_data_pair_offers_kto_with_the_map_that_read_the_labels(tmp_path, capsys, tiny_model_dir, no_training):
    """A chat export whose `feedback` column is mapped as the label, each question answered once: nothing to pair,
    and the KTO command offered instead dropped `--map feedback=label`, so `train` read the rows as alpaca
    conversations and refused KTO on them."""
    path = tmp_path / "chat export.jsonl"  # a space: the path is quoted for the shell
    rows = [
        {"question": f"Tip {i}?", "response": f"Answer {i}.", "feedback": "thumbs_up" if i % 3 else "thumbs_down"}
        for i in range(12)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = str(tmp_path / "pairs.jsonl")
    line = one_error_line(capsys, ["data", "pair", str(path), "--map", "feedback=label", "--out", out])
    offered = line.rsplit("`", 2)[1]
    assert offered == f"python -m ftlib train --method kto --dataset {shlex.quote(str(path))} --map feedback=label"
    argv = shlex.split(offered)[3:] + ["--model", str(tiny_model_dir), "--max-steps", "1", "--detach"]
    assert main(argv) == 0, capsys.readouterr().err
    assert [r.method for r in runs.list_runs(refresh=False)] == ["kto (lora)"]


def test_a_grpo_run_that_learned_nothing_says_when_every_answer_was_cut(varied_model, tmp_path, monkeypatch):
    """A GSM8K-like file with `{"final_answer": "answer"}` and a short max answer length: every answer was cut
    before its final number, every reward 0, and the run's message advised other rewards, a higher temperature or a
    bigger group, none of which helps; the limit, the cause, was not named. (Where some answers end, it is not said:
    the doctest of `no_signal_note`; TRL's clipped ratio counts an answer cut when it does not end on an eos id.)"""
    from ftlib import sampling
    from ftlib.overfitting import no_signal_note
    from ftlib.training import build_trainer
    from tests.test_grpo_cut_answers import PROMPTS, _config, _stops

    monkeypatch.setattr(sampling, "stop_token_ids", _stops("none"))  # no stop id: every answer runs to the limit
    config = _config(varied_model(3), rewards=[{"regex": "^never said$"}])
    prepared = build_trainer(config, tmp_path, rows=(PROMPTS, []))
    prepared.trainer.train()
    note = no_signal_note(prepared.trainer.state.log_history)
    assert note.startswith(" Every group of answers got equal rewards at every step")
    assert (
        "Every answer was cut at the answer length limit, before its end, at every step: raise grpo_max_new_to" in note
    )


def test_kto_progress_lines_say_the_good_and_bad_answers_rewards():
    """`train --method kto` printed loss, lr, grad and kl only, though TRL logs the rewards of the good and the bad
    answers (the Train page charts them): loss 0.0268 said nothing of whether the labels were learnt. DPO's and
    GRPO's lines are as before."""
    from types import SimpleNamespace

    from ftlib.metrics import _progress_line

    state, kto = SimpleNamespace(max_steps=4), {"step": 4, "loss": 0.0268, "kl": 9.31, "elapsed": 18.0}
    both = {**kto, "rewards_chosen": 4.5262, "rewards_rejected": -2.7349}
    assert _progress_line(both, state) == "[step 4/4] loss 0.0268 rewards good +4.526 bad -2.735 kl 9.3100 18s"
    assert "rewards good +4.526 kl" in _progress_line({**kto, "rewards_chosen": 4.5262}, state)  # one label only
    dpo = {**both, "reward_accuracy": 1.0, "reward_margin": 7.261}
    assert _progress_line(dpo, state) == "[step 4/4] loss 0.0268 reward acc 1.00 margin 7.261 kl 9.3100 18s"
    reward_model = {"step": 4, "loss": 0.1, "accuracy": 1.0, "margin": 4.0, "elapsed": 8.0, "rewards_chosen": 1.0}
    assert "rewards good" not in _progress_line(reward_model, state)
