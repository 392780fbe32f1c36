"""Helper 249's sweep: a template that refuses back-to-back turns of one role (Mistral's and Gemma's "roles must
alternate") is explained with the turns named and the fix, in `tokens`, `data inspect` and `train`."""

from __future__ import annotations

import json

import pytest

# Mistral's way (in our words): [INST] ... [/INST] answer</s>, the roles strictly alternating or a raise.
MISTRAL_STYLE = (
    "{{ bos_token }}{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] + ' [/INST]' }}"
    "{% else %}{% generation %}{{ m['content'] + eos_token }}{% endgeneration %}{% endif %}{% endfor %}"
)

GOOD = [{"role": "user", "content": "Name a river in Egypt."}, {"role": "assistant", "content": "The Nile."}]
TWICE = [
    {"role": "user", "content": "Name a river in Egypt."},
    {"role": "assistant", "content": "The Nile."},
    {"role": "user", "content": "And one in Peru?"},
    {"role": "user", "content": "A long one, please."},
    {"role": "assistant", "content": "The Amazon."},
]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "mistral.jinja").write_text(MISTRAL_STYLE)
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"messages": c}) + "\n" for c in (GOOD, TWICE, GOOD, GOOD)))
    return data, tmp_path / "mistral.jinja"


def _said(argv, capsys):
    from ftlib.cli import main

    assert main(argv) == 2
    return capsys.readouterr().err


WORDS = "In this row turns 3 and 4 are both user turns"
FIX = "Merge back-to-back turns of one role into one, or pick a built-in template that takes them: 'ChatML"


def test_tokens_names_the_back_to_back_turns_and_the_fix(files, tiny_model_dir, capsys):
    """`tokens` said only "...refused this conversation: Conversation roles must alternate user/assistant/...";
    now which turns break it and the fix (every built-in renders such a row; ChatML's tokens the model knows)."""
    data, template = files
    argv = ["tokens", str(data), "--line", "2", "--model", str(tiny_model_dir), "--template-file", str(template)]
    said = _said(argv, capsys)
    assert "Conversation roles must alternate" in said and WORDS in said and FIX in said


def test_data_inspect_names_the_back_to_back_turns_and_the_fix(files, tiny_model_dir, capsys):
    data, template = files
    argv = ["data", "inspect", str(data), "--model", str(tiny_model_dir), "--template-file", str(template)]
    said = _said(argv, capsys)
    assert "line 2" in said and WORDS in said and FIX in said


def test_train_names_the_turns_and_says_no_generic_fix_after_it(files, tiny_model_dir, capsys):
    data, template = files
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--template-file", str(template)]
    said = _said([*argv, "--device", "cpu", "--detach", "--test-size", "0"], capsys)
    assert WORDS in said and FIX in said
    assert "pick another chat template with `--template NAME`" not in said


def test_a_row_whose_turns_alternate_is_not_explained_so():
    """The sentinels: a refusal of a row with no back-to-back turns, or one merging does not mend, is left as it is."""
    from ftlib.role_order import back_to_back, explain_alternation
    from ftlib.templates import TemplateError, get_template

    template = get_template("custom", source=MISTRAL_STYLE)
    error = TemplateError(f"The {template.title} template refused this conversation: roles must alternate")
    assert back_to_back(GOOD) == [] and explain_alternation(error, template, GOOD) is None
    starts_wrong = [{"role": "assistant", "content": "Hi."}, *TWICE]
    assert explain_alternation(error, template, starts_wrong) is None  # merged, it still opens with the assistant
