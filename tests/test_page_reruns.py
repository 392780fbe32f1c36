"""What a click costs: work a page should not redo on every rerun, counted (never timed).

A saved split is read once per version and shared by every session as the same objects (`ui.common.cached_split`,
st.cache_resource): st.cache_data unpickled a copy of every row at each rerun of Tokens, Batches, Compare and Train
(1.0-7.7 s a click with 90,000 chat rows; BENCHMARKS.md, "Page responsiveness"). Shared objects must stay as saved, so
each page's reruns are checked to leave the rows as on disk; a split saved over is read again at once, and its older
rows are let go of.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace

ROOT = Path(__file__).resolve().parents[1]


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


TRAIN = [chat(f"Question {i}?", f"Answer number {i}.") for i in range(6)]
TEST = [chat("Held out?", "Yes, held out.")]


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the splits read from disk (`workspace.load_split`) from here on."""
    read: list[str] = []
    original = workspace.load_split

    def counted(name, *args, **kwargs):  # the page's `fix` too
        read.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(workspace, "load_split", counted)
    return read


def save(name: str, train=TRAIN, test=TEST) -> None:
    workspace.save_split(name, train, test, {"format": "messages"})
    workspace.remember_active_split(name)


def open_page(page: str, model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def tokens_row(at: AppTest, number: int) -> AppTest:
    next(n for n in at.number_input if n.label.startswith("Row (1 to")).set_value(number).run()
    assert not at.exception, at.exception
    return at


def shown_text(at: AppTest) -> str:
    """The page's HTML blocks as text (the rendered row, tags left out; a space is drawn as a dot there)."""
    return html.unescape(re.sub(r"<[^>]*>", "", "".join(h.proto.body for h in at.get("html")))).replace("·", " ")


def test_a_split_is_read_once_and_every_rerun_gets_the_same_rows_not_a_copy(tiny_model_dir, reads):
    from ui.common import cached_split

    save("reruns_once")
    at = open_page("pages/2_Tokens.py", tiny_model_dir)
    for number in (2, 3, 4, 2):  # each a click: a rerun of the whole page
        tokens_row(at, number)
    assert "Answer number 1." in shown_text(at)
    assert reads == ["reruns_once"]
    # The same objects for every rerun and session: st.cache_data gave each a fresh copy, unpickled from its store.
    first, again = cached_split("reruns_once"), cached_split("reruns_once")
    assert first[0] is again[0] and first[1] is again[1]
    assert reads == ["reruns_once"]


def test_a_split_saved_over_is_read_again_and_its_older_rows_let_go(tiny_model_dir, reads):
    from ui.common import _cached_split

    save("reruns_saved_over")
    at = tokens_row(open_page("pages/2_Tokens.py", tiny_model_dir), 1)
    assert "Answer number 0." in shown_text(at)
    old = workspace.split_version("reruns_saved_over")
    # A teammate (or the CLI) saves the split again under the same name, with other rows.
    save("reruns_saved_over", [chat("Question 0?", "A new answer.")] + TRAIN[1:])
    tokens_row(at, 2)
    tokens_row(at, 1)
    assert "A new answer." in shown_text(at) and "Answer number 0." not in shown_text(at)
    assert reads == ["reruns_saved_over", "reruns_saved_over"]
    # The rows of the version saved over are no longer held: asked for again, they are read from disk again.
    root = str(workspace.workspace_dir())
    _cached_split("reruns_saved_over", root, old)
    assert reads == ["reruns_saved_over"] * 3


PAGES = {
    "tokens": ("pages/2_Tokens.py", lambda at: tokens_row(at, 3)),
    "batches": (
        "pages/3_Batches.py",
        lambda at: next(n for n in at.number_input if n.label == "Starting at row").set_value(2).run(),
    ),
    "train": ("pages/4_Train.py", lambda at: at.run()),
    "compare": ("pages/5_Compare.py", lambda at: at.radio[0].set_value("Pick from the test split").run()),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_no_page_changes_the_shared_rows(page, tiny_model_dir, reads):
    """The split's rows are shared by every session: a page that changed one in place would change every session's
    (and the next rerun's) rows. After a page's reruns they are still as saved."""
    from ui.common import cached_split

    name = f"reruns_unchanged_{page}"
    tools = [{"type": "function", "function": {"name": "tide", "parameters": {}}}]
    call = {"id": "c1", "type": "function", "function": {"name": "tide", "arguments": '{"bay": 1}'}}
    with_tools = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Tide?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"metres": 2}'},
            {"role": "assistant", "content": "Two metres."},
        ],
        "tools": tools,
    }
    save(name, [with_tools, *TRAIN], [with_tools, *TEST])
    as_saved = copy.deepcopy(workspace.load_split(name))
    path, click = PAGES[page]
    at = open_page(path, tiny_model_dir)
    click(at)
    at.run()
    assert not at.exception, at.exception
    assert cached_split(name) == as_saved


@pytest.fixture
def summaries(monkeypatch) -> Counter:
    """How many times each run's summary (`RunDir.summary`: its status, config, metrics and checkpoints read) is
    made from here on, by run folder name."""
    from ftlib.rundir import RunDir

    made: Counter = Counter()
    original = RunDir.summary

    def counted(self):
        made[self.path.name] += 1
        return original(self)

    monkeypatch.setattr(RunDir, "summary", counted)
    return made


@pytest.mark.parametrize("page", ["pages/5_Compare.py", "pages/6_Evaluate.py"])
def test_a_rerun_reads_each_finished_runs_summary_once(page, varied_dir, adapter_template, summaries):
    """The run pickers and the labels beside them read each run's summary once per version of its files, not at each
    rerun: Compare read them three times a rerun (its picker, the prompt's label and the next-token view's), Evaluate
    twice; with a team's 41 runs, a third of Compare's click (a run finished or deleted: test_page_reruns_kept.py)."""
    from ftlib.testing import make_run

    save("reruns_runs")
    config = {"model": str(varied_dir), "dataset": "reruns_runs", "template": "tokenizer", "method": "lora"}
    names = [f"2026010{i}-000000-lora-reruns" for i in (1, 2, 3)]
    for name in names:
        make_run(name, config, adapter=adapter_template)
    at = open_page(page, varied_dir)
    summaries.clear()
    at.run()  # a click that changes nothing about the runs
    assert not at.exception, at.exception
    assert summaries == Counter()


def opened_counting_row_kinds(page: str, split: str, model, monkeypatch) -> tuple[AppTest, list[dict], list[dict]]:
    """`page` opened on a new split of 300 conversations saved as `split`, then every `rows.row_kind` call counted:
    (the page, the rows looked at from here on, the training rows)."""
    from ftlib import rows

    train = [chat(f"Question {i}?", f"Answer {i}.") for i in range(300)]
    save(split, train)
    at = open_page(page, model)
    looked: list[dict] = []
    original = rows.row_kind
    monkeypatch.setattr(rows, "row_kind", lambda row: looked.append(row) or original(row))
    return at, looked, train


def test_batches_looks_at_every_training_row_once_per_version_of_the_split(tiny_model_dir, monkeypatch):
    """The caption under Batches' whole-split table names the runs that lay these rows end to end, from the kinds of
    all the training rows: found once per version of the split, not at every click (90,000 rows: a seventh of it)."""
    at, looked, train = opened_counting_row_kinds("pages/3_Batches.py", "reruns_kinds", tiny_model_dir, monkeypatch)
    for first in (5, 9):  # the rows the grids show: 4 of them
        next(n for n in at.number_input if n.label == "Starting at row").set_value(first).run()
        assert not at.exception, at.exception
    assert any("lay the rows end to end" in c.value for c in at.caption)
    assert len(looked) < len(train)


def test_train_looks_at_every_training_row_once_per_version_of_the_split(tiny_model_dir, monkeypatch):
    """Train names the methods that fit the split from every training row's kind: found once per version of the split
    (ui.common.split_row_kinds, shared with Batches), not at every click of a page polled every 2 s while a run
    trains."""
    at, looked, train = opened_counting_row_kinds(
        "pages/4_Train.py", "reruns_train_kinds", tiny_model_dir, monkeypatch
    )
    for _ in range(2):
        at.run()
        assert not at.exception, at.exception
    assert len(looked) < len(train)


def test_a_click_checks_the_last_runs_settings_only_when_another_run_was_started(tiny_model_dir, monkeypatch):
    """Tokens, Batches, Train and Data start from the settings of the run last started and follow a newer one: each
    click only asks which run is the last, and checks its 50 settings one by one only when it is another run."""
    from ftlib import last_run
    from ftlib.testing import make_run

    save("reruns_last_run")
    config = {"model": str(tiny_model_dir), "dataset": "reruns_last_run", "method": "lora", "max_length": 256}
    make_run("20260101-000000-lora-first", config, created=1.0)
    at = open_page("pages/2_Tokens.py", tiny_model_dir)  # the session starts from that run's settings
    checked: list[dict] = []
    original = last_run.valid_settings
    monkeypatch.setattr(last_run, "valid_settings", lambda stored: checked.append(stored) or original(stored))
    tokens_row(at, 2)
    tokens_row(at, 3)
    assert checked == []
    make_run("20260102-000000-lora-second", {**config, "max_length": 320}, created=2.0)  # a teammate's, newer
    tokens_row(at, 2)
    assert [stored["max_length"] for stored in checked] == [320]
    assert next(n for n in at.number_input if n.key == "tok_max_length").value == 320  # followed, as before


def test_evaluate_reads_a_runs_held_out_rows_again_only_when_its_split_is_saved_over(
    varied_dir, adapter_template, monkeypatch
):
    """A run that kept no copy of its rows (queued before runs kept them) is evaluated on its saved split as it is now,
    as `python -m ftlib evaluate` reads it: the page read its held-out rows once per config.json and showed the rows of
    a split saved over since until the cache let them go. They are read once per version of what the run reads."""
    from ftlib import evaluate
    from ftlib.testing import make_run

    save("reruns_held_out", test=TEST * 3)
    config = {"model": str(varied_dir), "dataset": "reruns_held_out", "template": "tokenizer", "method": "lora"}
    make_run("20260101-000000-lora-held-out", config, adapter=adapter_template)
    read: list[str] = []
    original = evaluate.run_info
    monkeypatch.setattr(evaluate, "run_info", lambda path, **fix: read.append(path) or original(path, **fix))
    at = open_page("pages/6_Evaluate.py", varied_dir)
    at.run()
    assert len(read) == 1 and any("3 held-out rows" in c.value for c in at.caption)
    save("reruns_held_out", test=TEST * 5)  # a teammate saves the split again
    at.run()
    assert not at.exception, at.exception
    assert len(read) == 2 and any("5 held-out rows" in c.value for c in at.caption)
    at.run()
    assert len(read) == 2


def test_rows_version_follows_what_a_run_reads_its_held_out_rows_from(tmp_path):
    """A data file uploaded again (its modification time moved on, as `upload_reuse` marks it) or a split saved over
    is another version; a run's own copy of its rows is what it reads, whatever happens to the split since."""
    import os

    from ftlib.eval_runs import rows_version
    from ftlib.testing import make_run

    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in TRAIN), encoding="utf-8")
    on_file = make_run("20260101-000000-lora-file", {"dataset": str(data), "method": "lora"}).path
    before = rows_version(on_file)
    assert rows_version(on_file) == before
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # the same bytes, uploaded again
    assert rows_version(on_file) != before
    save("reruns_version")
    config = {"dataset": "reruns_version", "method": "lora"}
    on_split, kept = (make_run(f"20260101-00000{i}-lora-split", config).path for i in (1, 2))
    workspace.keep_run_split(kept, TRAIN, TEST, {"format": "messages"})
    versions = rows_version(on_split), rows_version(kept)
    save("reruns_version", test=TEST * 2)
    assert rows_version(on_split) != versions[0] and rows_version(kept) == versions[1]


def test_compare_counts_the_test_rows_a_typed_prompt_lacks_once_per_version_of_the_split(varied_dir, monkeypatch):
    """Under a typed prompt Compare says what the test rows give that it lacks (tools, a system message): counted once
    per version of the split, not by looking at every test row at each click (a fifth of it with 10,000 test rows)."""
    from ui import prompt_input

    with_system = {"messages": [{"role": "system", "content": "Be brief."}, *TEST[0]["messages"]]}
    save("reruns_offers", test=[with_system] * 40)
    at = open_page("pages/5_Compare.py", varied_dir)
    looked: list[dict] = []
    original = prompt_input._opens_with_system
    monkeypatch.setattr(prompt_input, "_opens_with_system", lambda row: looked.append(row) or original(row))
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert any("40 rows of the test split begin with one" in c.value for c in at.caption)
    assert looked == []
    save("reruns_offers", test=[with_system] * 41)  # saved over: counted again
    at.run()
    assert any("41 rows of the test split begin with one" in c.value for c in at.caption)
    assert len(looked) == 41


def test_batches_draws_its_charts_once_per_what_they_show(tiny_model_dir, monkeypatch):
    """Batches' three overviews (one a tab) and the whole-split table's bars are built once per what they draw: built
    at each click they were about half of a Batches rerun on the sample. A toggle of the grid's rows draws none
    again; other rows draw each overview of them again, and another batch size the table's bars."""
    import plotly.express as px

    from ui import batch_view

    train = [chat(f"Which charts {i}?", f"Charts drawn {i} times.") for i in range(12)]
    save("reruns_charts", train)
    at = open_page("pages/3_Batches.py", tiny_model_dir)
    drawn: list[list[str]] = []
    bars: list[int] = []
    overview, bar = batch_view.overview, px.bar
    monkeypatch.setattr(
        batch_view, "overview", lambda batch, names: drawn.append(list(names)) or overview(batch, names)
    )
    monkeypatch.setattr(px, "bar", lambda *a, **k: bars.append(1) or bar(*a, **k))

    def click(kind: str, label: str, value) -> None:
        next(w for w in getattr(at, kind) if w.label.startswith(label)).set_value(value).run()
        assert not at.exception, at.exception

    for shown in (True, False):  # a toggle changes the grid below, not what the charts draw
        click("toggle", "Token id row", shown)
    assert drawn == [] and bars == []
    click("number_input", "Starting at row", 3)  # other rows: each tab's overview of them, the table's bars kept
    assert len(drawn) == 3 and all(names[0].endswith("3") for names in drawn) and bars == []
    assert all("Charts drawn 2 times" not in c.proto.spec for c in at.get("plotly_chart"))
    click("number_input", "Batch size", 3)  # the whole-split table's batch size: its numbers, its bars
    assert len(drawn) == 3 and len(bars) == 1


def test_evaluate_keys_its_result_and_counts_replies_once_per_version_of_the_rows(
    varied_dir, adapter_template, monkeypatch
):
    """Evaluate's kept-result key digests the held-out rows, and the page asks which rows have several replies (the
    caption and the Answer at box): once per version of the run's rows and choices, not at each click (with 10,000
    held-out rows, up to a quarter and 16% of a rerun). A box or a split saved over makes them again."""
    from ftlib import eval_results, evaluate
    from ftlib.testing import make_run
    from ui import evaluate_view

    call = {"id": "c1", "type": "function", "function": {"name": "tide", "arguments": '{"bay": 1}'}}
    tool_row = {
        "messages": [
            {"role": "user", "content": "Tide?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"metres": 2}'},
            {"role": "assistant", "content": "Two metres."},
        ]
    }
    save("reruns_key", test=[tool_row] * 3)
    config = {"model": str(varied_dir), "dataset": "reruns_key", "template": "tokenizer", "method": "lora"}
    make_run("20260101-000000-lora-key", config, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert [r.label for r in at.radio] == ["Answer at"]
    keys: list[int] = []
    looked: list[int] = []
    key, several = eval_results.heldout_key, evaluate.several_replies
    monkeypatch.setattr(eval_results, "heldout_key", lambda *a, **k: keys.append(k["limit"]) or key(*a, **k))
    counted = lambda rows: looked.append(len(rows)) or several(rows)  # noqa: E731
    monkeypatch.setattr(evaluate, "several_replies", counted)
    monkeypatch.setattr(evaluate_view, "several_replies", counted)
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert keys == [] and looked == []
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(2).run()
    assert keys == [2] and looked == []
    save("reruns_key", test=TEST * 3)  # saved over with rows of one reply: the Answer at box goes
    at.run()
    assert not at.exception, at.exception
    assert keys == [2, 2] and looked == [3]
    assert [r.label for r in at.radio] == []
