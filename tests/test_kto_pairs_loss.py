"""Evaluate's loss numbers on a KTO run trained on preference pairs: each pair's chosen answer is the reference, so
the base and tuned loss count the chosen answers only, while KTO trained each rejected answer too, as a bad one (TRL
unpairs a pair: `alignment.training_rows`). The loss's words say so and point to the answers labelled bad
(`kto_eval`), where the rejected answers are scored; a DPO run's pairs, trained as pairs, are not said so."""

from __future__ import annotations

from types import SimpleNamespace

from ftlib import workspace
from ftlib.loss_words import evaluate_measured_over
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import evaluate, open_page
from tests.test_small_h124 import PAIRS

REJECTED = "rejected answers, which KTO trained as bad answers (to grow less likely), are not in it"


def test_the_words_say_a_kto_runs_rejected_answers_are_not_in_the_loss():
    pairs = [SimpleNamespace(tokens=3, is_text=False, is_pair=True)] * 2
    said = evaluate_measured_over(pairs, method="kto")
    assert said.startswith("Average loss per answer token of the chosen answer of each of the 2 held-out pairs")
    assert f"The pairs' {REJECTED}: how tuning moved them is under the answers labelled bad." in said
    for method in (None, "dpo", "lora"):  # trained as pairs (DPO), or no bad answers trained: nothing to add
        assert "rejected" not in evaluate_measured_over(pairs, method=method)
    chats = [SimpleNamespace(tokens=3, is_text=False, is_pair=False)]  # a KTO run's unpaired rows: no pairs
    assert "rejected" not in evaluate_measured_over(chats, method="kto")


def pairs_run(method: str, varied_dir, adapter_template):
    workspace.save_split(f"pairs-{method}", PAIRS[:2], PAIRS, {"format": "preference"})
    config = {"model": str(varied_dir), "dataset": f"pairs-{method}", "template": "tokenizer", "method": method}
    return make_run(f"20260101-000000-{method}-pairs", config, adapter=adapter_template)


def test_the_cli_and_the_page_say_what_a_kto_runs_loss_on_pairs_covers(capsys, varied_dir, adapter_template):
    from ftlib.cli import main

    run = pairs_run("kto", varied_dir, adapter_template)
    assert main(["evaluate", run.id, "--max-new-tokens", "4"]) == 0
    (loss,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: loss here: ")]
    assert "chosen answer of each of the 3 held-out pairs" in loss and f"pairs' {REJECTED}" in loss, loss
    at = evaluate(open_page(varied_dir), rows=3, max_new=8)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    helps = [m.help for m in at.metric if m.label == "Tuned loss"]
    assert len(helps) == 1 and f"pairs' {REJECTED}" in helps[0], helps


def test_a_dpo_runs_loss_on_pairs_says_nothing_of_bad_answers(capsys, varied_dir, adapter_template):
    from ftlib.cli import main

    run = pairs_run("dpo", varied_dir, adapter_template)
    assert main(["evaluate", run.id, "--max-new-tokens", "4"]) == 0
    (loss,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: loss here: ")]
    assert "chosen answer of each of the 3 held-out pairs" in loss and "rejected" not in loss, loss
