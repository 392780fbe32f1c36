"""Helper 124's small items.

1. A KTO run trained on preference pairs (TRL unpairs them: the chosen answer good, the rejected one bad) showed no
   answers labelled good and bad on Evaluate nor in `evaluate`: `kto_eval.label_shift` read only unpaired rows. It now
   reads a KTO run's pairs as its training unpaired them (`alignment.training_rows`); a DPO run's pairs still not.
2. `train`'s cut warning said a raw-text row's length was "as the model's own template writes it": raw text is
   encoded with no chat template (as b61c403 said for `batch` and `data inspect`).
"""

from __future__ import annotations

import pytest

from ftlib import workspace
from ftlib.config import RunConfig
from ftlib.kto_eval import label_shift
from ftlib.run_preflight import preflight
from ftlib.testing import make_run
from tests.test_kto_evaluate import biased_set, cli_labels, labelled
from tests.test_pages_evaluate_kept import evaluate, metrics, open_page


def pair(question: str, chosen: str, rejected: str) -> dict:
    return {"prompt": [{"role": "user", "content": question}], "chosen": chosen, "rejected": rejected}


# Each pair's chosen answer "yes", its rejected one "no": a model pushed toward "yes" moved every answer as labelled.
PAIRS = [pair("Is water wet?", "yes", "no"), pair("Is the sky blue?", "yes", "no"), pair("Is rain dry?", "yes", "no")]


def test_a_kto_runs_pairs_are_scored_as_a_good_and_a_bad_answer_each(varied_dir):
    models = biased_set(varied_dir, "yes", "no")
    shift = label_shift(models, PAIRS, "tuned", limit=2, method="kto")  # the first 2 pairs, as `evaluate` takes them
    assert [(a.index, a.good) for a in shift.answers] == [(0, True), (0, False), (1, True), (1, False)]
    assert (shift.side(True)["moved"], shift.side(False)["moved"]) == (2, 2)
    # Scored exactly as the same answers written as unpaired rows, which is what KTO's training made of the pairs
    rows = [
        labelled(q, answer, good)
        for q in ("Is water wet?", "Is the sky blue?")
        for answer, good in (("yes", 1), ("no", 0))
    ]
    unpaired = label_shift(models, rows, "tuned")
    assert [(a.tokens, a.base_logp, a.tuned_logp) for a in shift.answers] == [
        (a.tokens, pytest.approx(a.base_logp), pytest.approx(a.tuned_logp)) for a in unpaired.answers
    ]
    for method in (None, "dpo"):  # a DPO run's pairs are no good and bad answers: Evaluate's preference section
        assert label_shift(models, PAIRS, "tuned", method=method) is None


@pytest.fixture
def kto_pairs_run(varied_dir, adapter_template):
    workspace.save_split("yes-no-pairs", PAIRS[:2], PAIRS, {"format": "preference"})
    config = {"model": str(varied_dir), "dataset": "yes-no-pairs", "template": "tokenizer", "method": "kto"}
    return make_run("20260101-000000-kto-yes-no-pairs", config, adapter=adapter_template)


def test_the_cli_prints_the_labels_lines_of_a_kto_run_on_pairs(capsys, kto_pairs_run):
    labels = cli_labels(capsys, kto_pairs_run.id, good=3, bad=3)["labels"]
    assert (labels["good"]["answers"], labels["bad"]["answers"], labels["skipped"]) == (3, 3, 0)


def test_the_page_shows_the_good_and_bad_answers_of_a_kto_run_on_pairs(kto_pairs_run, varied_dir):
    at = evaluate(open_page(varied_dir), rows=3)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    shift = at.session_state["evaluate_job"].label_shift
    shown = metrics(at)
    assert shown["Good answers more likely"] == f"{shift.side(True)['moved']} of 3"
    assert shown["Bad answers less likely"] == f"{shift.side(False)['moved']} of 3"
    assert any(m.value.startswith("**Answers labelled good and bad** (6)") for m in at.markdown)


DOCUMENTS = [
    "Harbour log, 3 May. Wind from the north-west at four knots; two trawlers in, one out before noon, nets mended.",
    "Tide tables are posted at the harbour master's door.",
]


def test_trains_cut_warning_names_no_chat_template_for_raw_text(tiny_model_dir, smol_tokenizer):
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1, max_length=16)
    rows = [{"text": t} for t in DOCUMENTS]
    (cut,) = [w for w in preflight(config, tokenizer=smol_tokenizer, rows=(rows, [])).warnings if "and cut" in w]
    assert "Raise the max length (the longest row has " in cut and "template" not in cut.split("keeps every")[0], cut
    chats = [
        {"messages": [{"role": "user", "content": "Log?"}, {"role": "assistant", "content": t}]} for t in DOCUMENTS
    ]
    config.max_length = 48  # past the chats' prompts (SmolLM2's template writes a system turn), short of one reply
    (cut,) = [w for w in preflight(config, tokenizer=smol_tokenizer, rows=(chats, [])).warnings if "and cut" in w]
    assert " tokens as the " in cut and " template writes it: a max length of " in cut, cut  # a chat's: still named
