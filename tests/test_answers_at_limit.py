"""Evaluate's answers cut by the token limit (helper 57's cold walk): each answer records whether it stopped at "Max
new tokens per answer" rather than at an end-of-turn token, the side-by-side view says so under it, and the CLI's
--json and text output carry it. A result kept before this was recorded reads back as "not known", not "not cut"."""

from __future__ import annotations

from types import SimpleNamespace

from streamlit.testing.v1 import AppTest

from ftlib import eval_results as K
from ftlib import evaluate as E
from ftlib import sampling as S
from ftlib.answer_notes import cut_said
from ftlib.commands.evaluate import per_row

ROWS = [
    {"messages": [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hello team!"}]},
    {"messages": [{"role": "user", "content": "Count."}, {"role": "assistant", "content": "One, two."}]},
]


def test_each_answer_says_whether_the_token_limit_cut_it(model_set, monkeypatch):
    """The engine's generation knows why each answer ended (`RowResult.finish_reason`); the row keeps it per model.
    Rows alternate base, tuned: row 0's base stops on its own, its tuned answer is cut; row 1 the other way round."""
    real = E.generate_with_set
    ends = iter(["stop", "length", "length", "stop"])

    def generate(model_set, rows, **options):
        results = real(model_set, rows, **options)
        for r in results:
            r.finish_reason = next(ends)
        return results

    monkeypatch.setattr(E, "generate_with_set", generate)
    result = E.evaluate(model_set, ROWS, model_set.names[1], max_new_tokens=4, batch_size=2)
    assert [(r.base_at_limit, r.tuned_at_limit) for r in result.rows] == [(False, True), (True, False)]
    assert result.max_new_tokens == 4
    records = per_row(result)  # --json's per_row: a key per answer
    assert [(r["base_at_limit"], r["tuned_at_limit"]) for r in records] == [(False, True), (True, False)]
    assert "base_at_limit" in result.to_csv().splitlines()[0]
    said = cut_said(result.rows, result.max_new_tokens, "raise --max-new-tokens")
    assert said.startswith("✂ 1 of 2 tuned answers and 1 of the base model's stopped at the 4-token limit")
    back = K.result_from_record(K.result_record(result))  # kept with the run: the flags come back
    assert [(r.base_at_limit, r.tuned_at_limit) for r in back.rows] == [(False, True), (True, False)]
    assert back.max_new_tokens == 4


def test_a_real_generation_cut_at_two_tokens_is_marked_cut(model_set):
    """No stub: a tiny model's greedy answers of at most 2 tokens that did not end on a stop token are marked cut,
    as `sampling.generate` says why each ended."""
    result = E.evaluate(model_set, ROWS, model_set.names[1], max_new_tokens=2, batch_size=2)
    tok = model_set.tokenizer
    for r in result.rows:
        ids = S.render_prompt(tok, E.conversation(ROWS[r.index])[:-1])[1]
        [alone] = E.generate_with_set(model_set, [S.GenRow(tuple(ids), S.GREEDY, None)], max_new_tokens=2)
        assert r.base_at_limit is (alone.finish_reason == "length")
    assert any(r.base_at_limit for r in result.rows)  # 2 tokens: a tiny model never ends so soon


def test_a_result_kept_before_the_flag_reads_as_not_known_and_says_nothing():
    row = E.EvalRow(0, "Q?", "A.", "Base.", "Tuned.", 2.0, 1.0, 3)
    record = K.result_record(E.EvalResult("run", [row]))
    for r in record["rows"]:
        del r["base_at_limit"], r["tuned_at_limit"]
    del record["max_new_tokens"]
    back = K.result_from_record(record)
    assert (back.rows[0].base_at_limit, back.rows[0].tuned_at_limit, back.max_new_tokens) == (None, None, None)
    assert cut_said(back.rows, back.max_new_tokens) is None
    assert per_row(back)[0]["tuned_at_limit"] is None  # null in --json: unknown, not false


def draw(rows, limit):
    from ui.evaluate_view import side_by_side

    side_by_side(rows, contexts={}, limit=limit)


def test_the_side_by_side_view_marks_a_cut_answer_apart_from_its_words():
    rows = [
        E.EvalRow(0, "Tell a story.", "Once upon a time.", "Once upon a", "Long ago there", 2.0, 1.0, 3),
        E.EvalRow(1, "Hi?", "Hi.", "Hi.", "Hello.", 2.0, 1.0, 3, base_at_limit=False, tuned_at_limit=False),
    ]
    rows[0].base_at_limit, rows[0].tuned_at_limit = True, False
    at = AppTest.from_function(draw, args=(rows, 64)).run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    cut = [c for c in captions if ":orange[**… cut at 64 tokens**]" in c]
    assert len(cut) == 1 and "Max new tokens per answer" in cut[0] and "to see more" in cut[0]
    # under the base answer of row 1, nowhere else; the answer's own words are unchanged
    assert captions.index(cut[0]) == 1 and "Once upon a" in [t.value for t in at.text]


def test_the_cli_text_output_counts_the_cut_answers(capsys):
    from ftlib.commands.evaluate import _report

    rows = [E.EvalRow(0, "Q?", "A.", "Base", "Tuned", 2.0, 1.0, 3, base_at_limit=True, tuned_at_limit=True)]
    result = E.EvalResult("run", rows, base_token_loss=2.0, tuned_token_loss=1.0, max_new_tokens=64)
    _report(SimpleNamespace(json=False, csv=None), result, "default", "tokenizer")
    out = capsys.readouterr().out
    assert "note: ✂ 1 of 1 tuned answer and 1 of the base model's stopped at the 64-token limit" in out
    assert "raise --max-new-tokens to see more" in out
