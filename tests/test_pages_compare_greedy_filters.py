"""Compare (AppTest): a greedy custom column says it drops the top-k / top-p / min-p its sliders are set to (where
`python -m ftlib sample` refuses them at temperature 0), and the grid's and the next-token view's sliders reach the
same values."""

from __future__ import annotations

import pytest

from tests.test_pages_compare import open_page

# The seed of this module's `varied_dir` (tests/conftest.py).
VARIED_SEED = 2


def _greedy_notes(at) -> list[str]:
    return [i.value for i in at.info if i.value.startswith("Temperature 0 is greedy")]


@pytest.fixture
def page(varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    at.checkbox(key="compare_custom").check()
    at.slider(key="custom_k").set_value(40)
    at.slider(key="custom_p").set_value(0.9).run()
    return at


def test_a_greedy_custom_column_names_the_filters_it_leaves_out(page):
    at = page
    assert not _greedy_notes(at)  # temperature 0.9: top-k and top-p act
    at.slider(key="custom_t").set_value(0.0).run()
    assert not at.exception, at.exception
    (note,) = _greedy_notes(at)
    assert "top-k 40 and top-p 0.9 are left out of this column" in note and "ftlib sample" in note
    at.checkbox(key="compare_custom").uncheck().run()
    assert not _greedy_notes(at)  # no custom column: nothing dropped
    at.checkbox(key="compare_custom").check()
    at.slider(key="custom_k").set_value(0)
    at.slider(key="custom_p").set_value(1.0).run()
    assert not _greedy_notes(at)  # greedy with the filters off: nothing to say


def test_the_grid_and_the_next_token_view_offer_the_same_slider_ranges(page):
    at = page
    for grid, view in (("custom_t", "view_t"), ("custom_k", "view_k"), ("custom_p", "view_p")):
        g, v = at.slider(key=grid), at.slider(key=view)
        assert (g.min, g.max, g.step) == (v.min, v.max, v.step), (grid, view)
    at.slider(key="view_k").set_value(150).run()  # a top-k the grid's column takes, the view too
    assert not at.exception, at.exception
    assert at.dataframe[-1].value["kept by top-k"].all()  # 150 kept: all 20 shown
