"""An evaluation kept by the CLI (`python -m ftlib evaluate RUN`, `ftlib.eval_results`) is shown again on the Evaluate
page in the page's words: its skipped rows' reasons were kept as the CLI worded them (the CLI's way on from a row
without a reference answer names `python -m ftlib sample`, a template named with its `--template NAME`), and the page
listed them so. Whatever surface kept the result, the page's skipped rows say what to do on the pages
(`ui.labels.skipped_words`)."""

from __future__ import annotations

import html

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import open_page

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
    {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]},
]
PROMPT_ONLY = {"prompt": [{"role": "user", "content": "Write a line about tea."}]}  # no reference: skipped


def skipped_tables(at) -> str:
    tables = [h.proto.body for h in at.get("html") if "<table" in h.proto.body and "test row" in h.proto.body]
    return html.unescape(" ".join(tables))


def test_a_cli_kept_evaluations_skipped_rows_are_said_in_the_pages_words(capsys, varied_dir, adapter_template):
    rows = [*CONVERSATIONS, PROMPT_ONLY]
    workspace.save_split("colours", rows[:1], rows, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    run = make_run("20260101-000000-lora-colours", config, adapter=adapter_template)
    assert main(["evaluate", run.id, "--json"]) == 0
    err = capsys.readouterr().err
    assert "python -m ftlib sample" in err  # the CLI says its own way on

    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    said = skipped_tables(at)
    assert "This prompt only row has no reference answer to score." in said  # the kept result is the one shown
    assert "python -m ftlib" not in said and "--data FILE, or" not in said
    assert "compare the models' answers on the Compare page" in said


def test_a_skipped_rows_reason_names_the_pages_boxes_not_the_clis_flags():
    """A row whose tool calls the template leaves out is skipped with the template fix's words (`TOOL_FIX`), which
    name each built-in with its `--template NAME`; a template refusal names the box beside the flag."""
    from ftlib.message_checks import TOOL_FIX
    from ui.labels import skipped_words
    from ui.tables import html_table

    assert "--template" not in skipped_words(f"The row is skipped. {TOOL_FIX}")
    refusal = "Pick a built-in template instead (the Chat template box; `--template NAME` in the CLI): it writes..."
    cell = html_table([{"why": skipped_words(refusal)}], code=("why",))
    assert "(the <b>Chat template</b> box)" in cell and "--template" not in cell and "**" not in cell
