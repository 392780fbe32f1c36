"""What a team's server keeps as it runs for weeks: caches hold a bounded number of entries, keyed so that a new
object never reads an old one's, and listing many runs parses only the metric files that changed. Counts, not times.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

from ftlib import run_digest, run_files, runs
from ftlib import sampling as S
from ftlib.testing import make_run


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
    assert len(S._TOKEN_TEXTS) == 0  # nothing kept of the 200 tokenizers once they are gone


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
        return D.load_cached(path, Path(path).stat().st_mtime, None, None, Path(path).name)

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
