"""Plain-text rows holding a conversation in a chat template's (or a transcript's) markup are read as text, every
token trained, the user's turns too: the file's notices name the markup, the rows, what training does with them and
the fix (`data inspect`, `train` and the Data page say it from `LoadResult.notices`). Prose that merely mentions a
marker is not named."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.text_markup import markup_of


def _jsonl(*texts: str, key: str = "text") -> bytes:
    return ("\n".join(json.dumps({key: t}) for t in texts) + "\n").encode()


# (id, a row's text, the markup named: a word its label holds, or None for prose)
MARKUP_CASES = [
    ("chatml", "<|im_start|>user\nName a bird.<|im_end|>\n<|im_start|>assistant\nA wren.<|im_end|>", "ChatML"),
    (
        "chatml_system_first",
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA",
        "ChatML",
    ),
    (
        "llama3",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nName a tree.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nAn elm.<|eot_id|>",
        "Llama 3",
    ),
    ("mistral", "<s>[INST] Name a river. [/INST] The Loire.</s>", "Mistral"),
    ("gemma", "<start_of_turn>user\nName a stone.<end_of_turn>\n<start_of_turn>model\nSlate.<end_of_turn>", "Gemma"),
    ("phi", "<|user|>\nName a moon.<|end|>\n<|assistant|>\nTitan.<|end|>", "Phi"),
    ("hash_human", "### Human: Name a key.\n### Assistant: C minor.", "### Human:"),
    ("alpaca_prompt", "Below is an instruction.\n\n### Instruction:\nName a dye.\n\n### Response:\nIndigo.", "Alpaca"),
    ("hh_transcript", "\n\nHuman: Name a port.\n\nAssistant: Genoa.", "`Human:`"),
    ("prose_inst", "Mistral wraps each prompt in [INST] and [/INST] tags before the answer.", None),
    ("prose_chatml", "ChatML opens a turn with <|im_start|>user and closes it with <|im_end|>.", None),
    ("prose_human", "Human: nature, the essay says. Assistant: professors agree.", None),
    ("one_side_only", "<|im_start|>user\nA prompt with no reply yet.<|im_end|>", None),
    ("plain", "Once upon a time there was a lighthouse keeper.", None),
    # Windows line ends inside a JSON string (a diff review: CSV cells are normalised, JSON text is not)
    ("chatml_crlf", "<|im_start|>user\r\nName a bird.<|im_end|>\r\n<|im_start|>assistant\r\nA wren.", "ChatML"),
    ("gemma_crlf", "<start_of_turn>user\r\nName a stone.<end_of_turn>\r\n<start_of_turn>model\r\nSlate.", "Gemma"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in MARKUP_CASES], ids=[c[0] for c in MARKUP_CASES])
def test_markup_is_named_at_turn_boundaries_and_prose_is_not(text, expected):
    label = markup_of(text)
    assert (label is None) if expected is None else (expected in label)


def test_a_text_file_of_chatml_transcripts_warns_with_its_rows_and_the_fix():
    chat = MARKUP_CASES[0][1]
    result = load_bytes(_jsonl(chat, "A plain sentence of prose.", chat, chat), "chats.jsonl")
    assert result.format == "text" and len(result.rows) == 4  # read, as before: the warning says what that means
    (notice,) = [n for n in result.notices if "markup" in n.message]
    assert not notice.note and notice.field == "text" and notice.rows == 3
    assert "in 3 rows of 4: ChatML" in notice.message and "(lines 1, 3, 4)" in notice.message
    assert "the user's turns and the markup" in notice.message and "`messages`" in notice.message
    assert "--format text" in notice.message and "this becomes a note" in notice.message  # what choosing it changes


def test_plain_text_chosen_says_it_as_a_note_and_prose_says_nothing():
    chat = MARKUP_CASES[3][1]
    chosen = load_bytes(_jsonl(chat), "mistral.jsonl", fmt="text")
    (notice,) = [n for n in chosen.notices if "markup" in n.message]
    assert notice.note and "Plain text was chosen" in notice.message and "Mistral" in notice.message
    prose = load_bytes(_jsonl(*(c[1] for c in MARKUP_CASES if c[2] is None)), "prose.jsonl")
    assert prose.format == "text" and not [n for n in prose.notices if "markup" in n.message]


def test_a_mapped_text_column_is_named_by_its_own_name_and_data_row(tmp_path, capsys):
    csv = "body\n" + "".join(f'"{t}"\n' for t in ["Just prose.", "### Instruction:\nName a dye.\n### Response:\nRed."])
    path = tmp_path / "texts.csv"
    path.write_text(csv)
    result = load_bytes(csv.encode(), "texts.csv", column_map={"text": "body"})
    (notice,) = [n for n in result.notices if "markup" in n.message]
    assert notice.field == "body" and "`body` holds" in notice.message and "(data row 2)" in notice.message
    assert main(["data", "inspect", str(path), "--map", "body=text"]) == 0
    assert "warning:    `body` holds a user's turn and a reply" in capsys.readouterr().out
