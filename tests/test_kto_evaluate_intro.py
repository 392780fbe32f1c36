"""Evaluate introduces a KTO run's measure as its held-out answers labelled good, the bad ones skipped, not as 'each
held-out conversation's last answer', which a '2 rows skipped' further down contradicted (helper 60's cold walk of a
KTO run; d9311e8 said the same of pairs)."""

from __future__ import annotations

from ftlib import workspace
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import open_page


def labelled(i: int, good: bool) -> dict:
    answer = f"Hello, person {i}!" if good else "Go away."
    return {"prompt": [{"role": "user", "content": f"Greet person {i}."}], "completion": answer, "label": good}


def test_evaluate_says_a_kto_runs_reference_is_its_good_answers(varied_dir, adapter_template):
    rows = [labelled(i, i % 2 == 0) for i in range(6)]
    workspace.save_split("labelled", rows[:3], rows[3:], {"format": "unpaired_preference"})
    config = {"model": str(varied_dir), "dataset": "labelled", "template": "tokenizer", "method": "kto"}
    make_run("20260101-000000-kto-labelled", config, adapter=adapter_template)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Each held-out answer labelled good is the reference") for c in captions), captions
    assert any("Answers labelled bad are no reference" in c for c in captions)
    assert not any("conversation's last answer" in c for c in captions)
