"""Behaviours of the session of 2026-12-06's new and changed code that no test held, found by hand mutation (each
test here fails when the line it names is changed): a data file's start read only as far as asked (column_peek's
FileStart: its lines, its whole bytes, a kind known only past the first read), a table's first rows from that start
(table_peek), what exported copies take (disk_use), the workspace's own files a typed path may not read
(bookkeeping), a finished run's kept summary (run_picker), the places of a split side's rows (split_lines), what
deleting a reward model costs (run_resume), `per_row`'s `rewritten` (commands/evaluate), `data split --dedupe`'s
default ratio (commands/data), `runs export --remove` beside --out (commands/runs), a one-process estimate's warning
and a deleted run's divergence (commands/train), the number box over a long list (ui.row_picker) and the templates a
Compare prompt is read in (ui.prompt_input). Pure functions, files in the test's own workspace, a first read made
small (column_peek.HEAD_BYTES) where a file's size would decide; the mutants no test can tell apart are listed at
the end."""

from __future__ import annotations

import json

import pytest

from ftlib import column_peek, workspace

# ftlib/column_peek.py


def jsonl_lines(count: int) -> list[bytes]:
    return [
        json.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."}).encode() + b"\n" for i in range(count)
    ]


def counted_reads(monkeypatch) -> list:
    """From here on the sizes FileStart asks of each read of its file, in a list."""
    reads = []
    real_open = open

    class Counted:
        def __init__(self, file):
            self.file = file

        def read(self, size=-1):
            reads.append(size)
            return self.file.read(size)

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(column_peek, "open", lambda p, mode: Counted(real_open(p, mode)), raising=False)
    return reads


def test_a_files_first_lines_are_its_own_past_the_first_read_and_whole_is_every_byte(tmp_path, monkeypatch):
    """`lines(n)` reads on until it holds n line ends (`while ... count(b"\\n") < n`), each further read flagging the
    end only when it came back short (`_more`'s `len(chunk) < asked`), and says None only for a file of n lines or
    fewer (`0 < end < len(...)`); `whole()` reads the rest (`if not self.at_end`)."""
    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    lines = jsonl_lines(200)
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"".join(lines))
    with column_peek.FileStart(path) as start:
        for n in (1, 2, 7, 30, 120):
            assert start.lines(n) == b"".join(lines[:n])
        assert start.lines(200) is None and start.lines(500) is None  # every line of it
    with column_peek.FileStart(path) as start:
        assert start.lines(3) == b"".join(lines[:3])
        assert start.whole() == path.read_bytes()
    with column_peek.FileStart(path) as start:
        assert start.whole() == path.read_bytes()  # before any line was asked


def test_a_last_line_without_its_end_is_part_of_the_files_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    lines = jsonl_lines(20)
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"".join(lines).rstrip(b"\n"))
    with column_peek.FileStart(path) as start:
        assert start.lines(19) == b"".join(lines[:19])
        assert start.lines(20) is None  # the last, unended line is the rest of the file


def test_a_file_named_otherwise_whose_first_read_is_blank_is_known_by_its_first_bracket(tmp_path, monkeypatch):
    """Past a first read of blank space a `[` tells JSON: the kind is looked for in the whole file
    (`file_kind(self.name, self.whole())`), not refused because the file goes on (`if self.at_end: raise`)."""
    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    path = tmp_path / "rows.txt"
    path.write_bytes(b" " * 300 + b'[{"prompt": "Hi?", "completion": "Hello."}]')
    with column_peek.FileStart(path) as start:
        assert start.kind == "json"
    (tmp_path / "short.txt").write_bytes(b"   plain words\n")
    with pytest.raises(column_peek.DataError, match="unsupported file type"):
        column_peek.FileStart(tmp_path / "short.txt")


def test_each_further_read_of_a_files_start_doubles_what_was_read(tmp_path, monkeypatch):
    """`_more` asks as much again as has been read (`max(len(self._data), HEAD_BYTES)`): a JSONL file's lines far
    into it cost a few reads, not one more first read's worth at a time."""
    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    lines = jsonl_lines(400)
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"".join(lines))
    reads = counted_reads(monkeypatch)
    with column_peek.FileStart(path) as start:
        assert start.lines(390) == b"".join(lines[:390])
    assert len(reads) <= 12, reads  # 64, 64, 128, ... bytes: about 10 reads of a 20 KB file, not 320


def test_a_csv_header_waits_for_the_sample_its_delimiter_is_sniffed_from(tmp_path, monkeypatch):
    """The first read's lines say `;` and the file's first 50 rows `,`: the header is not settled from a text shorter
    than SNIFF_CHARS (`len(text) > SNIFF_CHARS`) but as the whole text's sniff settles it, and a .tsv's tabs need no
    sniff (`self.kind == "tsv"`)."""
    from ftlib.readers import table_columns

    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    text = "h1;h2,h3\n" + "1;2\n" * 15 + "1,2\n" * 60
    path = tmp_path / "mixed.csv"
    path.write_text(text)
    assert column_peek.peek_columns(path) == table_columns(text.encode(), "mixed.csv", "csv") == ["h1;h2", "h3"]
    tabs = tmp_path / "pairs.tsv"
    tabs.write_text("prompt\tcompletion\n" + "Hi,\tHello.\n" * 30)
    with column_peek.FileStart(tabs) as start:
        assert start.columns() == ["prompt", "completion"]
        assert not start.at_end  # settled from the first read


def test_an_excel_sep_line_sets_the_delimiter_and_a_bom_after_it_is_no_part_of_the_header(tmp_path, monkeypatch):
    """Excel's `sep=;` line is the delimiter (`hint or ...`), not what a sniff of the rows would pick (`,` on a tie),
    and a BOM at a line's start is dropped as `decode_text` drops it (`.replace("\\n\\ufeff", "\\n")`)."""
    from ftlib.readers import table_columns

    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    data = ("sep=;\n\ufeffq;a,b\n" + "1;2,3\n" * 60).encode()
    path = tmp_path / "excel.csv"
    path.write_bytes(data)
    with column_peek.FileStart(path) as start:
        assert start.columns() == table_columns(data, "excel.csv", "csv") == ["q", "a,b"]
        assert not start.at_end


def test_a_tsv_saved_as_utf16_without_a_bom_is_refused_from_its_start_as_the_whole_file_is(tmp_path, monkeypatch):
    """UTF-16 text of ASCII is valid UTF-8 (a NUL after each letter): `check_text` refuses it before the header is
    read from the start, as the whole file's read refuses it, not a header of NUL-laced names."""
    from ftlib.readers import table_columns

    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    data = ("q\ta\n" + "Hi\tHello.\n" * 40).encode("utf-16-le")
    path = tmp_path / "wide.tsv"
    path.write_bytes(data)
    with pytest.raises(column_peek.DataError) as whole:
        table_columns(data, "wide.tsv", "tsv")
    with pytest.raises(column_peek.DataError) as peeked:
        column_peek.peek_columns(path)
    assert str(peeked.value) == str(whole.value) and "UTF-16" in str(whole.value)


def test_a_file_the_server_may_not_open_is_said_as_read_path_says_it(tmp_path, monkeypatch):
    """A PermissionError opening the file becomes `read_path`'s DataError (what to do), not a traceback."""
    import pathlib

    path = tmp_path / "chats.csv"
    path.write_text("q,a\nHi,Hello.\n")

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(column_peek, "open", refused, raising=False)
    monkeypatch.setattr(pathlib.Path, "read_bytes", refused)  # as the server's account (tests run as root here)
    with pytest.raises(column_peek.DataError, match="chats.csv"):
        column_peek.FileStart(path)


def test_a_bad_byte_in_the_first_read_has_the_rest_read_at_once(tmp_path, monkeypatch):
    """A byte UTF-8 cannot read among the lines read first: the rest is read in one read (`self.whole()`), for the
    whole text's refusal naming every place, not in ever larger reads each decoded again."""
    monkeypatch.setattr(column_peek, "HEAD_BYTES", 64)
    path = tmp_path / "export.csv"
    path.write_bytes(b"q,a\nCaf\xe9?,Coffee.\n" + b"What is 2+2?,Four.\n" * 300)
    reads = counted_reads(monkeypatch)
    with pytest.raises(column_peek.DataError, match="byte 0xe9 on line 2"):
        column_peek.peek_columns(path)
    assert reads[:2] == [64, -1], reads  # the first read, then the rest at once


# ftlib/table_peek.py


def test_a_csvs_first_rows_wait_for_the_sample_its_delimiter_is_sniffed_from(tmp_path, monkeypatch):
    """The first lines say `;`, the first 50 rows `,`: rows are not settled from lines shorter than SNIFF_CHARS
    (`if kind == "csv" and len(...) <= SNIFF_CHARS + 1`) but as the whole file's read gives them."""
    from ftlib import table_peek
    from ftlib.readers import read_table
    from ftlib.table_records import table_records

    monkeypatch.setattr(table_peek, "FIRST_LINES", 4)
    path = tmp_path / "mixed.csv"
    path.write_text("h1;h2,h3\n" + "1;2\n" * 15 + "1,2\n" * 60)
    table = read_table(path.read_bytes(), "csv", "mixed.csv")
    records, _, _ = table_records(table.columns, table.rows, table.delimiter)
    assert table_peek.first_table_rows(path, n=2) == [{c: r.get(c) for c in table.columns} for _, r in records[:2]]
    assert table_peek.first_table_rows(path, n=2) == [{"h1;h2": "1;2", "h3": None}] * 2


def test_a_tsv_whose_first_line_is_blank_is_refused_as_the_whole_file_is(tmp_path, monkeypatch):
    """No header in the first lines: the whole file's read says so (`if not columns: return None`), not [] rows."""
    from ftlib import table_peek

    monkeypatch.setattr(table_peek, "FIRST_LINES", 4)
    path = tmp_path / "blank.tsv"
    path.write_text("\nq\ta\n" + "x\ty\n" * 50)
    with pytest.raises(column_peek.DataError, match="has no header row"):
        table_peek.first_table_rows(path)


def test_a_tsvs_start_cut_inside_a_quoted_cell_is_read_further(tmp_path, monkeypatch):
    """A TSV is settled from its first lines (no sniff): lines ending inside a row's quoted cell do not parse
    (`strict=True`'s csv.Error: `return None`), so more are read; neither no rows nor the cell cut short."""
    from ftlib import table_peek
    from ftlib.readers import read_table

    monkeypatch.setattr(table_peek, "FIRST_LINES", 2)
    path = tmp_path / "long.tsv"
    path.write_text('q\ta\nHello?\t"one\ntwo\nthree\nfour"\n' + "x\ty\n" * 100)
    table = read_table(path.read_bytes(), "tsv", "long.tsv")
    assert table.rows[0] == {"q": "Hello?", "a": "one\ntwo\nthree\nfour"}
    assert table_peek.first_table_rows(path, n=1) == [{"q": "Hello?", "a": "one\ntwo\nthree\nfour"}]
    assert table_peek.first_table_rows(path, n=3) == [table.rows[0], {"q": "x", "a": "y"}, {"q": "x", "a": "y"}]


# ftlib/disk_use.py


def test_a_link_counts_what_it_leads_to_and_a_file_that_cannot_be_looked_at_counts_nothing(tmp_path, monkeypatch):
    """Symlinks are followed (`os.stat`, not lstat: a link's own few bytes are not what the copy takes); a file whose
    size cannot be read for another reason than being gone counts 0 (`except OSError`) and the rest is still counted
    (`continue`, not a stop)."""
    import os

    from ftlib import disk_use

    outside = tmp_path / "weights.bin"
    outside.write_bytes(b"x" * 5000)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "model.bin").symlink_to(outside)
    assert disk_use.tree_bytes(folder) == 5000
    (folder / "a.bin").write_bytes(b"x" * 10)
    zips = tmp_path / "zips"  # counted after the folder holding the file that cannot be looked at
    zips.mkdir()
    for name in ("b.zip", "c.zip"):
        (zips / name).write_bytes(b"x" * 10)
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).endswith("a.bin"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(disk_use.os, "stat", stat)
    assert disk_use.tree_bytes(folder, zips) == 5020


# ftlib/bookkeeping.py


def own_file(*parts: str, text: str = '[{"prompt": "Hi?", "completion": "Hello."}]'):
    path = workspace.workspace_dir().joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_named_as_the_workspaces_choices_elsewhere_in_it_are_data():
    """Only a `choices/*.json` (`len(parts) == 2`, `.endswith(".json")`) and an `active_split.json` or
    `last_model.json` at the workspace's top (`parts == (...,)`) are choices: the same names further in, and another
    kind of file in choices/, are someone's data."""
    from ftlib.bookkeeping import bookkeeping_words, check_data_path
    from ftlib.models import LAST_MODEL_FILE

    for parts in (
        (workspace.CHOICES_DIR, "team", "chats.json"),
        (workspace.CHOICES_DIR, "chats.jsonl"),
        ("team", workspace.ACTIVE_SPLIT_FILE),
        ("datasets", "pairs", LAST_MODEL_FILE),
    ):
        path = own_file(*parts)
        assert bookkeeping_words(path.resolve()) == "", parts
        assert check_data_path(str(path)) == path.resolve()


def test_a_runs_file_named_as_its_settings_further_in_is_said_as_one_of_its_own_files():
    """config.json, status.json and env.json are named as such only in the run's folder itself (`len(parts) == 3`)."""
    from ftlib.bookkeeping import bookkeeping_words

    path = own_file("runs", "r-1", "evaluations", "config.json", text="{}")
    assert bookkeeping_words(path.resolve()).startswith("one of a run's own files")
    assert bookkeeping_words(own_file("runs", "r-1", "config.json", text="{}").resolve()) == (
        "a run's settings (its config.json)"
    )


@pytest.mark.parametrize(
    "parts, why, instead",
    [
        (("runs", "r-1", "who.json"), "(its records name the people working here)", "Give the path of a data file"),
        ((".removals.json",), "(its records name the people working here)", "Give the path of a data file"),
        ((workspace.ACTIVE_SPLIT_FILE,), "(it may hold what another person typed)", "Give the path of a data file"),
        ((workspace.CHOICES_DIR, "compare_prompt.json"), "(it may hold what another person typed)", "Give the path"),
        (
            ("runs", "r-1", "status.json"),
            "(a run's files hold the server's own settings, paths and messages)",
            "A run's rows are the files split/train.jsonl and split/test.jsonl in its folder",
        ),
    ],
)
def test_each_refusal_says_why_the_browser_may_not_read_the_file_and_what_to_give(parts, why, instead):
    from ftlib.bookkeeping import check_data_path
    from ftlib.workspace import PathNotAllowed

    path = own_file(*parts, text="{}")
    with pytest.raises(PathNotAllowed) as refused:
        check_data_path(str(path))
    said = str(refused.value)
    assert f"which the browser may not read {why}. {instead}" in said, said


def test_the_workspace_folder_typed_is_said_to_be_a_folder_by_the_reader():
    """The workspace itself is no file of its own (`if not parts`), and a folder typed is left to the reader."""
    from ftlib.bookkeeping import bookkeeping_words, check_data_path

    root = workspace.workspace_dir().resolve()
    assert bookkeeping_words(root) == ""
    assert check_data_path(str(root)) == root


def test_a_parquet_file_naming_a_column_twice_is_refused_as_the_whole_read_refuses_it(tmp_path):
    """`repeated_columns(columns, start.name, None)` on the first batch's columns: the same words as `read_table`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ftlib.readers import read_table
    from ftlib.table_peek import first_table_rows

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["a", "b"]), pa.array(["c", "d"])], names=["q", "q"]), path)
    with pytest.raises(column_peek.DataError) as whole:
        read_table(path.read_bytes(), "parquet", "dup.parquet")
    with pytest.raises(column_peek.DataError) as peeked:
        first_table_rows(path)
    assert str(peeked.value) == str(whole.value) and "more than once" in str(whole.value)


def test_a_compressed_parquet_files_first_rows_are_read_from_what_it_holds(tmp_path):
    """A .parquet.gz is opened whole (`start.whole() if start.at_end`): its rows come from the Parquet it holds, not
    from the gzip bytes on disk."""
    import gzip
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ftlib.table_peek import first_table_rows

    buffer = io.BytesIO()
    pq.write_table(pa.table({"q": ["Hi?", "Bye?"], "a": ["Hello.", "Goodbye."]}), buffer)
    path = tmp_path / "pairs.parquet.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()))
    assert first_table_rows(path) == [{"q": "Hi?", "a": "Hello."}, {"q": "Bye?", "a": "Goodbye."}]


def test_a_parquet_files_first_rows_stop_at_the_batch_that_holds_them(tmp_path, monkeypatch):
    """`if len(shown) >= n: break`: the batches after the one that filled the rows shown are not read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ftlib import readers
    from ftlib.table_peek import first_table_rows

    path = tmp_path / "many.parquet"
    pq.write_table(pa.table({"q": [f"q{i}" for i in range(2000)]}), path, row_group_size=100)
    taken = []
    real = readers.parquet_batches

    def counted(*args):
        for item in real(*args):
            taken.append(item)
            yield item

    monkeypatch.setattr(readers, "parquet_batches", counted)
    assert first_table_rows(path, n=3) == [{"q": "q0"}, {"q": "q1"}, {"q": "q2"}]
    assert len(taken) == 2  # the column names, then one batch of 64 rows


# ftlib/run_picker.py (summary_stamp, kept_summary, run_choices)


def finished_run(run_id: str = "r-1", **kwargs):
    from ftlib.testing import make_run

    return make_run(run_id, {"dataset": "d"}, step=4, **kwargs)


def test_a_runs_summary_stamp_changes_with_each_file_its_summary_is_read_from(tmp_path):
    """status.json, config.json, metrics.jsonl, who.json, the checkpoints folder, and each file of the adapter and of
    the model, a weights file rewritten in place as well (its time: `_times`), each change another stamp."""
    import os

    from ftlib.run_picker import summary_stamp

    weights = tmp_path / "adapter"
    weights.mkdir()
    (weights / "adapter_model.safetensors").write_bytes(b"\0" * 64)
    run = finished_run(adapter=weights)
    stamps = [summary_stamp(run.path)]

    def changed(change) -> None:
        change()
        stamps.append(summary_stamp(run.path))
        assert stamps[-1] != stamps[-2], change.__doc__

    def status():
        """status.json"""
        run.status_file.write_text(run.status_file.read_text() + "\n")

    def config():
        """config.json"""
        run.config_file.write_text(run.config_file.read_text() + "\n")

    def metrics():
        """metrics.jsonl"""
        with open(run.metrics_file, "a") as f:
            f.write('{"kind": "train", "step": 5, "loss": 1.0}\n')

    def who():
        """who.json"""
        (run.path / "who.json").write_text('{"events": []}')

    def checkpoints():
        """checkpoints/"""
        (run.checkpoints / "checkpoint-4").mkdir(parents=True)

    def rewritten():
        """the adapter's weights rewritten in place, the same size, a later time"""
        path = run.adapter_dir / "adapter_model.safetensors"
        with open(path, "r+b") as f:
            f.write(b"\1" * 64)
        ns = path.stat().st_mtime_ns + 10**9
        os.utime(path, ns=(ns, ns))

    def model():
        """a model/ folder"""
        run.model_dir.mkdir()
        (run.model_dir / "model.safetensors").write_bytes(b"\0" * 8)

    for change in (status, config, metrics, who, checkpoints, rewritten, model):
        changed(change)


def test_a_kept_summary_is_read_again_once_its_run_changed_and_not_before(monkeypatch):
    """`kept[0] == stamp`: the summary kept is given while the files are as they were, read again after a change;
    `run_choices` asks `kept_summary`, so a second call reads no summary."""
    import json

    from ftlib import modelset, run_picker
    from ftlib.rundir import RunDir

    run = finished_run("r-kept")
    reads = []
    real = RunDir.summary

    def summary(self):
        reads.append(self.path.name)
        return real(self)

    monkeypatch.setattr(RunDir, "summary", summary)
    first = run_picker.kept_summary(run.path)
    assert run_picker.kept_summary(run.path) is first and reads == ["r-kept"]
    status = json.loads(run.status_file.read_text())
    run.status_file.write_text(json.dumps({**status, "message": "finished again"}))
    assert run_picker.kept_summary(run.path).message == "finished again" and len(reads) == 2
    adapter = modelset.RunAdapter("r-kept", run.adapter_dir, "m")
    run_picker.run_choices([adapter])
    run_picker.run_choices([adapter])
    assert len(reads) == 2


def test_the_kept_summaries_are_let_go_of_past_their_bound(monkeypatch):
    from ftlib import run_picker

    monkeypatch.setattr(run_picker, "_KEPT", {})
    monkeypatch.setattr(run_picker, "KEPT_MOST", 2)
    for name in ("r-a", "r-b", "r-c"):
        run_picker.kept_summary(finished_run(name).path)
    assert len(run_picker._KEPT) <= 2


# ftlib/split_lines.py (row_places)


def test_the_places_of_a_split_sides_rows_are_each_rows_own_and_none_out_of_range():
    """Rows 1..size have a place (`0 < n <= size`: the last one too, row 0 not), a table's line named with it
    (`lines[n - 1] if lines`); a split keeping no places gives {} (`if found is None`)."""
    from ftlib.split_lines import pack, row_place, row_places

    meta = {"test_lines": {"file": "t.csv", "file_type": "csv", "rows": pack([1, 2, 3]), "lines": pack([2, 5, 9])}}
    assert row_places(meta, "test", 3, [0, 1, 2, 3, 4, -1]) == {
        1: "data row 1 of t.csv (line 2 of the file)",
        2: "data row 2 of t.csv (line 5 of the file)",
        3: "data row 3 of t.csv (line 9 of the file)",
    }
    assert row_place(meta, "test", 3, 3) == "data row 3 of t.csv (line 9 of the file)"
    assert row_place(meta, "test", 4, 3) is None and row_place(meta, "test", 0, 3) is None
    assert row_places({}, "test", 3, [1, 2]) == {} and row_places(meta, "train", 3, [1]) == {}


# ftlib/run_resume.py (reward_model_users_said)


def grpo_user(run_id: str, state: str, reward_model: str = "rm-1") -> None:
    folder = workspace.runs_dir() / run_id
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"method": "grpo", "rewards": [{"model": reward_model}]}))
    (folder / "status.json").write_text(json.dumps({"state": state}))


def test_deleting_a_reward_model_names_every_grpo_run_scoring_with_it_whatever_its_state():
    """Ended runs too (`states=None`: they resume and are evaluated with it), one run said in the singular
    (`len(users) > 1`), and nothing where none scores with it (`if not users`)."""
    from ftlib.run_resume import reward_model_users_said

    (workspace.runs_dir() / "rm-1").mkdir(parents=True)
    assert reward_model_users_said("rm-1") == ""
    grpo_user("g-1", "finished")
    assert reward_model_users_said("rm-1") == (
        "g-1 scores with this reward model: without it, resuming or evaluating it fails."
    )
    grpo_user("g-2", "failed")
    assert reward_model_users_said("rm-1") == (
        "g-1, g-2 score with this reward model: without it, resuming or evaluating them fails."
    )


# ui/prompt_input.py (read_in, rewritten_said)


def test_the_templates_a_comparisons_prompt_is_read_in_are_each_tuned_models_once(monkeypatch):
    """The page's pick for all (`if template is not None`); each tuned model's own, once (`dict.fromkeys`), every one
    of them (not the first's alone); the model's own where a tuned model names none or none is tuned; a custom one
    with its Jinja text (`get_template("custom", ...)`)."""
    from types import SimpleNamespace

    from ftlib import templates
    from ui.prompt_input import read_in

    monkeypatch.setattr(templates, "get_template", lambda name, tokenizer, source: ("built", name, source))

    def models(tuned, kept):
        return SimpleNamespace(tuned=tuned, templates=kept, tokenizer="tok")

    both = {"a": ("chatml", ""), "b": ("chatml", "")}
    assert read_in(models(["a", "b"], both), "llama3") == [("llama3", "llama3")]
    assert read_in(models(["a", "b"], both)) == [("chatml", "chatml")]
    assert read_in(models(["a", "b"], {"a": ("chatml", ""), "b": ("qwen3", "")})) == [
        ("chatml", "chatml"),
        ("qwen3", "qwen3"),
    ]
    assert read_in(models(["a", "b"], {"a": ("chatml", "")})) == [("chatml", "chatml"), ("tokenizer", "tokenizer")]
    assert read_in(models([], {})) == [("tokenizer", "tokenizer")]
    assert read_in(models(["a"], {"a": ("custom", "{{ x }}")})) == [("custom", ("built", "custom", "{{ x }}"))]


def test_a_first_reply_asked_otherwise_names_each_template_that_rewrites_it(monkeypatch):
    """Every template that rewrites the row named once, in the plural for two (`len(which) == 1`), the model's own
    where a run names none (`or "model's own template"`)."""
    import ui.prompt_input as prompt_input

    rewriting = set()
    monkeypatch.setattr(prompt_input, "rewritten_before", lambda row, tok, chosen, at: chosen in rewriting)
    read = [("chatml", "chatml"), ("qwen3", "qwen3"), ("tokenizer", "tokenizer")]
    assert prompt_input.rewritten_said({}, "1", "tok", read) == ""
    rewriting.add("qwen3")
    one = prompt_input.rewritten_said({}, "1", "tok", read)
    assert one.startswith("Asked in another form than training read it: the qwen3 template writes this row's earlier")
    assert "(it rewrites history" in one
    rewriting.add("tokenizer")
    two = prompt_input.rewritten_said({}, "1", "tok", read)
    assert two.startswith(
        "Asked in another form than training read it: the qwen3 template and the model's own "
        "template write this row's earlier turns"
    )
    assert "(they rewrite history" in two


# ftlib/commands/evaluate.py (per_row's `rewritten`)


def test_every_record_of_a_result_against_references_says_whether_it_was_scored_rewritten():
    """True for the items marked, False for the others (`r.item in rewritten`), and False on every record of a result
    with none marked (`if rewritten is not None`, not `if rewritten`): a script needs no default."""
    from types import SimpleNamespace

    from ftlib.commands.evaluate import per_row

    def row(index):
        return SimpleNamespace(index=index, item=(index, None), as_dict=lambda: {"index": index})

    rows = [row(0), row(1)]
    assert [r["rewritten"] for r in per_row(SimpleNamespace(rows=rows, rewritten=[(1, None)]))] == [False, True]
    assert [r["rewritten"] for r in per_row(SimpleNamespace(rows=rows, rewritten=[]))] == [False, False]
    assert "rewritten" not in per_row(SimpleNamespace(rows=rows))[0]  # a reward model's or a GRPO run's result


# ftlib/commands/data_split.py (`data split`'s default ratio)


def test_data_split_with_dedupe_starts_from_the_ratio_of_the_rows_it_keeps(tmp_path, capsys):
    """As the Data page: the default ratio is the one of the rows split (`default_test_ratio(len(rows))`, after
    --dedupe), not of the file's: 50 rows of which 40 differ hold out 0.15 of 40 (6), not 0.1 (4)."""
    from ftlib.cli import main
    from ftlib.data import count_test_rows
    from ftlib.splits import default_test_ratio

    rows = [{"prompt": f"Question {i % 40}?", "completion": f"Answer {i % 40}."} for i in range(50)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "split"
    assert main(["data", "split", str(path), "--dedupe", "--out", str(out)]) == 0
    capsys.readouterr()
    assert default_test_ratio(40) == 0.15 and default_test_ratio(50) == 0.1
    assert json.loads((out / "meta.json").read_text())["test_size"] == 0.15
    assert len((out / "test.jsonl").read_text().splitlines()) == count_test_rows(40, 0.15) == 6


# ftlib/commands/runs_export.py (`runs export --remove`)


def test_runs_export_remove_beside_out_is_refused_naming_it(tmp_path, capsys):
    """--out copies an export too (`building += ["--out"]`): with --remove, one or the other, nothing removed."""
    from ftlib.cli import main

    run = finished_run("r-out")
    run.exports_dir.mkdir()
    (run.exports_dir / "r-out-adapter.zip").write_bytes(b"\0" * 100)
    assert main(["runs", "export", "r-out", "--remove", "--out", str(tmp_path / "copy")]) == 2
    assert (
        "--remove removes the exported copies, which --out builds: give one or the other." in capsys.readouterr().err
    )
    assert main(["runs", "export", "r-out", "--remove", "--zip", "--out", str(tmp_path / "copy")]) == 2
    assert "which --zip and --out build: give one" in capsys.readouterr().err
    assert (run.exports_dir / "r-out-adapter.zip").is_file() and not (tmp_path / "copy").exists()


# ftlib/commands/train.py (memory_estimate's notes, quality_warnings)


def test_a_one_process_estimate_too_big_is_said_without_a_per_process(monkeypatch, capsys):
    """ " per process" only where several processes each take the estimate (`est.processes > 1`), as the page's
    headline says it."""
    from types import SimpleNamespace

    from ftlib import memory, run_time
    from ftlib.commands.train import memory_estimate

    def fake(processes):
        return SimpleNamespace(
            total=3 << 30, processes=processes, per="process", device="cpu", too_big=lambda: "more than the 2 GB free"
        )

    monkeypatch.setattr(run_time, "time_estimate", lambda *a: None)
    report = SimpleNamespace(longest=16, train_rows=10, tokens=160, packed=[], step_rows=10)  # a Preflight's fields
    config = SimpleNamespace(max_length=64)
    for processes, said in ((1, "3.00 GiB: more"), (2, "3.00 GiB per process: more")):
        monkeypatch.setattr(memory, "estimate", lambda *a, n=processes, **k: fake(n))
        assert memory_estimate(config, report) == 3 << 30
        assert f"warning: estimated peak memory {said} than the 2 GB free" in capsys.readouterr().err


def test_a_diverged_run_deleted_as_it_ended_is_still_warned_of():
    """The run's folder gone (`except runs.RunError: return said`): the divergence read from its summary is kept."""
    from types import SimpleNamespace

    from ftlib.commands.train import quality_warnings

    summary = SimpleNamespace(divergence=SimpleNamespace(sentence=lambda: "the training loss ended at 9.1"))
    assert quality_warnings("no-such-run", summary) == [
        "warning: The training loss ended at 9.1 (`--learning-rate`). This run's result is likely worse than the "
        "model it started from."
    ]


# ui/row_picker.py (pick_item without a key, as Evaluate's Row box)


def _keyless_picker():
    import streamlit as st

    from ui.row_picker import pick_item

    st.session_state["picked"] = pick_item(st, "Row", list(range(900)), lambda i: f"row {i + 1}")


def test_a_long_list_without_a_key_starts_at_its_first_item():
    """Evaluate's Row box (no key) over more than LISTED_ROWS items: a number box at 1 (`..., 1, count, 1, ...`),
    the item's label under it, every item reachable."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_keyless_picker, default_timeout=60).run()
    assert not at.exception and at.number_input[0].value == 1 and at.session_state["picked"] == 0
    assert at.number_input[0].label == "Row (1 to 900)" and at.caption[0].value == "row 1"
    at.number_input[0].set_value(900).run()
    assert at.session_state["picked"] == 899 and at.caption[0].value == "row 900"


def _shrinking_or_away():
    import streamlit as st

    from ui.row_picker import pick_item

    if st.session_state.get("away"):  # another page: the box is not drawn, and Streamlit lets go of its value
        return
    count = st.session_state.get("count", 900)
    st.session_state["picked"] = pick_item(st, "Row", range(count), lambda i: f"row {i + 1}", key="rows")


def test_a_place_started_over_is_the_one_kept_for_a_visit_to_another_page():
    """After a shorter list started the box over at 1, 1 is what is kept (`keep(box)` after the box), not the old
    place: back from another page over the longer list again, the box is at 1, not at the place left behind."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_shrinking_or_away, default_timeout=60).run()
    at.number_input[0].set_value(850).run()
    at.session_state["count"] = 600
    at.run()
    assert at.session_state["picked"] == 0
    at.session_state["away"] = True
    at.run()
    at.session_state["away"] = False
    at.session_state["count"] = 900
    at.run()
    assert not at.error and at.number_input[0].value == 1 and at.session_state["picked"] == 0


# Mutants of this review no test can tell from the code, and why (127 made: 73 killed by the suite, 47 by this file,
# 7 equivalent, none alive; three of the suite's kills are hangs, a loop that never ends: `lines()`'s `+ 1 or 0` and
# `<=` at the file's end, and `lines *= 1` after a cut quoted cell; the first two fail here without hanging):
# table_peek: `_start_rows` naming a repeated column on line 1 after a `sep=` line (its DataError sends the peek to
# the whole file's read, whose own refusal is the one said), and taking `[]` rows as not settled (it gives a list only
# once it holds n >= 1 rows). run_picker: summaries kept under the run folder's name rather than its path (the stamp
# holds inodes, so a run of the same name elsewhere never matches: read again). evaluate.per_row: the marked items
# not made tuples (EvalResult.rewritten holds tuples, and eval_results' loader makes them so). ui.row_picker: a kept
# place equal to the shorter list's length let go of too (`default_for` puts it back: it is in range), the box
# without on_change's keep (`keep(box)` after the box keeps the value at every rerun), and a kept value not checked
# to be a number (a number box's value always is).
