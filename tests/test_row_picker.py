"""A row picker's rerun is bounded by what a person reads, not by the rows: Compare's test-row box and Evaluate's Row
box listed every row (10,000 labels written and sent to the browser at each click with a big split); beyond
`ui.row_picker.LISTED_ROWS` a number box takes the row's place, the picked row's label under it. Counted, never
timed (BENCHMARKS.md, "Page responsiveness")."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_pages_evaluate_kept import evaluate, finished_run, open_page  # noqa: F401 (a fixture)


def _picker_script(count: int):
    import streamlit as st

    from ui.row_picker import pick_item

    def name(i: int) -> str:
        st.session_state["named"] = st.session_state.get("named", 0) + 1
        return f"row {i + 1}: a question about item {i}"

    st.session_state["named"] = 0
    st.session_state["picked"] = pick_item(st, "Row", range(count), name, key="rows")


def picker(count: int) -> AppTest:
    return AppTest.from_function(_picker_script, kwargs={"count": count}, default_timeout=60).run()


def sent(at: AppTest) -> int:
    """The bytes of every element the rerun drew (what goes to the browser)."""
    return sum(len(n.proto.SerializeToString()) for n in at.main if getattr(n, "proto", None) is not None)


def test_90000_rows_are_picked_by_number_with_one_label_written():
    at = picker(90_000)
    assert not at.exception and not at.selectbox
    box = at.number_input[0]
    assert box.label == "Row (1 to 90000)" and at.session_state["picked"] == 0
    assert at.session_state["named"] == 1 and at.caption[0].value == "row 1: a question about item 0"
    box.set_value(71_234).run()
    assert at.session_state["picked"] == 71_233 and at.caption[0].value == "row 71234: a question about item 71233"
    assert at.session_state["named"] == 1 and sent(at) < 2_000  # one label; a list of every row: megabytes
    at.number_input[0].set_value(90_001).run()  # every row reachable, none past the end
    assert at.session_state["picked"] is None and "Use a number from 1 to 90000" in at.error[0].value


def test_a_short_list_is_still_a_box_listing_every_row():
    from ui.row_picker import LISTED_ROWS

    at = picker(LISTED_ROWS)
    assert not at.number_input and len(at.selectbox[0].options) == LISTED_ROWS
    at.selectbox[0].set_value(7).run()
    assert at.session_state["picked"] == 7


def test_comparing_a_big_splits_test_row_labels_one_row_a_click():
    def script():
        import streamlit as st

        from ui.prompt_input import choose_prompt

        rows = [
            {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"A{i}."}]}
            for i in range(20_000)
        ]
        messages, reference, _, _ = choose_prompt(rows, "big")
        st.session_state["asked"] = (messages[-1]["content"], reference["content"])

    at = AppTest.from_function(script, default_timeout=60).run()
    next(r for r in at.radio if r.options[0] == "Type a prompt").set_value("Pick from the test split").run()
    assert not at.exception and not [s for s in at.selectbox if len(s.options) > 500]
    box = next(n for n in at.number_input if n.label.startswith("Test row"))
    assert box.label == "Test row (split `big`) (1 to 20000)"
    box.set_value(12_345).run()
    assert at.session_state["asked"] == ("Question 12344?", "A12344.")
    assert any(c.value.startswith("12345: Question 12344?") for c in at.caption)


def test_evaluates_row_box_beyond_the_listed_rows_is_a_number(finished_run, varied_dir, monkeypatch):  # noqa: F811
    """Evaluate's per-token view's Row: a number box past LISTED_ROWS evaluated rows (here 1), the row's label under
    it, that row's view scored."""
    from ui import row_picker

    at = evaluate(open_page(varied_dir))
    monkeypatch.setattr(row_picker, "LISTED_ROWS", 1)
    at.run()
    assert not at.exception, at.exception
    assert not [s for s in at.selectbox if s.label == "Row"]
    box = next(n for n in at.number_input if n.label == "Row (1 to 2)")
    assert 1 not in at.session_state["evaluate_job"].token_views
    box.set_value(2).run()
    assert not at.exception, at.exception
    assert 1 in at.session_state["evaluate_job"].token_views  # the second row's per-token losses
    assert any(c.value.startswith("2: ") for c in at.caption)


def test_evaluates_rows_places_are_unpacked_once_not_once_a_row(monkeypatch):
    """`places_of` unpacked meta.json's places of every held-out row once per row it named (10,000 rows evaluated of
    10,000: 10,000 unpacks of 10,000 numbers at each click); once now, each place as `heldout_place` says it."""
    from types import SimpleNamespace

    from ftlib import split_lines
    from ftlib.eval_runs import heldout_place
    from ui.evaluate_view import places_of

    numbers = list(range(3, 3 + 3 * 2_000, 3))
    meta = {
        "test_lines": {
            "file": "t.csv",
            "file_type": "csv",
            "rows": split_lines.pack(numbers),
            "lines": split_lines.pack([n + 1 for n in numbers]),
        }
    }
    info = SimpleNamespace(meta=meta, test_rows=[{}] * len(numbers))
    unpacked: list = []
    unpack = split_lines.unpack
    monkeypatch.setattr(split_lines, "unpack", lambda text: unpacked.append(1) or unpack(text))
    places = places_of(info, range(2_000))
    assert len(unpacked) == 2  # the rows and their lines, once
    monkeypatch.setattr(split_lines, "unpack", unpack)
    assert places == {i: heldout_place(meta, i, len(numbers)) for i in range(2_000)}
    assert places[4] == "data row 15 of t.csv (line 16 of the file)" and places_of(info, [2_000, -1]) == {}
    assert places_of(SimpleNamespace(meta={}, test_rows=[{}]), [0]) == {}


def test_evaluates_table_of_every_row_is_shown_a_page_at_a_time(finished_run, varied_dir, monkeypatch):  # noqa: F811
    """Evaluate's table of all rows built and sent every evaluated row at each click: a page of TABLE_ROWS now (here
    1), how many said, every row reachable by its page."""
    from ui import evaluate_view

    at = evaluate(open_page(varied_dir))
    monkeypatch.setattr(evaluate_view, "TABLE_ROWS", 1)
    at.run()
    assert not at.exception, at.exception
    (table,) = at.dataframe
    assert list(table.value["row"]) == [1]
    assert any(c.value.startswith("Rows 1 to 1 of 2, 1 a page") for c in at.caption)
    next(n for n in at.number_input if n.label == "Page (of 2)").set_value(2).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["row"]) == [2]


def test_evaluates_table_page_past_a_shorter_result_is_no_error(finished_run, varied_dir, monkeypatch):  # noqa: F811
    """The table's Page box was one for every result of the session: page 3 of a 3-page evaluation, then an
    evaluation of 2 pages, showed "Page (of 2): 3 is out of range" and no table, for a page no one typed there. Each
    result has its own box now, starting at its first page."""
    from ui import evaluate_view

    monkeypatch.setattr(evaluate_view, "TABLE_ROWS", 1)
    at = evaluate(open_page(varied_dir), rows=3)
    assert not at.exception, at.exception
    next(n for n in at.number_input if n.label == "Page (of 3)").set_value(3).run()
    assert list(at.dataframe[0].value["row"]) == [3]
    at = evaluate(at, rows=2)
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if "Page" in e.value], [e.value for e in at.error]
    assert next(n for n in at.number_input if n.label == "Page (of 2)").value == 1
    assert list(at.dataframe[0].value["row"]) == [1]


def _shrinking_script():
    import streamlit as st

    from ui.row_picker import pick_item

    count = st.session_state.get("count", 900)
    st.session_state["picked"] = pick_item(st, "Row", range(count), lambda i: f"row {i + 1}", key="rows")


def test_a_place_kept_from_a_longer_list_starts_over_not_as_an_error():
    """A split saved again with fewer rows (still more than LISTED_ROWS): the box kept row 850 of the old 900 and
    the page stopped on "850 is out of range", a number nobody typed there."""
    at = AppTest.from_function(_shrinking_script, default_timeout=60).run()
    at.number_input[0].set_value(850).run()
    assert at.session_state["picked"] == 849
    at.session_state["count"] = 600
    at.run()
    assert not at.error and at.session_state["picked"] == 0
    assert at.number_input[0].label == "Row (1 to 600)" and at.number_input[0].value == 1
    # Set through session state, so a browser showing the box (the split saved again from another tab) shows 1 too:
    # its key merely dropped, Chromium kept showing 850 and sent it back at the next click (helper 257).
    assert at.number_input[0].proto.set_value
    at.number_input[0].set_value(601).run()  # typed past the end: still said
    assert at.session_state["picked"] is None and "Use a number from 1 to 600" in at.error[0].value
