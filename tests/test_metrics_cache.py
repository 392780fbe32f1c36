"""A run's metrics are parsed again only when the file changed (`run_files.cached_json_lines`): the Train page
summarises every run on each rerun, every 2 s while one trains (a cold review: 2-6 s a rerun beside five
20,000-step runs), and nothing a caller does to the rows it got reaches the next caller."""

from __future__ import annotations

import json

from ftlib import run_files
from ftlib.testing import make_run


def _parses(monkeypatch) -> list:
    calls = []
    parse = run_files.json_lines
    monkeypatch.setattr(run_files, "json_lines", lambda *a, **k: calls.append(a[0]) or parse(*a, **k))
    return calls


def test_an_unchanged_metrics_file_is_parsed_once_and_a_changed_one_again(tmp_path, monkeypatch):
    rows = [{"kind": "train", "step": s, "loss": 1.0 / s} for s in range(1, 4)]
    run = make_run("r-cached", {"dataset": "d"}, metrics=rows, step=3, max_steps=3)
    calls = _parses(monkeypatch)
    for _ in range(3):  # as the charts read it (`live`: a last line may be under way) and a finished run's summary
        assert run.read_metrics() == rows and run.summary().step == 3
    assert len(calls) == 2  # once each way
    got = run.read_metrics()
    got[0]["loss"] = 99.0  # a caller's change stays its own
    assert run.read_metrics()[0]["loss"] == 1.0

    run.append_metric({"kind": "train", "step": 4, "loss": 0.2})  # a live run's next step
    assert run.summary().step == 4 and len(calls) == 3
    # Rewritten to the same size at once (a resume keeping its rows, within the clock's tick): read again.
    same_size = [{**r, "loss": 2.0 / r["step"]} for r in rows] + [{"kind": "train", "step": 4, "loss": 0.3}]
    text = "".join(json.dumps(r) + "\n" for r in same_size)
    assert len(text) == run.metrics_file.stat().st_size
    run.metrics_file.write_text(text)
    assert run.read_metrics() == same_size and len(calls) == 4


def test_the_cache_holds_a_bounded_number_of_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(run_files, "_PARSED", {})
    monkeypatch.setattr(run_files, "PARSED_BYTES", 600)
    files = []
    for i in range(4):
        path = tmp_path / f"m{i}.jsonl"
        path.write_text("".join(json.dumps({"step": s, "loss": 0.5}) + "\n" for s in range(10)))  # ~250 bytes
        files.append(path)
        assert run_files.cached_json_lines(path)[0][-1] == {"step": 9, "loss": 0.5}
    assert [k[0] for k in run_files._PARSED] == [str(f) for f in files[-2:]]  # the least recently used went
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"step": s, "loss": 0.5}) + "\n" for s in range(40)))
    assert len(run_files.cached_json_lines(big)[0]) == 40 and str(big) not in {k[0] for k in run_files._PARSED}
    assert run_files.cached_json_lines(tmp_path / "none.jsonl") == ([], 0)


def test_sessions_reading_metrics_at_once_never_trip_over_each_other(tmp_path, monkeypatch):
    """A review: the cache is one dict every session's thread reads (a Train page polls every 2 s); without a lock,
    one thread's change to it during another's pass over it raised "dictionary keys changed during iteration"."""
    import sys
    import threading

    monkeypatch.setattr(run_files, "_PARSED", {})
    files = []
    for i in range(60):
        path = tmp_path / f"m{i}.jsonl"
        path.write_text("".join(json.dumps({"kind": "train", "step": s, "loss": 1.0}) + "\n" for s in range(20)))
        files.append(path)
    errors = []

    def read(k: int) -> None:
        for n in range(300):
            for path in files[k::3]:
                try:
                    run_files.cached_json_lines(path)
                except Exception as exc:  # noqa: BLE001 (what the test looks for)
                    errors.append(repr(exc))
                    return
                if n % 7 == 0:  # a live run's next step
                    with open(path, "a") as handle:
                        handle.write(json.dumps({"kind": "train", "step": 999, "loss": 1.0}) + "\n")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can: the race shows at once, not in a week
    try:
        threads = [threading.Thread(target=read, args=(k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
