"""Follow-ups to helper 78's browser walk of the whole product on a preference file in UltraFeedback-binarized's shape
(prompt, chosen and rejected as lists of messages, a `messages` copy of the chosen chat, scores): what a newcomer read
that said a thing twice, said a time left that was not, or left a column unsaid. Each test fails without its fix."""

from __future__ import annotations

import time

from ftlib import run_phases
from ftlib.testing import make_run

# Rows of the walk's shape, written for this test: the chosen chat repeats the prompt, as UltraFeedback's does.
QUESTIONS = [
    ("Why is the sky blue?", "Air scatters blue light more than red.", "Because of the sea."),
    ("What is a noun?", "A word that names a thing, such as 'river'.", "A kind of verb."),
    ("How many legs has a spider?", "Eight.", "Six."),
    ("What is the capital of Australia?", "Canberra.", "Sydney."),
    ("Translate 'good morning' into Spanish.", "Buenos días.", "Bonjour."),
    ("How long should green tea steep?", "Two to three minutes at about 80 °C.", "Ten minutes, boiling."),
]


def ultrafeedback_rows() -> list[dict]:
    rows = []
    for i, (question, good, bad) in enumerate(QUESTIONS):
        user = {"content": question, "role": "user"}
        chosen = [user, {"content": good, "role": "assistant"}]
        rows.append(
            {
                "prompt": question,
                "prompt_id": f"id-{i:03d}",
                "chosen": chosen,
                "rejected": [user, {"content": bad, "role": "assistant"}],
                "messages": chosen,
                "score_chosen": 8.5,
                "score_rejected": 3.0,
            }
        )
    return rows


def test_a_preference_tables_messages_column_is_said_as_not_used(tmp_path, monkeypatch):
    """The walk: the same rows as JSONL said "ignored field: messages"; as Parquet (a table, its mapping editor
    filled from the engine's reading) the note said "Not used: prompt_id, score_chosen, score_rejected", and
    `messages` went unsaid: the editor's untouched `messages` box, "(none)", was passed as messages=None, which
    drops the column before any reader sees it. The page now loads the engine's own reading when only such boxes
    differ, as `data inspect` reads it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.test_pages_data import data_page, with_path

    path = tmp_path / "train_prefs-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(ultrafeedback_rows()), path)
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    at = with_path(data_page(), path)
    assert at.selectbox(key="data_map_messages").value == "(none)"  # the box as the guess left it
    assert next(m for m in at.metric if m.label == "Format").value == "preference pairs"
    (note,) = [c.value for c in at.caption if "Not used:" in c.value]
    assert "messages" in note and "prompt_id" in note and "score_chosen" in note, note
    assert next(m for m in at.metric if m.label == "Valid rows").value == str(len(QUESTIONS))
    # Read by the engine as it is, the table's mapping editor is folded: it opened on 14 boxes above the format.
    assert [e.proto.expanded for e in at.expander if e.label == "Field mapping"] == [False]
    # A pair's length is its longer side's (test_a_pairs_length_is_its_longer_side_as_training_cuts_it), said so.
    assert any("the prompt and the longer of its two answers" in c.value for c in at.caption)
    # The split is offered the file's name without the shard's numbering: not "train_prefs-00000-of-00001".
    assert at.text_input(key="split_name").value == "train_prefs"


def pick(at, run_id: str) -> None:
    """Show `run_id` in the Train page's run picker."""
    next(s for s in at.selectbox if s.label == "Run").select(run_id).run()
    assert not at.exception, at.exception


def test_a_shards_numbering_is_not_part_of_a_datasets_name():
    from ftlib.file_bytes import data_stem

    assert data_stem("train_prefs-00000-of-00001.parquet") == "train_prefs"
    assert data_stem("/hub/ultrafeedback/data/test_prefs-00000-of-00001.parquet") == "test_prefs"
    assert data_stem("train-00000-of-00002.parquet") == "train"  # a split's name alone, with no folder to go by
    assert data_stem("/hub/pirates/data/train-00000-of-00001.parquet") == "pirates"  # as before
    assert data_stem("faq-2024.jsonl") == "faq-2024"  # a number that is not a shard's stays


def test_a_starting_run_says_its_phase_once(tiny_model_dir):
    """The walk: "dpo (lora) on default · ... · starting · Starting." for the first 10 s, then "loading model and
    data · Running." under a heading that already said "— running"."""
    from tests.test_pages_train import page

    make_run("r-start", {"model": str(tiny_model_dir)}, state="running", started=time.time(), phase="starting",
             message="Starting.", max_steps=4)  # fmt: skip
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    (said,) = [c.value for c in at.caption if " · starting" in c.value]
    assert said.endswith(" · starting") and "Starting." not in said, said
    make_run("r-load", {"model": str(tiny_model_dir)}, state="running", started=time.time(),
             phase="loading model and data", message="Running.", max_steps=4)  # fmt: skip
    pick(at.run(), "r-load")
    (said,) = [c.value for c in at.caption if "loading model and data" in c.value]
    assert said.endswith(" · loading model and data"), said
    # A message that says something else stays.
    make_run("r-stop", {"model": str(tiny_model_dir)}, state="interrupted", message="Stopped at step 3.", max_steps=4)
    pick(at.run(), "r-stop")
    assert any(c.value.endswith("Stopped at step 3.") for c in at.caption)


def test_past_its_last_step_a_run_says_no_time_left_and_what_it_does(tiny_model_dir):
    """The walk: "step 4 of 4 · 0:00:42 training · about 0:00:00 left" under the phase "training" for the 7 s of
    the last held-out evaluation; the phase now says it, and no time left is shown."""
    from tests.test_pages_train import page

    steps = [{"kind": "train", "step": s, "loss": 0.7 - 0.05 * s, "elapsed": 5.0 * s} for s in (1, 2, 3, 4)]
    make_run("r-last", {"model": str(tiny_model_dir)}, state="running", started=time.time() - 40, max_steps=4,
             phase=run_phases.finishing_words(6), metrics=steps)  # fmt: skip
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    bar = at.get("progress")[0].proto.text
    assert bar.startswith("step 4 of 4 · ") and "left" not in bar, bar
    assert any("last step done: scoring the trained model on 6 held-out rows" in c.value for c in at.caption)
    # Before the last step the time left is still said.
    make_run("r-mid", {"model": str(tiny_model_dir)}, state="running", started=time.time() - 20, max_steps=4,
             phase="training", metrics=steps[:2])  # fmt: skip
    pick(at.run(), "r-mid")
    bar = at.get("progress")[0].proto.text
    assert bar.startswith("step 2 of 4 · ") and bar.endswith("about 0:00:10 left"), bar


def test_the_phase_after_the_last_step_names_the_last_evaluation():
    from transformers import TrainerControl, TrainerState

    said = []
    callback = run_phases.phase_callback(lambda **fields: said.append(fields["phase"]))
    callback.eval_rows = 6

    class Args:
        eval_on_start = True
        eval_strategy = "epoch"

    state, control = TrainerState(), TrainerControl()
    state.max_steps = 2
    callback.on_train_begin(Args, state, control)
    callback.on_evaluate(Args, state, control)
    for step in (1, 2):
        state.global_step = step
        callback.on_step_end(Args, state, control)
    callback.on_evaluate(Args, state, control)  # the last evaluation: the phase stays
    assert said == [
        run_phases.evaluating_words(6),
        run_phases.FIRST_STEP,
        run_phases.TRAINING,
        run_phases.finishing_words(6),
    ]
    # A one-step run without held-out rows: its first step is its last.
    said.clear()
    Args.eval_strategy = "no"
    one = run_phases.phase_callback(lambda **fields: said.append(fields["phase"]))
    state.max_steps, state.global_step = 1, 1
    one.on_step_end(Args, state, control)
    assert said == ["last step done: saving the trained model"]


def test_evaluate_says_a_pairs_reference_is_its_chosen_answer_and_which_number_train_showed(
    varied_dir, adapter_template
):
    """The walk: Train's "Held-out reward accuracy 100%" beside Evaluate's "Tuned prefers the chosen answer 0%",
    and a reference answer under "the test split's" with no word that it was the pair's chosen one."""
    from tests.test_pages_compare import evaluated_dpo_pairs, open_page

    at = evaluated_dpo_pairs(varied_dir, adapter_template)
    assert any("reward accuracy is the third, *Moved toward the chosen answer*" in c.value for c in at.caption)
    headers = [m.value for m in at.markdown if m.value.startswith("**Reference answer**")]
    assert headers and all(h == "**Reference answer** (the test split's chosen answer)" for h in headers), headers
    # Compare, a pair picked from the test split: its reference is said to be the chosen answer too.
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if c.value.startswith("Reference answer from the test split")]
    assert said == ["Reference answer from the test split (the pair's chosen answer):"], said


def test_a_jobs_time_left_counts_down_while_its_share_done_stands_still():
    """The walk: "What it cost" said "round 1 of 4 · 46 s so far, about 5 min 7 s left", then "1 min 1 s so far,
    about 6 min 47 s left": the time left was judged from the time so far at a share done that moves only once a
    round of answers ends, so it grew while the job went on."""
    from ftlib.jobs import BackgroundJob
    from ui.common import times_said

    job = BackgroundJob("what it cost")
    job.fraction = 0.25
    assert times_said(job, 80.0) == "1 min 20 s so far, about 4 min 0 s left"  # first seen: as before
    assert times_said(job, 95.0) == "1 min 35 s so far, about 3 min 45 s left"  # it counts down, not 4 min 45 s
    assert times_said(job, 330.0) == "5 min 30 s so far"  # slower than judged: no time left is made up
    job.fraction = 0.5  # the next report: judged again from then
    assert times_said(job, 340.0) == "5 min 40 s so far, about 5 min 40 s left"
    assert times_said(job, 3.0) == ""  # its first seconds


def test_a_pairs_length_is_its_longer_side_as_training_cuts_it(smol_tokenizer):
    """The walk, on pairs whose rejected answer is long (UltraFeedback's often are): the Data page said "0 rows
    (0.0%) would be truncated at 384 tokens (longest: 51)" in green while the Train page said "9 training rows are
    longer than the max length of 384 tokens and cut": the length counted the prompt and the chosen answer only."""
    from functools import partial

    from ftlib.data_stats import dataset_stats
    from ftlib.templates import get_template, render
    from ftlib.tokens import encode_row

    long = " ".join(f"Step {i}: water it, turn it, then check the light." for i in range(40))
    rows = [
        {"prompt": [{"role": "user", "content": "Basil tips?"}], "chosen": [{"role": "assistant", "content": "Sun."}],
         "rejected": [{"role": "assistant", "content": long}]},  # the longer side: rejected
        {"prompt": [{"role": "user", "content": "A noun?"}], "chosen": [{"role": "assistant", "content": long}],
         "rejected": [{"role": "assistant", "content": "A verb."}]},  # the longer side: chosen
    ]  # fmt: skip
    template = get_template("tokenizer", smol_tokenizer)
    stats = dataset_stats(rows, smol_tokenizer, max_length=100, render=partial(render, template), template=template)
    sides = [encode_row(r, smol_tokenizer, template) for r in rows]
    assert stats["token_lengths"] == [len(sides[0].rejected.input_ids), len(sides[1].chosen.input_ids)]
    assert stats["token_lengths"][0] > 300 > len(sides[0].chosen.input_ids)
    assert stats["truncated"] == 2  # both pairs are cut at 100 tokens, the first on its rejected side


def test_a_cut_rejected_answer_is_said_pushed_down_not_learned(smol_tokenizer):
    """The walk: on pairs whose rejected answers ran past the max length, Train said "7085 trained tokens ... past
    the cut are never learned ... In all 9 the final reply loses its end, its end-of-turn token included, so the
    model learns to stop nowhere": a rejected answer is pushed down, never imitated, so its cut end teaches no
    stopping."""
    from ftlib.run_preflight import cut_warnings
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    template = get_template("tokenizer", smol_tokenizer)
    long = " ".join(f"Step {i}: water it, turn it, then check the light." for i in range(40))
    pair = {
        "prompt": [{"role": "user", "content": "Basil tips?"}],
        "chosen": [{"role": "assistant", "content": "Sun."}],
        "rejected": [{"role": "assistant", "content": long}],
    }
    (said,) = cut_warnings([encode_row(pair, smol_tokenizer, template, max_length=80)], 80, [1])
    assert "past the cut are never pushed down (rejected answers)" in said and "stop nowhere" not in said, said
    # A chosen answer cut still says what it always did.
    flipped = {**pair, "chosen": pair["rejected"], "rejected": pair["chosen"]}
    (said,) = cut_warnings([encode_row(flipped, smol_tokenizer, template, max_length=80)], 80, [1])
    assert "past the cut are never learned" in said and "learns to stop nowhere" in said, said
