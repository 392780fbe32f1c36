"""The Data page's token lengths of rows with tool calls: each count says which template it is for, and a template
that leaves the calls out is not counted (ui/data_view.token_histogram): the lengths are those of one that writes them.

Helper 67's walk: a green "0 rows (0.0%) would be truncated" (measured with the model's own template, which drops the
calls) stood above the warning that with hermes, which Train asks for, 20 rows would be cut.
"""

from __future__ import annotations

from tests.test_pages_data import _allowed_data_dirs, data_page, tool_rows, with_path, write_jsonl
from ui.kept import SHARED

__all__ = ["_allowed_data_dirs"]  # the local path input reads this test's tmp_path (an autouse fixture)


def _said(at) -> list[tuple[str, str]]:
    return [(kind, a.value) for kind in ("success", "info", "warning") for a in getattr(at, kind)]


def test_the_count_of_a_template_that_drops_the_calls_names_it_and_is_not_green(tmp_path, smol_tokenizer):
    """Since h254 the count is not of the template that drops the calls at all (Train refuses it for these rows): the
    lengths are hermes's, named in the count, and a max length between the two cuts the tool row."""
    from ftlib.data import load_file
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    path = write_jsonl(tmp_path / "tools.jsonl", tool_rows())
    rows = load_file(path).rows
    longest_own, longest_hermes = (
        max(len(encode_row(r, smol_tokenizer, get_template(name, smol_tokenizer)).input_ids) for r in rows)
        for name in ("tokenizer", "hermes")
    )
    # A max length between the two: none cut with the template that drops the calls, the tool row cut with hermes
    cutoff = -(-longest_own // 16) * 16
    assert cutoff < longest_hermes, (longest_own, longest_hermes)
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.slider(key="data_max_length").set_value(cutoff).run()
    said = _said(at)
    assert not any("would be truncated" in v for k, v in said if k == "success"), said
    assert (
        "warning",
        f"1 row (50.0%) would be truncated at {cutoff} tokens with ChatML + tools (Hermes) (longest: "
        f"{longest_hermes}): line 1.",
    ) in said, said
    assert not any("with the model's own template (longest" in v for _, v in said), said


def test_a_template_that_writes_the_calls_is_green_and_named(tmp_path):
    path = write_jsonl(tmp_path / "tools.jsonl", tool_rows())
    at = with_path(data_page(), path)
    at.session_state[SHARED] = {"template": ("hermes", "Tokens")}
    at.run()
    at.slider(key="data_max_length").set_value(2048).run()
    (ok,) = [v for k, v in _said(at) if k == "success" and "would be truncated" in v]
    assert ok.startswith("0 rows (0.0%) would be truncated at 2048 tokens with ") and "(longest: " in ok
    assert not any("leaves out these rows' tool calls" in v for _, v in _said(at))
