"""Behaviours of 2026-12-05's new engine modules that no test held, found by a second round of hand mutation (each
test here fails when the line it names is changed), and eval_stats' intervals against published values. Pure
functions or tiny in-process objects, no model."""

from __future__ import annotations

import pytest

from ftlib import eval_stats as S

# ftlib/eval_stats.py: against published values (scipy and statsmodels are not installed here)

# Student's t quantiles to 7 decimals (Abramowitz & Stegun table 26.10; R's qt(p, df) prints the same).
T_975 = {
    1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451, 5: 2.5705818, 6: 2.4469119, 7: 2.3646243,
    8: 2.3060041, 9: 2.2621572, 10: 2.2281389, 11: 2.2009852, 12: 2.1788128, 13: 2.1603687, 14: 2.1447867,
    15: 2.1314495, 16: 2.1199053, 17: 2.1098156, 18: 2.1009220, 19: 2.0930241, 20: 2.0859634, 21: 2.0796138,
    22: 2.0738731, 23: 2.0686576, 24: 2.0638986, 25: 2.0595386, 26: 2.0555294, 27: 2.0518305, 28: 2.0484071,
    29: 2.0452296, 30: 2.0422725,
}  # fmt: skip
T_OTHER = [  # (p, df, quantile)
    (0.95, 1, 6.3137515), (0.95, 2, 2.9199856), (0.95, 5, 2.0150484), (0.95, 10, 1.8124611),
    (0.995, 1, 63.6567412), (0.995, 2, 9.9248432), (0.995, 5, 4.0321430), (0.995, 10, 3.1692727),
]  # fmt: skip


@pytest.mark.parametrize("df", sorted(T_975))
def test_the_975_t_quantile_is_the_tables_to_seven_decimals(df):
    """Every degrees of freedom a 2-31 row evaluation uses, odd and even (the two branches of A&S 26.7.3)."""
    assert S.t_quantile(0.975, df) == pytest.approx(T_975[df], abs=6e-8)


@pytest.mark.parametrize("p, df, expected", T_OTHER)
def test_other_t_quantiles_are_the_tables(p, df, expected):
    assert S.t_quantile(p, df) == pytest.approx(expected, abs=6e-8)


def test_students_sleep_data_gives_rs_paired_interval():
    """Cushny & Peebles' sleep data (Student 1908; R's `sleep`): t.test(extra ~ group, paired = TRUE) gives the mean
    difference 1.58 and the 95% interval 0.7001142 to 2.4598858 (signs as group 2 - group 1)."""
    group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    change = S.paired_change(group1, group2)
    assert change.mean == pytest.approx(1.58)
    assert (change.low, change.high) == (pytest.approx(0.7001142, abs=1e-7), pytest.approx(2.4598858, abs=1e-7))
    assert (change.n, change.lower, change.higher, change.unchanged, change.verdict) == (10, 0, 9, 1, S.HIGHER)


# Newcombe 1998, "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17, table II,
# method 3 (Wilson's score interval without continuity correction), 4 decimals.
NEWCOMBE = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]


@pytest.mark.parametrize("k, n, low, high", NEWCOMBE)
def test_wilsons_interval_is_newcombes(k, n, low, high):
    assert [round(x, 4) for x in S.wilson_interval(k, n)] == [low, high]


def test_a_mean_interval_touching_zero_is_within_noise(monkeypatch):
    """The verdict needs the interval wholly above (or below) no change: a bound of exactly 0 is within noise."""
    changes = [0.1, 0.2, 0.3, 0.4, 0.5]
    monkeypatch.setattr(S, "mean_interval", lambda values: (0.3, 0.0, 0.6))
    assert S.paired_change([0.0] * 5, changes).verdict == S.NOISE
    monkeypatch.setattr(S, "mean_interval", lambda values: (-0.3, -0.6, 0.0))
    assert S.paired_change([0.0] * 5, [-c for c in changes]).verdict == S.NOISE


def test_a_share_interval_touching_chance_from_above_is_within_noise(monkeypatch):
    monkeypatch.setattr(S, "wilson_interval", lambda k, n: (0.2, 0.5))
    assert S.share(6, 20).verdict == S.NOISE


# ftlib/split_lines.py


def test_exactly_eight_named_rows_end_without_and_more():
    from ftlib.split_lines import lines_note

    meta = {"train_lines": {"file": "c.jsonl", "file_type": "jsonl", "rows": "1+9"}}  # a header line first
    note = lines_note(meta, ["Training rows 1, 2, 3, 4, 5, 6, 7, 8 score no token."], (10, 0))
    assert note.endswith("training row 8 is line 9.")


def test_a_row_named_twice_is_placed_once():
    from ftlib.split_lines import lines_note, named_rows

    said = ["Held-out row 2 scores no token.", "Held-out rows 1, 2 are longer than the max length."]
    assert named_rows(said) == [("test", 2), ("test", 1)]
    meta = {"test_lines": {"file": "c.jsonl", "file_type": "jsonl", "rows": "4+1"}}
    assert lines_note(meta, said, (0, 2)).count("held-out row 2 is") == 1


def test_a_tables_row_is_placed_with_its_line():
    """A CSV row starts on its own line (a header, a cell over two lines): the note says both."""
    from ftlib.split_lines import lines_note

    meta = {"test_lines": {"file": "t.csv", "file_type": "csv", "rows": "2,1", "lines": "3,2"}}
    note = lines_note(meta, ["Held-out rows 1, 2 score no token."], (0, 2))
    assert note.endswith(
        "held-out row 1 is data row 3 (line 4 of the file); held-out row 2 is data row 5 (line 7 of the file)."
    )


def test_a_row_past_its_side_is_left_out_of_the_note():
    """A warning naming a row the split does not have (edited since) is not placed, and does not fail."""
    from ftlib.split_lines import lines_note

    meta = {"test_lines": {"file": "c.jsonl", "file_type": "jsonl", "rows": "1+1"}}
    assert lines_note(meta, ["Held-out rows 2, 3 score no token."], (0, 2)) == (
        "The row numbers above count the split's training and held-out rows, not the rows of c.jsonl: held-out row 2 "
        "is line 3."
    )


# ftlib/warmup.py


def test_a_share_whose_product_falls_just_short_in_floats_is_not_rounded_down_a_step():
    """0.29 x 100 is 28.999999999999996 in floats: a 100-step run at share 0.29 warms up 29 steps, not 28."""
    from ftlib.warmup import warmup_steps

    assert 0.29 * 100 < 29 and 0.57 * 100 < 57  # what the tolerance is for
    assert [warmup_steps(0.29, "linear", 100), warmup_steps(0.57, "cosine", 100)] == [29, 57]


def test_a_run_by_epochs_counts_its_warmup_from_the_steps_the_trainer_plans(tmp_path):
    """A run by epochs has no max steps (the Trainer's `max_steps` is -1): its warmup is the share of the steps the
    Trainer counts from its data, 2 of 40 at 0.05, with the rate at its peak from the third step."""
    from ftlib.config import RunConfig
    from tests.test_cli_lifecycle_small import trainer_rates

    config = RunConfig(model="m", dataset="x", max_steps=0, epochs=1.0)
    rates = trainer_rates(config, tmp_path, 40)
    assert rates[0] == 0 and 0 < rates[1] < config.learning_rate
    assert rates[2] == pytest.approx(config.learning_rate)


# ftlib/cell_checks.py


def test_a_formula_opening_with_a_sign_is_a_formula():
    """`=-B2`, `=+A1*2`: a spreadsheet exports these formulas as their text too."""
    from ftlib.cell_checks import cell_kind

    assert [cell_kind(v) for v in ("=-B2", "=+A1*2", "= 5", "==")] == ["formula", "formula", None, None]


def test_a_value_of_exactly_forty_characters_is_shown_whole():
    from ftlib.cell_checks import placeholder_cells

    formula = "=CONCAT(A1, B1, C1, D1, E1, F1, G1, H99)"
    assert len(formula) == 40
    (notice,) = placeholder_cells([(1, {"output": formula})], [1], {}, str, True, fields=("output",))
    assert f"`{formula}`" in notice.message and "…" not in notice.message


def _placeholders(records):
    from ftlib.cell_checks import placeholder_cells

    fields = ("instruction", "output")
    source = {"instruction": "Customer Message", "output": "Agent Reply"}
    return placeholder_cells(records, [n for n, _ in records], source, lambda n: f"data row {n}", True, fields)


def test_two_cells_of_one_row_hold_not_holds():
    """The verb agrees with the cells counted, the last sentence's 'that row' with the rows."""
    (notice,) = _placeholders([(1, {"instruction": "TBD", "output": "N/A"})])
    assert notice.message.startswith("2 cells hold a spreadsheet placeholder or formula, not text (")
    assert "they are trained as written" in notice.message and "delete that row from the file" in notice.message
    assert notice.rows == 1


def test_one_cell_is_said_in_the_singular_and_the_notice_names_its_column():
    (notice,) = _placeholders([(3, {"instruction": "Hi?", "output": "N/A"})])
    assert notice.message.startswith("1 cell holds a spreadsheet placeholder")
    assert "data row 3: `Agent Reply` is only `N/A`" in notice.message
    assert "it is trained as written" in notice.message
    assert notice.field == "Agent Reply"


def test_the_notice_is_filed_under_the_first_cells_column():
    (notice,) = _placeholders(
        [(1, {"instruction": "Hi?", "output": "N/A"}), (2, {"instruction": "TBD", "output": "Yes."})]
    )
    assert notice.field == "Agent Reply" and notice.rows == 2


def test_several_blank_rows_count_in_the_note():
    from ftlib.cell_checks import blank_rows_note

    (note,) = blank_rows_note([4, 7, 9], lambda n: f"data row {n}")
    assert note.message == "3 blank rows skipped (the first: data row 4): every cell of them is empty."
    assert note.rows == 3 and note.note


# ftlib/table_peek.py

TICKETS = "Ticket ID,Customer Message,Agent Reply\n" + "".join(
    f"T-{i},Question number {i}?,Answer number {i}.\n" for i in range(1, 9)
)


def test_the_first_rows_shown_are_five_by_default(tmp_path):
    from ftlib.table_peek import PEEK_TABLE_ROWS, first_table_rows

    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS)
    assert PEEK_TABLE_ROWS == 5
    assert [r["Ticket ID"] for r in first_table_rows(path)] == ["T-1", "T-2", "T-3", "T-4", "T-5"]
    assert [r["Ticket ID"] for r in first_table_rows(path, n=3)] == ["T-1", "T-2", "T-3"]


def test_a_table_that_cannot_be_read_is_named_as_its_user_knows_it(tmp_path):
    """An upload stored as `<date>-<time>-<tag>-faq.csv` is `faq.csv` in the refusal, as `load_file` names it."""
    from ftlib.file_bytes import DataError
    from ftlib.table_peek import first_table_rows

    path = tmp_path / "20261205-101010-abcd-faq.csv"
    path.write_text('a,b\n"x,1\n')
    with pytest.raises(DataError, match=r"^faq\.csv has an unclosed quote"):
        first_table_rows(path, name="faq.csv")


# ftlib/run_time.py


def test_a_rate_measured_with_another_tuning_is_not_used(tmp_path):
    """A DPO run that trains a LoRA adapter says nothing of the speed of one that trains every weight: only the same
    tuning's rate is used."""
    from ftlib import run_time
    from ftlib.config import RunConfig
    from ftlib.testing import make_run

    metrics = [{"kind": "train", "step": 1, "loss": 1.0, "tokens_per_s": 100.0}]
    settings = {"model": "m", "dataset": "x", "method": "dpo", "tuning": "full"}
    run = make_run("20261201-090000-q", settings, metrics=metrics, root=tmp_path, device="cpu")
    assert (
        run_time.time_estimate(RunConfig(model="m", dataset="x", method="dpo", tuning="lora"), 4000, 40, "cpu", [run])
        is None
    )
    assert run_time.time_estimate(
        RunConfig(model="m", dataset="x", method="dpo", tuning="full"), 4000, 40, "cpu", [run]
    )


def test_a_run_that_reads_no_tokens_gets_no_estimate_even_with_a_measured_rate(tmp_path):
    """No training rows yet (0 tokens): nothing is said, not "About 0:00:01 of training: 0 tokens"."""
    from ftlib import run_time
    from ftlib.config import RunConfig
    from ftlib.testing import make_run

    metrics = [{"kind": "train", "step": 1, "loss": 1.0, "tokens_per_s": 100.0}]
    run = make_run("20261201-090000-a", {"model": "m", "dataset": "x"}, metrics=metrics, root=tmp_path, device="cpu")
    config = RunConfig(model="m", dataset="x")
    assert run_time.time_estimate(config, 4000, 40, "cpu", [run]).seconds == 40.0
    assert run_time.time_estimate(config, 0, 0, "cpu", [run]) is None


# ftlib/job_owners.py


def test_the_sweeping_thread_waits_its_interval_between_sweeps(monkeypatch):
    """The daemon sweeps every `every_s` seconds, not in a busy loop that keeps a core spinning while jobs run."""
    import threading
    from types import SimpleNamespace

    from ftlib import job_owners

    waits = []

    class Event:
        def wait(self, timeout=None):
            waits.append(timeout)

    fake = SimpleNamespace(Event=Event, Lock=threading.Lock, Thread=threading.Thread)
    monkeypatch.setattr(job_owners, "threading", fake)
    watch = job_owners.OwnerWatch(every_s=None)
    watch.every_s = 7.5
    watch._sweeping()  # nothing watched: one wait, one sweep, then it ends
    assert waits == [7.5]


# ftlib/decode_rate.py


def test_a_rate_below_zero_or_not_a_number_is_not_kept():
    """A grid whose clock or count went wrong (a rate below 0, or NaN from 0 tokens in 0 s) leaves the last good
    rate as the server's."""
    from ftlib import decode_rate

    decode_rate.forget()
    try:
        decode_rate.remember("cpu", "default", 12.0)
        decode_rate.remember("cpu", "default", -3.0)
        decode_rate.remember("cpu", "default", float("nan"))
        assert decode_rate.measured("cpu", "default") == 12.0
    finally:
        decode_rate.forget()


# ftlib/stored_data.py


def _split_item(**kw):
    from pathlib import Path

    from ftlib.stored_data import StoredItem

    return StoredItem("split", "s", "s", Path("s"), 1, None, **kw)


def test_a_run_stopping_without_its_own_rows_still_holds_what_it_reads():
    """A run being stopped may still be reading its data at its start: removal waits for it, as for a running one."""
    item = _split_item(needs={"a": "stopping", "b": "finished"})
    assert item.blocking() == ["a"] and item.losing() == ["b"]


def test_five_runs_are_named_all_and_a_sixth_is_an_ellipsis():
    item = _split_item(needs={f"r{i}": "queued" for i in range(5)})
    assert "the 5 queued or running runs r0, r1, r2, r3, r4, queued without" in item.blocked_words()
    item = _split_item(runs=[f"r{i}" for i in range(6)], needs={f"r{i}": "failed" for i in range(6)})
    said = item.losing_words()
    assert "r0, r1, r2, r3, r4, ..." in said and "r5" not in said


def test_what_used_an_item_counts_past_the_limit_only():
    from ftlib.stored_data import used_words

    assert used_words(_split_item(runs=["a", "b", "c"])) == "runs a, b, c"
    assert used_words(_split_item(runs=["a", "b", "c", "d"])) == "runs a, b, c (+1 more)"
    assert used_words(_split_item(runs=["a"], splits=["x", "y"])) == "run a; splits x, y"


def test_a_run_on_a_path_in_an_unknown_users_home_does_not_stop_the_list():
    """A run (or a split) whose data path starts `~name/` for a user this machine does not know (a workspace copied
    from another machine): pathlib's expanduser raises RuntimeError there. The stored files are still listed, and
    that run is not taken for a user of them."""
    from ftlib import stored_data, workspace
    from ftlib.testing import make_run

    rows = [{"prompt": "q", "completion": "a"}]
    upload = workspace.save_upload("chats.jsonl", b'{"prompt": "q", "completion": "a"}\n')
    workspace.save_split("chats", rows, [], {"path": "~nosuchuser-h7/chats.jsonl"})
    make_run("20261201-090000-away", {"model": "m", "dataset": "~nosuchuser-h7/chats.jsonl"}, state="failed")
    items = {i.kind: i for i in stored_data.list_stored()}
    assert items["upload"].name == upload.name and items["split"].name == "chats"
    assert items["upload"].runs == items["split"].runs == [] and items["upload"].splits == []


def test_a_leftover_removal_folder_that_is_a_link_is_unlinked_not_followed(tmp_path):
    """A `.removing-*` link left in the workspace (a removal moved a linked split folder) goes, and what it links to
    stays whole: the removal neither fails nor deletes outside the workspace."""
    import os
    import time

    from ftlib import stored_data, workspace

    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "rows.jsonl").write_text("{}\n")
    link = workspace.workspace_dir() / ".removing-chats-0123abcd"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    old = time.time() - 2 * stored_data.LEFTOVER_AGE
    os.utime(link, (old, old), follow_symlinks=False)
    count, _ = stored_data.remove_leftovers()
    assert count == 1 and not os.path.lexists(link)
    assert (target / "rows.jsonl").read_text() == "{}\n"


# ftlib/loss_words.py


def _eval_rows(chats=0, pairs=0, texts=0, tokens=10):
    from types import SimpleNamespace

    kinds = [(False, False)] * chats + [(False, True)] * pairs + [(True, False)] * texts
    return [SimpleNamespace(tokens=tokens, is_text=t, is_pair=p) for t, p in kinds]


def test_pairs_and_texts_beside_chats_are_each_said_once():
    from ftlib.loss_words import evaluate_measured_over

    assert evaluate_measured_over(_eval_rows(chats=2, pairs=1, texts=1)) == (
        "Average loss per scored token of the last reply of each of the 2 held-out rows and the chosen answer of the "
        "1 held-out pair and every token of the 1 held-out text (40 tokens, each counting alike)."
    )
    assert evaluate_measured_over(_eval_rows(pairs=3)) == (
        "Average loss per answer token of the chosen answer of each of the 3 held-out pairs (30 tokens, each counting "
        "alike)."
    )


def test_all_the_held_out_rows_scored_are_not_said_to_be_the_first_of_them():
    from ftlib.loss_words import train_heldout_note

    rows = [{"messages": [{"role": "user"}, {"role": "assistant"}]}] * 3
    assert "covers all" not in train_heldout_note(rows, total=3)


# ftlib/map_hint.py


def test_a_text_column_with_one_tag_cell_still_reads_as_text():
    """A column of questions with one cell a bare tag (`billing`) is still the prompt, ahead of long ids."""
    from ftlib.map_hint import likeliest_columns

    raw = [
        (1, {"Ref": "ORDER-2026-00000000001-XK", "Question": "How do I pay?", "Answer": "By card or transfer."}),
        (2, {"Ref": "ORDER-2026-00000000002-XK", "Question": "billing", "Answer": "See the Billing page."}),
    ]
    assert likeliest_columns(["Ref", "Question", "Answer"], raw) == ["Question", "Answer"]


def test_the_prompt_is_the_left_of_the_two_even_when_the_answers_are_longer():
    from ftlib.map_hint import map_example

    raw = [(1, {"ID": "T-1", "Customer Message": "Hi, can I pay?", "Agent Reply": "Yes, by card, transfer or cash."})]
    assert map_example(["ID", "Customer Message", "Agent Reply"], raw) == (
        "e.g. `--map 'Customer Message=instruction' --map 'Agent Reply=output'`"
    )


# ftlib/run_phases.py


def test_one_held_out_row_is_said_in_the_singular():
    from ftlib.run_phases import evaluating_words

    assert evaluating_words(1) == "scoring the untrained model on 1 held-out row (the loss chart's step 0)"


# ftlib/cpu_memory.py


@pytest.mark.parametrize("choice", ["1", "true", "YES", " on "])
def test_every_spelling_fastpath_reads_as_on_turns_bf16_products_on_in_the_estimate(monkeypatch, choice):
    """FTLIB_CPU_BF16 is read as fastpath.bf16_products reads it (`yes`, `on` too), and a dtype left empty is
    `auto`: the estimate counts the layers the run will use."""
    from ftlib.cpu_memory import bf16_products

    monkeypatch.delenv("FTLIB_FAST_PATH", raising=False)
    monkeypatch.setenv("FTLIB_CPU_BF16", choice)
    assert bf16_products("dpo", "lora", "auto", 1) is True
    assert bf16_products("dpo", "lora", "", 1) is True
    assert bf16_products("dpo", "lora", "float32", 1) is False


def _shape(layers: int):
    from types import SimpleNamespace

    return SimpleNamespace(hidden=64, intermediate=256, heads=4, kv_heads=2, vocab=100, layers=layers)


def test_a_step_holds_its_blocks_one_blocks_gradients_and_the_final_norm():
    """Each layer adds one block's saved tensors; on top of them the backward pass holds one block's gradients, and
    the final norm keeps its input and output in the stream's dtype (bf16 here: 2 bytes)."""
    from ftlib.cpu_memory import Streams, activation_bytes, block_bytes

    s = Streams(stream=2, products=2, cpu_attention=True, head=2)
    tokens, seq = 8, 4
    block = tokens * block_bytes(_shape(1), seq, s)
    one, two = (activation_bytes(_shape(n), tokens, seq, s, head=False) for n in (1, 2))
    assert two - one == block
    assert one == 2 * block + 2 * tokens * 64 * 2


def test_under_bf16_products_the_lm_head_scores_in_bf16():
    """fastpath.bf16_products sets the head's dtype to bf16 (`_ftlib_head_dtype`) for LoRA and full fine-tuning
    alike: the scores count 2 bytes an element, in an fp32 stream."""
    from ftlib.cpu_memory import streams

    assert [streams(4, "dpo", tuning, True).head for tuning in ("lora", "full")] == [2, 2]
    assert streams(4, "full", "full", True).stream == 4 and streams(4, "lora", "lora", False).head == 4
