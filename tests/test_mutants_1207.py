"""Behaviours of the sessions of 2026-12-05/06's new and changed code that no test held, found by hand mutation (each
test here fails when the line it names is changed): a file's version (file_stamps), what a file's notes keep of its
records (note_records), the workspace's own files a typed path may not read (bookkeeping), where an unwritten record
of who acted is said (run_people), the measure that picks oneDNN for a weight shape (cpu_decode), a reply scored in
another form than training read it and a reply as the template writes it (references), a CSV file's delimiter sniffed
from its start (csv_dialect) and its lines (file_lines), a run's held-out rows' version (eval_runs), a split's shared
rows and row kinds (ui.common) and a deleted run said gone (ui.run_choice). Pure functions, files in the test's own
workspace, fake clocks and products where a measure is timed."""

from __future__ import annotations

import errno
import io
import logging
import os

import pytest

from ftlib import workspace

# ftlib/file_stamps.py


def test_a_path_that_cannot_be_read_for_another_reason_than_missing_has_no_stamp(tmp_path):
    from ftlib.file_stamps import file_stamp

    (tmp_path / "chats.jsonl").write_text("{}\n")
    assert file_stamp(tmp_path / "chats.jsonl" / "meta.json") == ()  # under a file: NotADirectoryError


def test_a_file_written_in_place_within_one_clock_tick_has_another_stamp(tmp_path):
    """Same inode, and a coarse filesystem clock left the modification time as it was: the size still tells."""
    from ftlib.file_stamps import file_stamp

    path = tmp_path / "chats.jsonl"
    path.write_text('{"a": 1}\n')
    before, ns = file_stamp(path), path.stat().st_mtime_ns
    with open(path, "a", encoding="utf-8") as f:  # in place: the same inode
        f.write('{"a": 2}\n')
    os.utime(path, ns=(ns, ns))
    assert file_stamp(path) != before


# ftlib/note_records.py


def test_a_placeholder_under_a_field_the_format_does_not_read_is_kept_as_any_value():
    """Only a field the format reads keeps a placeholder's or formula's text (placeholder_cells looks at no other):
    a sheet's formula in a column left out would make a kind of record per row, each kept."""
    from ftlib.note_records import NoteRecords
    from ftlib.notices import own_chat_shape

    notes = NoteRecords("alpaca")
    for number, note in enumerate(("=SUM(A1:A3)", "=SUM(B1:B3)"), start=1):
        record = {"instruction": "Hi", "output": "Hello.", "note": note}
        notes.add(number, record, own_chat_shape(record, "alpaca"))
    assert notes.records[0][1] == {"instruction": True, "output": True, "note": True}
    assert notes.records[0][1] is notes.records[1][1]


def test_kinds_of_record_past_the_bound_are_not_kept_for_sharing():
    """At most SHARED kinds of reduced record are kept to be shared: a sheet of a formula per row keeps no index of
    every row's formula beside the records."""
    from ftlib import note_records
    from ftlib.note_records import NoteRecords
    from ftlib.notices import own_chat_shape

    notes = NoteRecords("alpaca")
    shape = own_chat_shape({"instruction": "=SUM(Z1:Z9)", "output": "x"}, "alpaca")
    for number in range(note_records.SHARED):
        notes.add(number, {"instruction": f"=SUM(A{number}:A9)", "output": "x"}, shape)
    late = {"instruction": "=SUM(Z1:Z9)", "output": "x"}
    notes.add(-1, late, shape)
    notes.add(-2, dict(late), shape)
    assert notes.records[-1][1] == notes.records[-2][1] and notes.records[-1][1] is not notes.records[-2][1]


# ftlib/bookkeeping.py


def test_the_workspace_folder_itself_is_no_bookkeeping_file():
    from ftlib.bookkeeping import bookkeeping_words

    assert bookkeeping_words(workspace.workspace_dir().resolve()) == ""


def test_an_upload_whose_own_name_ends_like_an_uploaders_record_is_data():
    """`.NAME.by.json` (hidden) is who uploaded NAME; an upload called `team.by.json` is someone's data."""
    from ftlib.bookkeeping import check_data_path

    upload = workspace.save_upload("team.by.json", b'[{"prompt": "q", "completion": "a"}]')
    assert check_data_path(str(upload)) == upload.resolve()


def test_each_kind_of_bookkeeping_file_is_said_as_what_it_holds():
    from ftlib.bookkeeping import bookkeeping_words

    root = workspace.workspace_dir().resolve()
    assert bookkeeping_words(root / "runs" / "r-1" / ".who.lock") == (
        "a lock the server takes while it changes the workspace"
    )
    assert bookkeeping_words(root / ".locks" / "cpu.lock") == "a lock the server takes while it changes the workspace"
    assert bookkeeping_words(root / "uploads" / ".index.json").startswith("a hidden file the server keeps for itself")


def test_a_workspace_reached_through_a_link_still_refuses_its_records(tmp_path, monkeypatch):
    """FTLIB_WORKSPACE may name a link to the folder: the typed path is judged as resolved, and so is the workspace."""
    from ftlib.bookkeeping import check_data_path
    from ftlib.workspace import PathNotAllowed

    real = workspace.workspace_dir()
    link = tmp_path / "ws-link"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("FTLIB_WORKSPACE", str(link))
    who = real / "runs" / "r-1" / "who.json"
    who.parent.mkdir(parents=True)
    who.write_text('{"events": []}')
    with pytest.raises(PathNotAllowed, match="who started, stopped and resumed it"):
        check_data_path(str(link / "runs" / "r-1" / "who.json"))


# ftlib/run_people.py (unrecorded, warnings_to)


def test_warnings_go_to_the_stream_given_and_nowhere_else_and_only_within(tmp_path, caplog):
    """Within `warnings_to` a line reaches its stream alone (not the server's log as well); after it, the log again."""
    from ftlib import run_people

    failure = OSError(errno.EACCES, "Permission denied")
    said = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="ftlib.people"):
        with run_people.warnings_to(said):
            run_people.unrecorded("run r-1 stopped, but not recorded", tmp_path / "who.json", failure)
        assert said.getvalue().startswith("warning: run r-1 stopped") and caplog.records == []
        run_people.unrecorded("run r-2 stopped, but not recorded", tmp_path / "who.json", failure)
    assert said.getvalue().count("\n") == 1
    assert [r.getMessage()[:22] for r in caplog.records] == ["run r-2 stopped, but n"]


def test_warnings_to_leaves_the_log_passing_lines_on_as_it_found_it(tmp_path):
    from ftlib import run_people

    before = run_people.log.propagate
    try:
        run_people.log.propagate = False  # a server that set its own handler on the log
        with run_people.warnings_to(io.StringIO()):
            pass
        assert run_people.log.propagate is False
    finally:
        run_people.log.propagate = before


# ftlib/cpu_decode.py (onednn_faster): timed on a fake clock that the fake products move on, never by the real one


class _Products:
    """Stand-ins for torch's dense `linear` and oneDNN's product that move a fake clock on by the times given (the
    first of each list for the first call, the last for every call after) and note the weights they multiply."""

    def __init__(self, dense: list[float], onednn: list[float], to_dense: float = 0.0) -> None:
        self.now, self.dense, self.onednn, self.to_dense = 0.0, list(dense), list(onednn), to_dense
        self.dense_weights: list = []
        self.onednn_weights: list = []

    def _spend(self, costs: list[float]) -> None:
        self.now += costs.pop(0) if len(costs) > 1 else costs[0]

    def linear(self, x, weight, bias=None):
        self.dense_weights.append(weight)
        self._spend(self.dense)

    def mkldnn_linear(self, x, weight, bias):
        from types import SimpleNamespace

        self.onednn_weights.append(weight)
        self._spend(self.onednn)
        return SimpleNamespace(to_dense=lambda: setattr(self, "now", self.now + self.to_dense))


def _measured(monkeypatch, products: _Products, layers: int = 1, passes: int = 3) -> bool:
    from types import SimpleNamespace

    import torch

    from ftlib import cpu_decode

    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    monkeypatch.setattr(cpu_decode, "F", SimpleNamespace(linear=products.linear))
    monkeypatch.setattr(torch._C._nn, "mkldnn_linear", products.mkldnn_linear)
    monkeypatch.setattr(cpu_decode, "time", SimpleNamespace(perf_counter=lambda: products.now))
    modules = [torch.nn.Linear(4, 3) for _ in range(layers)]
    return cpu_decode.onednn_faster(modules, passes=passes)


def test_onednn_is_chosen_only_where_it_is_at_least_a_tenth_faster(monkeypatch):
    assert _measured(monkeypatch, _Products(dense=[1.0], onednn=[0.85]))
    assert not _measured(monkeypatch, _Products(dense=[1.0], onednn=[0.95]))  # within noise: dense stays
    assert not _measured(monkeypatch, _Products(dense=[0.85], onednn=[1.0]))


def test_the_measure_takes_the_best_of_its_passes(monkeypatch):
    """A pass slowed by another process does not decide: the best of 3 is oneDNN's 0.5 against dense's 1.0."""
    assert _measured(monkeypatch, _Products(dense=[1.0], onednn=[0.5, 3.0, 0.5]))  # warm-up, then 3.0 first


def test_a_first_calls_set_up_is_not_timed(monkeypatch):
    assert _measured(monkeypatch, _Products(dense=[100.0, 1.0], onednn=[100.0, 0.5]), passes=1)


def test_onednns_time_counts_making_its_output_dense_as_decoding_does(monkeypatch):
    assert not _measured(monkeypatch, _Products(dense=[1.0], onednn=[0.5], to_dense=0.5))


def test_the_measure_streams_up_to_eight_of_the_layers(monkeypatch):
    products = _Products(dense=[1.0], onednn=[0.5])
    _measured(monkeypatch, products, layers=12, passes=1)
    assert len({id(w) for w in products.dense_weights}) == 8 and len(products.dense_weights) == 2 * 8
    assert len({id(w) for w in products.onednn_weights}) == 8 and len(products.onednn_weights) == 2 * 8


# ftlib/references.py (rewritten_before, rewritten_note, written_reply)

# Phi-3's shape (our own text): `<|end|>` ends each turn, the tokenizer's eos ends the whole conversation.
FINAL_EOS = (
    "{%- for m in messages %}{{- '<|' + m.role + '|>\\n' + m.content + '<|end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|assistant|>\\n' }}{%- else %}{{- eos_token }}{%- endif %}"
)
TWO_REPLIES = {
    "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Yo"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "Ciao"},
    ]
}


def test_a_written_reply_is_said_without_the_eos_a_template_writes_after_the_last_turn(smol_tokenizer):
    """Phi-3's shape writes `<|end|>` after each turn and the eos after the whole conversation: the written reply
    showed both ("Yes.<|end|>\\n<|im_end|>") under 'as the chat template writes it'."""
    from ftlib.references import written_reply
    from ftlib.templates import get_template

    thinking = FINAL_EOS.replace(
        "'<|' + m.role + '|>\\n' + m.content",
        "'<|' + m.role + '|>\\n' + ('<think>' + m.reasoning_content + '</think>' if m.reasoning_content else '')"
        " + m.content",
    )
    template = get_template("custom", smol_tokenizer, source=thinking)
    row = {
        "messages": [
            {"role": "user", "content": "Is 7 prime?"},
            {"role": "assistant", "content": "Yes.", "reasoning": "No divisor."},
        ]
    }
    assert written_reply(row, smol_tokenizer, template) == "<think>No divisor.</think>Yes."


def test_a_conversation_ending_with_an_eos_of_its_own_is_not_said_rewritten(smol_tokenizer):
    """The conversation up to reply 1 ends with the eos the whole one writes only at its end: not a rewrite."""
    from ftlib.references import rewritten_before
    from ftlib.templates import get_template

    template = get_template("custom", smol_tokenizer, source=FINAL_EOS)
    assert template.eos and template.eos != template.end_of_turn
    assert not rewritten_before(TWO_REPLIES, smol_tokenizer, template, "every", 1)


def test_a_reply_the_conversation_lacks_is_not_said_rewritten():
    from ftlib.references import rewritten_before

    assert not rewritten_before(TWO_REPLIES, None, "chatml", "every", 3)  # evaluate refuses it, saying why


def test_a_rewritten_note_names_eight_replies_then_counts_the_rest():
    from ftlib.references import rewritten_note

    nine = rewritten_note([(i, 1) for i in range(9)])
    assert "row 8, reply 1 and 1 more. The chat template" in nine and "row 9," not in nine
    eight = rewritten_note([(i, 1) for i in range(8)])
    assert "row 8, reply 1. The chat template" in eight and "more" not in eight.split(".")[0]


# ftlib/eval_runs.py (rows_version)


def _touched(path) -> None:
    """The same bytes with a modification time moved on, as `upload_reuse` marks a file uploaded again."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))


@pytest.mark.parametrize("config", ["[1, 2]", '{"dataset": "chats', '"chats"'], ids=["a list", "cut short", "text"])
def test_the_rows_version_of_a_run_whose_config_is_no_object_is_its_configs_alone(config):
    from ftlib.eval_runs import rows_version
    from ftlib.file_stamps import file_stamp
    from ftlib.testing import make_run

    run = make_run("20260101-000000-lora-bad", {"dataset": "chats", "method": "lora"}).path
    (run / "config.json").write_text(config, encoding="utf-8")
    assert rows_version(run) == (file_stamp(run / "config.json"),)


def test_the_rows_version_follows_a_data_file_named_from_the_home_folder(tmp_path, monkeypatch):
    from ftlib.eval_runs import rows_version
    from ftlib.testing import make_run

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "chats.jsonl").write_text('{"text": "a"}\n', encoding="utf-8")
    run = make_run("20260101-000000-lora-home", {"dataset": "~/chats.jsonl", "method": "lora"}).path
    before = rows_version(run)
    _touched(tmp_path / "chats.jsonl")
    assert rows_version(run) != before


def test_the_rows_version_follows_a_data_file_named_with_spaces_around_it(tmp_path):
    """The run reads its dataset as named less the spaces around it (`run_data.read_dataset`): so does its version."""
    from ftlib.eval_runs import rows_version
    from ftlib.testing import make_run

    data = tmp_path / "chats.jsonl"
    data.write_text('{"text": "a"}\n', encoding="utf-8")
    run = make_run("20260101-000000-lora-padded", {"dataset": f" {data} ", "method": "lora"}).path
    before = rows_version(run)
    _touched(data)
    assert rows_version(run) != before


def test_the_rows_version_follows_a_splits_held_out_file_replaced_alone():
    """A run on a saved split evaluates its test.jsonl: replaced by hand (meta.json as it was), it is read again."""
    from ftlib.eval_runs import rows_version
    from ftlib.testing import make_run

    folder = workspace.save_split("by-hand", [{"text": "a"}], [{"text": "b"}])
    run = make_run("20260101-000000-lora-by-hand", {"dataset": "by-hand", "method": "lora"}).path
    before = rows_version(run)
    (folder / "new.tmp").write_text('{"text": "c"}\n', encoding="utf-8")
    os.replace(folder / "new.tmp", folder / "test.jsonl")
    assert rows_version(run) != before


# ui/common.py (split_row_kinds, cached_split)


def test_a_splits_row_kinds_are_its_training_rows_and_follow_it_when_saved_over():
    from ftlib.rows import row_kind
    from ui.common import split_row_kinds

    chats = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}] * 2
    texts = [{"text": "Once upon a time."}]
    workspace.save_split("kinds", chats, texts)
    assert split_row_kinds("kinds") == tuple(row_kind(r) for r in chats) != tuple(row_kind(r) for r in texts)
    workspace.save_split("kinds", texts, chats)  # saved over: its training rows are now text
    assert split_row_kinds("kinds") == (row_kind(texts[0]),)


def test_a_split_saved_over_is_read_again_and_the_other_splits_stay_cached(monkeypatch):
    from ui.common import cached_split

    for name in ("mine", "theirs"):
        workspace.save_split(name, [{"text": "a"}], [{"text": "b"}])
    loads, real = [], workspace.load_split
    monkeypatch.setattr(workspace, "load_split", lambda name, *a, **k: loads.append(name) or real(name, *a, **k))
    cached_split("mine"), cached_split("theirs")
    workspace.save_split("mine", [{"text": "c"}], [{"text": "d"}])
    assert cached_split("mine")[0] == [{"text": "c"}] and cached_split("theirs")[0] == [{"text": "a"}]
    assert loads == ["mine", "theirs", "mine"]


# ftlib/csv_dialect.py (sniff_sample)

SPLIT_HEADER = "a,b;c\n"  # two columns by commas and by semicolons alike: the rows decide


def test_the_sniffer_counts_fifty_rows_after_the_header():
    from ftlib.csv_dialect import SNIFF_RECORDS, sniff_delimiter

    rows = ["x,y\n"] * 24 + ["x;y\n"] * 24 + ["x\n"]  # 49 rows: a tie, so commas
    assert sniff_delimiter(SPLIT_HEADER + "".join(rows)) == ","
    assert len(rows) + 1 == SNIFF_RECORDS
    assert sniff_delimiter(SPLIT_HEADER + "".join(rows) + "x;y\n") == ";"  # the 50th row tips it
    assert sniff_delimiter(SPLIT_HEADER + "".join(rows) + "x;y\n" * 3) == ";"


def test_rows_of_more_cells_than_the_header_do_not_agree_with_it():
    from ftlib.csv_dialect import sniff_delimiter

    assert sniff_delimiter(SPLIT_HEADER + "x;y;z\nx;y;z\nx,y\n") == ","


def test_blank_lines_are_no_records_to_the_sniffer():
    from ftlib.csv_dialect import sniff_delimiter

    assert sniff_delimiter("\n\nquestion;answer\n\nWhat?;This.\n") == ";"


def test_a_delimiter_that_splits_the_header_wins_though_no_row_agrees():
    from ftlib.csv_dialect import sniff_delimiter

    assert sniff_delimiter("question;answer\nx;y;z\n") == ";"


def test_the_last_row_counts_where_the_text_is_not_cut_short():
    from ftlib.csv_dialect import sniff_sample

    assert sniff_sample(SPLIT_HEADER + "x\nx;y", cut=False) == ";"
    assert sniff_sample(SPLIT_HEADER + "x\nx;y", cut=True) == ","  # may be cut short: left out, a tie
    assert sniff_sample("q;a\nx\nx", cut=True) == ";"  # the header stays, the last row goes


def test_a_header_cut_short_by_the_sample_is_still_read():
    from ftlib.csv_dialect import sniff_delimiter

    assert sniff_delimiter("a;" * 600_000 + "\nx;y\n") == ";"


def test_a_row_cut_short_by_the_sample_is_not_counted():
    """The long last row has 3 cells by semicolons; cut short by the sample, it would have the header's 2."""
    from ftlib.csv_dialect import SNIFF_CHARS, sniff_delimiter

    text = SPLIT_HEADER + ("x" * 30000 + "\n") * 34 + "y;" + "x" * 60000 + ";z\n"
    assert len(text) - 60000 < SNIFF_CHARS < len(text) - 10
    assert sniff_delimiter(text) == ","


def test_a_delimiter_that_reads_the_header_alone_counts_as_agreeing():
    """By semicolons the quoted cell spans the line break (one record, the header); by commas the second line is a
    row of 3 cells under a header of 2."""
    from ftlib.csv_dialect import sniff_delimiter

    assert sniff_delimiter('q,r;"a\nb;c",d,e\n') == ";"


# ui/run_choice.py (gone_notes)


def _gone_page():
    import streamlit as st

    from ui.run_choice import gone_notes

    gone_notes("evaluate_pick")
    st.write("drawn")


@pytest.mark.parametrize(
    "state",
    [
        {"evaluate_pick": "20260101-000000-lora-gone"},  # chosen in the box
        {"evaluate_pick": ["20260101-000000-lora-gone"]},  # among a multiselect's (Compare's box)
        {"_kept": {"evaluate_pick": "20260101-000000-lora-gone"}},  # kept for the box from an earlier visit
        {"run_choice_own": "20260101-000000-lora-gone"},  # started or picked on another page
    ],
    ids=["in the box", "among several", "kept for it", "started elsewhere"],
)
def test_a_deleted_run_the_session_had_chosen_anywhere_is_said_gone_once(state):
    from streamlit.testing.v1 import AppTest

    from ui.kept import KEPT

    at = AppTest.from_function(_gone_page)
    for key, value in state.items():
        at.session_state[KEPT if key == "_kept" else key] = value
    at.run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [
        "Run `20260101-000000-lora-gone` was deleted, perhaps from another tab or the command line."
    ]
    at.run()
    assert [w.value for w in at.warning] == []


# ftlib/file_lines.py (table_lines)


def test_a_csv_file_of_nul_bytes_is_refused_as_binary_not_read_line_by_line():
    from ftlib.file_bytes import DataError
    from ftlib.readers import read_table

    with pytest.raises(DataError, match="looks like a binary file"):
        read_table(b"q,a\n" + b"\x00" * 200 + b"\n", "csv", "t.csv")


def test_a_broken_quote_before_a_byte_utf8_cannot_read_is_refused_for_the_byte():
    """A reader stopped by a broken quote reads the rest of the lines (past what the sniffer read ahead): the file's
    encoding is refused first."""
    from ftlib.csv_dialect import SNIFF_CHARS
    from ftlib.file_bytes import DataError, decode_text
    from ftlib.readers import read_table

    data = b'q,a\n"x"y,z\n' + b"ok,fine\n" * (SNIFF_CHARS // 8 + 10) + b"Caf\xe9,au lait\n"
    with pytest.raises(DataError) as whole:
        decode_text(data, "t.csv")
    with pytest.raises(DataError) as by_line:
        read_table(data, "csv", "t.csv")
    assert str(by_line.value) == str(whole.value)


# Mutants of this review no test can tell from the code, and why (131 made: 66 killed by the suite, 49 by this file):
# note_records: a blank kept as "" rather than None (both blank to every note); `looking()`'s empty records put first
# (file_notices reads row numbers, not places). references: `written_reply` without its is_text check (conversation
# refuses a text row with a UserError: None), without the row's tools (a template writes them in the prompt, never in
# a reply) or without the rstrip before the end-of-turn check (the scored tokens end at the marker);
# `rewritten_before` without its row_kind check (a pair's conversation is its whole one), its whole-conversation
# shortcut, its first startswith test (it implies the second) or the tools; `rewritten_note` with any() for all() (its
# items are all numbered or none is). errors.none_of at n <= 1 (every caller refuses an empty list first).
# csv_dialect: a broken quote's `continue` (its records stay []). eval_runs.rows_version without its missing-config
# shortcut (the read fails and returns the same) or stamping the current folder for a run without a dataset (run_info
# refuses it anyway). ui.common: the split's row kinds keyed without the workspace (the version's inodes tell
# workspaces apart) or read through cached_split (the same key, but in a race).
