"""Three leftovers (helper 275): reasoning written inline as <think> on a template that reads a reasoning field
(gpt-oss's `thinking`) is trained as answer text, as TRL trains it, and a warning now says so with the field to
write instead; a DeepSeek-R1 turn with reasoning and a tool call keeps its call (given content None, as an API
writes that turn: the template writes calls only then); `evaluate --data FILE.csv` says a column nothing reads in a
note, as `train`, `tokens` and `data inspect` do."""

from __future__ import annotations

import pytest

from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_template_families_h273 import family_tokenizer
from tests.test_template_fixtures import (
    ANSWER,
    CALL,
    MODELS,
    QUESTION,
    RESULT,
    TAGGED,
    TOOLS,
    fixture_tokenizer,
    openai_render,
)


def _codes(tok, template, row) -> dict:
    return {c.code: c for c in preflight(encode_row(row, tok, template), tok, template)}


def test_evaluate_data_notes_a_csv_column_nothing_reads(varied_dir, adapter_template, tmp_path, capsys):
    """Before 52b754be the column was a warning; after it, file_warnings left it to file_notes, which evaluate did
    not print: the column went unsaid."""
    from ftlib import workspace
    from ftlib.testing import make_run

    workspace.save_split("berge", [{"prompt": "Nenne einen Fluss.", "completion": "Der Rhein."}], [])
    make_run("berg-run", {"model": str(varied_dir), "dataset": "berge"}, adapter=adapter_template)
    data = tmp_path / "berge.csv"
    data.write_text("prompt,completion,source\nNenne einen Berg.,Die Zugspitze.,atlas\n", encoding="utf-8")
    assert main(["evaluate", "berg-run", "--data", str(data), "--max-new-tokens", "2", "--json"]) == 0
    err = capsys.readouterr().err
    assert "note: Not used: source (--map COLUMN=FIELD to use one)." in err.splitlines(), err
    assert "warning" not in err, err  # a sheet's spare column is a note, as data inspect says it


@pytest.fixture(scope="module")
def gpt_oss(tmp_path_factory):
    tok = family_tokenizer(tmp_path_factory.mktemp("families"), "gpt_oss")
    return tok, get_template("tokenizer", tok)


def _read(messages: list[dict]) -> dict:
    """The row as a data file's row is read (the <think> block split off, `inline_think` kept)."""
    from ftlib.typed_row import read_row

    return read_row(messages).row


THINK = "<think>\nTwo and two make four.\n</think>\n\n4."


def test_think_in_content_on_a_template_reading_thinking_is_trained_as_written_and_warned(gpt_oss):
    """gpt-oss reads `message.thinking`; a <think> block in the content is its answer's text (the final channel),
    as transformers writes it: the studio trains what TRL trains and the warning names the field to write instead."""
    tok, template = gpt_oss
    row = _read([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": THINK}])
    enc = encode_row(row, tok, template)
    assert enc.text == tok.apply_chat_template(
        [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": THINK}], tokenize=False
    )
    assert "<|channel|>final<|message|><think>" in enc.text and "analysis" not in enc.text
    check = _codes(tok, template, row)["reasoning_inline"]
    assert check.severity == "warning"
    assert "reads a turn's reasoning from its `thinking` field" in check.message
    assert "message 2" in check.message and "trained as answer text" in check.message
    assert "`reasoning_content` (the studio gives it to the template as `thinking`)" in check.fix


def test_reasoning_in_its_field_on_gpt_oss_is_not_warned(gpt_oss):
    tok, template = gpt_oss
    row = _read(
        [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4.", "reasoning_content": "Two and two make four."},
        ]
    )
    enc = encode_row(row, tok, template)
    assert "<|channel|>analysis<|message|>Two and two make four.<|end|>" in enc.text
    assert "reasoning_inline" not in _codes(tok, template, row)


@pytest.fixture(scope="module")
def qwen3(smol_tokenizer):
    tok = fixture_tokenizer(smol_tokenizer, MODELS["qwen3"])
    return tok, get_template("tokenizer", tok)


def test_qwen3_splits_think_off_itself_so_nothing_is_warned(qwen3):
    tok, template = qwen3
    row = _read([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": THINK}])
    assert "reasoning_inline" not in _codes(tok, template, row)


@pytest.fixture(scope="module")
def deepseek(smol_tokenizer):
    return {
        name: fixture_tokenizer(smol_tokenizer, spec)
        for name, spec in {**MODELS, **TAGGED}.items()
        if name.startswith("deepseek_r1")
    }


REASONING = "I should look it up."
AS_FIELD = {"role": "assistant", "content": "", "reasoning_content": REASONING, "tool_calls": [CALL]}
AS_THINK = {"role": "assistant", "content": f"<think>\n{REASONING}\n</think>\n\n", "tool_calls": [CALL]}


@pytest.mark.parametrize("name", ["deepseek_r1", "deepseek_r1_training"])
@pytest.mark.parametrize("reply", [AS_FIELD, AS_THINK], ids=["field", "think"])
def test_deepseek_keeps_the_call_of_a_turn_with_reasoning(name, reply, deepseek):
    """DeepSeek-R1 writes a turn's calls only when its content is null. The turn's reasoning went into its content as
    <think>, so the call was dropped and the turn trained an empty reply (tool_calls_dropped). Given content None
    (as an API writes the turn: reasoning_content beside it, which the template does not read), the call is written
    and trained as apply_chat_template writes it, and reasoning_dropped says the reasoning is left out."""
    tok = deepseek[name]
    template = get_template("tokenizer", tok)
    row = _read([QUESTION, reply, RESULT, ANSWER]) | {"tools": TOOLS}
    enc = encode_row(row, tok, template)
    api = [QUESTION, {**AS_FIELD, "content": None}, RESULT, ANSWER]
    assert enc.text == openai_render(tok, api, TOOLS)[0]
    trained = "".join(t.text for t in enc.tokens if t.trained and t.message == 1)
    assert "<｜tool▁call▁begin｜>function<｜tool▁sep｜>lookup_tide" in trained and REASONING not in enc.text
    codes = _codes(tok, template, row)
    assert "tool_calls_dropped" not in codes
    assert "message 2" in codes["reasoning_dropped"].message
