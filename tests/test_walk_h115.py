"""A cold walk with preference data in the shapes projects publish (UltraFeedback-style whole conversations with
scores beside them, HH-RLHF transcripts, Parquet, broken rows), in a real browser: what it found, each pinned here."""

from __future__ import annotations

import json
import re

import pytest
import torch

from ftlib.training import build_trainer
from tests.test_training import PREF_ROWS, tiny_config


def batched_and_whole(trainer, rows: int) -> tuple[dict, dict]:
    """`trainer.evaluate()` in its own eval batches and in one batch of all `rows`, its LoRA adapter first moved away
    from the reference model (LoRA's B starts at 0, so every reward and margin would be 0 and any weighing agree)."""
    torch.manual_seed(3)
    with torch.no_grad():
        for name, p in trainer.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    in_batches = trainer.evaluate()
    trainer.args.per_device_eval_batch_size = rows
    return in_batches, trainer.evaluate()


def test_a_dpo_runs_held_out_reward_accuracy_is_over_pairs_not_batches(tiny_model_dir, tmp_path):
    """3 held-out pairs in batches of 2 and 1: TRL averages each batch's mean, so the Train page read "held-out reward
    accuracy 50%", a value 3 pairs cannot give (a cold walk). Logged by pair, it equals the value of one batch of all
    3. A pair and its swap (the same two answers the other way round) make the pairs' accuracies differ whatever the
    model's weights: one is ranked right and the other wrong."""
    first = PREF_ROWS[1]
    held_out = [first, {**first, "chosen": first["rejected"], "rejected": first["chosen"]}, PREF_ROWS[2]]
    trainer = build_trainer(
        tiny_config(tiny_model_dir, method="dpo", batch_size=2), tmp_path, rows=(PREF_ROWS[:1], held_out)
    ).trainer
    in_twos, in_one = batched_and_whole(trainer, 3)
    assert len(trainer.eval_dataset) == 3
    assert in_one["eval_rewards/accuracies"] in (pytest.approx(1 / 3), pytest.approx(2 / 3))  # a number of thirds
    for key in ("eval_rewards/accuracies", "eval_rewards/margins", "eval_rewards/chosen", "eval_logps/rejected"):
        assert in_twos[key] == pytest.approx(in_one[key], rel=1e-4, abs=1e-6), key


def _turn(role: str, content: str) -> dict:
    return {"role": role, "content": content}


SYSTEM, HELLO, SURE = _turn("system", "Be brief."), _turn("user", "Hi, a question."), _turn("assistant", "Go ahead.")
ASK, GOOD, BAD = (
    _turn("user", "Why do cats knead?"),
    _turn("assistant", "A kitten habit."),
    _turn("assistant", "No idea."),
)


@pytest.mark.parametrize(
    ("chosen", "rejected", "said"),
    [
        # UltraFeedback-style multi-turn rows whose earlier reply differs: refused before as "the chosen answer
        # contains a user turn", a sentence about an answer the file never gave on its own.
        (
            [HELLO, SURE, ASK, GOOD],
            [HELLO, _turn("assistant", "Not now."), ASK, BAD],
            "at turn 2, .*chosen's turn 3 is",
        ),
        # The same system turn, then two different questions.
        ([SYSTEM, ASK, GOOD], [SYSTEM, _turn("user", "Why do dogs dig?"), BAD], "at turn 2, .*chosen's turn 2 is"),
    ],
)
def test_whole_conversations_that_part_before_their_last_answers_are_refused_with_the_turn_where(
    chosen, rejected, said, tmp_path, capsys
):
    from ftlib.cli import main
    from ftlib.data import load_bytes

    good = {"prompt": ASK["content"], "chosen": [ASK, GOOD], "rejected": [ASK, BAD], "score_chosen": 8.0}
    bad = {"prompt": ASK["content"], "chosen": chosen, "rejected": rejected, "score_chosen": 8.0}
    payload = "".join(json.dumps(r) + "\n" for r in (good, bad, good))
    loaded = load_bytes(payload.encode(), "uf.jsonl")
    (error,) = loaded.errors
    assert error.row == 2 and loaded.row_numbers == [1, 3]
    assert re.search(
        f"whole conversations that differ {said} a user turn, not an answer.: they do not answer", error.message
    )
    assert "answer contains" not in error.message
    path = tmp_path / "uf.jsonl"
    path.write_text(payload)
    assert main(["data", "inspect", str(path)]) == 0
    assert re.search(
        f"line 2: chosen and rejected are whole conversations that differ {said}", capsys.readouterr().out
    )


def test_a_field_of_every_row_read_is_not_said_as_if_a_few_rows_had_it_when_other_rows_are_refused():
    """A cold walk: 10 UltraFeedback-style rows, 4 refused; each of the 6 read has a `prompt_id`, which was said as
    "ignored field: `prompt_id` in 6 rows (the first: line 1)", the words for a stray key in a few rows. A key that
    only some of the rows read have is still found by its place."""
    from ftlib.data import load_bytes

    row = {"prompt": ASK["content"], "chosen": [ASK, GOOD], "rejected": [ASK, BAD], "prompt_id": "p1"}
    rows = [row, {**row, "rejected": [ASK, GOOD]}, {**row, "stray": 1}, row]  # line 2: nothing to prefer
    loaded = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "uf.jsonl")
    assert [e.row for e in loaded.errors] == [2]
    said = {n.field: n.message for n in loaded.notices if n.ignored}
    assert said["prompt_id"].startswith("ignored field: `prompt_id` in 3 rows; the studio does not read it")
    assert "ignored field: `stray` in 1 row (line 3)" in said["stray"]


def test_pairs_their_own_scores_rate_as_a_tie_or_the_other_way_round_are_named_and_the_rest_are_not():
    """A cold walk: UltraFeedback-style rows carry `score_chosen` and `score_rejected`, which the studio does not read;
    rows whose scores were a tie, or rated the rejected answer higher, were trained as preferences without a word."""
    from ftlib.data import load_bytes

    def row(good, bad, **scores):
        return {"prompt": ASK["content"], "chosen": [ASK, good], "rejected": [ASK, bad], **scores}

    other = _turn("assistant", "They like it.")
    rows = [
        row(GOOD, BAD, score_chosen=8.5, score_rejected=3),
        row(GOOD, other, score_chosen=2, score_rejected=9),  # reversed
        row(other, BAD, score_chosen="5.0", score_rejected="5"),  # a tie, written as text
        row(BAD, other, score_chosen=None, score_rejected=4),  # no score: nothing to say
    ]
    loaded = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "uf.jsonl")
    assert not loaded.errors and len(loaded.rows) == 4
    (said,) = [n.message for n in loaded.notices if "own scores" in n.message]
    assert said.startswith(
        "2 pairs rate the rejected answer as good as the chosen one or better by their own scores: line 2 has "
        "score_chosen 2, score_rejected 9; line 3 has score_chosen 5.0, score_rejected 5. The scores are not read"
    )
    assert "Leave such rows out, or swap a reversed pair's chosen and rejected" in said
    agreed = load_bytes((json.dumps(rows[0]) + "\n").encode(), "uf.jsonl")
    assert not [n for n in agreed.notices if "own scores" in n.message]


def test_evaluate_says_a_dpo_runs_train_held_out_loss_is_its_own_objective_not_an_averaging_of_this_loss(
    varied_model, tmp_path
):
    """A cold walk: Evaluate of a DPO run said "Train's held-out loss differs: it averages each batch's mean rather
    than every token alike" beside a chosen answer's loss of 4.48, while Train's held-out loss was DPO's objective,
    0.585: not the same quantity averaged otherwise, another one."""
    from ftlib import workspace
    from ftlib.testing import make_random_adapter, make_run
    from tests.test_pages_compare import button, open_page, run_until_done

    model = varied_model(2)
    adapter = make_random_adapter(str(model), tmp_path / "adapter", seed=9, b_std=0.5)
    pairs = [
        {"prompt": [ASK], "chosen": [GOOD], "rejected": [BAD]},
        {"prompt": [HELLO], "chosen": [SURE], "rejected": [BAD]},
    ]
    workspace.save_split("pairs", pairs[:1], pairs, {"format": "preference"})
    config = {"model": str(model), "dataset": "pairs", "template": "tokenizer", "method": "dpo"}
    make_run("20260101-000000-dpo-pairs", config, adapter=adapter)
    at = open_page("pages/6_Evaluate.py", model)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    (said,) = [c.value for c in at.caption if c.value.startswith("Loss here:")]
    assert "Train's held-out loss is another measure: DPO's objective on the held-out pairs" in said, said
    assert "averages each batch's mean" not in said
