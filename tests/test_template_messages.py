"""Other models' chat templates on the Tokens page, the CLI and the checks (walk 8A #3, #10, #11, #12, #17).

The templates are written here in the shapes published models use: ChatML with Qwen's tool calls (an empty reply's
call written after one more newline), Llama-3 headers with a dated system block written into every conversation,
and a Mistral template that raises on a system role. Each model folder is the tiny test model with one of them as
its own chat template; the Qwen-like one also knows `<tool_call>` as one token, as Qwen's tokenizer does. The
references are the two tokenizations (`sampling.render_prompt`, what generation feeds the model, against
`tokens.encode_row`, what training feeds it) and plain renders of the template.
"""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.sampling import render_prompt
from ftlib.templates import TemplateError, get_template, render
from ftlib.tokens import encode_row
from tests.test_generation_prompt import TRAILING_SPACE, qa_template
from tests.test_pages_tokens import PAGE, run

CODE = "generation_prompt_mismatch"

QWEN_TOOLS = r"""
{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' %}{{- '<|im_start|>user\n' + message.content + '<|im_end|>\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant\n' + (message.content or '') }}
{%- for tc in message.tool_calls or [] %}
{%- set f = tc.function if tc.function is defined else tc %}
{{- '\n<tool_call>\n{"name": "' + f.name + '", "arguments": ' + (f.arguments | tojson) + '}\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\n' }}
{%- elif message.role == 'tool' %}{{- '<|im_start|>user\n<tool_response>\n' + message.content }}
{{- '\n</tool_response><|im_end|>\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}
"""
LLAMA_DATED = r"""
{{- bos_token }}
{%- if messages[0].role == 'system' %}{%- set sys = messages[0].content %}{%- set rest = messages[1:] %}
{%- else %}{%- set sys = '' %}{%- set rest = messages %}{%- endif %}
{{- '<|start_header_id|>system<|end_header_id|>\n\n' }}
{{- 'Knowledge cutoff: March 2024\nToday: 1 July 2025\n\n' }}
{{- sys + '<|eot_id|>' }}
{%- for m in rest %}
{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\n\n' + (m.content | trim) + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}
"""
MISTRAL_STRICT = r"""
{%- if messages[0].role == 'system' %}{{- raise_exception('System role not supported') }}{%- endif %}
{{- bos_token }}
{%- for message in messages %}
{%- if (message.role == 'user') != (loop.index0 % 2 == 0) %}
{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{%- endif %}
{%- if message.role == 'user' %}{{- '[INST] ' + message.content + ' [/INST]' }}
{%- elif message.role == 'assistant' %}{{- ' ' + message.content + eos_token }}
{%- else %}{{- raise_exception('Only user and assistant roles are supported!') }}{%- endif %}
{%- endfor %}
"""
CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
TOOL_ROW = {
    "messages": [
        {"role": "user", "content": "Is it raining in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "content": '{"rain": true}'},
        {"role": "assistant", "content": "Yes, it is raining in Oslo."},
    ]
}
CHAT = [
    {"role": "user", "content": "How many grams are in half a kilogram?"},
    {"role": "assistant", "content": "Half a kilogram is 500 grams."},
]
SYSTEM_CHAT = [{"role": "system", "content": "Answer in one sentence."}, *CHAT]


def own_tokenizer(base, source: str, specials=()):
    """A copy of `base` whose own chat template is `source` (and that knows `specials` as single tokens)."""
    tok = copy.deepcopy(base)
    if specials:
        tok.add_special_tokens({"additional_special_tokens": list(specials)}, replace_extra_special_tokens=False)
    tok.chat_template = source
    return tok


@pytest.fixture(scope="module")
def qwen_tok(smol_tokenizer):
    return own_tokenizer(smol_tokenizer, QWEN_TOOLS, ("<tool_call>", "</tool_call>"))


@pytest.fixture(scope="module")
def model_dirs(tiny_model_dir, smol_tokenizer, tmp_path_factory):
    """Model folders (the tiny model's config and weights) whose own templates are the ones above."""
    made = {}
    for name, source, specials in (
        ("qwen-tools", QWEN_TOOLS, ("<tool_call>", "</tool_call>")),
        ("llama-dated", LLAMA_DATED, ()),
        ("mistral-strict", MISTRAL_STRICT, ()),
    ):
        target = tmp_path_factory.mktemp("models") / name
        shutil.copytree(tiny_model_dir, target)
        tokenizer = own_tokenizer(smol_tokenizer, source, specials)
        tokenizer.save_pretrained(target)
        if specials:  # tokens added past the embeddings: resized, as a real model's are (else refused where chosen)
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained(target)
            model.resize_token_embeddings(len(tokenizer))
            model.save_pretrained(target)
        made[name] = target
    return made


def said(row, tok, template) -> list:
    return [c for c in preflight(encode_row(row, tok, template), tok, template) if c.code == CODE]


def opens_as_generated(tok, template, row, turn: int) -> bool:
    """The reference: generation's ids before assistant `turn` (render_prompt) are a prefix of training's."""
    trained = encode_row(row, tok, template).all_ids
    _, ids = render_prompt(tok, row["messages"][:turn], template=template)
    return trained[: len(ids)] == ids


# -- 1. every trained assistant turn opens as the generation prompt ends (walk 8A #3)


def test_a_tool_call_turn_that_opens_otherwise_is_said_by_its_turn(qwen_tok):
    template = get_template("tokenizer", qwen_tok)
    # The reference: the call's turn trains the merged '\n\n' after the header, the reply's turn the prompt's '\n'.
    assert not opens_as_generated(qwen_tok, template, TOOL_ROW, 1)
    assert opens_as_generated(qwen_tok, template, TOOL_ROW, 3)
    (check,) = said(TOOL_ROW, qwen_tok, template)
    assert (
        "When the model generates message 2 (the assistant's tool call), its prompt ends with '\\n', but in training "
        "the text there is '\\n\\n'"
    ) in check.message
    assert "never saw there in training" in check.message and "turn 4" not in check.message
    assert "end the generation prompt without the trailing newline: `<|im_start|>assistant`" in check.fix
    assert "Or write message 2 without the extra newline after its header" in check.fix


def test_an_earlier_reply_is_checked_when_the_last_one_hides_it(smol_tokenizer):
    """The last answer opens on a digit, which tokenizes alike either way; the first opens on a word."""
    template = get_template("custom", smol_tokenizer, source=TRAILING_SPACE)
    row = {
        "messages": [
            *CHAT,
            {"role": "user", "content": "And in a kilogram?"},
            {"role": "assistant", "content": "1000."},
        ]
    }
    assert not opens_as_generated(smol_tokenizer, template, row, 1) and opens_as_generated(
        smol_tokenizer, template, row, 3
    )
    (check,) = said(row, smol_tokenizer, template)
    assert (
        "When the model generates message 2 (the assistant's reply), its prompt ends with ' ', but in training the "
        "text there is " in (check.message)
    )
    last_only = preflight(encode_row(row, smol_tokenizer, template, "last_assistant"), smol_tokenizer, template)
    assert not [c for c in last_only if c.code == CODE]  # an untrained turn is not checked


def test_the_train_report_and_the_tokens_page_say_it(qwen_tok, model_dirs):
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight as run_preflight

    config = RunConfig(model=str(model_dirs["qwen-tools"]), template="tokenizer", max_steps=1)
    report = run_preflight(config, tokenizer=qwen_tok, rows=([TOOL_ROW] * 4, []))
    assert [w for w in report.warnings if "When the model generates message 2 (the assistant's tool call)" in w]
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["active_model"] = str(model_dirs["qwen-tools"])
    run(at)
    at.text_area(key="tok_conversation").set_value(json.dumps(TOOL_ROW["messages"]))
    run(at)
    (box,) = [w.value for w in at.warning if "When the model generates" in w.value]
    assert (
        "message 2 (the assistant's tool call), its prompt ends with '\\n', but in training the text there is '\\n\\n'"
        in box
    )


# -- 2. the fix names what applies to the template in use (walk 8A #10)

FIXES = [
    # (id, template, its source, says, never says)
    ("custom", "custom", TRAILING_SPACE, "End the generation prompt without the trailing space: `### Answer:`", "own"),
    (
        "built-in",
        "llama3",
        None,
        "The Llama-3 template was not written for this tokenizer: use the model's own template, or copy this one",
        "itself writes",
    ),
    (
        "the model's own",
        "tokenizer",
        LLAMA_DATED,
        "The model's own template itself writes this opening so that this tokenizer splits it differently from its "
        "generation prompt: pick a built-in template that writes both the same way (built-in 'ChatML' "
        "(--template chatml) does for this row), or copy the model's own template into a custom template and there "
        "end the generation prompt without the trailing blank line",
        "use the model's own template",
    ),
    (
        "the model's own, other text at generation",
        "tokenizer",
        qa_template("Assistant:", "### Answer: "),
        "The model's own template itself writes another opening at generation than in training: pick a built-in "
        "template that writes both the same way (built-in 'ChatML' (--template chatml) does for this row), or copy "
        "the model's own template into a custom template and there make the generation prompt the exact text that "
        "opens",
        "splits",
    ),
]


@pytest.mark.parametrize("name, source, says, never", [f[1:] for f in FIXES], ids=[f[0] for f in FIXES])
def test_the_fix_fits_the_template_in_use(smol_tokenizer, name, source, says, never):
    tok = own_tokenizer(smol_tokenizer, source) if name == "tokenizer" else smol_tokenizer
    template = get_template(name, tok, source=source if name == "custom" else None)
    row = {"messages": CHAT}
    assert not opens_as_generated(tok, template, row, 1)  # the reference: every one of them mismatches here
    (check,) = said(row, tok, template)
    assert says in check.fix and never not in check.fix, check.fix
    if name == "tokenizer":  # the built-in it names does fit this row
        assert opens_as_generated(tok, get_template("chatml", tok), row, 1)


def test_the_model_s_own_template_with_tool_calls_names_a_built_in_that_writes_them(qwen_tok):
    (check,) = said(TOOL_ROW, qwen_tok, get_template("tokenizer", qwen_tok))
    assert "(built-in 'ChatML + tools (Hermes)' (--template hermes) does for this row)" in check.fix
    assert opens_as_generated(qwen_tok, get_template("hermes", qwen_tok), TOOL_ROW, 1)


# -- 3. a system prompt the template adds, said once (walk 8A #11)


def test_a_dated_system_block_is_named_as_what_generation_shows_too(smol_tokenizer):
    from ftlib.prompt_checks import added_system_note, template_system_text

    template = get_template("custom", smol_tokenizer, source=LLAMA_DATED)
    assert template_system_text(template) == "Knowledge cutoff: March 2024\nToday: 1 July 2025"
    for turns in (CHAT, SYSTEM_CHAT):  # with or without the row's own system message
        prompt, _ = render_prompt(smol_tokenizer, turns[:-1], template=template)
        assert "Knowledge cutoff: March 2024\nToday: 1 July 2025" in prompt  # the reference: generation writes it
        note = added_system_note(template, turns)
        assert note.startswith("This template adds a system prompt your row does not have, on every row: “Knowledge")
        assert "sampling and evaluation give it to the model too" in note
    for name in ("chatml", "llama3", "llama31", "mistral", "gemma", "hermes"):  # headers are not a system prompt
        assert template_system_text(get_template(name, smol_tokenizer)) is None, name
    smol = added_system_note(get_template("tokenizer", smol_tokenizer), CHAT)  # SmolLM2's default system message
    assert smol.startswith("Your row has no system message; the model's template adds this default one")
    assert "sampling and evaluation give it to the model too" in smol


def test_the_tokens_page_says_it_once(model_dirs):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["active_model"] = str(model_dirs["llama-dated"])
    run(at)
    for turns in (CHAT, SYSTEM_CHAT):
        at.text_area(key="tok_conversation").set_value(json.dumps(turns))
        run(at)
        notes = [i.value for i in at.info if "adds a system prompt your row does not have" in i.value]
        assert len(notes) == 1, notes
        assert notes[0].startswith("The model's template adds a system prompt your row does not have, on every row: ")
        assert "“Knowledge cutoff: March 2024↵ Today: 1 July 2025”" in notes[0]
    at.selectbox(key="tok_template").set_value("chatml")
    run(at)
    assert not [i.value for i in at.info if "system prompt" in i.value]


def test_cli_tokens_prints_the_note(tmp_path, capsys):
    data = tmp_path / "chats.jsonl"
    data.write_text(json.dumps({"messages": SYSTEM_CHAT}) + "\n")
    template = tmp_path / "llama.jinja"
    template.write_text(LLAMA_DATED)
    assert main(["tokens", str(data), "--template-file", str(template)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("NOTE:")]
    assert len(notes) == 1 and "NOTE: This template adds a system prompt your row does not have" in notes[0]
    assert "“Knowledge cutoff: March 2024↵ Today: 1 July 2025”. The model reads it" in notes[0]  # on one line
    assert main(["tokens", str(data), "--template", "chatml"]) == 0
    assert "NOTE:" not in capsys.readouterr().out


# -- 4. a template that refuses a system turn: the fix, separate sentences, the row named (walk 8A #12)


def test_a_template_without_system_turns_gets_the_fix(smol_tokenizer):
    from ftlib.prompt_checks import explain_refusal

    template = get_template("custom", smol_tokenizer, source=MISTRAL_STRICT)
    with pytest.raises(TemplateError) as refused:
        encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, template)
    merged = [{"role": "user", "content": SYSTEM_CHAT[0]["content"] + "\n\n" + CHAT[0]["content"]}, CHAT[1]]
    assert render(template, merged)  # the reference: merged into the first user turn, the template takes it
    said = str(explain_refusal(refused.value, template, SYSTEM_CHAT, None, smol_tokenizer))
    assert (
        said
        == (
            "The custom template refused this conversation: System role not supported. The custom template takes no "
            "system turn: merge the system text into the first user message of your rows, or pick a built-in template "
            "that takes one (built-in 'ChatML' (--template chatml) gives it a turn of its own)."
        )  # not 'mistral': it writes <s>, unknown to SmolLM2
    )
    alternating = [CHAT[0], CHAT[0], CHAT[1]]  # refused for another reason: its own fix (role_order, helper 249)
    with pytest.raises(TemplateError) as other:
        encode_row({"messages": alternating}, smol_tokenizer, template)
    said = str(explain_refusal(other.value, template, alternating))
    assert said.startswith(str(other.value)) and "turns 1 and 2 are both user turns" in said
    assert "takes no system turn" not in said


def test_the_tokens_page_shows_the_fix(model_dirs):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["active_model"] = str(model_dirs["mistral-strict"])
    run(at)
    at.text_area(key="tok_conversation").set_value(json.dumps(SYSTEM_CHAT))
    run(at)
    (error,) = [e.value for e in at.error]
    assert "refused this conversation: System role not supported. The model's own template takes no system turn: " in (
        error
    )
    assert "merge the system text into the first user message of your rows" in error


def test_cli_batch_names_the_row_and_ends_each_sentence(model_dirs, tmp_path, capsys):
    rows = [
        {"messages": CHAT},
        {"messages": SYSTEM_CHAT},
        {"messages": SYSTEM_CHAT},
        {"messages": [SYSTEM_CHAT[0], *TOOL_ROW["messages"]]},
    ]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    model = str(model_dirs["mistral-strict"])
    assert main(["batch", str(data), "--model", model]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(
        f"error: {data}, line 2 (and 2 other rows) cannot be encoded: "
    )
    assert "System role not supported. The model's own template takes no system turn: merge the system text" in err
    assert f"`python -m ftlib tokens {data} --line 2 --model {model} --template tokenizer`" in err
    tools = tmp_path / "tools.jsonl"
    tools.write_text(json.dumps(rows[3]) + "\n")
    assert main(["batch", str(tools), "--model", model]) == 2
    err = capsys.readouterr().err
    # The system turn is refused first, so its fix comes first; merged, the row's tool results still break the
    # alternation this template demands, so the fix for tools follows it (it used to come alone).
    assert "System role not supported. The model's own template takes no system turn: merge the system text" in err
    assert err.index("takes no system turn") < err.index(
        "With the system text merged into the first user message, it still refuses: Conversation roles must "
        "alternate user/assistant/user/assistant/... This row has tool calls or tool results: pick a template that "
        "shows them (hermes, llama31)."
    )
    assert f"{tools}, line 1 cannot be encoded" in err


# -- 5. messages that named SmolLM2 whatever the model (walk 8A #17)


def test_the_pad_token_fix_names_this_tokenizer_s_own_token(smol_tokenizer):
    row = {"messages": CHAT}
    for specials, expected in (
        ((), "tokenizer.pad_token = '<|endoftext|>'"),
        (("<|finetune_right_pad_id|>",), "tokenizer.pad_token = '<|finetune_right_pad_id|>'"),  # Llama-3's
    ):
        tok = own_tokenizer(smol_tokenizer, smol_tokenizer.chat_template, specials)
        template = get_template("chatml", tok)
        (check,) = [c for c in preflight(encode_row(row, tok, template), tok, template) if c.code == "pad_is_eos"]
        assert "SmolLM2" not in check.fix and expected in check.fix, check.fix


def test_the_data_page_tool_note_names_no_model(tmp_path, monkeypatch, model_dirs):
    from tests.test_pages_data import data_page, with_path, write_jsonl

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    at = data_page()
    at.session_state["active_model"] = str(model_dirs["llama-dated"])
    at = with_path(at, write_jsonl(tmp_path / "tools.jsonl", [TOOL_ROW]))
    (note,) = [i.value for i in at.info if "Tool calls reach the model" in i.value]
    assert "many models' own templates leave them out" in note and "SmolLM2" not in note
