"""The Data page's leftovers of h254: a file in a shape another tool publishes says its how-to to everyone (it was
behind "For engineers"), and the token lengths say which template they are measured with where the chosen one leaves
the rows' tool calls out."""

from __future__ import annotations

import pytest

from tests.test_pages_data import _allowed_data_dirs, data_page, with_path, write_jsonl

pytestmark = pytest.mark.usefixtures(_allowed_data_dirs.__name__)  # the path box reads this test's tmp_path

# Rows as other projects publish them (our own content): each shape has its own how-to in the engine
# (ftlib.format_detect.unread_shape), which the page showed only inside the full message under "For engineers".
SHAPES = [
    (
        "oasst_tree",
        [
            {"message_id": "a1", "parent_id": None, "role": "prompter", "text": "Name a tabby cat.", "lang": "en"},
            {"message_id": "a2", "parent_id": "a1", "role": "assistant", "text": "Marmalade.", "lang": "en"},
        ],
        ["OpenAssistant's message trees", "Follow each reply back to the first message", "**plain text (text)**"],
    ),
    (
        "ultrafeedback_raw",
        [
            {
                "id": "peru-1",  # no `instruction`: with it, the completions are pairs (h270)
                "completions": [
                    {"model": "m1", "response": "The Urubamba.", "overall_score": 8.0},
                    {"model": "m2", "response": "The Danube.", "overall_score": 2.5},
                ],
            }
        ],
        ["UltraFeedback's raw rows", "`instruction` or `prompt`", "write each row as a preference pair"],
    ),
    (
        "keyed_by_id",
        [{"r7": {"instruction": "Say hi.", "output": "Hi."}, "r8": {"instruction": "Say bye.", "output": "Bye."}}],
        ["rows keyed by an id", 'orient="records"'],
    ),
]


@pytest.mark.parametrize(("name", "rows", "said"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_shape_no_format_reads_says_its_how_to_outside_the_engineers_box(tmp_path, name, rows, said):
    at = with_path(data_page(), write_jsonl(tmp_path / f"{name}.jsonl", rows))
    shown = " ".join(w.value for w in at.warning)
    for words in said:
        assert words in shown, shown
    assert "(--format" not in shown  # the box by its label on this page, not the CLI's flag
    # Not the generic "which no format reads by these names ... Field mapping" instead: a mapping cannot help here.
    assert not [i for i in at.info if "which no format reads by these names" in i.value]
    assert at.expander[-1].label == "For engineers"  # the full message, with the CLI's words, is still there


def test_fields_of_no_known_shape_still_ask_for_a_mapping(tmp_path):
    rows = [{"frage": "Wie spät ist es?", "antwort": "Halb drei."}]
    at = with_path(data_page(), write_jsonl(tmp_path / "german.jsonl", rows))
    assert [i for i in at.info if "which no format reads by these names" in i.value]
    assert not [w for w in at.warning if "No format reads" in w.value]


def test_token_lengths_of_tool_rows_are_not_counted_with_a_template_train_refuses(tmp_path, smol_tokenizer):
    """The model's own template leaves the tool calls out, and Train refuses it for these rows: the chart and the
    count were its lengths (the rows without their calls), a warning after them giving hermes's. Now the chart and the
    count are hermes's, and the page says so beside the chart."""
    from ftlib.data import load_file
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row
    from tests.test_pages_data import texts, tool_rows
    from ui.labels import SHARED, template_label

    path = write_jsonl(tmp_path / "tools.jsonl", tool_rows())
    rows = load_file(path).rows

    def longest(name: str) -> int:
        return max(len(encode_row(r, smol_tokenizer, get_template(name, smol_tokenizer)).input_ids) for r in rows)

    hermes, own = longest("hermes"), longest("tokenizer")
    assert hermes != own  # the calls and the tools are tokens: a count of the other template cannot pass by accident
    label = template_label("hermes")
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (said,) = [w.value for w in at.warning if "These lengths are measured with" in w.value]
    assert f"measured with **{label}**, not with **the model's own template**" in said
    assert "Train refuses it for them" in said
    assert f"written with **{label}** (see below)" in texts(at)
    counts = [a.value for a in [*at.success, *at.info, *at.warning] if "would be truncated at" in a.value]
    assert counts == [f"0 rows (0.0%) would be truncated at 384 tokens with {label} (longest: {hermes})."]
    # Chosen on Tokens (one choice with Batches and Train: ui.kept), hermes is measured and said as chosen, no warning.
    at.session_state[SHARED] = {"template": ("hermes", "Tokens")}
    at.run()
    assert f"written with **{label}**, chosen on Tokens, Batches or Train" in texts(at)
    assert not [w for w in at.warning if "These lengths are measured with" in w.value]
