"""Leftovers helper 278 fixed: a bare NaN turn weight dropped unsaid, a folder named `x.jinja` among a model's named
chat templates."""

from __future__ import annotations

import shutil

import pytest

from ftlib.data import load_bytes

# A bare NaN (Python's json.dumps writes one; JSON has no such word) on an assistant's weight, beside rows that give
# 1 and null; ShareGPT's Axolotl `train` too. The user turn's NaN is a prompt turn's: nothing there is trained.
NAN_ROWS = b"""\
{"messages": [{"role": "user", "content": "Hi", "weight": NaN},{"role": "assistant", "content": "Hey", "weight": NaN}]}
{"messages": [{"role": "user", "content": "Yo"}, {"role": "assistant", "content": "Hey", "weight": 1}]}
{"messages": [{"role": "user", "content": "Hm"}, {"role": "assistant", "content": "Hmm", "weight": null}]}
{"messages": [{"role": "user", "content": "So"}, {"role": "assistant", "content": "Sure", "weight": NaN}]}
"""


def test_a_nan_weight_on_an_assistants_turn_is_warned_of_by_its_rows_not_dropped_unsaid():
    """`"weight": NaN` read as no weight, with nothing said: the turn was trained by the mask policy though the file
    meant a weight. The file's report warns, naming the key, the rows and the fix; a null weight is none, unsaid."""
    result = load_bytes(NAN_ROWS, "chats.jsonl")
    assert len(result.rows) == 4 and "weight" not in result.rows[0]["messages"][1]  # read: no weight, trained
    warned = [n for n in result.notices if not n.note and "NaN" in n.message]
    assert len(warned) == 1, [n.message for n in result.notices]
    said = warned[0].message
    assert said.startswith("ignored field: `messages[].weight` (a key inside the turns) in 2 rows (line 1, line 4)")
    assert "assistant's turn" in said and "Write 1 to train the turn, 0 to show it as context only" in said
    assert warned[0].field == "messages[].weight" and warned[0].rows == 2
    assert "line 3" not in said  # the null weight: no weight, as written


def test_a_nan_flag_on_a_sharegpt_turn_is_warned_of_in_the_flags_words():
    rows = b'{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello", "train": NaN}]}\n'
    result = load_bytes(rows * 2, "chats.jsonl")
    said = [n.message for n in result.notices if "NaN" in n.message]
    assert len(said) == 1 and said[0].startswith("ignored field: `conversations[].train` (a key inside the turns)")
    assert "Write true (or 1) to train the turn, false (or 0) to show it as context only" in said[0]


@pytest.fixture
def with_template_folder(tiny_model_dir, tmp_path):
    """The tiny model with a default template, one named template, and a FOLDER named `broken.jinja` beside it."""
    target = shutil.copytree(tiny_model_dir, tmp_path / "model")
    (target / "chat_template.jinja").write_text("{% for m in messages %}{{ m.content }}{% endfor %}", "utf-8")
    named = target / "additional_chat_templates"
    named.mkdir()
    (named / "tool_use.jinja").write_text("{# tools #}{% for m in messages %}{{ m.content }}{% endfor %}", "utf-8")
    (named / "broken.jinja").mkdir()
    (named / "broken.jinja" / "notes.txt").write_text("not a template", "utf-8")
    return target


def test_a_folder_named_like_a_template_is_skipped_as_transformers_skips_it(with_template_folder):
    """chat_template_of read `additional_chat_templates/broken.jinja/` as a file: IsADirectoryError out of
    file_tokenizer. transformers' AutoTokenizer loads the folder and leaves that one out; so do the files."""
    from transformers import AutoTokenizer

    from ftlib.tokenizer_files import _file_tokenizer, _stamps, chat_template_of

    theirs = AutoTokenizer.from_pretrained(str(with_template_folder)).chat_template
    ours = chat_template_of(with_template_folder)
    assert ours == theirs and sorted(ours) == ["default", "tool_use"]
    read = _file_tokenizer(str(with_template_folder), _stamps(with_template_folder))
    assert read is not None and read.chat_template == theirs
