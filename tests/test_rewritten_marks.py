"""Replies a chat template rewriting earlier turns (Qwen3-style: an earlier reply's reasoning dropped) writes otherwise
inside the whole conversation than where it is asked, marked where a script or a person meets them.

`evaluate --json` named them only in a `note:` on stderr: a script reading the JSON could not tell which per-row
records were scored in another form than training read them. Each record of a conversation now says `rewritten`.
Compare's held-out picker asked a row at its first reply without a word; it now says so beside the picker, by the
rule Evaluate names them by (`references.rewritten_before`).
"""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_evaluate_rewritten_replies import PRIMES, thinking_run  # noqa: F401 (a fixture)

ASKED_OTHERWISE = "Asked in another form than training read it: the custom template writes this row's earlier turns"


def evaluate_json(capsys, run_id: str, *args: str) -> list[dict]:
    assert main(["evaluate", run_id, "--max-new-tokens", "2", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)["per_row"]


def test_evaluate_json_marks_each_reply_scored_in_another_form(capsys, thinking_run):  # noqa: F811 (the fixture)
    # The split's held-out rows: PRIMES and COLOURS, two replies each; each first reply is written otherwise inside the
    # whole conversation (its think block dropped, or an empty one not written), each last one as asked.
    records = evaluate_json(capsys, thinking_run.id, "--answer-at", "every")
    assert [(r["row"], r["reply"], r["rewritten"]) for r in records] == [
        (1, 1, True),
        (1, 2, False),
        (2, 1, True),
        (2, 2, False),
    ]
    records = evaluate_json(capsys, thinking_run.id, "--answer-at", "first")
    assert [(r["row"], r["rewritten"]) for r in records] == [(1, True), (2, True)]
    records = evaluate_json(capsys, thinking_run.id)  # the last reply: the whole conversation, as training read it
    assert [(r["row"], r["rewritten"]) for r in records] == [(1, False), (2, False)]


def test_a_template_that_writes_every_turn_alike_marks_none(capsys, varied_dir, adapter_template):
    workspace.save_split("primes_chatml", [PRIMES], [PRIMES], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "primes_chatml", "template": "chatml", "method": "lora"}
    run = make_run("20260101-000000-lora-chatml", config, adapter=adapter_template)
    records = evaluate_json(capsys, run.id, "--answer-at", "every")
    assert [(r["reply"], r["rewritten"]) for r in records] == [(1, False), (2, False)]


def test_compare_says_beside_the_picker_when_the_first_reply_is_asked_otherwise(thinking_run, varied_dir):  # noqa: F811
    from tests.test_pages_compare import open_page

    workspace.remember_active_split("primes")
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    assert at.session_state["compare_runs"] == [thinking_run.id]  # the run trained with the rewriting template
    assert not [i for i in at.info if ASKED_OTHERWISE in i.value]  # at the last reply: the whole conversation
    at.radio(key="compare_answer_at").set_value("first").run()
    assert not at.exception, at.exception
    said = [i for i in at.info if ASKED_OTHERWISE in i.value]
    assert len(said) == 1 and said[0].proto.icon == ":material/info:"
    assert "Evaluate names such replies as scored in another form too." in said[0].value
    # What the models read is that first reply's conversation, as the note says: its question, no later turn.
    sees = " ".join(c.value for c in at.code)
    assert "Is 91 prime?" in sees and "And 97?" not in sees
    # With no run chosen the base alone reads it, in a template that writes every turn alike: nothing said.
    at.multiselect(key="compare_runs").set_value([]).run()
    assert not at.exception, at.exception
    assert not [i for i in at.info if "Asked in another form" in i.value]
