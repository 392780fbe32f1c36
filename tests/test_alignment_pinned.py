"""Behaviours of alignment runs, splits and rewards that a 2026-12-05 mutation review found no test pinned down:
KTO's seeded row order, DPO pairs with a side cut away, GRPO's per-step draws and multi-turn prompts, a crowded
held-out part, a reward giving the wrong number of scores, and a KTO test split topped up to its size."""

from __future__ import annotations

import json
import math

import pytest

from ftlib.alignment import prompt_parts, reward_functions
from ftlib.rewards import Reward, RewardError
from ftlib.splits import CROWDED_SHARE, split_rows, split_warnings
from ftlib.training import build_trainer, encode_for_training, run_template
from tests.test_training import PREF_ROWS, tiny_config

# ---------------------------------------------------------------------------------------------------------------
# KTO trains in a seeded shuffle of its rows
# ---------------------------------------------------------------------------------------------------------------

KTO_ROWS = [
    {
        "prompt": [{"role": "user", "content": f"Is {i} even?"}],
        "completion": [{"role": "assistant", "content": "Yes." if i % 2 == 0 else "No."}],
        "label": i % 2 == 0,
    }
    for i in range(12)
]


def _kto_order(model_dir, tmp_path, seed: int) -> list[int]:
    """Which of KTO_ROWS an epoch of a KTO run reads, in the order it reads them."""
    trainer = build_trainer(tiny_config(model_dir, method="kto", seed=seed), tmp_path, rows=(KTO_ROWS, [])).trainer
    tokenizer = trainer.processing_class
    order = []
    for batch in trainer.get_train_dataloader():
        for ids in batch["input_ids"]:
            text = tokenizer.decode(ids, skip_special_tokens=True)
            order.append(int(text.split("Is ", 1)[1].split(" ", 1)[0]))
    return order


def test_kto_trains_in_a_seeded_shuffle_not_the_files_order(tiny_model_dir, tmp_path):
    """KTO reads its rows in order (its KL pairs are formed within a batch): without the seeded shuffle a run would
    train on the file's order (all of one topic, then the next), and a rerun must see the same order."""
    first = _kto_order(tiny_model_dir, tmp_path / "a", seed=3)
    assert sorted(first) == list(range(len(KTO_ROWS)))  # every row once per epoch
    assert first != list(range(len(KTO_ROWS)))  # not the file's order
    assert _kto_order(tiny_model_dir, tmp_path / "b", seed=3) == first  # the same seed: the same order
    assert _kto_order(tiny_model_dir, tmp_path / "c", seed=4) != first  # the seed decides it


# ---------------------------------------------------------------------------------------------------------------
# DPO leaves out a pair whose one side the max length cut away entirely
# ---------------------------------------------------------------------------------------------------------------

LONG_REPLY = " ".join(f"word{i}" for i in range(60))


def _half_cut_pair(side: str) -> dict:
    """A pair whose `side` is a longer exchange: under `last_assistant` its trained reply lies past a max length of
    64, while the other side's short reply fits."""
    long = [
        {"role": "assistant", "content": LONG_REPLY},
        {"role": "user", "content": "And?"},
        {"role": "assistant", "content": "That."},
    ]
    short = [{"role": "assistant", "content": "This one."}]
    other = "rejected" if side == "chosen" else "chosen"
    return {"prompt": [{"role": "user", "content": "Pick one."}], side: long, other: short}


@pytest.mark.parametrize("side", ["chosen", "rejected"])
def test_a_dpo_pair_with_one_side_cut_away_entirely_is_left_out_and_said(
    tiny_model_dir, smol_tokenizer, tmp_path, side
):
    """A pair whose chosen (or rejected) reply the max length cut away entirely would train DPO to prefer (or shun)
    an empty answer: it must be left out of training, and the pre-run report must say so and why."""
    from ftlib.run_preflight import preflight

    rows = PREF_ROWS[:4] + [_half_cut_pair(side)]
    config = tiny_config(tiny_model_dir, method="dpo", max_length=64, mask_policy="last_assistant")
    numbers: list[int] = []
    template = run_template(config, smol_tokenizer)
    encoded, dropped = encode_for_training(rows, smol_tokenizer, template, config, numbers)
    assert dropped == [5] and numbers == [1, 2, 3, 4] and len(encoded) == 4
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    assert report.ok and report.train_rows == 4, report.errors
    said = [w for w in report.warnings if w.startswith("Training row 5 will be left out.")]
    assert len(said) == 1 and "cut by the max length (64 tokens)" in said[0], report.warnings
    assert len(build_trainer(config, tmp_path, rows=(rows, [])).trainer.train_dataset) == 4


# ---------------------------------------------------------------------------------------------------------------
# GRPO: fresh draws each step; a conversation's prompt ends before its last answer
# ---------------------------------------------------------------------------------------------------------------

CONVERSATIONS = [
    {
        "messages": [
            {"role": "user", "content": f"Pick a number near {i}."},
            {"role": "assistant", "content": f"Earlier answer {i}."},
            {"role": "user", "content": "Another one?"},
            {"role": "assistant", "content": f"Final answer {i}."},
        ]
    }
    for i in range(4)
]


def _grpo_trainer(model_dir, tmp_path):
    config = tiny_config(
        model_dir,
        method="grpo",
        rewards=[{"length": {"target": 4}}],
        grpo_max_new_tokens=8,
        grpo_group_size=4,
        grpo_temperature=0.9,
        seed=5,
    )
    return build_trainer(config, tmp_path, rows=(CONVERSATIONS, [])).trainer


def _answers(trainer, step: int) -> list[list[int]]:
    trainer.state.global_step = step
    prompts = [trainer.train_dataset["prompt"][0]] * 4
    return trainer.rollout_func(prompts, trainer)["completion_ids"]


def test_grpo_draws_new_answers_each_step_and_the_same_ones_again_on_resume(varied_model, tmp_path):
    """GRPO learns from fresh answers each step: a rollout that reused step 0's draws at every step would learn from
    the same few answers over and over; a resumed run (same seed, same step) must draw the answers it drew before."""
    trainer = _grpo_trainer(varied_model(3), tmp_path / "a")
    step0, step1 = _answers(trainer, 0), _answers(trainer, 1)
    assert step0 != step1  # new draws at the next step
    assert _answers(trainer, 0) == step0
    resumed = _grpo_trainer(varied_model(3), tmp_path / "b")
    assert _answers(resumed, 1) == step1  # a fresh trainer at step 1 (a resume) draws what the run drew


def test_grpo_on_a_multi_turn_conversation_prompts_up_to_its_last_answer(varied_model, tmp_path, smol_tokenizer):
    """GRPO on conversations must prompt with everything before the LAST answer (earlier answers and the follow-up
    question included), not cut at the first answer and lose the question the model is to answer."""
    trainer = _grpo_trainer(varied_model(3), tmp_path)
    turns, _ = prompt_parts(trainer.train_dataset["prompt"][0])
    assert turns == CONVERSATIONS[0]["messages"][:3]
    trainer.state.global_step = 0
    prompt_ids = trainer.rollout_func([trainer.train_dataset["prompt"][0]], trainer)["prompt_ids"][0]
    text = smol_tokenizer.decode(prompt_ids)
    assert "Earlier answer 0." in text and text.rstrip().endswith("assistant")  # asked after "Another one?"
    assert "Another one?" in text and "Final answer 0." not in text


# ---------------------------------------------------------------------------------------------------------------
# A held-out part crowded by one row's copies is warned about
# ---------------------------------------------------------------------------------------------------------------

HELD_OUT = 40  # rows in the held-out part below
AT_SHARE = math.floor(CROWDED_SHARE * HELD_OUT)  # copies of one row that are exactly the share (not more)


@pytest.mark.parametrize(
    "copies, warned",
    [
        pytest.param(AT_SHARE, False, id="at the share"),
        pytest.param(AT_SHARE + 1, True, id="just past the share"),
        pytest.param(int(0.4 * HELD_OUT), True, id="40%"),
    ],
)
def test_a_held_out_part_crowded_by_copies_of_one_row_is_warned_about(copies, warned):
    """A held-out part 10-50% copies of one row measures that one row; `data split` must say so from CROWDED_SHARE
    on, not only once the copies are half of it."""
    assert 3 <= AT_SHARE and int(0.4 * HELD_OUT) < 0.5 * HELD_OUT  # the cases above mean what their ids say
    train = [{"t": f"train {i}"} for i in range(200)]
    test = [{"t": "the same row"}] * copies + [{"t": f"held {i}"} for i in range(HELD_OUT - copies)]
    found = [w for w in split_warnings(len(train), len(test), "sft", train=train, test=test) if "copies of" in w]
    assert len(found) == warned, found
    if warned:
        assert found[0].startswith(f"{copies} of the {HELD_OUT} held-out rows are copies of one row")


# ---------------------------------------------------------------------------------------------------------------
# A reward giving the wrong number of scores stops with a RewardError naming it
# ---------------------------------------------------------------------------------------------------------------


def test_a_reward_giving_the_wrong_number_of_scores_stops_with_an_error_naming_it():
    """A reward (a reward model's batching, a scorer) that drops an answer's score would misalign every score after
    it, or stop GRPO with a bare zip ValueError: it must stop with a RewardError naming the reward and the counts."""
    short = Reward(
        "judge", 'reward_run "judge-run"', 1.0, {}, lambda p, c, tools=None, columns=None: [0.5] * (len(c) - 1)
    )
    function = reward_functions([short])[0]  # as TRL calls it
    prompts = [json.dumps([{"role": "user", "content": "Hi"}])] * 3
    with pytest.raises(RewardError) as caught:
        function(prompts, ["a", "b", "c"])
    assert 'reward_run "judge-run"' in str(caught.value) and "2 scores for 3 answers" in str(caught.value)


# ---------------------------------------------------------------------------------------------------------------
# A KTO test split with copies is topped up to the size asked
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_a_kto_test_split_with_copies_holds_the_rows_asked_for(seed):
    """Good answers that come only as groups of copies cannot fill the good answers' share of a KTO test split (a
    row's copies stay on one side): the split must be topped up with other rows to the size asked, not come short."""

    def row(text: str, label: bool) -> dict:
        return {
            "prompt": [{"role": "user", "content": text}],
            "completion": [{"role": "assistant", "content": text}],
            "label": label,
        }

    rows = [row("good A", True)] * 3 + [row("good B", True)] * 3 + [row(f"bad {i}", False) for i in range(4)]
    train, test = split_rows(rows, test_size=4, seed=seed)
    assert len(test) == 4 and len(train) == 6
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert not {key(r) for r in train} & {key(r) for r in test}  # no held-out row is trained on
