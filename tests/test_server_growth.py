"""What a team's server keeps as it runs for weeks: caches hold a bounded number of entries, keyed so that a new
object never reads an old one's, and listing many runs parses only the metric files that changed. Counts, not times.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import run_digest, run_files, runs, text_rows, workspace
from ftlib import sampling as S
from ftlib.file_stamps import file_stamp
from ftlib.testing import make_run

ROOT = Path(__file__).resolve().parents[1]


class _Tokenizer:
    """A tokenizer that names its model in every token's text (`token_text` needs only `decode`)."""

    def __init__(self, model: str) -> None:
        self.model = model

    def decode(self, ids: list[int], **_) -> str:
        return f"{self.model}:{ids[0]}"


def test_token_texts_go_with_their_tokenizer_and_a_new_one_never_reads_an_old_ones():
    # A tokenizer the pages' cache lets go is freed; the next one is often made at its address (199 of 200 were),
    # and a cache keyed by id() gave it the freed one's texts.
    for n in range(200):
        tokenizer = _Tokenizer(f"model-{n}")
        assert S.token_text(tokenizer, 5) == f"model-{n}:5"
        del tokenizer
    gc.collect()
    assert not any(isinstance(t, _Tokenizer) for t in text_rows._PER_TOKENIZER)  # nothing kept of the 200 once gone


def _many_runs(count: int, steps: int) -> list:
    rows = [{"kind": "train", "step": s, "loss": 2.0 - s / steps, "peak_memory": 1000 + s} for s in range(1, steps)]
    rows.append({"kind": "train", "step": steps, "loss": 1.0, "peak_memory": 1000 + steps})
    rows.append({"kind": "eval", "step": steps, "eval_loss": 1.25})
    return [
        make_run(f"r{n:03d}", {"dataset": "d"}, metrics=rows, step=steps, max_steps=steps, ended=1.0)
        for n in range(count)
    ]


def test_listing_many_runs_parses_only_the_metrics_that_changed_and_keeps_no_parsed_rows(monkeypatch):
    # A team's workspace: more metrics than the parsed files' cache holds (here 1 KB; 32 MiB on a server, which
    # 300 runs of 2,000 steps pass 5 times over): each listing parsed every run's file again (4-7 s a listing).
    monkeypatch.setattr(run_files, "PARSED_BYTES", 1024)
    monkeypatch.setattr(run_files, "_PARSED", {})
    monkeypatch.setattr(run_digest, "_FACTS", {})
    made = _many_runs(6, 40)
    parsed = []
    parse = run_files.json_lines
    monkeypatch.setattr(run_files, "json_lines", lambda *a, **k: parsed.append(a[0]) or parse(*a, **k))
    first = {r.id: r.as_dict() for r in runs.list_runs()}
    assert len(parsed) == 6 and first["r000"]["train_loss"] == 1.0 and first["r000"]["eval_loss"] == 1.25
    assert first["r000"]["peak_memory"] == 1040
    parsed.clear()
    for _ in range(3):  # the Train page lists them every 2 s while a run trains
        assert {r.id: r.as_dict() for r in runs.list_runs()} == first
    assert parsed == []
    made[2].append_metric({"kind": "train", "step": 41, "loss": 0.5})  # one run's file changed: that one is read
    again = {r.id: r.as_dict() for r in runs.list_runs()}
    assert parsed == [made[2].metrics_file] and again["r002"]["train_loss"] == 0.5
    assert run_files._PARSED == {}  # a listing keeps a few facts a run, not its parsed rows (209 MiB for 300 runs)


def test_the_facts_of_at_most_FACTS_runs_are_kept(monkeypatch):
    monkeypatch.setattr(run_digest, "_FACTS", {})
    monkeypatch.setattr(run_digest, "FACTS", 4)
    _many_runs(7, 3)
    assert len(runs.list_runs()) == 7 and len(run_digest._FACTS) == 4


def test_the_data_pages_files_together_stay_within_what_one_file_may_take(tmp_path, monkeypatch):
    # Each file is refused past half the machine's memory (data_budget), but the Data page kept four: the same large
    # upload under four field mappings took twice the machine. Here half the "machine" holds two of these files.
    from ui import data_files as D

    turns = [[{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": f"A{i}."}] for i in range(10)]
    files = []
    for name in "abc":
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"messages": t}) + "\n" for t in turns), encoding="utf-8")
        files.append(str(path))
    one = D.estimate(10, Path(files[0]).stat().st_size)
    monkeypatch.setattr(D, "memory_bytes", lambda: 2 * (2 * one + one // 2))
    reads = []
    load = D.load_file
    monkeypatch.setattr(D, "load_file", lambda path, **k: reads.append(Path(path).name) or load(path, **k))
    monkeypatch.setattr(D, "_held", {})
    D.load_cached.clear()

    def open_file(path: str):
        return D.load_cached(path, file_stamp(path), None, None, Path(path).name)

    for path in files[:2]:
        assert len(open_file(path).rows) == 10
    assert len(open_file(files[0]).rows) == 10 and reads == ["a.jsonl", "b.jsonl"]  # two fit: still held
    open_file(files[2])  # a third would pass half the memory: the two held go first
    open_file(files[0])
    assert reads == ["a.jsonl", "b.jsonl", "c.jsonl", "a.jsonl"]  # read again: it had been let go
    assert sum(D._held.values()) <= D.memory_bytes() // 2
    D.load_cached.clear()


def test_what_is_worked_out_per_tokenizer_keeps_no_tokenizer_alive(smol_tokenizer):
    # An lru_cache keyed by the tokenizer kept the last 8 alive after the pages' caches let them go (84 MiB of
    # SmolLM2's): here 10 copies are made, asked, and let go; none may stay.
    import copy
    import weakref

    from ftlib.templates import get_template
    from ftlib.text_rows import tokenizer_adds_bos
    from ftlib.tokenizer_checks import check_missing_special_tokens

    chatml = get_template("chatml", tokenizer=smol_tokenizer)
    alive = []
    for _ in range(10):
        tokenizer = copy.deepcopy(smol_tokenizer)
        assert tokenizer_adds_bos(tokenizer) is False  # SmolLM2's adds none
        assert check_missing_special_tokens(tokenizer, chatml) is None  # it knows ChatML's tokens
        alive.append(weakref.ref(tokenizer))
        del tokenizer
    gc.collect()
    assert [ref for ref in alive if ref() is not None] == []


def _tab(page: str, model) -> AppTest:
    """A browser tab left open on `page` (an AppTest session that is never closed)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page(page).run()


def _compare(at: AppTest, run_id: str) -> None:
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([run_id]).run()
    next(s for s in at.slider if s.label == "Max new tokens").set_value(8).run()
    next(b for b in at.button if b.label == "Generate").click().run()
    assert at.session_state["compare_job"].wait(timeout=300)


def _evaluate(at: AppTest, run_id: str) -> None:
    at.selectbox[0].set_value(run_id).run()
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(2).run()
    next(s for s in at.slider if s.label == "Max new tokens per answer").set_value(8).run()
    next(b for b in at.button if b.label == "Evaluate").click().run()
    assert at.session_state["evaluate_job"].wait(timeout=300)


@pytest.mark.parametrize("page, use", [("pages/5_Compare.py", _compare), ("pages/6_Evaluate.py", _evaluate)])
def test_tabs_left_open_hold_no_more_model_sets_than_the_cache(page, use, varied_dir, adapter_template):
    # Each finished grid or evaluation kept its model set while its tab stayed open (the page's globals, which its
    # widgets' callables hold, and the grid's job): 8 open tabs kept 9 sets, and every run's adapter in the base.
    from ftlib.modelset import ModelSet

    rows = [{"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]}]
    workspace.save_split("colours", rows, rows * 3, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    ids = [make_run(f"20260101-00000{n}-lora-colours", config, adapter=adapter_template).id for n in range(4)]
    tabs = []
    for run_id in ids:
        tabs.append(_tab(page, varied_dir))
        use(tabs[-1], run_id)
        tabs[-1].run()  # the page once the job has ended, as its fragment reruns it
        assert not tabs[-1].exception, tabs[-1].exception
    gc.collect()
    ours = str(workspace.runs_dir())
    alive = [
        o for o in gc.get_objects() if isinstance(o, ModelSet) and any(ours in str(p) for p in o.adapters.values())
    ]
    assert len(alive) <= 3  # cached_model_set's max_entries


def test_data_tabs_left_open_hold_no_more_parsed_files_than_the_cache():
    # Each open Data tab kept the file it had read (the page's globals, which its boxes' format functions hold), after
    # the shared cache of 4 had let it go: 7 open tabs, 7 parsed files.
    from ftlib.data import LoadResult

    tabs = []
    for n in range(6):
        path = workspace.workspace_dir() / f"chats{n}.jsonl"
        turns = [[{"role": "user", "content": f"Q{n}.{i}?"}, {"role": "assistant", "content": "A."}] for i in range(5)]
        path.write_text("".join(json.dumps({"messages": t}) + "\n" for t in turns), encoding="utf-8")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at = at.switch_page("pages/1_Data.py").run()
        at.radio(key="data_source").set_value("Local path").run()
        at.text_input(key="data_path").input(str(path)).run()
        assert not at.exception, at.exception
        tabs.append(at)
    gc.collect()
    ours = {f"Q{n}.0?" for n in range(6)}  # the first question of each file
    held = sum(
        isinstance(o, LoadResult) and bool(o.rows) and str(o.rows[0]).count("Q") and _first(o) in ours
        for o in gc.get_objects()
    )
    assert held <= 4  # the Data page's shared cache


def _first(result) -> str:
    return str(result.rows[0].get("messages", [{}])[0].get("content"))


def test_a_training_runs_summary_and_its_charts_share_one_parse_of_each_new_step(monkeypatch):
    # The Train page lists the runs and draws the running one's charts every 2 s: a 20,000-step run's metrics parsed
    # twice a poll would be twice the work.
    rows = [{"kind": "train", "step": s, "loss": 1.0 / s} for s in range(1, 4)]
    run = make_run("r-live", {"dataset": "d"}, state="running", metrics=rows, step=3, max_steps=10)
    parsed = []
    parse = run_files.json_lines
    monkeypatch.setattr(run_files, "json_lines", lambda *a, **k: parsed.append(a[0]) or parse(*a, **k))
    for step in (4, 5):
        run.append_metric({"kind": "train", "step": step, "loss": 0.1})
        assert run.summary().step == step and run.read_metrics()[-1]["step"] == step
    assert len(parsed) == 2  # once a step
