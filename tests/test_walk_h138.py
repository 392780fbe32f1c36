"""Helper 138's walk: wording a newcomer's browser walk found on the Batches, Train, Evaluate and Data pages."""

from __future__ import annotations

from pathlib import Path

from ftlib import workspace
from tests.test_pages_batches import run_page, tool_row


def _later_call(i: int) -> dict:
    """`tool_row` after an exchange of its own: its call is in message 4, not message 2."""
    row = tool_row(i)
    row["messages"][1:1] = [{"role": "assistant", "content": "Which zone?"}, {"role": "user", "content": "Mine."}]
    return row


def test_one_problem_in_different_messages_is_not_counted_as_two_ways():
    """Batches said "Train refuses these rows: In 6 of 6 training rows, in 2 ways. Rows 1, 3, 5: ... the tool calls
    of message 2 ... Rows 2, 4, 6: ... the tool calls of message 4 ...": one problem (the template drops the calls),
    told twice as two ways."""
    rows = [tool_row(i) if i % 2 == 0 else _later_call(i) for i in range(6)]
    workspace.save_split("calls-here-and-there", rows, rows[:1], {"format": "messages"})
    at = run_page()
    assert not at.exception, at.exception
    (refused,) = [e.value for e in at.error if e.value.startswith("Train refuses these rows")]
    assert refused.startswith(
        "Train refuses these rows: In 6 of 6 training rows, the same problem in different messages. Rows 1, 3, 5: "
    ), refused
    assert "message 2" in refused and "message 4" in refused and " ways" not in refused


def test_the_lines_of_the_rows_train_refuses_are_listed_by_row(tmp_path):
    """Batches' "The row numbers above count ...: training row 2 is line 4; training row 3 is line 5; training row 1
    is line 1" followed the order the refusal's ways name them (the way of most rows first): now by row."""
    from ftlib.data import load_file
    from tests.test_split_lines import write_lines

    text_beside = tool_row(0)
    text_beside["messages"][1]["content"] = "Let me look."  # a second way: the call's text is trained alone
    path = Path(workspace.uploads_dir()) / "calls.jsonl"
    write_lines(path, [text_beside, "", tool_row(1), tool_row(2), tool_row(3)])
    result = load_file(path)
    train, test = result.rows[:3], result.rows[3:]
    workspace.save_split("calls", train, test, result.split_meta("calls.jsonl", 0, 1, False, train=train, test=test))
    at = run_page()
    assert not at.exception, at.exception
    (refused,) = [e.value for e in at.error if e.value.startswith("Train refuses these rows")]
    assert "in 2 ways. Rows 2, 3: " in refused and ". Row 1: " in refused, refused  # the ways' order: 2, 3, then 1
    (lines,) = [c.value for c in at.caption if c.value.startswith("The row numbers above count")]
    assert lines.endswith("training row 1 is line 1; training row 2 is line 3; training row 3 is line 4."), lines
