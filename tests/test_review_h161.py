"""Helper 161's review of the page side of this session's commits: what it found wrong, pinned."""

from __future__ import annotations

from ui.tables import html_table


def test_a_models_answer_keeps_its_backticks_in_a_wrapped_table():
    """f39ecc3 showed a reason's `names` as code in every `html_table`: a GRPO answer (ui.alignment_view) or an
    Evaluate prompt with a code fence read "``<code>python ...</code>``", a `name` lost its backticks. Only the
    columns of our own words (a skipped row's reason) show them as code."""
    answer = "```python\nprint(`x`)\n```"
    table = html_table([{"answer": answer, "why": "it has `content`"}], code=("why",))
    assert "```python" in table and "print(`x`)" in table and "<code>python" not in table
    assert "it has <code>content</code>" in table
    assert "<code>" not in html_table([{"prompt": "What does `map` do?"}])
    # escaped first: a cell's own markup is text, inside a code span too
    assert "<code>&lt;b&gt;</code>" in html_table([{"why": "`<b>`"}], code=("why",))
