"""Behaviours of 2026-12-05's new engine code that no test held (found by hand mutation: each test here fails when
the line it names is changed). Pure functions, no model."""

from __future__ import annotations

from types import SimpleNamespace

from ftlib.eval_stats import TOO_FEW, paired_change, share
from ftlib.split_lines import lines_note, row_place, side_lines

# ftlib/eval_stats.py


def test_no_change_on_one_row_says_the_row():
    """One row, unchanged: 'unchanged on the 1 row', not 'all 1 row'."""
    said = paired_change([1.0], [1.0]).sentence()
    assert said == "Tuned loss is unchanged on the 1 row: no change."
    assert "all 6 rows" in paired_change([1.0] * 6, [1.0] * 6).sentence()


def test_too_few_verdict_names_the_callers_noun():
    """A GRPO run's prompts: 'too few prompts to tell', never 'too few rows' of prompts."""
    change = paired_change([1.0, 2.0], [0.5, 1.0])
    assert change.verdict == TOO_FEW
    said = change.sentence(measure="Reward", noun="prompt")
    assert said.endswith(": too few prompts to tell.")
    assert "rows" not in said
    assert share(2, 3).sentence("{k} went the chosen way", noun="pair").endswith(": too few pairs to tell.")


def test_a_huge_change_is_said_in_three_figures():
    """A change past 1e4 nats (a diverged run) reads +1.23e+04, not +12345.000."""
    said = paired_change([0.0], [12345.0]).sentence()
    assert "+1.23e+04" in said and "12345.000" not in said


def test_a_tie_of_lower_and_higher_leads_with_lower():
    said = paired_change([1.0] * 6, [0.5, 0.5, 0.5, 1.5, 1.5, 1.5]).sentence()
    assert said.startswith("Tuned loss is lower on 3 of 6 rows (higher on 3)")


def test_an_interval_touching_chance_is_not_clearly_more():
    """A share's verdict needs the interval wholly above chance: a low bound equal to it is within noise."""
    verdicts = {share(k, 20, chance=share(k, 20).low).verdict for k in (14, 16, 18)}
    assert verdicts == {"within noise"}


def test_a_change_of_exactly_the_unchanged_width_counts_as_unchanged():
    change = paired_change([1.0, 1.0], [0.5, 1.0], unchanged=0.5)
    assert (change.lower, change.unchanged) == (0, 2)


# ftlib/split_lines.py


def loaded(rows: list[dict], lines: list[int] | None = None, numbers: list[int] | None = None):
    return SimpleNamespace(
        rows=rows,
        row_numbers=numbers or list(range(1, len(rows) + 1)),
        file_type="csv",
        lines=lines or [],
        from_keys=(),
    )


def test_a_row_not_from_the_file_keeps_no_places():
    """A split holding a row object the file did not give (an edited row): no places kept, rather than a crash."""
    rows = [{"q": "a"}, {"q": "b"}]
    assert side_lines(loaded(rows), [rows[0], {"q": "b"}], "t.csv") is None


def test_a_row_listed_twice_keeps_its_first_place():
    row = {"q": "a"}
    found = side_lines(loaded([row, {"q": "b"}, row], numbers=[1, 2, 3]), [row], "t.csv")
    assert found["rows"] == "0"  # source row 1, not 3


def test_lines_of_another_length_than_the_rows_are_not_read():
    """A split edited by hand since (its lines no longer its rows'): no place, no IndexError."""
    meta = {"test_lines": {"file": "t.csv", "file_type": "csv", "rows": "0+1", "lines": "1"}}
    assert row_place(meta, "test", 2, 2) is None
    assert lines_note(meta, ["Held-out row 2 scores no token."], (0, 2)) == ""


def test_a_row_past_the_split_has_no_place():
    meta = {"test_lines": {"file": "c.jsonl", "file_type": "jsonl", "rows": "0+1"}}
    assert row_place(meta, "test", 2, 2) == "line 2 of c.jsonl"
    assert row_place(meta, "test", 3, 2) is None


def test_many_named_rows_end_in_and_n_more():
    meta = {"train_lines": {"file": "c.jsonl", "file_type": "jsonl", "rows": "1+9"}}
    note = lines_note(meta, ["Training rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 score no token."], (10, 0))
    assert note.endswith("training row 8 is line 9; and 2 more.")
    assert "row 9 is" not in note


# ftlib/cell_checks.py


def cells(records, table=True, kept=None):
    from ftlib.cell_checks import placeholder_cells

    kept = [n for n, _ in records] if kept is None else kept
    return placeholder_cells(records, kept, {"output": "Agent Reply"}, lambda n: f"row {n}", table, ("output",))


def test_only_the_kept_rows_placeholders_are_named():
    """A row refused for another reason (not kept) is not named again for its placeholder."""
    said = cells([(1, {"output": "N/A"}), (2, {"output": "TBD"})], kept=[2])
    assert len(said) == 1 and "row 2" in said[0].message and "row 1" not in said[0].message


def test_a_long_formula_is_shown_cut_to_forty_characters():
    formula = '=HYPERLINK("http://example.com/a/very/long/path/to/a/page","click here")'
    [notice] = cells([(1, {"output": formula})])
    assert formula not in notice.message and f"`{formula[:39]}…`" in notice.message


def test_past_five_cells_the_rest_are_counted():
    [notice] = cells([(n, {"output": "N/A"}) for n in range(1, 8)])
    assert "row 5: " in notice.message and "row 6: " not in notice.message and "; and 2 more)" in notice.message
    assert "delete those rows" in notice.message


def test_one_row_is_that_row_and_a_json_files_are_fields():
    [notice] = cells([(1, {"output": "N/A"})])
    assert notice.message.startswith("1 cell holds") and "delete that row from the file" in notice.message
    [notice] = cells([(1, {"output": "N/A"})], table=False)
    assert notice.message.startswith("1 field holds")


def test_one_blank_row_is_said_too():
    from ftlib.cell_checks import blank_rows_note

    [note] = blank_rows_note([4], lambda n: f"data row {n}")
    assert note.message == "1 blank row skipped (data row 4): every cell of it is empty." and note.note


# ftlib/map_hint.py


def test_the_longest_text_is_measured_over_every_row_not_the_first():
    from ftlib.map_hint import likeliest_columns

    raw = [
        (1, {"a": "Short one.", "b": "Hi there.", "c": "Ok then."}),
        (2, {"a": "Short two.", "b": "A much longer message than any other cell holds.", "c": "Ok then."}),
    ]
    assert likeliest_columns(["a", "b", "c"], raw, n=1) == ["b"]


def test_a_column_of_long_ids_comes_after_a_column_of_sentences():
    from ftlib.map_hint import map_example

    raw = [(n, {"Ref": f"ORDER-2026-0000000000{n}-XK", "Note": "Thanks.", "Reply": "All done."}) for n in (1, 2)]
    assert map_example(["Ref", "Note", "Reply"], raw) == "e.g. `--map Note=instruction --map Reply=output`"


# ftlib/table_peek.py


def test_a_json_file_has_no_table_rows(tmp_path):
    from ftlib.table_peek import first_table_rows

    rows = '[\n  {"instruction": "Hi?", "output": "Hello."},\n  {"instruction": "Bye?", "output": "Bye."}\n]\n'
    (tmp_path / "rows.json").write_text(rows)  # read as a CSV, its lines would be rows
    assert first_table_rows(tmp_path / "rows.json") == []


# ftlib/stored_data.py

STORED_ROWS = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(10)]
STORED_BYTES = "".join(f'{{"prompt": "q{i}", "completion": "a{i}"}}\n' for i in range(10)).encode()


def test_upload_colon_names_the_upload_where_a_split_has_its_name():
    """`upload:chats.jsonl` removes the upload, never the split that happens to be named chats.jsonl."""
    from ftlib import stored_data, workspace

    workspace.save_upload("chats.jsonl", STORED_BYTES)
    workspace.save_split("chats.jsonl", STORED_ROWS[:8], STORED_ROWS[8:], {"path": "x.jsonl"})
    assert stored_data.find("upload:chats.jsonl").kind == "upload"
    assert stored_data.find("split:chats.jsonl").kind == "split"


def test_an_upload_used_as_a_splits_own_test_file_lists_that_split():
    from ftlib import stored_data, workspace

    upload = workspace.save_upload("heldout.jsonl", STORED_BYTES)
    meta = {"path": "train.jsonl", "test_file": {"path": str(upload)}}
    workspace.save_split("chats", STORED_ROWS[:8], STORED_ROWS[8:], meta)
    (item,) = [i for i in stored_data.list_stored() if i.kind == "upload"]
    assert item.splits == ["chats"]


def test_a_link_in_a_split_folder_is_not_counted_in_its_size(tmp_path):
    from ftlib import stored_data, workspace

    workspace.save_split("chats", STORED_ROWS[:8], STORED_ROWS[8:], {"path": "x.jsonl"})
    (before,) = stored_data.list_stored()
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 100_000)
    (before.path / "big.bin").symlink_to(big)
    (after,) = stored_data.list_stored()
    assert after.size == before.size


def test_a_leftover_just_past_its_age_is_listed():
    import os
    import time

    from ftlib import stored_data, workspace

    leftover = workspace.workspace_dir() / ".meta.json.abcd1234.tmp"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_text("half")
    then = time.time() - stored_data.LEFTOVER_AGE - 0.5
    os.utime(leftover, (then, then))
    assert [p for p, _ in stored_data.leftovers()] == [leftover]


def test_sizes_and_many_runs_in_words():
    from pathlib import Path

    from ftlib.stored_data import StoredItem, size_words, used_words

    assert (size_words(1023), size_words(1024)) == ("1023 B", "1 KiB")
    item = StoredItem("split", "s", "s", Path("s"), 1, None, runs=[f"r{i}" for i in range(5)])
    assert used_words(item) == "runs r0, r1, r2 (+2 more)"
    item.needs = {f"r{i}": "failed" for i in range(7)}  # ended: they lose their resume
    assert "r0, r1, r2, r3, r4, ..." in item.losing_words() and "r5" not in item.losing_words()
    item.needs = {f"r{i}": "queued" for i in range(7)}
    assert "r0, r1, r2, r3, r4, ..." in item.blocked_words() and "r5" not in item.blocked_words()


# ftlib/job_owners.py


class FakeJob:
    def __init__(self) -> None:
        self.done = self.cancelled = False
        self.whys: list[str] = []

    def cancel(self, why: str = "") -> None:
        self.whys.append(why)
        self.cancelled = True


def test_a_job_a_person_stopped_is_forgotten_not_cancelled_again():
    from ftlib.job_owners import OwnerWatch

    watch, job = OwnerWatch(every_s=None), FakeJob()
    watch.watch(job, alive=lambda: False, owner="tab", why="the tab closed")
    job.cancelled = True  # Stop pressed; the job has not ended yet
    assert watch.sweep(now=100.0) == [] and watch.watched() == [] and job.whys == []


def test_a_job_watched_during_a_sweep_stays_watched():
    """A tab that starts a job while a sweep runs (here: from inside the sweep's own liveness check) keeps it
    watched; the sweep's end must not write back the list it began with."""
    from ftlib.job_owners import OwnerWatch

    watch, first, second = OwnerWatch(every_s=None), FakeJob(), FakeJob()

    def alive() -> bool:
        if second not in watch.watched():
            watch.watch(second, alive=lambda: True)
        return True

    watch.watch(first, alive=alive)
    watch.sweep(now=0.0)
    assert watch.watched() == [first, second]


def test_one_sweeping_thread_for_many_watched_jobs():
    from ftlib.job_owners import OwnerWatch

    watch, jobs_ = OwnerWatch(every_s=3600.0), [FakeJob() for _ in range(3)]
    for job in jobs_:
        watch.watch(job, alive=lambda: True)
    assert watch._thread is not None
    threads = {id(watch._thread)}
    watch.watch(FakeJob(), alive=lambda: True)
    assert {id(watch._thread)} == threads


# ftlib/splits.py (first_copies)


def test_rows_whose_keys_share_a_hash_are_copies_only_when_their_keys_are_equal(monkeypatch):
    """Every key given one hash (as a collision would): still the copies a dict of the keys finds, no more."""
    from ftlib import prompt_groups, splits

    monkeypatch.setattr(prompt_groups, "hash", lambda key: 7, raising=False)  # first_copies' module
    rows = [{"a": 1}, {"a": 2}, {"a": 1}, {"a": 3}, {"a": 2}, {"a": 3}]
    assert list(splits.first_copies(rows)) == [None, None, 0, None, 1, 3]


# ftlib/readers.py (_lines)


def test_a_jsonl_file_opening_on_a_blank_line_reads_every_line():
    from ftlib.readers import _lines, jsonl_records

    records, errors = jsonl_records('\n{"a": 1}\n{"a": 2}\n')
    assert [n for n, _ in records] == [2, 3] and errors == []
    assert list(_lines("a\nb\n")) == ["a", "b", ""] and list(_lines("\u2028x")) == ["\u2028x"]


# ftlib/sharing.py


def test_a_long_ftlib_threads_is_shown_cut():
    from ftlib.sharing import threads_warning

    said = threads_warning({"FTLIB_THREADS": "x" * 100})
    assert f"FTLIB_THREADS={'x' * 40 + '...'!r}" in said and "x" * 41 not in said


# ftlib/openai_turns.py (the hosted-item refusal)


def test_a_turn_with_a_role_is_never_refused_as_an_item_and_a_reference_says_so():
    from ftlib.openai_turns import item_problem

    assert item_problem({"role": "assistant", "type": "web_search_call", "content": "Hi."}) is None
    assert item_problem({"from": "gpt", "type": "web_search_call", "value": "Hi."}) is None
    said = item_problem({"type": "item_reference", "id": "msg_1"})
    assert "take the reference out" in said and "your own code" not in said and "OpenAI ran" not in said


# ftlib/cpu_memory.py


def test_bf16_products_are_not_estimated_for_several_processes(monkeypatch):
    """fastpath.bf16_products is off when a run spreads over processes: the estimate must not count it then."""
    from ftlib.cpu_memory import bf16_products

    monkeypatch.delenv("FTLIB_FAST_PATH", raising=False)
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    assert bf16_products("dpo", "lora", "auto", 1) is True
    assert bf16_products("dpo", "lora", "auto", 2) is False


def test_a_full_fine_tune_under_bf16_products_keeps_torchs_attention():
    from ftlib.cpu_memory import streams

    assert streams(4, "full", "full", mixed=True).cpu_attention is False
    assert streams(4, "dpo", "lora", mixed=True).cpu_attention is True


def test_rows_of_exactly_max_length_go_through_cpu_attention():
    """cpu_attention runs rows of up to and including MAX_LENGTH positions (its `length <= MAX_LENGTH`)."""
    from ftlib import cpu_attention
    from ftlib.cpu_memory import Streams, block_bytes

    shape = SimpleNamespace(hidden=64, intermediate=128, kv_heads=2, heads=4)
    s, seq = Streams(stream=2, products=2, cpu_attention=True), cpu_attention.MAX_LENGTH
    common = 2 * 64 * 2 + 3 * 64 * 2 + 3 * 128 * 2 + 128 * 2
    assert block_bytes(shape, seq, s) == common + (2 * 64 + 2 * 32 + 4 * seq) * 2
    assert block_bytes(shape, seq + 1, s) == common + (4 * 64 + seq + 1) * 2


def test_a_run_whose_own_copy_is_lost_does_not_hold_the_split():
    """A queued run whose copy of its rows is gone cannot train at all (workspace.lost_split): it does not read the
    split at its start, so it neither blocks the split's removal nor is warned about."""
    import shutil

    from ftlib import runs, stored_data, workspace
    from ftlib.config import RunConfig

    workspace.save_split("chats", STORED_ROWS[:8], STORED_ROWS[8:], {"path": "x.jsonl"})
    run_id = runs.create_run(RunConfig(dataset="chats", name="on-split", device="cpu"))
    shutil.rmtree(workspace.kept_split(runs.find(run_id).path))
    (item,) = stored_data.list_stored()
    assert item.runs == [run_id] and item.needs == {}
    assert stored_data.remove("chats").warnings == []


def test_a_column_filled_in_one_row_is_not_the_likeliest():
    """The mean is over every row: one long note in a sparse column does not outrank the replies every row has."""
    from ftlib.map_hint import likeliest_columns

    raw = [
        (1, {"q": "How do I log in?", "a": "Press Log in.", "notes": "Escalated twice, refund given."}),
        (2, {"q": "Where is my bill?", "a": "Under Billing.", "notes": None}),
        (3, {"q": "Can I export it?", "a": "Yes, as CSV.", "notes": ""}),
    ]
    assert likeliest_columns(["q", "a", "notes"], raw) == ["q", "a"]


def test_a_blank_cell_of_the_first_rows_is_none(tmp_path):
    from ftlib.table_peek import first_table_rows

    (tmp_path / "t.csv").write_text("Question,Answer\nHi?,\nBye?,Bye.\n")
    assert first_table_rows(tmp_path / "t.csv") == [
        {"Question": "Hi?", "Answer": None},
        {"Question": "Bye?", "Answer": "Bye."},
    ]


def test_lora_products_under_bf16_products_are_counted_in_fp32():
    from ftlib.cpu_memory import Streams, block_bytes

    shape = SimpleNamespace(hidden=64, intermediate=128, kv_heads=2, heads=4)
    mixed = Streams(stream=4, products=2, cpu_attention=True, mixed_lora=True, head=2)
    plain = Streams(stream=4, products=2, cpu_attention=True, mixed_lora=False, head=2)
    extra = block_bytes(shape, 64, mixed, lora_r=8, adapted=7) - block_bytes(shape, 64, plain, lora_r=8, adapted=7)
    assert extra == 7 * 8 * (4 - 2)


def test_the_lm_heads_scores_count_its_fp32_chunks():
    from ftlib import headloss
    from ftlib.cpu_memory import Streams, activation_bytes

    shape = SimpleNamespace(hidden=64, intermediate=128, kv_heads=2, heads=4, layers=2, vocab=1000)
    s, tokens = Streams(stream=2, products=2, cpu_attention=True, head=2), 4 * 64
    scores = activation_bytes(shape, tokens, 64, s) - activation_bytes(shape, tokens, 64, s, head=False)
    assert scores == tokens * 1000 * 2 + 3 * min(tokens, headloss.ROW_CHUNK) * 1000 * 4
