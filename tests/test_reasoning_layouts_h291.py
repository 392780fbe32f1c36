"""Helper 291: reasoning written in two layouts is said before a run, on the Data page and by `data inspect`, through
the preflight's own note (message_checks.reasoning_layout_note); inline blocks in layouts that differ among
themselves (`<think>\\n...\\n</think>\\n\\n` and `<think>...</think>`) are said too, each layout's rows named."""

from __future__ import annotations

import json

from ftlib.data import load_file


def _chat(question: str, answer: str, **more) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer, **more}]}


FIELD = _chat("2+2?", "4.", reasoning_content="Two make four.")
NEWLINES = _chat("1+1?", "<think>\nOne and one.\n</think>\n\n2.")
TIGHT = _chat("3+3?", "<think>Three and three.</think>6.")
PLAIN = _chat("Hi", "Hello.")


def _notes(tmp_path, *rows) -> list[str]:
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return [n.message for n in load_file(str(path)).notices if n.note]


def test_the_data_report_says_the_field_and_inline_layouts(tmp_path):
    notes = [n for n in _notes(tmp_path, PLAIN, FIELD, TIGHT) if "Reasoning is written two ways" in n]
    assert notes == [
        "Reasoning is written two ways: line 2 holds it in a reasoning field, which a chat template with no place "
        "for reasoning (the default model's) writes as `<think>\\n...\\n</think>\\n\\n` before the answer; line 3 "
        "writes it inline in the content, kept as written (`<think>...</think>`): one file trains two layouts of "
        "the model's thinking. To train one, write every reasoning in `reasoning_content` (the answer alone in "
        "`content`), or every one inline in one layout."
    ]


def test_inline_blocks_in_two_layouts_are_said_with_each_layouts_rows(tmp_path):
    notes = [n for n in _notes(tmp_path, NEWLINES, TIGHT, PLAIN, TIGHT) if "layouts" in n]
    assert len(notes) == 1, notes
    assert "in 2 layouts" in notes[0]
    assert "lines 2, 4 `<think>...</think>`; line 1 `<think>\\n...\\n</think>\\n\\n`" in notes[0]


def test_no_note_where_every_reasoning_has_one_layout(tmp_path):
    for rows in ((FIELD, NEWLINES, PLAIN), (TIGHT, TIGHT), (FIELD, FIELD)):
        assert not [n for n in _notes(tmp_path, *rows) if "layouts" in n], rows


def test_a_run_says_the_inline_layouts_too(tmp_path):
    from ftlib.message_checks import reasoning_layout_note
    from ftlib.templates import get_template

    rows = load_file(str(_write(tmp_path, NEWLINES, TIGHT))).rows
    chatml = get_template("chatml", None)
    note = reasoning_layout_note(rows, chatml)
    assert "training row 1 `<think>\\n" in note and "training row 2 `<think>...</think>`" in note, note


def _write(tmp_path, *rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


QWEN_LIKE = (  # reads the field and splits </think> off the content itself: every layout written alike
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{% set c = m.content %}{% set r = m.reasoning_content %}"
    "{% if '</think>' in c %}{% set r = c.split('</think>')[0].split('<think>')[-1].strip('\\n') %}"
    "{% set c = c.split('</think>')[-1].lstrip('\\n') %}{% endif %}"
    "{% if r %}<think>\n{{ r }}\n</think>\n\n{% endif %}{{ c }}<|im_end|>\n{% endfor %}"
)


def test_data_inspect_says_the_note_under_the_template_asked_for(tiny_model_dir, tmp_path, capsys):
    from ftlib.cli import main

    path = _write(tmp_path, PLAIN, FIELD, TIGHT)
    assert main(["data", "inspect", str(path)]) == 0
    assert "which a chat template with no place for reasoning (the default model's) writes" in capsys.readouterr().out
    assert main(["data", "inspect", str(path), "--model", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    assert (
        "note:       Reasoning is written two ways: line 2 holds it in a reasoning field, which the model's own "
        in (out)
    )
    jinja = tmp_path / "qwen.jinja"
    jinja.write_text(QWEN_LIKE)
    assert main(["data", "inspect", str(path), "--model", str(tiny_model_dir), "--template-file", str(jinja)]) == 0
    assert "two ways" not in capsys.readouterr().out
