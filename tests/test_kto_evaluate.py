"""A KTO run's held-out answers labelled good and bad under the base and the tuned model (`ftlib.kto_eval`): how many
good answers tuning made more likely, how many bad ones less likely, and the mean change of each; on the Evaluate
page (kept with its held-out result, so a reload shows it) and in `python -m ftlib evaluate` (its `labels:` lines and
its --json "labels"). Evaluate scored only the good answers before, so a KTO team could not see the bad ones fall."""

from __future__ import annotations

import json

import pytest
import torch

from ftlib import eval_results as K
from ftlib import workspace
from ftlib.kto_eval import LabelShift, label_shift, shift_from_record
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import evaluate, metrics, open_page


def labelled(prompt: str, answer: str, good: bool) -> dict:
    return {"prompt": [{"role": "user", "content": prompt}], "completion": answer, "label": good}


# Good answers say "yes", bad ones "no": a model pushed toward "yes" and away from "no" has learned the labels.
ROWS = [
    labelled("Is water wet?", "yes", True),
    labelled("Is the sky blue?", "yes", True),
    labelled("Is fire cold?", "no", False),
    labelled("Is ice hot?", "no", False),
    labelled("Is snow warm?", "no", False),
]


class Biased(torch.nn.Module):
    """The base model with one change: at each position after a line break (where the assistant's answer begins, after
    "<|im_start|>assistant\n"), its next-token logits are shifted by `bias` (a vector over the vocabulary). +30 on
    a token makes it all but certain there, -30 all but impossible; every other position is the base's own."""

    def __init__(self, model, bias, newline: int):
        super().__init__()
        self.inner, self.newline = model, newline
        self.register_buffer("bias", bias)

    def forward(self, input_ids, **kwargs):
        out = self.inner(input_ids=input_ids, **kwargs)
        kept = input_ids[:, -out.logits.shape[1] :]  # the positions whose logits were kept (`logits_to_keep`)
        out.logits = out.logits + (kept == self.newline)[..., None] * self.bias
        return out


def biased_set(model_dir, toward: str, away: str):
    """The base of `model_dir` beside a full fine-tune "tuned": the base made sure of `toward` as an answer's first
    token and sure it is not `away`."""
    from ftlib.models import load_model, load_tokenizer
    from ftlib.modelset import ModelSet

    tok = load_tokenizer(str(model_dir))
    base = load_model(str(model_dir), device="cpu")
    bias = torch.zeros(base.config.vocab_size)
    bias[tok.encode(toward, add_special_tokens=False)] = 30.0
    bias[tok.encode(away, add_special_tokens=False)] = -30.0
    tuned = Biased(base, bias, tok.encode("\n", add_special_tokens=False)[-1])
    return ModelSet(model=base, tokenizer=tok, adapters={}, full_models={"tuned": tuned}, given=["tuned"])


def test_a_model_made_sure_of_the_good_answer_moves_every_answer_as_labelled(varied_dir):
    shift = label_shift(biased_set(varied_dir, "yes", "no"), ROWS, "tuned")
    good, bad = shift.side(True), shift.side(False)
    assert (good["answers"], good["moved"]) == (2, 2)
    assert (bad["answers"], bad["moved"]) == (3, 3)
    assert good["mean_change"] > 0 > bad["mean_change"]
    assert good["mean_change_per_token"] > 0 > bad["mean_change_per_token"]
    for answer in shift.answers:  # summed log-probabilities (nats): never above 0, tuned - base the change
        assert answer.base_logp <= 0 and answer.tuned_logp <= 0 and answer.tokens >= 1
        assert answer.change == pytest.approx(answer.tuned_logp - answer.base_logp)
    lines = shift.lines("the base", beta=0.1)
    assert lines[0].startswith("2 answers labelled good: 2 of 2 more likely under the tuned model than under the base")
    assert lines[1].startswith("3 answers labelled bad: 3 of 3 less likely under the tuned model")
    assert f"beta x it = {0.1 * good['mean_change']:+.3f}" in lines[0]


def test_a_model_made_sure_of_the_bad_answer_moves_none_as_labelled(varied_dir):
    shift = label_shift(biased_set(varied_dir, "no", "yes"), ROWS, "tuned")
    assert (shift.side(True)["moved"], shift.side(False)["moved"]) == (0, 0)
    assert shift.side(True)["mean_change"] < 0 < shift.side(False)["mean_change"]
    assert "0 of 3 less likely" in shift.lines()[1]


def test_only_kto_rows_are_scored_and_a_kept_record_reads_back(model_set):
    chats = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}]
    assert label_shift(model_set, chats, model_set.names[1]) is None  # not a KTO run's rows: nothing to say
    shift = label_shift(model_set, ROWS, model_set.names[1], limit=3)  # the rows `evaluate` takes
    assert [a.index for a in shift.answers] == [0, 1, 2] and [a.good for a in shift.answers] == [True, True, False]
    from dataclasses import asdict

    again = shift_from_record(json.loads(json.dumps(asdict(shift))))
    assert isinstance(again, LabelShift) and again.as_dict() == shift.as_dict()
    one_sided = LabelShift([a for a in shift.answers if a.good])  # no bad answer: its line left out, not "0 of 0"
    assert len(one_sided.lines()) == 1


@pytest.fixture
def kto_run(varied_dir, adapter_template):
    workspace.save_split("yes-no", ROWS[:2], ROWS, {"format": "unpaired_preference"})
    config = {"model": str(varied_dir), "dataset": "yes-no", "template": "tokenizer", "method": "kto"}
    return make_run("20260101-000000-kto-yes-no", config, adapter=adapter_template)


def cli_labels(capsys, run_id: str, good: int, bad: int) -> dict:
    """`evaluate RUN`'s two 'labels:' lines checked (`good` and `bad` answers, in TRL's words), then the --json of a
    second call, returned."""
    from ftlib.cli import main

    assert main(["evaluate", run_id, "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    said = [line for line in out.splitlines() if line.startswith("labels: ")]
    assert len(said) == 2, out
    assert said[0].startswith(f"labels: {good} answers labelled good: ") and "more likely under the tuned" in said[0]
    assert said[1].startswith(f"labels: {bad} answers labelled bad: ") and "TRL's held-out reward: beta x" in said[1]
    assert out.count("note: Changes are in nats, the natural-log units of probability: +0.69 nats is twice") == 1
    assert main(["evaluate", run_id, "--max-new-tokens", "8", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_cli_prints_the_labels_lines_and_json(capsys, kto_run):
    agg = cli_labels(capsys, kto_run.id, good=2, bad=3)
    labels = agg["labels"]
    assert labels["measure"].startswith("summed log-probability")
    assert (labels["good"]["answers"], labels["bad"]["answers"], labels["skipped"]) == (2, 3, 0)
    assert 0 <= labels["bad"]["moved"] <= 3
    assert agg["rows"] == 2  # the loss numbers are still of the good answers only


def test_a_run_without_kto_rows_prints_no_labels(capsys, varied_dir, adapter_template):
    chats = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}] * 2
    workspace.save_split("chats", chats[:1], chats, {"format": "messages"})
    run = make_run(
        "20260101-000000-lora-chats", {"model": str(varied_dir), "dataset": "chats"}, adapter=adapter_template
    )
    from ftlib.cli import main

    assert main(["evaluate", run.id, "--max-new-tokens", "8", "--json"]) == 0
    assert "labels" not in json.loads(capsys.readouterr().out)


def test_the_page_shows_the_good_and_bad_answers_and_keeps_them(kto_run, varied_dir):
    at = evaluate(open_page(varied_dir), rows=5)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    job = at.session_state["evaluate_job"]
    shift = job.label_shift
    shown = metrics(at)
    assert shown["Good answers more likely"] == f"{shift.side(True)['moved']} of 2"
    assert shown["Bad answers less likely"] == f"{shift.side(False)['moved']} of 3"
    assert any(m.value.startswith("**Answers labelled good and bad** (5)") for m in at.markdown)
    assert any("summed over its tokens, as KTO sums it" in c.value for c in at.caption)
    assert "labels" in {k.key["kind"] for _, k in K._kept(kto_run.path, "labels")}
    again = open_page(varied_dir)  # a reload: the held-out result and its labels come back from the run's folder
    assert not again.exception, again.exception
    assert metrics(again)["Bad answers less likely"] == shown["Bad answers less likely"]
