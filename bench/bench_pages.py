"""How responsive the Tokens, Batches, Compare and Evaluate pages are to a click, on the default model.

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_pages [--reruns 5] [--pages tokens,batches,compare,evaluate]
        [--runs 0] [--profile 25] [--sample chat_style_sft.jsonl | --rows 100000] [--dump FOLDER]

Saves the shipped sample (or `--rows` chat rows of `bench.bench_data_page`'s: tool calls, reasoning, several turns) as
a split (9 rows in 10 trained, seed 0) in a temporary workspace, makes one finished LoRA
run of the default model on it (a random adapter, `ftlib.testing.make_random_adapter`) and `--runs` more beside it
(copies of the first, as a team's workspace fills with runs), and opens each page through Streamlit's AppTest (the
page's own script, in this process) as a person would click through it:

- `first`: the page opened from another page (`switch_page`), in a session that has opened nothing yet;
- one row per widget change a person makes there (another row, another template, a sampling slider moved without
  generating): the median seconds of `--reruns` reruns, each a change of the box (between two values).

Compare is timed with a finished grid on the page (greedy and balanced, 16 new tokens; base and the run) and
Evaluate with a finished evaluation (2 held-out rows, 8 new tokens), as a person sees them after pressing the button.

With `--profile N`, each change's last rerun runs under cProfile (the script's thread: AppTest runs the page in one
of its own) and the N functions of the project's code (ftlib/, ui/, pages/) with the most cumulative time are
printed with their share of the rerun (`--dump`: each profile kept as a pstats file). Needs the default model
converted once (`python -m ftlib models prepare default`). A page that raises is reported, not timed.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPLIT = "bench_pages"
RUN_ID = "20260101-000000-lora-bench-pages"
PAGES = {
    "tokens": "pages/2_Tokens.py",
    "batches": "pages/3_Batches.py",
    "compare": "pages/5_Compare.py",
    "evaluate": "pages/6_Evaluate.py",
}


class Profiled:
    """cProfile of the script thread of the next AppTest runs while `on` (AppTest runs a page in a thread of its own,
    which a profiler started in this thread does not see)."""

    def __init__(self) -> None:
        from streamlit.testing.v1 import local_script_runner

        self.on, self.stats = False, None
        runner = local_script_runner.LocalScriptRunner
        original = runner._run_script_thread
        bench = self

        def profiled(self_) -> None:
            if not bench.on:
                return original(self_)
            profile = cProfile.Profile()
            profile.enable()
            try:
                return original(self_)
            finally:
                profile.disable()
                bench.stats = pstats.Stats(profile)

        runner._run_script_thread = profiled


def setup(workspace: Path, sample: str, extra_runs: int, rows: int = 0) -> None:
    os.environ["FTLIB_WORKSPACE"] = str(workspace)
    import shutil

    from ftlib import workspace as W
    from ftlib.data import load_file
    from ftlib.splits import split_rows
    from ftlib.testing import make_random_adapter, make_run

    if (
        rows
    ):  # a big split of bench_data_page's chat rows (tool calls, reasoning, several turns) in place of the sample
        import json
        import random

        from bench.bench_data_page import chat_row

        rng = random.Random(7)
        path = workspace / "made" / "chats.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(chat_row(i, rng)) + "\n" for i in range(rows)), encoding="utf-8")
        loaded, sample = load_file(path), path.name
    else:
        loaded = load_file(ROOT / "samples" / sample)
    train, test = split_rows(loaded.rows, test_size=0.1, seed=0)
    W.save_split(SPLIT, train, test, {"format": loaded.format, "source": sample, "seed": 0, "test_size": 0.1})
    W.remember_active_split(SPLIT)
    adapter = make_random_adapter("default", workspace / "made" / "adapter", seed=3, b_std=0.02)
    config = {"model": "default", "dataset": SPLIT, "method": "lora", "template": "tokenizer", "max_steps": 8}
    made = make_run(RUN_ID, config, adapter=adapter).path
    for i in range(extra_runs):  # older than the one timed: the pickers start on it
        copy = shutil.copytree(made, W.runs_dir() / f"20251231-{i:06d}-lora-copy")
        os.utime(copy, (time.time() - 3600 - i, time.time() - 3600 - i))
    print(f"split {SPLIT}: {len(train)} train, {len(test)} test rows of {sample}; {1 + extra_runs} finished run(s)")


def widget(at, kind: str, label: str):
    """The first widget of `kind` whose label starts with `label`."""
    return next(w for w in getattr(at, kind) if w.label.startswith(label))


def timed(at, profiled: Profiled | None = None) -> float:
    if profiled:
        profiled.on = True
    start = time.perf_counter()
    try:
        at.run()
    finally:
        if profiled:
            profiled.on = False
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return time.perf_counter() - start


def changes(page: str) -> list[tuple[str, Callable]]:
    """(what a person does, a function that makes that change on the AppTest for rerun `i`)."""

    def number(label: str, values):
        return lambda at, i: widget(at, "number_input", label).set_value(values[i % 2])

    def select(kind: str, label: str, values):
        return lambda at, i: widget(at, kind, label).set_value(values[i % 2])

    if page == "tokens":
        return [
            ("another row", number("Row (1 to", (2, 3))),
            ("another template", select("selectbox", "Chat template", ("chatml", "tokenizer"))),
            ("Ids and labels toggled", select("toggle", "Ids and labels", (True, False))),
        ]
    if page == "batches":
        return [
            ("another starting row", number("Starting at row", (5, 1))),
            ("another template", select("selectbox", "Chat template", ("chatml", "tokenizer"))),
            ("Token id row toggled", select("toggle", "Token id row", (True, False))),
        ]
    if page == "compare":
        return [
            ("next-token temperature", lambda at, i: at.slider(key="view_t").set_value((0.7, 1.0)[i % 2])),
            ("custom top-p (no generating)", lambda at, i: at.slider(key="custom_p").set_value((0.9, 1.0)[i % 2])),
            ("max new tokens (no generating)", select("slider", "Max new tokens", (24, 16))),
        ]
    return [
        ("another row's per-token view", lambda at, i: widget(at, "selectbox", "Row").set_value((1, 0)[i % 2])),
        ("rows per batch", select("slider", "Rows per batch", (4, 8))),
    ]


def open_page(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.run()
    start = time.perf_counter()
    at.switch_page(PAGES[page])
    first = timed(at)
    if page == "tokens":  # the split's rows, not a typed conversation (a new workspace has no kept choice)
        widget(at, "radio", "Example").set_value("Row from the dataset")
        first += timed(at)
    if page == "compare":  # a finished grid, as after pressing Generate: its cells are drawn on every rerun
        at.multiselect(key="compare_presets").set_value(["greedy", "balanced"]).run()
        widget(at, "slider", "Max new tokens").set_value(16).run()
        next(b for b in at.button if b.label == "Generate").click().run()
        assert at.session_state["compare_job"].wait(timeout=600)
        at.run()
    if page == "evaluate":  # a finished evaluation, its first per-token view scored
        widget(at, "number_input", "Rows to evaluate").set_value(2).run()
        widget(at, "slider", "Max new tokens per answer").set_value(8).run()
        next(b for b in at.button if b.label == "Evaluate").click().run()
        assert at.session_state["evaluate_job"].wait(timeout=600)
        at.run()
        widget(at, "selectbox", "Row").set_value(1).run()  # both rows' views scored once: reruns draw them again
        widget(at, "selectbox", "Row").set_value(0).run()
    return at, first, time.perf_counter() - start


def project_lines(stats: pstats.Stats, total: float, top: int) -> list[str]:
    """The `top` functions of ftlib/, ui/ and pages/ by cumulative time, with their share of the rerun."""
    rows = []
    for (file, line, name), (_, calls, _, cum, _) in stats.stats.items():
        rel = os.path.relpath(file, ROOT)
        if rel.split(os.sep)[0] in ("ftlib", "ui", "pages"):
            rows.append((cum, calls, f"{rel}:{line}({name})"))
    rows.sort(reverse=True)
    return [f"    {cum:7.3f} s {cum / total:6.1%} {calls:6d} calls  {where}" for cum, calls, where in rows[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--runs", type=int, default=0, help="finished runs beside the one timed")
    parser.add_argument("--profile", type=int, default=0, help="print this many of the project's functions")
    parser.add_argument("--sample", default="chat_style_sft.jsonl")
    parser.add_argument("--rows", type=int, default=0, help="a split of this many generated chat rows instead")
    parser.add_argument("--dump", help="a folder for each profiled rerun's pstats file")
    args = parser.parse_args()
    # Every page checked before the workspace is built and the app started: an unknown one was said mid-run.
    if unknown := [page for page in args.pages.split(",") if page not in PAGES]:
        parser.error(f"unknown page {unknown[0]!r}; choose from {', '.join(PAGES)}")
    setup(Path(tempfile.mkdtemp(prefix="bench-pages-")), args.sample, args.runs, args.rows)
    profiled = Profiled() if args.profile or args.dump else None
    for page in args.pages.split(","):
        try:
            at, first, opened = open_page(page)
        except Exception as exc:  # noqa: BLE001 (a page that raises is said, the others still measured)
            print(f"{page}: could not open: {exc}")
            continue
        print(f"{page}: first {first:.2f} s (opened with its grid or evaluation: {opened:.1f} s)")
        for what, change in changes(page):
            try:
                seconds = []
                for i in range(args.reruns):
                    change(at, i)
                    seconds.append(timed(at, profiled if i == args.reruns - 1 else None))
            except Exception as exc:  # noqa: BLE001
                print(f"  {what}: failed: {exc}")
                continue
            runs = ", ".join(f"{s:.2f}" for s in seconds)
            print(f"  {what}: median {statistics.median(seconds):.3f} s ({runs})")
            if profiled and profiled.stats is not None:
                total = profiled.stats.total_tt
                if args.dump:
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    profiled.stats.dump_stats(Path(args.dump) / f"{page}-{what.replace(' ', '_')}.pstats")
                if args.profile:
                    print(f"    profiled rerun: {total:.3f} s of CPU in the script thread")
                    print("\n".join(project_lines(profiled.stats, total, args.profile)))
                profiled.stats = None


if __name__ == "__main__":
    main()
