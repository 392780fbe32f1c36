"""Helper 236's data-path wording: a GRPO prompt's `answer` said once (a warning where the guess is in doubt, else a
note)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes

ROOT = Path(__file__).resolve().parents[1]

# Prompts beside sentences (perhaps the answers: a warning) and a number column (a note of its own)
SENTENCES = (
    b'{"prompt": "Why is the sky blue?", "answer": "Air scatters blue light more than red.", "level": 1}\n'
    b'{"prompt": "What does a fern need?", "answer": "Shade, water and damp soil.", "level": 2}\n'
    b'{"prompt": "Why do cats purr?", "answer": "Mostly to calm themselves and others.", "level": 1}\n'
)


def test_a_prompts_answer_of_sentences_is_said_once_by_the_warning():
    """The warning (read as prompts, guessed, while `answer` holds sentences) and the note (`answer` is not part of
    the prompt, GRPO passes it to the rewards, how to train it instead) said the same thing twice, in the CLI and on
    the Data page. The warning keeps it, with the reward that fits the values; `level` keeps its own note."""
    loaded = load_bytes(SENTENCES, "p.jsonl")
    said = [n for n in loaded.notices if n.field == "answer"]
    assert len(said) == 1 and not said[0].note, [n.message for n in said]
    (warning,) = said
    assert "GRPO passes it to its reward functions" in warning.message
    assert "map it to `completion`" in warning.message
    # the values are sentences: contains_column fits, not final_answer (the note used to say which fits)
    assert '{"contains_column": "answer"} rewards an answer that contains it' in warning.message, warning.message
    assert "final_answer" not in warning.message
    assert [n.field for n in loaded.notices if n.note] == ["level"]
    # given as prompts, nothing is in doubt: the note says it, as before
    chosen = load_bytes(SENTENCES, "p.jsonl", fmt="prompt_only")
    assert [(n.field, n.note) for n in chosen.notices] == [("answer", True), ("level", True)]


def test_data_inspect_says_a_prompts_answer_once(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    path.write_bytes(SENTENCES)
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    about = [line for line in out.splitlines() if "`answer`" in line]
    assert len(about) == 1 and about[0].startswith("warning:"), about
    assert out.count("--map answer=completion") == 1, out


def test_the_data_page_says_a_prompts_answer_once(tmp_path, monkeypatch):
    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "p.jsonl"
    path.write_bytes(SENTENCES)
    at = with_path(data_page(), path)
    said = [a.value for a in [*at.warning, *at.info] if "`answer`" in a.value]
    assert len(said) == 1 and "map it to `completion`" in said[0], said


# (id, the TSV file's output cells, the cells the note names or None for no note). `\\n` here is the two characters.
ESCAPED = [
    ("an_export_that_escaped_its_breaks", ["Nile\\nAmazon", "Hi!", "One\\nTwo\\nThree"], "2 cells (data rows 1, 3)"),
    ("one_cell_of_several_breaks", ["Step 1: mix.\\nStep 2: bake.\\nStep 3: cool."], "1 cell (data row 1)"),
    ("windows_escapes_too", ["Dear Ann,\\r\\nThanks.", "Bye.\\r\\nBob"], "2 cells (data rows 1, 2)"),
    ("apostrophes_open_no_quote", ["Don't wait.\\nIt's late.\\nGo.", "Ok."], "1 cell (data row 1)"),
    ("a_windows_path", ["Saved to C:\\new\\data.", "Opened C:\\notes."], None),
    ("one_line_code", ["print('a\\nb')", "`s.split('\\n')`", 'x = "1\\n2"'], None),
    ("a_folder_name_alone", ["See the notes\\new folder."], None),
    ("latex", ["$a \\neq b$ and $\\nabla f$", "Since \\neg p holds."], None),
    ("a_regex", ["Use \\d+\\n to match.", "Hi"], None),
]


@pytest.mark.parametrize(("cells", "named"), [c[1:] for c in ESCAPED], ids=[c[0] for c in ESCAPED])
def test_the_escaped_line_break_note_fires_where_an_export_escaped_them(cells, named):
    """The note fired on any `\\n` in a cell with no real line break: one line of code, a Windows path, LaTeX's
    `\\neq`. Now on a file's cells holding at least two `\\n` that are neither quoted code, a path, a regex nor LaTeX
    (cells.escaped_breaks); the cells it names are those."""
    table = "instruction\toutput\n" + "".join(f"Question {i}.\t{c}\n" for i, c in enumerate(cells, 1))
    result = load_bytes(table.encode(), "answers.tsv")
    assert [r["messages"][1]["content"] for r in result.rows] == cells  # read as written, whatever is said
    said = [n.message for n in result.notices if "a backslash and an n" in n.message]
    if named is None:
        assert not said, said
    else:
        assert len(said) == 1 and said[0].startswith(f"{named} ho"), said


def _pairs(*rows: tuple[str, str, str], transcripts: bool = False) -> bytes:
    out = []
    for asked, good, bad in rows:
        if transcripts:
            out.append(
                {
                    "chosen": f"\n\nHuman: {asked}\n\nAssistant: {good}",
                    "rejected": f"\n\nHuman: {asked}\n\nAssistant: {bad}",
                }
            )
            continue
        opening = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": asked}]
        out.append(
            {
                side: [*opening, {"role": "assistant", "content": said}]
                for side, said in (("chosen", good), ("rejected", bad))
            }
        )
    return "".join(json.dumps(r) + "\n" for r in out).encode()


QUIZ = [("Capital of Peru?", "Lima.", "Quito."), ("A prime below 10?", "7.", "9."), ("Grass is?", "Green.", "Blue.")]


@pytest.mark.parametrize(
    ("transcripts", "ending"),
    [
        (False, "(fields: chosen, rejected, read as conversations whose shared opening turns are the prompt)."),
        (
            True,
            "(fields: chosen, rejected, read as Human/Assistant transcripts whose turns before the last answer are "
            "the prompt).",
        ),
    ],
)
def test_the_read_as_line_of_pairs_without_a_prompt_field_says_the_fields_the_file_has(
    tmp_path, monkeypatch, transcripts, ending
):
    """Pairs given as whole conversations (or transcripts), no `prompt` field: the Data page said "(fields: prompt,
    chosen, rejected)", a field the file does not have. It says the two it has and where the prompt comes from."""
    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(_pairs(*QUIZ, transcripts=transcripts))
    at = with_path(data_page(), path)
    (caption,) = [c.value for c in at.caption if c.value.startswith("Read as ")]
    assert caption.startswith("Read as preference pairs (preference): a prompt with a better and a worse answer")
    assert caption.endswith(ending), caption


# ---------------------------------------------------------------------------------------------------------------
# A reward model's scores: an answer's line breaks shown (st.dataframe draws a cell on one line, a break as a space)
# ---------------------------------------------------------------------------------------------------------------


def test_the_score_panels_table_marks_each_line_break_of_an_answer(tiny_model_dir, tmp_path):
    """The Train page's Score panel scores "- Go to bed at the same time.\\n- Keep the room dark." beside the same
    words as one paragraph: its table showed both as one line, the list no longer a list. Each break is ⏎ now, said
    under the table."""
    from tests.test_pages_alignment import _reward_run
    from tests.test_pages_score_empty_box import scored
    from ui.tables import BREAKS_SAID

    run = _reward_run(tiny_model_dir, tmp_path)
    at = scored(run, 1, "Sleep well.\n\nWake early.")
    table = next(d.value for d in at.dataframe if "score" in d.value)
    assert sorted(table["answer"]) == [
        "- Go to bed at the same time. ⏎ - Keep the room dark.",
        "Sleep well. ⏎⏎ Wake early.",
    ]
    assert any(c.value == BREAKS_SAID for c in at.caption)
    at.text_area(key=f"score_answer_{run.id}_1").set_value("Sleep well.")
    at.text_area(key=f"score_answer_{run.id}_0").set_value("Rest.")
    at.button(key=f"score_button_{run.id}").click().run()
    assert not any(c.value == BREAKS_SAID for c in at.caption)  # no break, nothing to say


def _pairs_view() -> None:
    from types import SimpleNamespace

    from ftlib.reward_eval import PairResult, PairScore
    from ui.reward_eval_view import _result

    rows = [
        PairScore(0, "List two fruits.", "- Apple\n- Pear", "Apple, pear", 1.25, 0.5),
        PairScore(1, "Say hi.\nBriefly.", "Hi!", "Hello there.", 0.25, 0.75),
    ]
    _result(SimpleNamespace(result=PairResult("r", rows), cancelled=False), "r", None)


def test_the_evaluate_pages_pairs_table_marks_each_line_break():
    """Evaluate's table of a reward model's scored pairs (worst first) showed a prompt's and an answer's lines as
    one: each break is ⏎ there too, said under it."""
    from streamlit.testing.v1 import AppTest

    from ui.tables import BREAKS_SAID

    at = AppTest.from_function(_pairs_view, default_timeout=30).run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe]
    assert table["prompt"].tolist() == ["Say hi. ⏎ Briefly.", "List two fruits."]  # worst ranked first
    assert table["chosen"].tolist() == ["Hi!", "- Apple ⏎ - Pear"]
    assert any(c.value == BREAKS_SAID for c in at.caption)
