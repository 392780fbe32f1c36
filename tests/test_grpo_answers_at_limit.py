"""A GRPO run's held-out answers say when the max new tokens cut them, as the held-out evaluation's answers do
(d13953b; helper 60's cold walk): a cut answer's end read as the model's own, and a reward reading its end (a final
number) scored the cut. `RewardedAnswers.base_at_limit` / `tuned_at_limit` come from generation's finish_reason; the
Evaluate page counts them in a warning and ends each cut answer in its table "… [cut at 8 tokens]"."""

from __future__ import annotations

from ftlib.answer_notes import both_said
from ftlib.eval_results import answers_from_record, result_record
from tests.test_pages_evaluate_kept import open_page
from tests.test_pages_evaluate_kept_scores import grpo_run, measure  # noqa: F401 (a fixture)
from ui.grpo_eval_view import cut_answer


def test_each_grpo_answer_cut_at_the_limit_says_so_on_the_page(grpo_run, varied_dir):  # noqa: F811
    at = open_page(varied_dir)
    at.slider(key=f"evaluate_answer_tokens_{grpo_run.id}").set_value(8).run()  # a tiny model rarely stops by 8
    at = measure(at, "Answer and score", "evaluate_answers_job")
    result = at.session_state["evaluate_answers_job"][1].result
    flags = [(r.base_at_limit, r.tuned_at_limit) for r in result.rows]
    assert all(isinstance(f, bool) for pair in flags for f in pair), flags
    cut_base, cut_tuned = (sum(f[i] for f in flags) for i in (0, 1))
    assert cut_base + cut_tuned > 0, flags
    said = [w.value for w in at.warning if w.value.startswith("✂")]
    limit = "stopped at the 8-token limit, not at their own end: raise Max new tokens per answer to see more."
    assert said == [f"✂ {both_said(cut_tuned, cut_base, 3)} {limit}"]  # the non-zero side first
    table = at.dataframe[-1].value.set_index("row")
    for r in result.rows:
        for side in ("base", "tuned"):
            cell, cut = table.loc[r.index + 1, f"{side}_output"], getattr(r, f"{side}_at_limit")
            assert cell.endswith(" … [cut at 8 tokens]") == cut, (cell, cut)
            # A cell shows an answer's start: a narrow column before it marks the cut too
            assert table.loc[r.index + 1, f"{side}_cut"] == ("✂" if cut else ""), (side, r.index)
    assert list(table.columns[:5]) == ["prompt", "base_cut", "base_output", "tuned_cut", "tuned_output"]
    # Kept with the run and read back whole; a result kept before this was recorded reads as unknown, not as not cut.
    assert answers_from_record(result_record(result)).rows == result.rows
    old = result_record(result)
    for row in old["rows"]:
        del row["base_at_limit"], row["tuned_at_limit"]
    assert {r.base_at_limit for r in answers_from_record(old).rows} == {None}


def test_a_table_cell_says_the_cut_and_nothing_when_unknown():
    assert cut_answer("The sum is 1", True, 8) == "The sum is 1 … [cut at 8 tokens]"
    assert cut_answer("4.", False, 8) == cut_answer("4.", None, 8) == cut_answer("4.", float("nan"), 8) == "4."


def test_the_answers_come_before_where_they_are_in_the_file(grpo_run, varied_dir, monkeypatch):  # noqa: F811
    def placed(table, info):  # a split that keeps its rows' places in the file ("line 9 of math.csv")
        table.insert(1, "where", [f"line {n + 1} of math.csv" for n in table["row"]])
        return table

    monkeypatch.setattr("ui.grpo_eval_view.with_places", placed)
    at = measure(open_page(varied_dir), "Answer and score", "evaluate_answers_job")
    columns = [c for c in at.dataframe[-1].value.columns if not c.endswith("_cut")]  # the ✂ marks beside them
    assert columns[:4] == ["row", "prompt", "base_output", "tuned_output"] and columns[-1] == "where", columns
