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


def test_a_grid_of_a_full_fine_tune_counts_each_decoding_loop_to_its_own_longest_answer():
    """c2ee5a7 counted every answer of a grid to the longest one's length; a full fine-tune's answers decode in a
    loop of their own after the base's (`modelset.rows_by_model`), each loop stopping at its own longest. A base
    answering 8 tokens and a full fine-tune 96, 4 answers each in 10 s, decoded 4 x 8 + 4 x 96 = 416 tokens' steps,
    not 8 x 96 = 768: the pace read 77 tokens/s where it was 42, and the next grid's time was said at half."""
    from ftlib import decode_rate

    lengths = [8, 5, 8, 3, 96, 40, 96, 12]
    assert decode_rate.grid_rate(lengths, 10.0, loops=[[0, 1, 2, 3], [4, 5, 6, 7]]) == 41.6
    assert decode_rate.grid_rate(lengths, 10.0) == 76.8  # one loop (the base and its adapters): as before
    assert decode_rate.grid_rate([0, 0], 3.0, loops=[[0], [1]]) is None


def test_a_refused_grpo_run_is_not_told_to_press_the_disabled_button(varied_dir, adapter_template, monkeypatch):
    """919a3fd disabled Answer and score with the reason where a reward reads a column none of the held-out prompts
    has, and dropped the "Press **Answer and score**" line: a session that had scored another run still read
    "... has not been evaluated in this session: press **Answer and score**." under the disabled button."""
    from pathlib import Path
    from types import SimpleNamespace

    from streamlit.testing.v1 import AppTest

    from tests.test_review_h156 import BARE, grpo_run

    grpo_run("bare-page-h161", BARE, varied_dir, adapter_template)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    # this session scored another run (a finished job of it)
    at.session_state["evaluate_answers_job"] = ("another run", SimpleNamespace(done=True))
    at = at.run().switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    assert any("do not have" in e.value for e in at.error), [e.value for e in at.error]
    assert next(b for b in at.button if b.label == "Answer and score").disabled
    assert not [i.value for i in at.info if "press **answer and score**" in i.value.lower()]
