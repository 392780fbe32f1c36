"""A template that takes no system turn, and advice for a model with no template of its own.

The fix for a refused system turn names a built-in template that takes one only where this tokenizer knows that
built-in's control tokens (a Gemma tokenizer is pointed to Gemma, not to Mistral's `<s>`), and none where none fits.
`sample` and Compare explain the refusal as Tokens and Train do, in their own words (`--system`, the System message
box). A model with no template of its own is never told to go back to it. Tiny models built in-process: the tiny
Llama's weights with tokenizers made from the default one (Gemma's control tokens renamed into its added tokens).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.prompt_checks import explain_refusal
from ftlib.sampling import render_prompt
from ftlib.templates import TemplateError, get_template
from ftlib.tokens import encode_row

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_CHAT = [
    {"role": "system", "content": "Answer in one word."},
    {"role": "user", "content": "What colour is the sky?"},
    {"role": "assistant", "content": "Blue."},
]
TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}]
# Own templates in the manner of the families' (not their text): one refuses a system turn outright, the other only
# through its alternating roles, which is how it words the refusal.
NO_SYSTEM_TURNS = (
    "{{ bos_token }}{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for m in messages %}{% set who = 'model' if m.role == 'assistant' else m.role %}"
    "{{ '<start_of_turn>' ~ who ~ '\n' ~ (m.content | trim) ~ '<end_of_turn>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)
ALTERNATING = (
    "{{ bos_token }}{% for m in messages %}{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if m.role == 'user' %}{{ '[INST] ' ~ m.content ~ ' [/INST]' }}{% else %}{{ m.content ~ eos_token }}{% endif %}"
    "{% endfor %}"
)


def renamed_tokenizer(base, names: dict[int, str], template: str | None, **specials):
    """The default tokenizer with its added tokens at `names`' ids renamed (so it knows those as single tokens and
    no longer knows the old ones: ChatML's `<|im_start|>` is id 1), `template` as its own chat template."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    spec = json.loads(base.backend_tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    for added in spec["added_tokens"]:
        if added["id"] in names:
            del vocab[added["content"]]
            added["content"] = names[added["id"]]
            vocab[added["content"]] = added["id"]
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(spec)), **specials)
    tok.chat_template = template
    return tok


@pytest.fixture(scope="module")
def gemma_tok(smol_tokenizer):
    names = {1: "<start_of_turn>", 2: "<end_of_turn>", 3: "<bos>", 4: "<eos>", 5: "<pad>"}
    specials = {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<|endoftext|>"}
    return renamed_tokenizer(smol_tokenizer, names, NO_SYSTEM_TURNS, **specials)


@pytest.fixture(scope="module")
def alien_tok(smol_tokenizer):
    """Control tokens of no built-in template's family."""
    names = {1: "<|user|>", 2: "<|end|>", 3: "<|bot|>"}
    specials = {"bos_token": "<|bot|>", "eos_token": "<|end|>", "pad_token": "<|end|>", "unk_token": "<|endoftext|>"}
    return renamed_tokenizer(smol_tokenizer, names, ALTERNATING, **specials)


@pytest.fixture(scope="module")
def model_dirs(tiny_model_dir, smol_tokenizer, gemma_tok, tmp_path_factory):
    """Model folders: the tiny Llama's config and weights (the vocabulary's size is kept) with these tokenizers."""
    bare = copy.deepcopy(smol_tokenizer)
    bare.chat_template = None
    alternating = copy.deepcopy(smol_tokenizer)
    alternating.chat_template = ALTERNATING
    made = {}
    for name, tok in (("gemma", gemma_tok), ("alternating", alternating), ("bare", bare)):
        target = tmp_path_factory.mktemp("models") / name
        shutil.copytree(tiny_model_dir, target)
        for old in [*target.glob("*token*"), *target.glob("chat_template*")]:  # the default tokenizer's files
            old.unlink()
        tok.save_pretrained(target)
        made[name] = target
    return made


def refusal(tok, template, messages=SYSTEM_CHAT, tools=None, **kw) -> str:
    with pytest.raises(TemplateError) as refused:
        encode_row({"messages": messages, **({"tools": tools} if tools else {})}, tok, template)
    return str(explain_refusal(refused.value, template, messages, tools, tok, **kw))


def codes(tok, template) -> set[str]:
    return {c.code for c in preflight(encode_row({"messages": SYSTEM_CHAT}, tok, template), tok, template)}


# -- 1. the built-in a fix names: one that takes a system turn, in control tokens this tokenizer knows

# (id, tokenizer fixture, a row with tools, the built-in named and how it writes the system message, or None)
TAKERS = [
    ("gemma", "gemma_tok", False, ("gemma", "writes it into the first user turn")),
    ("gemma-tools", "gemma_tok", True, None),  # hermes and llama31 write ChatML's and Llama-3's tokens
    ("smollm2", "smol_tokenizer", False, ("chatml", "gives it a turn of its own")),
    ("smollm2-tools", "smol_tokenizer", True, ("hermes", "gives it a turn of its own")),
    ("alien", "alien_tok", False, None),
]


@pytest.mark.parametrize(("tok", "tools_used", "expected"), [t[1:] for t in TAKERS], ids=[t[0] for t in TAKERS])
def test_the_built_in_named_takes_a_system_turn_in_tokens_the_tokenizer_knows(request, tok, tools_used, expected):
    from ftlib.prompt_checks import builtin_taking_system

    tok = request.getfixturevalue(tok)
    assert builtin_taking_system(tok, tools_used) == expected
    if expected is not None:  # the reference: the built-in renders the system text, every control token known
        template = get_template(expected[0], tok)
        assert "Answer in one word." in encode_row({"messages": SYSTEM_CHAT}, tok, template).text
        assert "missing_special_tokens" not in codes(tok, template)


def test_a_gemma_tokenizer_is_pointed_to_the_gemma_template(gemma_tok):
    """A review: Gemma's own template refusing a system turn was told to pick Mistral's, which writes `<s>` and `</s>`
    that a Gemma tokenizer splits (missing_special_tokens, eot_not_trained); Gemma's built-in was never offered."""
    said = refusal(gemma_tok, get_template("tokenizer", gemma_tok))
    assert said == (
        "The model's own template refused this conversation: System role not supported. The model's own template "
        "takes no system turn: merge the system text into the first user message of your rows, or pick a built-in "
        "template that takes one (built-in 'Gemma' (--template gemma) writes it into the first user turn)."
    )
    mistral = codes(gemma_tok, get_template("mistral", gemma_tok))  # a split `</s>` said once (helper 169)
    assert "missing_special_tokens" in mistral and "eot_not_trained" not in mistral
    assert not {"missing_special_tokens", "eot_not_trained"} & codes(gemma_tok, get_template("gemma", gemma_tok))


def test_no_built_in_is_named_when_none_suits_the_tokenizer(alien_tok):
    said = refusal(alien_tok, get_template("tokenizer", alien_tok))
    assert said.endswith(
        "The model's own template takes no system turn: merge the system text into the first user message of your "
        "rows (no built-in template that takes one suits this model's tokenizer)."
    )
    assert "--template" not in said


def test_a_row_with_tools_names_no_built_in_that_cannot_show_them_or_write_its_tokens(gemma_tok):
    call = {"type": "function", "function": {"name": "weather", "arguments": {}}}
    messages = [
        *SYSTEM_CHAT[:2],
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "Blue sky."},
        {"role": "assistant", "content": "Blue."},
    ]
    said = refusal(gemma_tok, get_template("tokenizer", gemma_tok), messages, TOOLS)
    assert said.endswith(
        "takes no system turn: merge the system text into the first user message of your rows (no built-in template "
        "that takes one and shows tool calls suits this model's tokenizer)."
    )  # not hermes (ChatML's tokens) nor gemma (no tool calls)


def test_the_tokens_command_names_gemma_and_gemma_renders_the_row(model_dirs, tmp_path, capsys):
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"messages": SYSTEM_CHAT}) + "\n")
    model = str(model_dirs["gemma"])
    assert main(["tokens", str(data), "--model", model]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "or pick a built-in template that takes one (built-in 'Gemma' (--template gemma) writes it" in err
    assert main(["tokens", str(data), "--model", model, "--template", "gemma"]) == 0  # following the fix works
    out = capsys.readouterr().out
    assert "missing_special_tokens" not in out and "eot_not_trained" not in out


# -- 2. sample and Compare: a system message the model's own template refuses, explained in their words


def test_render_prompt_explains_a_refused_system_message(gemma_tok):
    own = get_template("tokenizer", gemma_tok)
    with pytest.raises(TemplateError) as refused:
        render_prompt(gemma_tok, "Hi there", system="Be brief", template=own, fix=("leave it out", "pick one"))
    assert str(refused.value).endswith(
        "System role not supported. The model's own template takes no system turn: leave it out, or pick one "
        "(built-in 'Gemma' (--template gemma) writes it into the first user turn)."
    )
    text, _ = render_prompt(gemma_tok, "Hi there", system="Be brief", template="gemma")  # what the fix names
    assert text.startswith("<bos><start_of_turn>user\nBe brief\n\nHi there<end_of_turn>")


@pytest.mark.parametrize(
    ("model", "refused", "named"),
    [
        ("alternating", "Conversation roles must alternate user/assistant/user/assistant/...", "chatml"),
        ("gemma", "System role not supported.", "gemma"),
    ],
)
def test_sample_with_a_system_message_says_drop_system_or_give_template(model_dirs, capsys, model, refused, named):
    """A review: the refusal blamed the order of the roles (or said "System role not supported." alone), not the
    system message, and gave no fix."""
    base = ["sample", "--model", str(model_dirs[model]), "--prompt", "Hi there", "--max-new-tokens", "2"]
    assert main([*base, "--system", "Be brief"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: The model's own template refused this conversation: {refused} ")
    assert len(err.splitlines()) == 1
    assert (
        "The model's own template takes no system turn: drop --system (or put its text at the start of --prompt), or "
        f"pick a built-in template that takes one (built-in '{get_template(named).title}' (--template {named}) "
    ) in err
    assert main([*base, "--system", "Be brief", "--template", named]) == 0  # following the fix works
    assert main(base) == 0  # and so does leaving --system out


def open_compare(model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page("pages/5_Compare.py").run()


def test_compare_says_to_clear_the_system_message_box(model_dirs):
    rows = [{"messages": SYSTEM_CHAT}]
    workspace.save_split("sys", rows, rows, {"format": "messages"})
    at = open_compare(model_dirs["alternating"])
    assert not at.error
    at.text_input(key="compare_system").set_value("Be brief.").run()
    (error,) = [e.value for e in at.error]
    assert error.startswith(
        "Could not render the prompt: The model's own template refused this conversation: Conversation roles must "
        "alternate user/assistant/user/assistant/... The model's own template takes no system turn: clear the System "
        "message box (or put its text at the start of your message), or compare a run trained with a built-in "
        "template that takes one (built-in 'ChatML' gives it a turn of its own)."  # the page's words, no CLI flag
    )
    at.radio(key="compare_source").set_value("Pick from the test split").run()  # a row's own system message
    (error,) = [e.value for e in at.error]
    assert "takes no system turn: pick **Type a prompt** and leave the System message box empty, or compare" in error
    assert "--template" not in error


def test_the_tokens_page_names_the_built_in_by_its_label_alone(model_dirs):
    rows = [{"messages": SYSTEM_CHAT}]
    workspace.save_split("sys", rows, rows, {"format": "messages"})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model_dirs["alternating"])
    at.run()
    at.switch_page("pages/2_Tokens.py").run()
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    assert "takes no system turn: merge the system text into the first user message of your rows, or pick" in error
    assert "(built-in 'ChatML' gives it a turn of its own)" in error and "--template" not in error, error


# -- 3. a model without a chat template of its own is not told to go back to it


def test_sample_does_not_send_a_model_without_a_template_back_to_its_own(model_dirs, capsys):
    base = ["sample", "--model", str(model_dirs["bare"]), "--prompt", "Hi", "--max-new-tokens", "2"]
    assert main([*base, "--template", "llama3"]) == 0
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 2 and all(w.startswith("warning: --template llama3: ") for w in warnings)
    instead = "This model has no chat template of its own: --template chatml fits its tokenizer."
    assert all(w.endswith(instead) for w in warnings)
    assert not any("Drop --template" in w for w in warnings)
    assert main([*base, "--template", "chatml"]) == 0 and capsys.readouterr().err == ""  # the one named fits


def test_the_generation_prompt_fix_does_not_name_a_template_the_model_lacks(smol_tokenizer):
    bare = copy.deepcopy(smol_tokenizer)
    bare.chat_template = None
    row = {"messages": SYSTEM_CHAT[1:]}
    for tok, fix in (
        (bare, "not written for this tokenizer: pick built-in 'ChatML' (--template chatml) (this model has no "),
        (smol_tokenizer, "not written for this tokenizer: use the model's own template, or copy this one"),
    ):
        template = get_template("llama3", tok)
        (check,) = [
            c
            for c in preflight(encode_row(row, tok, template), tok, template)
            if c.code == "generation_prompt_mismatch"
        ]
        assert fix in check.fix, check.fix
