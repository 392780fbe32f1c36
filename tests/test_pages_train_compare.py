"""Train page (AppTest): the folded "Compare runs" section under the runs table. Run folders with their metrics are
written on disk (`make_run`) and the held-out rows each kept (`keep_run_split`); nothing trains."""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HELD_OUT = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]
OTHER_ROWS = [{"messages": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}]


def curve(start: float, drop: float) -> list[dict]:
    rows = [{"kind": "train", "step": s, "loss": start - drop * s, "tokens": 100 * s} for s in range(1, 7)]
    return rows + [{"kind": "eval", "step": s, "eval_loss": start + 0.2 - drop * s} for s in (0, 3, 6)]


def run(run_id: str, config: dict, metrics: list[dict], model_dir, held_out=HELD_OUT, **status) -> None:
    config = {"model": str(model_dir), "dataset": "numbers", "max_steps": 6, "name": run_id, **config}
    made = make_run(run_id, config, metrics=metrics, **status)
    workspace.keep_run_split(made.path, HELD_OUT, held_out, {})


def page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    return at.run().switch_page("pages/4_Train.py").run()


def section(at: AppTest):
    return next(e for e in at.expander if e.label == "Compare runs")


class Cells(HTMLParser):
    """The rows of an HTML table (`ui.tables.html_table`): the heading's cells, then each row's."""

    def __init__(self, body: str):
        super().__init__()
        self.rows: list[list[str]] = []
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_data(self, data):
        if self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def tables(at: AppTest) -> list[list[dict]]:
    """The section's HTML tables, each as records keyed by its heading's cells."""
    out = []
    for element in section(at).get("html"):
        head, *rows = Cells(element.proto.body).rows
        out.append([dict(zip(head, row, strict=True)) for row in rows])
    return out


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in section(at).get("plotly_chart")]


def test_two_runs_of_one_method_are_compared_at_first_their_curves_on_one_chart(tiny_model_dir):
    run("r-slow", {"learning_rate": 2e-4}, curve(2.0, 0.05), tiny_model_dir, created=100.0)
    run("r-fast", {"learning_rate": 1e-3}, curve(2.0, 0.2), tiny_model_dir, created=200.0)
    run("r-dpo", {"method": "dpo"}, curve(0.7, 0.01), tiny_model_dir, created=300.0)
    run("r-busy", {}, curve(2.0, 0.1), tiny_model_dir, created=400.0, state="failed")
    at = page(tiny_model_dir)
    assert not at.exception
    picker = section(at).multiselect[0]
    assert picker.value == ["r-fast", "r-slow"]  # the two newest finished runs of one method, not the DPO run
    assert set(picker.options) == {picker.format_func(i) for i in ("r-dpo", "r-fast", "r-slow")}  # not the failed one
    (spec,) = chart_specs(at)
    lines = {t["name"]: t for t in spec["data"]}
    assert {name.split(" · ")[0] for name in lines} == {"r-fast", "r-slow"}
    fast_train = next(t for n, t in lines.items() if n.startswith("r-fast") and n.endswith("training"))
    fast_held_out = next(t for n, t in lines.items() if n.startswith("r-fast") and n.endswith("held-out"))
    slow_train = next(t for n, t in lines.items() if n.startswith("r-slow") and n.endswith("training"))
    assert fast_train["line"]["color"] == fast_held_out["line"]["color"] != slow_train["line"]["color"]
    assert fast_train["line"]["dash"] == "solid" and fast_held_out["line"]["dash"] == "dash"
    assert fast_held_out["x"] == [0, 3, 6]
    # The chart's numbers as a table under it, the settings that differ and each run's numbers
    assert any(e.label.startswith("Chart data") for e in section(at).expander)
    settings, numbers = tables(at)
    # A column per run, named by its label as the runs table names it ("r-fast · lora · numbers · Jan 01 00:03")
    (row,) = settings
    assert {k.split(" · ")[0]: v for k, v in row.items()} == {
        "setting": "Learning rate",
        "r-fast": "0.001",
        "r-slow": "0.0002",
    }
    assert [(r["run"].split(" · ")[0], r["best held-out loss"], r["at step"]) for r in numbers] == [
        ("r-fast", "1.0000", "6"),
        ("r-slow", "1.9000", "6"),
    ]
    assert [r["tokens"] for r in numbers] == ["600", "600"]
    assert at.dataframe[-1].value["id"].tolist() == ["r-busy", "r-dpo", "r-fast", "r-slow"]  # the runs table last
    assert not section(at).info  # the same rows, the same loss: nothing to warn of


def test_held_out_losses_of_other_rows_or_another_method_are_said_not_to_compare(tiny_model_dir):
    run("r-seed1", {"seed": 1}, curve(2.0, 0.1), tiny_model_dir, created=100.0)
    run("r-seed2", {"seed": 2}, curve(2.0, 0.1), tiny_model_dir, held_out=OTHER_ROWS, created=200.0)
    run("r-dpo", {"method": "dpo"}, curve(0.7, 0.01), tiny_model_dir, created=300.0)
    at = page(tiny_model_dir)
    assert section(at).multiselect[0].value == ["r-seed2", "r-seed1"]
    (note,) = section(at).info
    assert "hold out different ones" in note.value and note.proto.icon == ":material/info:"
    assert "The Train page's chart leaves their held-out lines out." in note.value  # `runs compare` says no chart
    (spec,) = chart_specs(at)
    assert [t["name"].split(" · ")[-1] for t in spec["data"]] == ["training", "training"]  # held-out lines left out

    section(at).multiselect[0].select("r-dpo").run()
    assert not at.exception
    assert "not the same measure" in section(at).info[0].value
    assert "(the Train page draws each kind on its own chart)" in section(at).info[0].value
    titles = [spec["layout"]["title"]["text"] for spec in chart_specs(at)]
    assert titles == ["Loss: next-token loss (all_assistant)", "Loss: DPO loss (sigmoid, beta 0.1, all_assistant)"]


def test_fewer_than_two_picked_draw_nothing_but_a_caption(tiny_model_dir):
    run("r-a", {"seed": 1}, curve(2.0, 0.1), tiny_model_dir, created=100.0)
    run("r-b", {"seed": 2}, curve(2.0, 0.1), tiny_model_dir, created=200.0)
    at = page(tiny_model_dir)
    section(at).multiselect[0].unselect("r-a").run()
    assert not at.exception
    assert not chart_specs(at) and not tables(at)
    assert any("Pick two runs or more" in c.value for c in section(at).caption)


def test_with_one_ended_run_the_section_says_two_are_needed(tiny_model_dir):
    run("r-only", {}, curve(2.0, 0.1), tiny_model_dir)
    at = page(tiny_model_dir)
    assert not at.exception
    assert not section(at).multiselect
    assert any("Two runs that finished or were stopped" in c.value for c in section(at).caption)


def test_grpo_runs_are_drawn_and_listed_by_their_mean_reward(tiny_model_dir):
    """GRPO's loss is TRL's surrogate (0.0 at step 0): its runs are compared by their answers' mean reward."""
    for run_id, reward, created in (("r-g1", 0.2, 100.0), ("r-g2", 0.6, 200.0)):
        metrics = [
            {"kind": "eval", "step": 0, "eval_loss": 0.0, "eval_reward": 0.1},
            {"kind": "train", "step": 1, "loss": 0.01, "reward": reward, "tokens": 50},
            {"kind": "eval", "step": 1, "eval_loss": 0.004, "eval_reward": reward},
        ]
        config = {"method": "grpo", "max_steps": 1, "rewards": [{"contains": "Ahoy"}]}
        run(run_id, config, metrics, tiny_model_dir, created=created)
    at = page(tiny_model_dir)
    assert not at.exception
    (spec,) = chart_specs(at)
    assert spec["layout"]["title"]["text"] == "Mean reward (higher is better)"
    g2_held_out = next(t for t in spec["data"] if t["name"].startswith("r-g2") and t["name"].endswith("held-out"))
    assert g2_held_out["y"] == [0.1, 0.6]
    (numbers,) = tables(at)  # every setting the same: no settings table
    assert [(r["run"].split(" · ")[0], r["best held-out mean reward"]) for r in numbers] == [
        ("r-g2", "0.6000"),
        ("r-g1", "0.2000"),
    ]


def test_the_legend_names_what_differs_between_runs_of_one_method(tiny_model_dir):
    """Two LoRA runs of one dataset were told apart in the legend by their start times alone (h39's browser look)."""
    run("r-slow", {"learning_rate": 2e-4, "lora_r": 8}, curve(2.0, 0.05), tiny_model_dir, created=100.0)
    run("r-fast", {"learning_rate": 1e-3, "lora_r": 8}, curve(2.0, 0.2), tiny_model_dir, created=200.0)
    at = page(tiny_model_dir)
    (spec,) = chart_specs(at)
    names = {t["name"] for t in spec["data"]}
    assert any(n.startswith("r-fast") and "learning rate 0.001" in n and n.endswith("training") for n in names), names
    assert any(n.startswith("r-slow") and "learning rate 0.0002" in n for n in names), names


def test_a_run_has_the_name_and_number_here_that_the_picker_and_the_runs_table_give_it(tiny_model_dir):
    """Compare runs numbered runs of one label over the runs picked (and its box over the runs offered), the Train
    page's picker and table over every run: of three runs of one minute, the oldest failed (not offered), the two
    others were "#2" and "#3" in the picker and "#1" and "#2" on the chart and in the tables under it."""
    minute = time.time() // 60 * 60  # all inside one minute, whenever the test runs (labels show minutes)
    run("r-1", {"name": ""}, curve(2.0, 0.1), tiny_model_dir, created=minute + 1, state="failed")
    run("r-2", {"name": ""}, curve(2.0, 0.1), tiny_model_dir, created=minute + 2, step=6)
    run("r-3", {"name": ""}, curve(2.0, 0.1), tiny_model_dir, created=minute + 3, step=6)
    at = page(tiny_model_dir)
    assert not at.exception
    table = at.dataframe[-1].value.set_index("id")["run"].to_dict()  # the runs table's names
    assert [table[i][-3:] for i in ("r-1", "r-2", "r-3")] == [" #1", " #2", " #3"], table  # sentinel: one label
    train_picker = next(s for s in at.selectbox if s.label == "Run")
    box = section(at).multiselect[0]
    assert box.value == ["r-3", "r-2"]
    for i in ("r-2", "r-3"):
        assert box.format_func(i) == train_picker.format_func(i), i  # the box's text is the picker's
    (numbers,) = tables(at)  # every setting is the same: no table of those that differ
    assert sorted(r["run"] for r in numbers) == [table["r-2"], table["r-3"]], numbers
    names = {t["name"].split(" · training")[0] for t in chart_specs(at)[0]["data"] if "training" in t["name"]}
    assert {n[: len(table["r-2"])] for n in names} == {table["r-2"], table["r-3"]}, names
