"""A review of the session's commits (helper 117): what it found wrong, each pinned here."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes


def test_a_minus_one_label_is_refused_not_read_as_good():
    """f21b85b let a label's spelling drop '-' ("thumbs-up" is "thumbs_up"), and with it a number's sign: a CSV of
    +1/-1 labels read every -1 (a bad answer) as 1, good, silently. A number is read as written: -1 is refused."""
    loaded = load_bytes(b"prompt,completion,label\nHi,Hello,1\nHo,Go away,-1\nHa,Sure,0\n", "feedback.csv")
    assert [r["label"] for r in loaded.rows] == [True, False]
    (error,) = loaded.errors
    assert "not '-1'" in error.message


ASK = [{"role": "user", "content": "Is water wet?"}]


def kto_rows(completion: list[dict]) -> list[dict]:
    return [{"prompt": ASK, "completion": completion, "label": good} for good in (True, False)]


@pytest.mark.parametrize(
    ("policy", "completion"),
    [
        # completion_only trains the template's text after the answer's end-of-turn too ("<|im_end|>" then "\n")
        ("completion_only", [{"role": "assistant", "content": "yes"}]),
        # all_assistant trains every reply of an answer of several turns, not only its last
        (
            "all_assistant",
            [{"role": "assistant", "content": "Let me think."}, {"role": "assistant", "content": "yes"}],
        ),
    ],
)
def test_a_kto_answer_is_scored_on_the_tokens_training_summed(policy, completion, model_set):
    """1158414 scored each KTO answer's last reply (Evaluate's reference) whatever the run's mask policy, so the
    summed log-probability was not over the tokens KTO summed in training, and 'Train's held-out rewards are beta x
    the mean changes' held only for one-reply answers under all_assistant or last_assistant."""
    from ftlib.config import RunConfig
    from ftlib.kto_eval import label_shift
    from ftlib.references import _chat_template
    from ftlib.training import encode_for_training

    rows = kto_rows(completion)
    template = _chat_template("tokenizer", model_set.tokenizer)
    config = RunConfig(method="kto", mask_policy=policy)
    encoded, _ = encode_for_training(rows, model_set.tokenizer, template, config)
    trained = [sum(label != -100 for label in enc.labels) for enc in encoded]
    shift = label_shift(model_set, rows, model_set.names[1], template, mask_policy=policy)
    assert [a.tokens for a in shift.answers] == trained
    last_reply = label_shift(model_set, rows, model_set.names[1], template, mask_policy="last_assistant")
    assert [a.tokens for a in last_reply.answers] != trained  # the cases differ from the last reply alone


def test_the_evaluate_pages_job_scores_kto_answers_with_the_runs_mask_policy(model_set, monkeypatch):
    from ftlib import eval_results as K
    from ftlib.evaluate import EvalJob

    asked = {}
    monkeypatch.setattr(EvalJob, "work", lambda self: setattr(self, "result", object()))
    monkeypatch.setattr(K, "label_shift", lambda *a, **kw: asked.update(kw))
    job = K.KeptEvalJob(
        model_set,
        kto_rows([{"role": "assistant", "content": "yes"}]),
        model_set.names[1],
        mask_policy="completion_only",
        max_length=64,
    )
    job.work()
    assert asked["mask_policy"] == "completion_only" and asked["max_length"] == 64


def test_evaluate_scores_a_kto_runs_answers_with_its_mask_policy(varied_dir, adapter_template, monkeypatch, capsys):
    from ftlib import kto_eval, workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    asked = {}
    monkeypatch.setattr(kto_eval, "label_shift", lambda *a, **kw: asked.update(kw))
    rows = kto_rows([{"role": "assistant", "content": "yes"}])
    workspace.save_split("wet", rows, rows, {"format": "unpaired_preference"})
    config = {"model": str(varied_dir), "dataset": "wet", "method": "kto", "mask_policy": "completion_only"}
    run = make_run("20260101-000000-kto-wet", config, adapter=adapter_template)
    assert main(["evaluate", run.id, "--max-new-tokens", "4"]) == 0
    assert asked["mask_policy"] == "completion_only"


WORDS = "river stone lantern harbour meadow copper violet thunder orchard glacier".split()


def test_a_packing_runs_batch_is_weighed_against_the_rows_packing_makes(tiny_model_dir):
    """3652d14 counted a packing run's steps in packed rows but left the batch-size warning on the training rows:
    6 long documents split into 16 packed rows (bfd_split) were told 'Batch size 8 is more than the 6 training rows:
    every step is one pass over all 6' (2 steps a pass in fact), and 40 short rows packed into 1 row with batch 4 were
    told nothing, though each step was a pass over all of them."""
    from ftlib.run_preflight import preflight
    from tests.test_training import tiny_config

    docs = [{"text": " ".join(WORDS[(i * k) % 10] for k in range(n))} for i, n in enumerate((70, 9, 130, 45, 200, 33))]
    split = tiny_config(
        tiny_model_dir, packing=True, packing_strategy="bfd_split", max_length=32, batch_size=8, template="text"
    )
    report = preflight(split, rows=(docs, []))
    assert report.step_rows > 8 > report.train_rows
    assert not [w for w in report.warnings if w.startswith("Batch size")], report.warnings
    short = [{"text": "river stone lantern"}] * 40
    packed = tiny_config(tiny_model_dir, packing=True, max_length=384, batch_size=4, template="text")
    report = preflight(packed, rows=(short, []))
    assert report.step_rows == 1
    (said,) = [w for w in report.warnings if w.startswith("Batch size")]
    assert said.startswith("Batch size 4 is more than the 1 row packing makes of the 40 training rows: a step")
    assert "one pass over them all. Add training rows." in said


def test_data_pair_refuses_an_out_file_not_named_jsonl(tmp_path, capsys):
    """`data pair --out pairs.csv` wrote JSON lines into a .csv file, which its own 'next: train --dataset
    pairs.csv' then read as CSV: 'pairs.csv has a header but no rows'. Refused, naming the .jsonl to give."""
    from ftlib.cli import main

    feedback = tmp_path / "feedback.jsonl"
    rows = [{"prompt": "P", "completion": answer, "label": good} for answer, good in (("g", True), ("b", False))]
    feedback.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "pairs.csv"
    assert main(["data", "pair", str(feedback), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {out} must end in .jsonl") and str(tmp_path / "pairs.jsonl") in err
    assert not out.exists()
    assert main(["data", "pair", str(feedback), "--out", str(tmp_path / "pairs.JSONL")]) == 0
