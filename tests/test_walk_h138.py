"""Helper 138's walk: wording a newcomer's browser walk found on the Batches, Train, Evaluate and Data pages."""

from __future__ import annotations

from pathlib import Path

from ftlib import workspace
from tests.test_pages_batches import run_page, tool_row
from ui import alerts


def _later_call(i: int) -> dict:
    """`tool_row` after an exchange of its own: its call is in message 4, not message 2."""
    row = tool_row(i)
    row["messages"][1:1] = [{"role": "assistant", "content": "Which zone?"}, {"role": "user", "content": "Mine."}]
    return row


def test_one_problem_in_different_messages_is_not_counted_as_two_ways():
    """Batches said "Train refuses these rows: In 6 of 6 training rows, in 2 ways. Rows 1, 3, 5: ... the tool calls
    of message 2 ... Rows 2, 4, 6: ... the tool calls of message 4 ...": one problem (the template drops the calls),
    told twice as two ways."""
    rows = [tool_row(i) if i % 2 == 0 else _later_call(i) for i in range(6)]
    workspace.save_split("calls-here-and-there", rows, rows[:1], {"format": "messages"})
    at = run_page()
    assert not at.exception, at.exception
    (refused,) = [e.value for e in at.error if e.value.startswith("Train refuses these rows")]
    assert refused.startswith(
        "Train refuses these rows: In 6 of 6 training rows, the same problem in different messages. Rows 1, 3, 5: "
    ), refused
    assert "message 2" in refused and "message 4" in refused and " ways" not in refused
    # the template box's words, not the CLI's "(--template hermes)" (item 4 of the walk)
    assert "'ChatML + tools (Hermes)', ChatML" in refused and "--template" not in refused


def test_the_lines_of_the_rows_train_refuses_are_listed_by_row(tmp_path):
    """Batches' "The row numbers above count ...: training row 2 is line 4; training row 3 is line 5; training row 1
    is line 1" followed the order the refusal's ways name them (the way of most rows first): now by row."""
    from ftlib.data import load_file
    from tests.test_split_lines import write_lines

    text_beside = tool_row(0)
    text_beside["messages"][1]["content"] = "Let me look."  # a second way: the call's text is trained alone
    path = Path(workspace.uploads_dir()) / "calls.jsonl"
    write_lines(path, [text_beside, "", tool_row(1), tool_row(2), tool_row(3)])
    result = load_file(path)
    train, test = result.rows[:3], result.rows[3:]
    workspace.save_split("calls", train, test, result.split_meta("calls.jsonl", 0, 1, False, train=train, test=test))
    at = run_page()
    assert not at.exception, at.exception
    (refused,) = [e.value for e in at.error if e.value.startswith("Train refuses these rows")]
    assert "in 2 ways. Rows 2, 3: " in refused and ". Row 1: " in refused, refused  # the ways' order: 2, 3, then 1
    (lines,) = [c.value for c in at.caption if c.value.startswith("The row numbers above count")]
    assert lines.endswith("training row 1 is line 1; training row 2 is line 3; training row 3 is line 4."), lines


def _faq(question: str, weight: int = 1) -> dict:
    return {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": "See the help page.", "weight": weight},
        ]
    }


def test_evaluates_row_headings_are_flat_and_skipped_rows_are_placed_where_they_are_listed(
    varied_dir, adapter_template
):
    """A run on faq.csv: its side-by-side heading read "Held-out row 2 (data row 1 of faq.csv (line 2 of the file))",
    brackets in brackets, and the caption "The row numbers above count ...: held-out row 1 is data row 3 ..." named a
    row that only the closed "1 row skipped" expander lists."""
    from ftlib.split_lines import pack
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import evaluate, open_page

    test = [_faq("Where is the manual?", weight=0), _faq("How do I log in?"), _faq("Who answers mail?")]
    places = {"file": "faq.csv", "file_type": "csv", "rows": pack([3, 1, 2]), "lines": pack([4, 2, 3])}
    workspace.save_split("faq", [_faq("Hi?")], test, {"format": "messages", "test_lines": places})
    make_run("20260101-000000-lora-faq", {"model": str(varied_dir), "dataset": "faq"}, adapter=adapter_template)
    at = evaluate(open_page(varied_dir), rows=3, max_new=2)
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    heading = "Held-out row 2 (data row 1 of faq.csv at line 2 of the file) · "
    assert any(c.startswith(heading) for c in captions), captions
    assert not any("of the file))" in c for c in captions), captions
    row_box = next(box for box in at.selectbox if box.label == "Row")  # the per-token view's choice of row
    assert row_box.options[0].startswith("2 (data row 1 of faq.csv at line 2 of the file): "), row_box.options
    (skipped,) = [e for e in at.expander if e.label == "1 row skipped"]
    (table,) = [h.proto.body for h in skipped.get("html")]  # its reasons wrapped in full (ui.common.skipped_rows)
    assert "<td>data row 3 of faq.csv (line 4 of the file)</td>" in table, table
    assert not any("held-out row 1 is" in c for c in captions), captions  # said in the expander, beside it


def test_a_tables_unused_column_is_offered_only_the_fields_still_free(tmp_path, monkeypatch):
    """The Data page said "Not used: category (map one under Field mapping above to use it)" of a CSV whose every
    field was read already: no field was left to map it to. Mapping is offered only with a field still free, named."""
    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    full = tmp_path / "full.csv"
    full.write_text("instruction,input,output,system,category\nTranslate,hi,salut,Be brief.,fr\nAgain,no,non,x,fr\n")
    at = with_path(data_page(), full)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [c.value for c in at.caption if "Not used:" in c.value] == [f"{alerts.INFO} Not used: category."]
    free = tmp_path / "faq.csv"
    free.write_text("question,answer,category\nHow do I log in?,Use the login page.,account\nWhere?,Here.,docs\n")
    at = with_path(data_page(), free)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (said,) = [c.value for c in at.caption if "Not used:" in c.value]
    assert said.endswith(
        "Not used: category (to use one, map it to `input` or `system` under Field mapping above)."
    ), said


def test_the_data_pages_notes_name_its_boxes_not_the_clis_flags(tmp_path, monkeypatch):
    """A Data page box said "read the file as answers marked good or bad (KTO, 'Read the file as' on the Data page,
    --format unpaired_preference in the CLI)": the page it is on, and a flag a browser user has no use for."""
    import json

    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "rated.jsonl"
    rows = [{"prompt": f"Name a sea {i}.", "completion": "The North Sea.", "rating": i % 5} for i in range(4)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = "\n".join(b.value for b in [*at.info, *at.warning])
    assert "'Read the file as' above" in said, said
    assert "on the Data page" not in said and "in the CLI" not in said and "--format" not in said, said


def test_the_train_forms_early_stopping_warnings_name_its_boxes_not_the_clis_flags():
    """Train's warnings on early stopping said "(`--test-size 0.1` in the CLI)" and "`--eval-every` in the CLI" to a
    browser user, beside the form's own box (`in_form_words`, which the Train page passes its warnings through)."""
    from ftlib.config import RunConfig, field_specs
    from ftlib.overfitting import preflight_warnings
    from ui.labels import in_form_words

    none_held_out = preflight_warnings(RunConfig(model="m", dataset="d", early_stopping_patience=2), 0)
    rare = preflight_warnings(RunConfig(model="m", dataset="d", early_stopping_patience=2, max_steps=9), 5)
    said = [in_form_words(w) for w in [*none_held_out, *rare]]
    assert len(said) == 2 and not any("--" in w or "in the CLI" in w for w in said), said
    # The box once, by the name the form gives it ("set 'Evaluate every N steps' (**Evaluate every N steps (0 = each
    # epoch)**)" said it twice when the engine named the setting `eval_every` beside it).
    box = field_specs()["eval_every"].label.split(" (")[0]
    assert said[1].endswith(f"set '{box}' so it is measured often enough to stop early.") and said[1].count(box) == 1


def test_batches_says_how_to_train_a_cut_document_whole_in_the_train_pages_words():
    """Batches' warning on documents cut at the max length ended "(Train page: Rows longer than max length; --packing
    --packing-strategy bfd_split)": the CLI's flags to a browser user, beside the Train page's box."""
    docs = [{"text": f"Document {i}. " + "The tide comes in and goes out. " * (4 + 30 * (i % 2))} for i in range(4)]
    workspace.save_split("long-docs", docs, docs[:1], {"format": "text"})
    at = run_page()
    at.number_input(key="batch_max_length").set_value(64).run()
    assert not at.exception, at.exception
    (said,) = [w.value for w in at.warning if "longer than the max length of 64 tokens and cut" in w.value]
    assert "(Train page: Rows longer than max length)" in said and "--packing" not in said, said
