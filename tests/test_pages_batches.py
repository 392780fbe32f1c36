"""The Batches page renders right padding, left padding and packing grids and the whole-split comparison, for SFT and
preference splits, from a split saved in the test's private workspace (real SmolLM2 tokenizer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace

ROOT = Path(__file__).resolve().parents[1]


def sft_rows(n):
    # Lengths differ a lot, so padding is visible and length grouping/packing have something to save.
    return [
        {
            "messages": [
                {"role": "user", "content": f"Question {i}?"},
                {"role": "assistant", "content": "Answer " + "word " * (3 + 17 * (i % 3))},
            ]
        }
        for i in range(n)
    ]


def preference_rows(n):
    return [
        {
            "prompt": [{"role": "user", "content": f"Pick {i}"}],
            "chosen": [{"role": "assistant", "content": "A good answer " * (1 + i % 2)}],
            "rejected": [{"role": "assistant", "content": "no"}],
        }
        for i in range(n)
    ]


def tool_row(i: int = 0) -> dict:
    """A chat row with a tool call and its result: the default model's own template drops the call (Train refuses
    it), Alpaca's knows no `tool` role."""
    call = {"id": "c0", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    return {
        "messages": [
            {"role": "user", "content": f"Time in zone {i}?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c0", "content": "noon"},
            {"role": "assistant", "content": f"Noon in zone {i}."},
        ]
    }


def run_page() -> AppTest:
    """The page inside the app's navigation (its links to other pages need it). Each test saves its split under its
    own name: `ui.common.cached_split` caches by name for the whole process."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return at.switch_page("pages/3_Batches.py").run()


def grids(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "ftgrid" in h.proto.body and "<table>" in h.proto.body]


def test_sft_split_renders_three_views_and_stats():
    workspace.save_split("chats-main", sft_rows(12), sft_rows(2), {"format": "messages"})
    at = run_page()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Right padding (training)", "Left padding (generation)", "Packing"]
    bodies = grids(at)
    assert len(bodies) == 3
    right, left, packed = bodies
    # 4 rows by default, numbered from 1 as on the Data page; right padding ends rows with pad cells, left starts them
    for body in bodies[:2]:
        assert all(f"row {i}<" in body for i in range(1, 5)) and "row 0" not in body and "row 5" not in body
    assert "pad" in right and "pad" in left
    assert "start of a packed example" in packed  # the boundary label explained on hover
    assert "Answer" in right  # token text, not ids
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["Padding, shuffled", "Padding, grouped by length", "Packing"]
    assert table["padding share (%)"].iloc[2] < table["padding share (%)"].iloc[0]
    assert len(set(table["trained"])) == 1
    assert any("left" in e.label.lower() for e in at.expander)


def test_controls_change_the_grids():
    workspace.save_split("chats-controls", sft_rows(12), sft_rows(2))
    at = run_page()
    at.slider[0].set_value(2).run()
    at.toggle[1].set_value(False).run()  # hide the label row
    at.toggle[2].set_value(True).run()  # show the position id row
    assert not at.exception, at.exception
    right = grids(at)[0]
    assert "row 3" not in right and "row 2" in right and "row 0" not in right
    assert "<th>position id</th>" in right and "<th>label</th>" not in right
    at.number_input(key="batch_pack_length").set_value(16).run()  # shorter than the rows: cut to fit, with a warning
    assert not at.exception, at.exception
    assert any("cut to fit" in w.value for w in at.warning)


def test_preference_split_shows_chosen_and_rejected():
    workspace.save_split("prefs", preference_rows(6), preference_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    right = grids(at)[0]
    assert "row 1 · chosen" in right and "row 1 · rejected" in right
    assert at.dataframe[0].value["real tokens"].iloc[0] > 0
    assert "12 sequences" in " ".join(c.value for c in at.caption)  # 6 pairs, two sequences each


def test_preference_steps_count_pairs_and_packing_is_not_offered():
    """Walk 3: 18 pairs at batch size 8 showed 36 sequences in 5 steps and ranked packing first (1 step, no padding),
    though DPO takes 8 pairs a step (epoch 1.0 at step 3) and the Train form refuses packing for it."""
    from ftlib.batch_costs import unavailable

    workspace.save_split("prefs-steps", preference_rows(18), preference_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["Padding, shuffled", "Padding, grouped by length"]
    assert list(table["steps"]) == [3, 3]  # ceil(18 pairs / 8), the Train form's batch size
    captions = " ".join(c.value for c in at.caption)
    assert "18 preference pairs (36 sequences) from the training split: a batch takes 8 pairs" in captions
    refused = unavailable([{"chosen": {"input_ids": [1]}, "rejected": {"input_ids": [2]}}], neutral=True)["packing"]
    # Said as a fact of the rows' methods, not train's "Turn packing off": nobody turned packing on here.
    assert refused.startswith("Packing applies to SFT; a DPO, reward-model or KTO run's pairs are not packed")
    assert f"**Packing** is left out of the table: {refused}" in [i.value for i in at.info]
    # The preview's Packing tab says so too: it shows a layout a run never uses.
    assert any(i.value.startswith("How these sequences would lie end to end; a run does not") for i in at.info)
    (box,) = [e for e in at.expander if e.label == "For engineers: how this table is counted"]
    engineers = " ".join(m.value for m in box.markdown)
    assert "a batch takes *batch size* pairs and runs both answers of each" in engineers
    assert "batches of *batch size* sequences" not in engineers  # as steps of sequences, 18 pairs would be 5 steps
    at.number_input(key="batch_split_size").set_value(4).run()
    assert list(at.dataframe[0].value["steps"]) == [5, 5]  # ceil(18 / 4)


@pytest.mark.parametrize("template", ["chatml", "plain"])
def test_other_templates_render(template):
    workspace.save_split(f"chats-{template}", sft_rows(5), sft_rows(1))
    at = run_page()
    at.selectbox[0].set_value(template).run()
    assert not at.exception, at.exception
    assert len(grids(at)) == 3


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_splits_do_not_break_the_page(n):
    workspace.save_split(f"tiny{n}", sft_rows(n), sft_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    assert len(grids(at)) == (3 if n else 0)
    if not n:
        assert any("no training rows" in w.value for w in at.warning)


def test_without_a_split_points_to_the_data_page():
    at = run_page()
    assert not at.exception
    assert any("Data" in i.value for i in at.info)
    assert not grids(at)


def test_an_out_of_range_start_row_is_refused_with_the_field_named():
    workspace.save_split("chats-range", sft_rows(12), sft_rows(2))
    at = run_page()
    at.number_input(key="batch_first").set_value(9999).run()
    assert not at.exception
    assert "**Starting at row**: 9999 is out of range. Use a number from 1 to 9." == at.error[0].value
    assert not grids(at)


def test_previews_start_at_what_training_uses_and_say_so(tmp_path, monkeypatch):
    """One max length and one batch size, named as the Train form names them: the Data page's length check and the
    Batches boxes start at the Train form's defaults (RunConfig), the grid's row count says it is a preview only. The
    max length is one choice with Tokens and Train: set here, it is what training uses, and said so."""
    from ftlib.config import RunConfig
    from tests.test_pages_data import FIXTURES, data_page, with_path

    defaults = RunConfig(dataset="x")
    assert (defaults.max_length, defaults.batch_size) == (384, 8)  # the sentinel: neither the old 512 nor 1024
    workspace.save_split("chats-defaults", sft_rows(12), sft_rows(2))
    at = run_page()
    assert at.number_input(key="batch_max_length").value == defaults.max_length
    assert at.number_input(key="batch_max_length").label == "Max length (tokens)"
    assert at.number_input(key="batch_split_size").value == defaults.batch_size
    assert at.slider[0].label == "Rows shown (preview only)"
    captions = [c.value for c in at.caption]
    assert "Max length (tokens) 384, as in training (the Train page starts from 384)." in captions
    at.number_input(key="batch_max_length").set_value(512).run()
    assert "Max length (tokens) 512, as in training: the Train page starts from it." in [c.value for c in at.caption]

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(FIXTURES))
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    assert at.slider(key="data_max_length").value == defaults.max_length
    assert "Max length (tokens) 384, as in training (the Train page starts from 384)." in [c.value for c in at.caption]


ENGINEER_WORDS = ("TRL", "best-fit decreasing", "Compute per trained", "compute per trained")


def shown_by_default(node) -> list[str]:
    """Every text the page shows without opening an expander: captions, Markdown, metric labels and helps' owners,
    table headers and chart titles are not hidden behind a click (a tooltip is)."""
    from streamlit.testing.v1.element_tree import Expander

    if isinstance(node, Expander):
        return []
    texts = []
    for child in getattr(node, "children", {}).values():
        texts += shown_by_default(child)
    kind = getattr(node, "type", "")
    if kind in ("markdown", "caption", "html"):
        texts.append(node.proto.body)
    elif kind == "metric":
        texts.append(node.label)
    elif kind == "arrow_data_frame":
        texts += [str(c) for c in node.value.columns]
    elif kind == "plotly_chart":
        texts.append(node.proto.spec)
    return texts


def test_jargon_is_behind_for_engineers_and_the_plain_words_are_shown(tmp_path):
    """A newcomer read "TRL", "Compute per trained token" and "best-fit decreasing" with no explanation (walk 2):
    the page says it in plain words; the engineer's names are in a "For engineers" expander or a help tooltip."""
    from ui.batch_view import WORK_HELP, WORK_LABEL

    workspace.save_split("chats-plain", sft_rows(12), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    for tab in at.tabs:  # every batching's own caption and metrics, packing's too
        assert not [t for t in shown_by_default(tab) for w in ENGINEER_WORDS if w in t]
    default = shown_by_default(at.main)
    assert not [t for t in default for w in ENGINEER_WORDS if w in t]
    metrics = [m for m in at.metric if m.label == WORK_LABEL]
    assert len(metrics) == 3 and all(m.help == WORK_HELP for m in metrics)  # one per tab, the name in its help
    assert "compute per trained token" in WORK_HELP and "which no batching setting removes" in WORK_HELP
    assert "work per trained token" in at.dataframe[0].value.columns
    assert any("longest examples first" in t for t in default)
    engineers = next(e for e in at.expander if e.label == "For engineers: how this table is counted")
    said = " ".join(m.value for m in engineers.markdown)
    assert "best-fit decreasing" in said and "TRL" in said


def test_the_packing_tab_counts_padding_and_work_as_training_does_and_as_the_table_does():
    """Walk 6 #7: the Packing tab said "Padding 153 (39%)", close to right padding's 40%, while the table below said
    packing pads 0%: the tab counted the grey cells that square off its picture, the table what training computes
    (TRL lays a batch's packed rows end to end as one row). Same rows, same packed length: the same numbers, and the
    grey cells named at the number. "Work per trained token" has one plain sentence beside it."""
    from ftlib.batch_costs import make_batches
    from ftlib.batching import batch_stats
    from ui.batch_view import WORK_LABEL, WORK_SAID, work_said

    workspace.save_split("chats-packing", sft_rows(4), sft_rows(1))
    at = run_page()
    length = at.number_input(key="batch_pack_length").value
    at.number_input(key="batch_max_length").set_value(length).run()  # the table packs into rows as long (none cut)
    assert not at.exception, at.exception
    packing = at.tabs[2]
    values = {m.label: m.value for m in packing.metric}
    rows, width = (int(n) for n in values["Rows × positions"].split(" × "))
    assert rows > 1  # the picture has several packed rows, squared off with grey cells
    table = at.dataframe[0].value.set_index("strategy")
    assert table.loc["Packing", "padding"] == 0
    assert values["Padding"] == "0 (0%)"  # it showed the picture's grey cells here
    assert values[WORK_LABEL] == f"{table.loc['Packing', 'work per trained token']:.2f}"
    assert int(values["Trained tokens"]) == table.loc["Packing", "trained"]
    real = table.loc["Packing", "real tokens"]
    captions = [c.value for c in packing.caption]
    grey = rows * width - real
    assert f"Training joins these {rows} rows into one of {real} tokens: it computes no padding. The {grey} grey " in (
        " ".join(captions)
    )
    assert work_said(trained_as_table(table.loc["Packing"])) in captions
    # The left tab's padding is what it draws (the right tab's, whether this server computes it: the tests below).
    left = {m.label: m.value for m in at.tabs[1].metric}
    assert left["Padding"] != "0 (0%)"
    assert any(c.value.startswith("Grey cells after each row:") for c in at.tabs[0].caption)
    assert WORK_SAID in " ".join(c.value for c in at.caption if "longest examples first" in c.value)
    # The reference: the engine's batches for training, all 4 rows in one step.
    from ftlib.batching import encode_examples
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    tok = load_tokenizer("default")
    examples, _, _ = encode_examples(sft_rows(4), tok, get_template("tokenizer", tok), "all_assistant")
    reference = batch_stats(make_batches(examples, 8, "packing", length))
    assert (reference.padded_positions, reference.real_tokens) == (0, real)


def trained_as_table(row):
    """The BatchStats of a whole-split table's row, as far as `work_said` reads it."""
    from ftlib.batching import BatchStats

    real, pad, trained = int(row["real tokens"]), int(row["padding"]), int(row["trained"])
    return BatchStats("packing", 0, 0, 0, real, pad, real + pad, trained)


def test_the_work_metric_says_padding_apart_from_the_prompt_read_and_not_trained():
    """Walk (a lead's demo): "Work per trained token 5.48 ... 1.00 wastes nothing", and packing still gave 5.47: the
    work is mostly the prompt, read but not trained, which no batching removes. Each tab says padding's share apart
    from the read-only share, the table has a column for the latter, and no shown word calls the prompt waste."""
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You are a careful support agent. " * 6},
                {"role": "user", "content": f"My order {i} has not arrived yet, what should I do?"},
                {"role": "assistant", "content": "Check " + "the tracking page " * (1 + 3 * (i % 2))},
            ]
        }
        for i in range(8)
    ]
    workspace.save_split("chats-work", rows, rows[:1])
    at = run_page()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("strategy")
    shares = table["read, not trained (%)"]
    assert (shares > 50).all()  # the prompt is most of the work, whatever the batching
    assert table.loc["Packing", "padding share (%)"] == 0 and table.loc["Packing", "work per trained token"] > 2
    packing = " ".join(c.value for c in at.tabs[2].caption)
    assert "padding 0% (the batching settings change this)" in packing
    read = round(shares["Packing"])
    assert f"read but not trained (prompts, system text) {read}% (no batching setting removes this)" in packing
    right = " ".join(c.value for c in at.tabs[0].caption)
    assert "Of the work: padding " in right and "read but not trained" in right
    assert not [t for t in shown_by_default(at.main) if "wastes nothing" in t]


@pytest.mark.parametrize("gpu", [False, True])
def test_the_right_padding_tab_says_whether_this_server_computes_the_padding(gpu, monkeypatch):
    """SFT, DPO and reward-model runs on a CPU server lay each batch's rows end to end (ftlib.fastpath.padding_free;
    pairs through headloss.pack_padded_rows and packed_rows.pack_score_rows): the grey cells the tab draws are not
    computed there, and it must not say "computed in training". GPU runs pad."""
    monkeypatch.setattr("ftlib.models.cuda_available", lambda: gpu)
    workspace.save_split(f"chats-pf-{gpu}", sft_rows(12), sft_rows(2), {"format": "messages"})
    workspace.save_split(f"pairs-pf-{gpu}", preference_rows(6), preference_rows(1))
    captions = {}
    for name in (f"chats-pf-{gpu}", f"pairs-pf-{gpu}"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["active_split"] = name
        at = at.run().switch_page("pages/3_Batches.py").run()
        assert not at.exception, at.exception
        captions[name] = " ".join(c.value for c in at.tabs[0].caption)
    for (name, caption), runs in zip(captions.items(), ("SFT runs", "DPO, KTO and reward-model runs"), strict=True):
        if gpu:
            assert "computed in training" in caption and "padding-free" not in caption, name
        else:
            assert f"this server's {runs} (on CPU) do not compute them" in caption and "padding-free" in caption
            assert "A GPU run computes the" in caption, name


@pytest.mark.parametrize("gpu", [False, True, "FTLIB_PADDING_FREE", "FTLIB_FAST_PATH"])
def test_the_right_padding_tabs_numbers_are_what_this_server_computes(gpu, monkeypatch):
    """Walk 9 F9: on a CPU server the right padding tab headlined "Padding 48 (13%)" and "Work per trained token
    2.06", the padded picture's, while its SFT runs lay the rows end to end (1.79). As the Packing tab does: the
    numbers are what a run computes here, the caption gives the picture's (what a GPU run computes)."""
    from ftlib.batching import encode_examples
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template
    from ui.batch_view import WORK_LABEL

    if isinstance(gpu, str):  # a CPU server whose runs pad: padding-free or the whole fast path turned off
        monkeypatch.setenv(gpu, "0")
    monkeypatch.setattr("ftlib.models.cuda_available", lambda: gpu is True)
    workspace.save_split(f"chats-work-{gpu}", sft_rows(4), sft_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    # By hand from the encoded rows: real tokens, the padded rectangle, tokens with a label after the shift.
    tok = load_tokenizer("default")
    examples, _, _ = encode_examples(sft_rows(4), tok, get_template("tokenizer", tok), "all_assistant")
    lengths = [len(e.input_ids) for e in examples]
    trained = sum(sum(label != -100 for label in e.labels[1:]) for e in examples)
    real, rectangle = sum(lengths), 4 * max(lengths)
    assert rectangle - real > 0  # the sentinel: the picture has grey cells
    right = {m.label: m.value for m in at.tabs[0].metric}
    caption = " ".join(c.value for c in at.tabs[0].caption)
    assert right["Trained tokens"] == str(trained) and right["Rows × positions"] == f"4 × {max(lengths)}"
    if gpu:  # a GPU run pads (and a CPU run with padding-free off): the picture is what it computes
        assert right["Padding"] == f"{rectangle - real} ({(rectangle - real) / rectangle:.0%})"
        assert right[WORK_LABEL] == f"{rectangle / trained:.2f}"
        assert "computed in training" in caption
    else:  # padding-free: no padding computed, the real tokens only; the picture's numbers in the caption
        # the headline agrees with the grey cells (cold review: "Padding 0 (0%)" beside a grid of them)
        # whole: "48 (13%) on a GPU · 0 here" was cut to "48 (13%) o…" (a visual review)
        assert right["Padding computed here"] == "0 (0%)" and "Padding" not in right
        assert right[WORK_LABEL] == f"{real / trained:.2f}"
        assert f"end to end (padding-free), {real} tokens in one row" in caption
        assert (
            f"A GPU run computes the {rectangle - real} grey cells ({(rectangle - real) / rectangle:.0%} of the "
            f"positions, {rectangle / trained:.2f} positions per trained token)" in caption
        )


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_every_box_keeps_its_value_after_a_visit_to_another_page(duplicate_warnings):
    """A cold review: Batches -> Data -> Batches came back with the model's own template, every reply, row 1, 4 rows
    and batch size 8: everything set was gone (Data and Compare keep theirs). An untouched batch size and max length
    still follow the Train page; one set here stays, for this preview only."""
    workspace.save_split("chats-kept", sft_rows(20), sft_rows(2))
    at = run_page()
    at.selectbox(key="batch_template").set_value("llama3").run()
    at.selectbox(key="batch_policy").set_value("last_assistant").run()
    at.slider(key="batch_rows").set_value(6).run()
    at.number_input(key="batch_first").set_value(10).run()
    at.number_input(key="batch_split_size").set_value(4).run()
    at.number_input(key="batch_pack_length").set_value(96).run()
    at.toggle(key="batch_label_row").set_value(False).run()
    at.toggle(key="batch_position_row").set_value(True).run()
    assert not at.exception, at.exception
    shown, table = grids(at), at.dataframe[0].value
    assert all(f"row {i}<" in shown[0] for i in range(10, 16))
    assert ">begin<" in shown[0]  # a piece of <|begin_of_text|>: Llama-3's, not the model's own template

    visit(visit(at, "pages/1_Data.py"), "pages/3_Batches.py")
    assert at.selectbox(key="batch_template").value == "llama3"
    assert at.selectbox(key="batch_policy").value == "last_assistant"
    assert at.slider(key="batch_rows").value == 6 and at.number_input(key="batch_first").value == 10
    assert at.number_input(key="batch_split_size").value == 4
    assert at.number_input(key="batch_max_length").value == 384  # untouched: the Train form's
    assert at.number_input(key="batch_pack_length").value == 96
    assert at.toggle(key="batch_label_row").value is False and at.toggle(key="batch_position_row").value is True
    assert grids(at) == shown and at.dataframe[0].value.equals(table)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Batch size 4 is for this preview only") for c in captions), captions
    # A row typed and left with a click on another page (no Batches run in between) comes back too.
    at.number_input(key="batch_first").set_value(3)
    visit(visit(at, "pages/0_Home.py"), "pages/3_Batches.py")
    assert at.number_input(key="batch_first").value == 3
    assert not duplicate_warnings, duplicate_warnings


def test_the_whole_split_table_says_what_cpu_runs_skip_and_shows_no_infinity_for_prompts(monkeypatch):
    """A cold review: the table said "Padding, in order ... 32%" under a grid saying this CPU server's runs compute no
    padding, and a prompts-only split showed "work per trained token" as inf beside a metric saying "none trained"."""
    from ftlib import fastpath
    from ui import batch_view

    monkeypatch.setattr(fastpath, "padding_free_allowed", lambda: True)
    monkeypatch.setattr("ftlib.models.cuda_available", lambda: False)
    workspace.save_split("chats-cpu", sft_rows(12), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if c.value.startswith("The table counts what a padded batch computes")]
    assert said and "On this CPU server, SFT runs lay the rows end to end and compute no padding." in said[0]
    prompts = [{"prompt": [{"role": "user", "content": f"Sing shanty {i}."}]} for i in range(12)]
    workspace.save_split("prompts-only", prompts, prompts[:2])
    at = run_page()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert (table["trained"] == 0).all() and table["work per trained token"].isna().all()
    assert any("On this CPU server, GRPO runs lay the rows end to end" in c.value for c in at.caption)
    assert batch_view.padding_free_runs({"prompt_only", "sft"}) == "SFT runs"


def test_a_row_longer_than_the_max_length_is_cut_as_a_run_cuts_it_and_the_packed_length_stays_in_range():
    """Cold review 19: a split with one ~200k-token row among short ones opened Batches on "**Packed row length**:
    200168 is out of range. Use a number from 8 to 32768." and no grid (its own default, unclamped); with a length
    typed in, the grids showed that row whole ("200161 tokens in one row"), while a run cuts every row at the max
    length. The grids count the rows as training encodes them (`ftlib.tokens.encode_rows` at the run's max length,
    as `ftlib.training` does), say which were cut, and follow the max length set here."""
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template
    from ftlib.tokens import encode_rows

    essay = {"messages": [{"role": "user", "content": "All?"}, {"role": "assistant", "content": "tide " * 40000}]}
    rows = [essay, *sft_rows(3)]
    workspace.save_split("chats-huge", rows, sft_rows(1))
    tok = load_tokenizer("default")
    template = get_template("tokenizer", tok)
    whole = len(encode_rows(rows[:1], tok, template, "all_assistant")[0].input_ids)
    assert whole > 32768  # the sentinel: the row alone is longer than any packed row length the page offers

    at = run_page()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(grids(at)) == 3
    assert 8 <= at.number_input(key="batch_pack_length").value <= 32768
    for length in (384, 128):  # the Train form's default, then one set here
        run = encode_rows(rows, tok, template, "all_assistant", length)  # what a run with that max length trains on
        assert [len(e.input_ids) for e in run][0] == length and max(len(e.input_ids) for e in run[1:]) < length
        trained = sum(sum(label != -100 for label in e.labels[1:]) for e in run)
        right = {m.label: m.value for m in at.tabs[0].metric}
        assert right["Rows × positions"] == f"4 × {length}"
        assert right["Trained tokens"] == str(trained)
        said = [i.value for i in at.info if i.value.startswith("Cut to the max length")]
        assert said == [
            f"Cut to the max length of {length} tokens, as a run cuts them: row 1 ({whole} → {length} tokens). The "
            "grids below show these rows as a run sees them; the **Tokens** page shows where a row is cut."
        ]
        at.number_input(key="batch_max_length").set_value(128).run()
        assert not at.exception and not at.error, at.exception
    assert "Max length (tokens) 128, as in training: the Train page starts from it." in [c.value for c in at.caption]


def test_the_whole_split_table_counts_as_a_run_and_its_chart_shows_percentages(monkeypatch):
    """Cold reviews: the chart's padding-share bars were fractions, both labelled 0.02 beside 2.36% and 2.03% in the
    table; steps ignored gradient accumulation; work per trained token was rounded by the browser (4.63 beside the
    CLI's 4.62). The numbers are `ftlib batch`'s, rounded once in Python."""
    import json

    from ftlib import batch_costs
    from ftlib.batch_plans import optimizer_steps

    monkeypatch.setattr("ui.labels.training_default", lambda name: {"batch_size": 2, "grad_accum": 3}.get(name, 384))
    workspace.save_split("chats-chart", sft_rows(12), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["strategy"]) == [batch_costs.STRATEGY_LABELS[s] for s in batch_costs.STRATEGIES]
    assert list(table["steps"]) == [optimizer_steps(6, 3), optimizer_steps(6, 3), table["steps"][2]]
    assert list(table["steps"])[:2] == [2, 2]  # 12 rows, 2 a batch, 3 batches a step
    for column in ("padding share (%)", "work per trained token"):
        assert all(round(v, 2) == v for v in table[column])
    assert 1 < table["padding share (%)"][0] < 100  # percent, not a fraction
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "padding share" in c.proto.spec]
    # the facet is the table's column in percent, its bar labels to 2 decimals: 2.36 and 2.03 apart, not both 0.02
    assert any(a["text"] == "padding share (%)" for a in chart["layout"]["annotations"])
    labels = [label for trace in chart["data"] for label in trace["text"]]  # 2 decimals, a 0% bar's in words
    assert all(re.fullmatch(r"\d+\.\d\d%?|0%: no padding.*", label) for label in labels), labels
    assert any("A step adds up 3 batches" in c.value for c in at.caption)


def test_a_template_train_refuses_is_said_as_the_cli_says_it():
    """Cold review: a tool-call split with the model's own template drew its grids silently, while Tokens showed a red
    error and `ftlib batch` warned "`train` refuses these rows ..."."""
    import json

    from ftlib import checks
    from ftlib.batching import encode_examples
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template
    from ui.labels import in_form_words

    call = {
        "id": "c0",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": "X"})},
    }
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Weather in city {i}?"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c0", "content": "20"},
                {"role": "assistant", "content": f"It is 20 in city {i}."},
            ]
        }
        for i in range(4)
    ]
    workspace.save_split("tools-refused", rows, rows[:1])
    tok = load_tokenizer("default")
    template = get_template("tokenizer", tok)
    examples, _, _ = encode_examples(rows, tok, template, "all_assistant", pairs=True)
    refused = [c for c in checks.template_report(examples, template, [1, 2, 3, 4], total=4) if c.severity == "error"]
    assert refused  # the sentinel: train refuses these rows with this template
    at = run_page()
    assert not at.exception, at.exception
    said = in_form_words(f"{refused[0].message} {refused[0].fix}")  # the box's words, not `--template hermes`
    assert f"Train refuses these rows: {said}" in [e.value for e in at.error]


def test_a_split_of_prompts_says_grpo_trains_the_answers_it_writes():
    """A cold review: GRPO's prompts showed "Trained tokens 0" and "none trained: all of the work would be wasted",
    with no word that GRPO trains on the answers the model writes to them."""
    prompts = [{"prompt": [{"role": "user", "content": f"Name a sea {i}."}]} for i in range(6)]
    workspace.save_split("prompts-grpo", prompts, prompts[:1], {"format": "prompt_only"})
    at = run_page()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption]
    assert "Prompts for GRPO: the model writes the answers it trains on, during the run." in said
    assert not any("all of the work would be wasted" in (m.help or "") for m in at.metric)
    # and that GRPO pads them on the left (a cold review: only a right-padded training view was drawn)
    assert [i.value for i in at.info if i.value.startswith("GRPO pads its prompts on the left")], at.info
    # The Left padding tab draws the prompts themselves, not training sequences cut to their prompts (a cold review:
    # its caption said "the whole training sequence is shown here to compare").
    assert not any("whole training sequence" in c for c in said)
    assert any(c.startswith("Each prompt ends on its last real token") for c in said)


def test_a_split_of_conversations_says_nothing_of_grpos_padding():
    workspace.save_split("chats-plain", sft_rows(4), sft_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    assert not [i.value for i in at.info if i.value.startswith("GRPO pads")]


def test_rows_a_run_leaves_out_at_the_max_length_are_named_as_the_cli_names_them():
    """A cold review: at max length 64 the CLI's `ftlib batch` warned that 2 rows would train nothing (every trained
    token past the cut), the page said nothing. Both use `batch_costs.untrained_rows`."""
    long_prompt = {
        "messages": [
            {"role": "user", "content": "Read this. " + "tide " * 120},
            {"role": "assistant", "content": "Ok."},
        ]
    }
    workspace.save_split("chats-cut", [*sft_rows(3), long_prompt], sft_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    assert not [w.value for w in at.warning if "would train nothing" in w.value]  # at the Train form's 384 it fits
    at.number_input(key="batch_max_length").set_value(64).run()
    assert not at.exception, at.exception
    (said,) = [w.value for w in at.warning if "would train nothing" in w.value]
    assert said.startswith(
        "1 row would train nothing at max length 64, all its trained tokens lying past the cut: row 4"
    )
    assert (
        "A run leaves it out (and refuses to start when no row is left)" in said
        and "the table above still counts it. Raise the max length above" in said
    )


def test_a_split_replaced_under_the_same_name_is_counted_and_checked_again():
    """Cold review: after a split was replaced under its name (the Data page's Replace, the CLI, another server), the
    whole-split table still counted the old rows and the template check of the old ones hid "Train refuses these
    rows": both were cached by the split's name alone, for every session of the server."""
    tools = [tool_row(i) for i in range(4)]
    workspace.save_split("replaced-later", sft_rows(12), sft_rows(2))
    before = run_page()
    assert not before.exception and not before.error, before.exception
    assert any(c.value.startswith("12 sequences") for c in before.caption), [c.value for c in before.caption]
    workspace.save_split("replaced-later", tools, tools[:1])  # no cache cleared: as a CLI save would do
    after = run_page()
    assert not after.exception, after.exception
    assert any(c.value.startswith("4 sequences") for c in after.caption), [c.value for c in after.caption]
    assert any(e.value.startswith("Train refuses these rows") for e in after.error), [e.value for e in after.error]


def test_the_table_says_which_row_a_run_with_the_train_pages_settings_batches_as(monkeypatch):
    """Cold review: the row labelled "Padding, shuffled (as a run)" was not what a default run does: a default run
    groups by length (2.0% padding against the label's 57.6% on a mixed file)."""
    workspace.save_split("run-row", sft_rows(12), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if c.value.startswith("A run with the Train page's settings now")]
    assert said and said[0].endswith("batches as **Padding, grouped by length**."), said
    assert "Group by length on" in said[0] and "Packing off" in said[0], said
    settings = {"packing": True, "group_by_length": True, "method": "lora"}
    monkeypatch.setattr(
        "ui.labels.training_default", lambda name: settings.get(name, 384 if name != "batch_size" else 4)
    )
    at = run_page()
    said = [c.value for c in at.caption if c.value.startswith("A run with the Train page's settings now")]
    assert said and said[0].endswith("batches as **Packing**."), said


def test_rows_a_run_refuses_are_said_with_their_number_not_quietly_left_out():
    """Cold review: with a template that cannot render tool results, the table said "3 rows could not be encoded and
    were left out" (no row named) while `train` refuses the split, and a refused row in the preview stopped the page
    with the template's message alone."""
    workspace.save_split("some-refused", [*sft_rows(4), tool_row(5), tool_row(6)], sft_rows(1))
    at = run_page()
    at.selectbox[0].set_value("alpaca").run()
    assert not at.exception, at.exception
    refused = [e.value for e in at.error if e.value.startswith("Train refuses these rows: row 5 (and 1 other row)")]
    assert refused and 'Unknown role "tool"' in refused[0] and "pick a template that shows them" in refused[0]
    assert any("2 rows a run refuses (above) are not counted" in c.value for c in at.caption)
    assert len(grids(at)) == 3  # rows 1-4 preview as before
    at.number_input(key="batch_first").set_value(3).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Could not encode the rows: Row 5 cannot be encoded: ") for e in at.error), [
        e.value for e in at.error
    ]


def test_past_the_rows_it_checks_the_page_says_the_train_page_checks_the_rest():
    """Cold review: the template checks and the rows a run leaves out look at the first 3,000 rows only (20,000 took a
    minute and 2.5 GB of the server), and a 5,000-row split with tool calls in row 4,501 showed no error and only a
    caption: the page now says that it checked part of the split and where every row is checked."""
    rows = [
        {"messages": [{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": "A."}]}
        for i in range(3000)
    ]
    workspace.save_split("late-tools", [*rows, tool_row()], rows[:1])
    at = run_page()
    assert not at.exception, at.exception
    said = [i.value for i in at.info if i.value.startswith("This page checks and counts the first 3,000 of the")]
    assert said and "3,001 training rows" in said[0] and "**Train** page checks every row" in said[0], said
    assert "python -m ftlib" not in said[0], said  # the page's words, not the CLI's `batch FILE` (helper 172)


def test_an_untouched_packed_row_length_follows_the_rows_shown_and_a_typed_one_stays():
    """Cold review: the box kept the length that fit rows 1-4 when the preview moved to rows 5-8 of 284 tokens
    (Streamlit keeps a keyed box's first value), so packing cut them to 80 and counted 192 trained tokens against
    the padding tabs' 1,004. A length typed in the box is the user's and stays."""
    short = sft_rows(4)
    long = [
        {"messages": [{"role": "user", "content": f"Tell me {i}."}, {"role": "assistant", "content": "word " * 270}]}
        for i in range(4)
    ]
    workspace.save_split("pack-follows", short + long, short[:1])
    at = run_page()
    first = at.number_input(key="batch_pack_length").value
    at.number_input(key="batch_first").set_value(5).run()
    assert not at.exception, at.exception
    followed = at.number_input(key="batch_pack_length").value
    assert followed > first and followed >= 280, (first, followed)
    assert not any("cut to fit" in w.value for w in at.warning), [w.value for w in at.warning]
    at.number_input(key="batch_pack_length").set_value(1024).run()
    at.number_input(key="batch_first").set_value(1).run()
    assert at.number_input(key="batch_pack_length").value == 1024


def test_the_grid_shows_as_trained_exactly_the_tokens_its_trained_count_counts():
    """Cold review: for raw-text rows (and the `everything` policy) every row's position 0 was green, "trained: the
    loss scores this token", while the tab's count rightly left it out: the loss predicts each token from the one
    before it. Position 0 now says it is never scored."""
    rows = [{"text": f"The lighthouse keeper {i} wrote a letter home about the sea{'s' * i}."} for i in range(4)]
    workspace.save_split("texts-first-token", rows, rows[:1])
    at = run_page()
    assert not at.exception, at.exception
    right = grids(at)[0]
    counted = [int(m.value.replace(",", "")) for m in at.metric if m.label == "Trained tokens"][0]
    assert right.count("trained: the loss scores this token") == counted
    never = "never scored: the loss predicts each token from the one before it"
    assert right.count(f"position id 0 · {never}") == 4  # the hover text of each row's first cell
    assert right.count(f"(note 1: {never}") == 4  # said in the cell to a screen reader, listed under the grid
    assert f"<ol><li>{never}, and position 0 has none (row 1 at position 0; row 2 at position 0;" in right
