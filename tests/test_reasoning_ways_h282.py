"""Helper 282: reasoning written two ways. (1) A run's reasoning note said a template reading a reasoning field
"writes it itself, in its own way" even of rows writing it inline as <think> in content under gpt-oss's template
(reads `thinking`, splits no <think> off), which writes those blocks as answer text (message_checks warns since
168f0845): the note now names those rows and says so. (2) One file writing some rows' reasoning in
`reasoning_content` and others inline in another layout trains two layouts under the default model's template
(the field is written `<think>\\n...\\n</think>\\n\\n`, an inline block as written) with no word: a note names both
kinds of row and how to make them one; what is trained does not change."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_file
from ftlib.run_preflight import reasoning_note
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_template_families_h273 import family_tokenizer
from tests.test_template_fixtures import MODELS, fixture_tokenizer


def _chat(question: str, **reply) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", **reply}]}


FIELD = _chat("2+2?", content="4.", reasoning_content="Two and two make four.")
INLINE = _chat("3+3?", content="<think>Three and three make six.</think>6.")
PLAIN = _chat("1+1?", content="2.")
# Inline in the very layout the studio writes a field's reasoning in: one layout, nothing to say.
ALIKE = _chat("5+5?", content="<think>\nFive and five.\n</think>\n\n10.")


def _rows(tmp_path, *records) -> list[dict]:
    """The records as a data file's rows are read (an inline block split off, `inline_think` kept)."""
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = load_file(path)
    assert not result.errors, result.errors
    return result.rows


# --- (1) the note under a template that reads `thinking` and splits no <think> off ------------------------------


@pytest.fixture(scope="module")
def gpt_oss(tmp_path_factory):
    return get_template("tokenizer", family_tokenizer(tmp_path_factory.mktemp("families"), "gpt_oss"))


def test_gpt_oss_note_says_inline_rows_are_written_as_answer_text(gpt_oss, tmp_path):
    note = reasoning_note(_rows(tmp_path, INLINE, PLAIN, INLINE), gpt_oss)
    assert note.startswith("2 training rows have reasoning before an answer, written inline as `<think>...</think>`")
    assert "writes it itself" not in note
    assert "reads a turn's reasoning from its `thinking` field, not from <think> in the text" in note
    assert "written as part of the answer and trained as answer text" in note


def test_gpt_oss_note_names_the_inline_rows_beside_the_field_rows(gpt_oss, tmp_path):
    note = reasoning_note(_rows(tmp_path, FIELD, INLINE, PLAIN), gpt_oss)
    assert note.startswith("2 training rows have reasoning before an answer: the ")
    assert "template writes that of training row 1 itself, in its own way, but training row 2 writes it inline" in note
    assert "reading a turn's reasoning from its `thinking` field, sees answer text" in note


def test_gpt_oss_note_of_field_rows_alone_is_as_before(gpt_oss, tmp_path):
    note = reasoning_note(_rows(tmp_path, FIELD, PLAIN), gpt_oss)
    assert note.endswith(
        "template writes it itself, in its own way (some keep it in the last answer only: a warning names the rows "
        "whose reasoning a template leaves out)."
    )


def test_qwen3_splits_think_off_itself_so_its_note_is_as_before(smol_tokenizer, tmp_path):
    qwen3 = get_template("tokenizer", fixture_tokenizer(smol_tokenizer, MODELS["qwen3"]))
    note = reasoning_note(_rows(tmp_path, FIELD, INLINE), qwen3)
    assert "writes it itself, in its own way" in note and "answer text" not in note


# --- (2) one file, two layouts, under the default model's template ----------------------------------------------


def _preflight_notes(model, rows, **template) -> list[str]:
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    config = RunConfig(model=str(model), dataset="rows", device="cpu", batch_size=1, **template)
    report = preflight(config, rows=(rows, rows[-1:]))
    assert report.ok, report.errors
    return report.notes


def test_the_default_template_trains_the_two_ways_in_two_layouts(smol_tokenizer, tmp_path):
    """The reproduction: the field's reasoning is written in the studio's layout, the inline block as written."""
    template = get_template("tokenizer", smol_tokenizer)
    rows = _rows(tmp_path, FIELD, INLINE, PLAIN)
    field, inline, _ = (encode_row(row, smol_tokenizer, template).text for row in rows)
    assert "<|im_start|>assistant\n<think>\nTwo and two make four.\n</think>\n\n4.<|im_end|>" in field
    assert "<|im_start|>assistant\n<think>Three and three make six.</think>6.<|im_end|>" in inline


def test_a_run_on_both_ways_says_the_two_layouts_and_names_the_rows(tiny_model_dir, tmp_path):
    rows = _rows(tmp_path, FIELD, INLINE, PLAIN, INLINE)
    notes = _preflight_notes(tiny_model_dir, rows)  # the model's own template: SmolLM2's
    assert len(notes) == 2, notes
    assert notes[1] == (
        "Reasoning is written two ways: training row 1 holds it in a reasoning field, which the model's own "
        "template, having no place for reasoning, writes as `<think>\\n...\\n</think>\\n\\n` before the answer; "
        "training rows 2, 4 write it inline in the content, kept as written (`<think>...</think>`): one file trains "
        "two layouts of the model's thinking. To train one, write every reasoning in `reasoning_content` (the "
        "answer alone in `content`), or every one inline in one layout."
    )


def test_the_note_changes_nothing_trained(smol_tokenizer, tmp_path):
    template = get_template("tokenizer", smol_tokenizer)
    row = _rows(tmp_path, FIELD, INLINE)[1]
    assert encode_row(row, smol_tokenizer, template).text == smol_tokenizer.apply_chat_template(
        INLINE["messages"], tokenize=False
    )


def test_no_layout_note_where_the_layouts_agree_or_the_template_writes_both_alike(tiny_model_dir, tmp_path):
    # inline in the studio's own layout: one layout trained
    assert len(_preflight_notes(tiny_model_dir, _rows(tmp_path, FIELD, ALIKE, PLAIN))) == 1
    # one way only
    assert len(_preflight_notes(tiny_model_dir, _rows(tmp_path, INLINE, INLINE, PLAIN))) == 1
    # a template that reads the field and splits <think> off the content itself writes both alike
    qwen_like = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{% set c = m.content %}{% set r = m.reasoning_content %}"
        "{% if '</think>' in c %}{% set r = c.split('</think>')[0].split('<think>')[-1].strip('\\n') %}"
        "{% set c = c.split('</think>')[-1].lstrip('\\n') %}{% endif %}"
        "{% if r %}<think>\n{{ r }}\n</think>\n\n{% endif %}{{ c }}<|im_end|>\n{% endfor %}"
    )
    rows = _rows(tmp_path, FIELD, INLINE, PLAIN)
    notes = _preflight_notes(tiny_model_dir, rows, template="custom", template_source=qwen_like)
    assert len(notes) == 1 and "writes it itself" in notes[0], notes
