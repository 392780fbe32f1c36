"""What a newcomer trying the app cold read wrong (helper 57's walk: a CSV of questions with a system-prompt column,
then a JSONL of preference pairs, through Data, Tokens, Train, Compare, Evaluate and export): each test fails
without its fix.

- Tokens: a rejected answer's rendered text was highlighted green under "trained characters highlighted green",
  beside its own orange "pushed down" pills: it read as an answer the model learns to write.
- Evaluate: "Max new tokens per answer" had no help, and a base answer cut at 64 tokens ("... used to measure")
  read as the model's own odd ending.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_token_view import read

PAGES = Path(__file__).resolve().parents[1] / "pages"
PREFERENCE = {
    "prompt": [{"role": "user", "content": "Best pet?"}],
    "chosen": [{"role": "assistant", "content": "Dogs, they are loyal."}],
    "rejected": [{"role": "assistant", "content": "Rocks."}],
}


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def tokens_page() -> AppTest:
    return AppTest.from_file(str(PAGES / "2_Tokens.py"), default_timeout=60)


def test_a_rejected_answers_rendered_text_is_drawn_pushed_down_not_trained(tokens_page):
    at = tokens_page
    run(at)
    at.text_area(key="tok_conversation").set_value(json.dumps(PREFERENCE))
    run(at)
    texts = [read(h.proto.body) for h in at.get("html") if 'class="ft-text"' in h.proto.body]
    assert len(texts) == 3  # the shared prompt, then the chosen answer's conversation and the rejected one's

    def marked(flow, klass: str) -> str:
        return "".join(c for c, _, classes in flow.chars if klass in classes)

    _, chosen, rejected = texts
    assert marked(chosen, "ft-on") == "Dogs, they are loyal.<|im_end|>" and not marked(chosen, "ft-down")
    assert marked(rejected, "ft-down") == "Rocks.<|im_end|>" and not marked(rejected, "ft-on")
    headings = [m.value for m in at.markdown if m.value.startswith("**Rendered text**")]
    assert headings == [
        "**Rendered text** (trained characters highlighted green and underlined)",
        "**Rendered text** (pushed-down characters highlighted orange with a dotted underline: made less likely, "
        "never learned)",
    ]


def test_pushed_down_text_is_readable_and_underlined_apart_from_trained_text():
    from tests.test_accessibility import STREAMLIT_TEXT, TEXT_AA, TOKEN_CSS, contrast

    down, on = TOKEN_CSS[".ft-text .ft-down"], TOKEN_CSS[".ft-text .ft-on"]
    assert contrast(STREAMLIT_TEXT, down["background"]) >= TEXT_AA
    assert "dotted" in down["border-bottom"] and "solid" in on["border-bottom"]  # told apart without colour
    assert down["background"] == TOKEN_CSS[".ft-pushed"]["background"]  # the pills' orange


def test_evaluates_answer_length_says_it_cuts_answers_and_not_the_losses(varied_dir, adapter_template):
    from tests.test_pages_evaluate_kept import TEST_ROWS, _run, max_new_box, open_page

    _run(varied_dir, adapter_template, TEST_ROWS)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    said = max_new_box(at).help or ""
    assert "mid-sentence" in said and "not the model" in said and "losses do not change" in said
