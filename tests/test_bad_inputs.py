"""Hostile inputs (tests/bad_inputs.py) through the CLI and the Data page: a clear message, nothing lost.

Every case of the corpus is checked in the CLI (`data inspect --json`, in-process; a few in a real
subprocess) and on the Data page (one AppTest session for the whole corpus, with a split saved and a run
"in progress" beforehand that must stay untouched). Known bugs in code this file does not own are kept as
`xfail(strict=True)` tests that assert the correct behaviour; the reasons name the bug.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.data import DataError, load_file
from ftlib.testing import make_run
from tests.bad_inputs import BY_ID, CASES, CLI, FIVE_MB, FORMULAS, UI, Case, write_case
from tests.test_pages_data import bad_rows
from ui.data_view import BAD_ROWS_SHOWN

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "data"
KEPT_SPLIT = "keep_me"
SAFE_STORED = re.compile(r"\d{8}-\d{6}-[\w.-]+")  # letters and digits of any script (`数据.csv` kept), no path part
# A few cases also run in a real `python -m ftlib` process: binary input, a crash candidate, a huge row,
# an odd file name on the command line.
SUBPROCESS_IDS = [
    "random_bytes",
    "deep_nesting_line",
    "content_part_list_type",
    "five_mb_message",
    "name_newline",
    "name_script",
]


def params(channel: str, cases: list[Case]) -> list:
    """One pytest param per case; a known bug in this channel makes it a strict xfail."""
    out = []
    for case in cases:
        bug = case.bug_for(channel)
        marks = [pytest.mark.xfail(strict=True, reason=f"bug: {bug}")] if bug else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def test_the_corpus_is_big_and_covers_the_issue():
    assert len(CASES) >= 35
    kinds = {c.id.split("_")[0] for c in CASES}
    assert {"deep", "role", "content", "csv", "parquet", "name", "empty", "bare"} <= kinds
    assert sum(c.upload for c in CASES) >= 10 and sum(not c.refused for c in CASES) >= 20


# --- CLI ------------------------------------------------------------------------------------------------------


def check_cli(case: Case, rc: int, out: str, err: str) -> None:
    """Exit 0 with each bad row (number + reason) when some rows are good; exit 2 with `error: ...` otherwise."""
    assert "Traceback" not in err and "Traceback" not in out
    if case.refused:
        assert rc == 2, (rc, out[:300], err[:300])
        assert err.startswith("error: "), err[:300]
        assert re.search(case.expect, err, re.IGNORECASE), err[:500]
        if case.valid == 0:  # rows were read: the JSON report still lists every one with its reason
            assert [e["row"] for e in json.loads(out)["errors"]] == list(case.bad)
        return
    assert rc == 0, err[:500]
    report = json.loads(out)
    assert report["valid_rows"] == case.valid and report["rows"] == case.valid + len(case.bad)
    assert [e["row"] for e in report["errors"]] == list(case.bad), report["errors"][:5]
    # A reason is a sentence, never an echo of a 5 MB line.
    assert all(len(e["message"]) < 400 for e in report["errors"])
    if case.expect:
        assert re.search(case.expect, report["errors"][0]["message"], re.IGNORECASE), report["errors"][0]


CLI_CASES = [c for c in CASES if c.cli_path(Path("/")) is not None]  # a 300-character name cannot exist on disk


@pytest.mark.parametrize("case", params(CLI, CLI_CASES))
def test_cli_inspect(case, tmp_path, capsys):
    path = write_case(case, tmp_path)
    rc = main(["data", "inspect", str(path), "--json"])
    captured = capsys.readouterr()
    check_cli(case, rc, captured.out, captured.err)


@pytest.mark.parametrize("case", params(CLI, [BY_ID[i] for i in SUBPROCESS_IDS]))
def test_cli_inspect_in_a_real_process(case, tmp_path):
    path = write_case(case, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib", "data", "inspect", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    check_cli(case, proc.returncode, proc.stdout, proc.stderr)


def test_huge_rows_are_kept_whole(tmp_path):
    long_chat = load_file(write_case(BY_ID["ten_thousand_turns"], tmp_path)).rows[1]["messages"]
    assert len(long_chat) == 10_000 and long_chat[-1] == {"role": "assistant", "content": "turn 9999"}
    story = load_file(write_case(BY_ID["five_mb_message"], tmp_path)).rows[1]["messages"][1]["content"]
    assert story == FIVE_MB and len(story.encode()) > 5_000_000


def test_a_key_or_a_column_named_twice_is_never_read_as_its_last_value(tmp_path):
    """Python's json (like JavaScript's JSON.parse) keeps the last value of a repeated key, and csv.DictReader the
    last cell of a repeated column: one value would be lost without a word, so the row, or the file, is refused."""
    result = load_file(write_case(BY_ID["duplicate_keys"], tmp_path))
    assert [e.row for e in result.errors] == [2] and len(result.rows) == 2
    table = tmp_path / "twice.csv"
    table.write_text("instruction,instruction,output\nfirst,second,out\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"names the column 'instruction' more than once in its header \(line 1\)"):
        load_file(table)


def test_formula_cells_stay_plain_text_in_rows_and_saved_splits(tmp_path, capsys):
    path = write_case(BY_ID["csv_formulas"], tmp_path)
    rows = load_file(path).rows
    assert [r["messages"][0]["content"] for r in rows] == FORMULAS  # never evaluated, never stripped
    assert [r["messages"][1]["content"] for r in rows] == FORMULAS
    out = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    saved = [
        json.loads(line)
        for name in ("train.jsonl", "test.jsonl")
        for line in (out / name).read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(r["messages"][0]["content"] for r in saved) == sorted(FORMULAS)


def test_evaluation_csv_export_neutralizes_formulas():
    evaluate = pytest.importorskip("ftlib.evaluate")
    rows = [
        evaluate.EvalRow(
            index=i, prompt=f, reference=f, base_output=f, tuned_output=f, base_loss=1.0, tuned_loss=0.5, tokens=3
        )
        for i, f in enumerate(FORMULAS)
    ]
    exported = list(csv.DictReader(io.StringIO(evaluate.EvalResult(adapter="tuned", rows=rows).to_csv())))
    assert len(exported) == len(FORMULAS)
    for line, original in zip(exported, FORMULAS, strict=True):
        for column in ("prompt", "reference", "base_output", "tuned_output"):
            cell = line[column]
            # OWASP: a cell starting with = + - @ tab or CR is a formula; a leading ' keeps it text.
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
            assert cell.removeprefix("'") == original


def test_same_upload_name_twice_in_one_second_keeps_both(monkeypatch):
    frozen = SimpleNamespace(strftime=lambda *args: "20250101-120000", time=time.time)  # both in one second
    monkeypatch.setattr(workspace, "time", frozen)
    first = workspace.save_upload("data.jsonl", b'{"first": 1}\n')
    second = workspace.save_upload("../data.jsonl", b'{"second": 2}\n')
    assert workspace.inside(workspace.uploads_dir(), first) and workspace.inside(workspace.uploads_dir(), second)
    assert first.read_bytes() == b'{"first": 1}\n' and second.read_bytes() == b'{"second": 2}\n'


# --- the Data page: the whole corpus in one AppTest session ---------------------------------------------------


@dataclass
class Seen:
    """What the page showed (and what was on disk) after one case."""

    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    reasons: list[tuple[int, str]] = field(default_factory=list)  # the table of reasons: (how many rows, reason)
    texts: list[str] = field(default_factory=list)
    active_split: str | None = None
    kept_intact: bool = False
    stored: list[Path] = field(default_factory=list)
    run_error: str | None = None


@dataclass
class Batch:
    seen: dict[str, Seen]
    workspace: Path
    uploads: Path
    outside_before: set[str]
    outside_after: set[str]
    final: Seen


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def listing(root: Path, skip: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if skip not in (p, *p.parents)}


def observe(at: AppTest, kept: dict[str, bytes], keep_roots: list[Path], uploads: Path, before: set[Path]) -> Seen:
    frames = [d.value for d in at.dataframe if list(d.value.columns) == ["where", "why"]]
    metrics = {m.label: m.value for m in at.metric}
    skipped = metrics.get("Skipped rows", "0") != "0"
    # The skipped rows: one line per reason ("10 rows: lines 4, 9, 12 and 7 more"), and every row with its own
    # reason in a table below it where a reason covers several rows (or the reasons are many); else each line of
    # the table of reasons is one row. A row is named as the file counts it ("line 201", "data row 4 (line 5 of the
    # file)", "item 3"): its number.
    grouped = bad_rows(at)
    reasons = [(int(m[1]) if (m := re.match(r"(\d+) rows: ", rows)) else 1, why) for rows, why in grouped]
    listed = [
        (int(re.search(r"\d+", str(where)).group()), reason)
        for where, reason in (zip(frames[0]["where"], frames[0]["why"], strict=True) if frames else grouped)
    ]
    seen = Seen(
        exceptions=[str(e.value) for e in at.exception],
        errors=[e.value for e in at.error],
        warnings=[w.value for w in at.warning],
        infos=[i.value for i in at.info],
        metrics=metrics,
        bad_rows=listed if skipped else [],
        reasons=reasons if skipped else [],
        texts=[t.value[:300] for t in at.text][:40],
        active_split=at.session_state["active_split"] if "active_split" in at.session_state else None,
        stored=sorted(set(uploads.iterdir()) - before),
    )
    now: dict[str, bytes] = {}
    for root in keep_roots:
        now.update({f"{root.name}/{k}": v for k, v in files_under(root).items()})
    seen.kept_intact = now == kept
    return seen


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    base = tmp_path_factory.mktemp("hostile")
    corpus, ws = base / "corpus", base / "workspace"
    paths = {c.id: write_case(c, corpus) for c in CASES if not c.upload}
    basetemp = tmp_path_factory.getbasetemp()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FTLIB_WORKSPACE", str(ws))
        mp.setenv("FTLIB_DATA_DIRS", os.pathsep.join([str(corpus), str(FIXTURES)]))
        outside_before = listing(basetemp, ws)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/1_Data.py").run()
        # Before any bad input: a saved, active split and a training run in progress.
        at.radio(key="data_source").set_value("Local path").run()
        at.text_input(key="data_path").input(str(FIXTURES / "chat_mixed.jsonl")).run()
        at.text_input(key="split_name").input(KEPT_SPLIT).run()
        at.button(key="split_save").click().run()
        assert not at.exception and at.session_state["active_split"] == KEPT_SPLIT
        run = make_run("run-in-progress", state="running", step=7, metrics=[{"step": 7, "loss": 1.25}]).path
        keep_roots = [workspace.datasets_dir() / KEPT_SPLIT, run]
        kept = {f"{r.name}/{k}": v for r in keep_roots for k, v in files_under(r).items()}
        assert len(kept) == 7  # the split (train, test, meta) and the run (config, status, its lock, metrics)
        uploads = workspace.uploads_dir()

        seen: dict[str, Seen] = {}

        def step(case_id: str, act) -> None:
            before = set(uploads.iterdir())
            try:
                act()
            except Exception as exc:  # AppTest itself failed (e.g. a timeout): record it, go on with the batch
                seen[case_id] = Seen(run_error=f"{type(exc).__name__}: {exc}")
                return
            seen[case_id] = observe(at, kept, keep_roots, uploads, before)

        for case in CASES:
            if not case.upload:
                step(case.id, lambda p=paths[case.id]: at.text_input(key="data_path").input(str(p)).run())
        at.radio(key="data_source").set_value("Upload").run()
        for case in CASES:
            if case.upload:
                step(
                    case.id,
                    lambda c=case: (
                        at.file_uploader(key="data_upload")
                        .set_value((c.filename, c.payload(), "application/octet-stream"))
                        .run()
                    ),
                )
        # The app still works afterwards: a good file loads in the same session.
        at.radio(key="data_source").set_value("Local path").run()
        step("final", lambda: at.text_input(key="data_path").input(str(FIXTURES / "qa.csv")).run())
        outside_after = listing(basetemp, ws)
    return Batch(seen, ws, uploads, outside_before, outside_after, seen.pop("final"))


@pytest.mark.parametrize("case", params(UI, CASES))
def test_data_page(case, batch):
    seen = batch.seen[case.id]
    assert seen.run_error is None
    assert not seen.exceptions, seen.exceptions
    # Nothing lost: the split saved before is on disk byte for byte and still the active one; the run too.
    assert seen.kept_intact and seen.active_split == KEPT_SPLIT
    if case.refused:
        # A file whose fields are not mapped yet gets an info box asking for the mapping (a normal step, not an
        # error), the full message under "For engineers"; any other file with no usable row, an error.
        asks_mapping = any("Field mapping" in i or "Question column" in i for i in seen.infos)
        assert seen.errors or asks_mapping, "no st.error and no mapping request for a file with no usable row"
        shown = seen.errors + seen.texts + [message for _, message in seen.bad_rows]
        assert any(re.search(case.expect, m, re.IGNORECASE) for m in shown), shown
        if case.valid == 0:
            assert [row for row, _ in seen.bad_rows] == list(case.bad)
    else:
        assert not seen.errors, seen.errors
        assert seen.metrics["Valid rows"] == str(case.valid)
        assert seen.metrics["Rows read"] == str(case.valid + len(case.bad))
        assert [row for row, _ in seen.bad_rows] == list(case.bad)
        # each reason once, its rows counted: together the skipped rows (the table shows the first 30 reasons)
        assert len({why for _, why in seen.reasons}) == len(seen.reasons)
        assert sum(n for n, _ in seen.reasons) == len(case.bad) or len(seen.reasons) == BAD_ROWS_SHOWN
        if case.bad:
            assert any(re.search("cannot be used and (is|are) skipped", w) for w in seen.warnings), seen.warnings
            assert re.search(case.expect, seen.bad_rows[0][1], re.IGNORECASE), seen.bad_rows[0]
    if case.upload:
        # Stored once, under uploads/, with a sanitized name that keeps the file type.
        assert len(seen.stored) == 1, seen.stored
        stored = seen.stored[0]
        assert stored.parent == batch.uploads and SAFE_STORED.fullmatch(stored.name), stored.name
        assert stored.read_bytes() == case.payload()
        assert stored.suffix == PurePosixPath(case.filename.replace("\\", "/")).suffix
    else:
        assert seen.stored == []


def test_formula_cells_are_shown_verbatim_on_the_page(batch):
    shown = batch.seen["csv_formulas"].texts
    assert all(f in shown for f in FORMULAS[:5]), shown  # the preview's first page (5 rows), as plain st.text


def test_nothing_is_written_outside_the_workspace(batch):
    assert batch.outside_after == batch.outside_before
    top = {p.name for p in batch.workspace.iterdir()}
    assert top <= {"uploads", "datasets", "runs", workspace.CHOICES_DIR, workspace.ACTIVE_SPLIT_FILE}, top
    # beside the split, only the lock its saves take turns under (workspace.save_split)
    assert {p.name for p in (batch.workspace / "datasets").iterdir()} <= {KEPT_SPLIT, f".{KEPT_SPLIT}.lock"}
    assert (batch.workspace / "datasets" / KEPT_SPLIT).is_dir()
    assert len(list(batch.uploads.iterdir())) == sum(c.upload for c in CASES)
    for case in CASES:
        if case.upload and ".." in case.filename:
            naive = batch.uploads / case.filename.replace("\\", "/")
            assert not naive.resolve().exists(), naive  # where a naive join would have written it


def test_the_app_keeps_running_after_the_whole_corpus(batch):
    final = batch.final
    assert final.run_error is None and not final.exceptions and not final.errors
    assert final.metrics == {
        "Format": "instruction and answer",
        "Rows read": "5",
        "Valid rows": "4",
        "Skipped rows": "1",
    }
    assert final.active_split == KEPT_SPLIT and final.kept_intact


# --- a 100 MB file through the CLI ------------------------------------------------------------------------------


# The command's own peak RSS, from wait4 in a small go-between Python: Linux carries a process's peak RSS across exec
# (the forked parent's memory counted as the child's), so a CLI started straight from a pytest worker that had grown
# to 2 GB was measured at 2,091 MiB where it peaks at 367 MiB (CI, once its file ran after the heavy ones).
MEASURED_CHILD = (
    "import os, subprocess, sys; child = subprocess.Popen(sys.argv[2:]); _, status, usage = os.wait4(child.pid, 0); "
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss)); sys.exit(os.waitstatus_to_exitcode(status))"
)


@pytest.mark.slow
def test_a_100_mb_file_through_the_cli(tmp_path):
    path = tmp_path / "big.jsonl"
    filler = "lorem ipsum dolor sit amet " * 14
    bad_line = 100_001  # one broken line deep in the file: its number must still be exact
    # Each row written by json.dumps once, its number and filler put in as text (neither needs escaping), the size
    # counted here: json.dumps and the text file's tell() for each of 120,000 rows were 0.96 s of CPU, this 0.21 s,
    # for the same bytes.
    turns = [{"role": "user", "content": "Question %d: %s"}, {"role": "assistant", "content": "Answer %d: %s"}]
    row = json.dumps({"messages": turns}) + "\n"
    lines = size = 0
    with open(path, "w", encoding="utf-8") as handle:
        while size < 100 * 1024 * 1024:  # ASCII: a character is a byte
            lines += 1
            line = '{"messages": [1, 2]}\n' if lines == bad_line else row % (lines, filler, lines, filler)
            handle.write(line)
            size += len(line)
    assert path.stat().st_size >= 100 * 1024 * 1024
    started = time.monotonic()
    with open(tmp_path / "out.json", "wb") as out, open(tmp_path / "err.txt", "wb") as err:
        command = [sys.executable, "-m", "ftlib", "data", "inspect", str(path), "--json"]
        proc = subprocess.Popen(
            [sys.executable, "-c", MEASURED_CHILD, str(tmp_path / "peak.txt"), *command],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            env=dict(os.environ),
        )
        proc.wait()
    elapsed = time.monotonic() - started
    peak_mib = int((tmp_path / "peak.txt").read_text()) / 1024  # Linux reports KiB
    print(f"\n100 MB inspect: {lines} lines, {elapsed:.1f} s, peak RSS {peak_mib:.0f} MiB")
    error_text = (tmp_path / "err.txt").read_text()
    assert proc.returncode == 0 and "Traceback" not in error_text, error_text[-2000:]
    report = json.loads((tmp_path / "out.json").read_text())
    assert (report["rows"], report["valid_rows"]) == (lines, lines - 1)
    assert [e["row"] for e in report["errors"]] == [bad_line]
    assert peak_mib < 1024  # 367 MiB measured (2026-12-06)
