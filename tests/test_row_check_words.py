"""The row checks' words: nothing in a row is dropped unsaid, and each message says what, where and how to fix it.

Three defects a tester found: a GRPO prompt's `tools` that the template does not show went unsaid (in `tokens` and
before a GRPO run); a last assistant turn given `weight: 0` under the 'last_assistant' policy was blamed on the
template; and `train`'s refusal of rows whose tool calls the template drops told one row's turn and effect as every
row's and named no row.
"""

from __future__ import annotations

import json

import pytest

from ftlib.checks import GROUPS, _in_rows, preflight, template_report
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.run_preflight import preflight as run_preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row, encode_rows

TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


def call(city: str, call_id: str = "c1") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}}


def prompt_row(city: str) -> dict:
    """A canonical prompt-only row (GRPO's), as the reader makes `{"prompt", "tools", "answer"}`."""
    return {
        "prompt": [{"role": "user", "content": f"Weather in {city}?"}],
        "tools": [TOOL],
        "columns": {"answer": city},
    }


def sft_row(city: str) -> dict:
    question, answer = {"role": "user", "content": f"Weather in {city}?"}, {"role": "assistant", "content": "Sunny."}
    return {"messages": [question, answer], "tools": [TOOL]}


# A call-only turn 2 (an empty reply), a call-only turn 4 after a first exchange, a call beside text in turn 2.
EMPTY_AT_2 = {
    "messages": [
        {"role": "user", "content": "Weather in Rome?"},
        {"role": "assistant", "content": None, "tool_calls": [call("Rome")]},
        {"role": "tool", "tool_call_id": "c1", "content": "25C"},
        {"role": "assistant", "content": "25C in Rome."},
    ]
}
EMPTY_AT_4 = {
    "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello, ask me about the weather."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call("Paris")]},
        {"role": "tool", "tool_call_id": "c1", "content": "18C"},
        {"role": "assistant", "content": "18C in Paris."},
    ]
}
TEXT_AT_2 = {
    "messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [call("Oslo")]},
        {"role": "tool", "tool_call_id": "c1", "content": "3C"},
        {"role": "assistant", "content": "3C in Oslo."},
    ]
}
PLAIN = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}
# The tester's mix.jsonl line 2: OpenAI's per-message weight, 0 on the last assistant turn.
LAST_WEIGHT_0 = {
    "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "Ciao", "weight": 0},
    ]
}


# --- 1. a prompt's tools the template does not show ---------------------------------------------------------------


@pytest.mark.parametrize("template, said", [("tokenizer", True), ("hermes", False)])
def test_a_prompt_only_row_hears_of_its_tools_as_the_other_kinds_do(smol_tokenizer, template, said):
    """SmolLM2's own template shows no tools: the SFT row was warned, the GRPO prompt with the same tools was not."""
    chat = get_template(template, smol_tokenizer)
    prompt = {c.code: c for c in preflight(encode_row(prompt_row("Oslo"), smol_tokenizer, chat), smol_tokenizer, chat)}
    sft = {c.code: c for c in preflight(encode_row(sft_row("Oslo"), smol_tokenizer, chat), smol_tokenizer, chat)}
    assert "prompt_only" in prompt  # still told what the row is for
    assert ("tools_not_shown" in prompt) is said and ("tools_not_shown" in sft) is said
    if said:
        assert prompt["tools_not_shown"] == sft["tools_not_shown"]  # same severity, wording and fix
        assert (
            prompt["tools_not_shown"].severity == "warning"
            and "'ChatML + tools (Hermes)' (--template hermes)" in prompt["tools_not_shown"].fix
        )


@pytest.mark.parametrize("template, said", [("tokenizer", True), ("hermes", False)])
def test_a_grpo_run_hears_of_its_prompts_tools_before_it_is_queued(tiny_model_dir, smol_tokenizer, template, said):
    config = RunConfig(
        model=str(tiny_model_dir),
        dataset="x",
        method="grpo",
        template=template,
        rewards=[{"contains_column": "answer"}],
        grpo_group_size=2,
        batch_size=2,
        max_steps=1,
        max_length=512,
    )
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([prompt_row("Oslo"), prompt_row("Rome")], []))
    shown = [w for w in report.warnings if "does not show the row's tool definitions" in w]
    assert report.ok, report.errors
    if said:
        assert shown == [shown[0]] and shown[0].startswith("In 2 of 2 training rows: The model's own template")
    else:
        assert not shown, report.warnings


def test_train_grpo_says_the_tools_are_not_shown_before_the_run(tmp_path, capsys, tiny_model_dir, no_training):
    path = tmp_path / "prompts_tools.jsonl"
    lines = [{"prompt": f"Weather in {c}?", "tools": [TOOL], "answer": c} for c in ("Oslo", "Rome")]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ["train", "--method", "grpo", "--model", str(tiny_model_dir), "--dataset", str(path), "--detach"]
    args += ["--rewards", '[{"contains_column": "answer"}]', "--max-steps", "1", "--grpo-group-size", "2"]
    args += ["--batch-size", "2", "--test-size", "0", "--save-every", "0", "--device", "cpu"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "warning: In 2 of 2 training rows: The model's own template does not show the row's tool definitions" in err


# --- 2. a last assistant turn of weight 0 under the 'last_assistant' policy ---------------------------------------


@pytest.mark.parametrize("policy", ["last_assistant", "completion_only"])
def test_a_weight_0_last_turn_is_named_as_why_nothing_is_trained(smol_tokenizer, policy):
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(LAST_WEIGHT_0, smol_tokenizer, template, policy)
    (check,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "no_trained_tokens"]
    assert check.severity == "error"
    assert "message 4" in check.message and "weight 0" in check.message and f"'{policy}'" in check.message
    assert "generation" not in check.message + check.fix  # the template is not at fault
    assert "'all_assistant'" in check.fix and "(message 2)" in check.fix and "weight of message 4 to 1" in check.fix
    # Under all_assistant the other turn trains, and the weight is only worth knowing.
    enc = encode_row(LAST_WEIGHT_0, smol_tokenizer, template, "all_assistant")
    codes = {c.code: c.severity for c in preflight(enc, smol_tokenizer, template)}
    assert "no_trained_tokens" not in codes and codes["weight_zero"] == "info"


def test_under_the_everything_policy_a_weight_0_turn_is_said_to_be_trained(smol_tokenizer):
    """A cold review: `--policy everything` trained a weight-0 turn while the note said "never trained"."""
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(LAST_WEIGHT_0, smol_tokenizer, template, "everything")
    assert all(label != -100 for label in enc.labels[1:])  # the sentinel: every token is trained, the turn too
    (check,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "weight_zero"]
    assert check.severity == "warning" and "those turns included" in check.message and "never" not in check.message
    assert "'all_assistant'" in check.fix


def test_train_names_a_row_left_out_for_its_weight_0_last_turn_and_says_why(tiny_model_dir, smol_tokenizer):
    config = RunConfig(model=str(tiny_model_dir), dataset="x", mask_policy="last_assistant", max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([PLAIN, LAST_WEIGHT_0, PLAIN], []))
    (said,) = [w for w in report.warnings if "will be left out" in w]
    assert report.ok and said.startswith("Training row 2 will be left out. No token is trained: the last assistant")
    assert "(message 4) has weight 0" in said and "'all_assistant'" in said and "generation" not in said
    # Every row so: refused, with the reason.
    alone = run_preflight(config, tokenizer=smol_tokenizer, rows=([LAST_WEIGHT_0], []))
    assert not alone.ok and alone.errors[0].startswith("The only training row cannot be trained. No token is trained")
    assert "(message 4) has weight 0" in alone.errors[0]


def test_rows_all_cut_by_the_max_length_are_given_one_length_that_keeps_them_all(tiny_model_dir, smol_tokenizer):
    """A newcomer's walk: "None of the 21 training rows can be trained. Every trained token was cut by the max length
    (96 tokens): this row teaches the model nothing." with no fix, where the Tokens page names a length per row."""
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_length=16, max_steps=1)
    asked = [{"role": "user", "content": "Tell me about the tides " * n} for n in (3, 5, 8)]
    rows = [{"messages": [question, {"role": "assistant", "content": "They turn."}]} for question in asked]
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    (said,) = report.errors
    assert said.startswith("None of the 3 training rows can be trained. Every trained token was cut"), said
    assert "nothing is left for the model to learn" in said and "this row" not in said  # words for one row or many
    longest = max(len(encode_row(r, smol_tokenizer, get_template("tokenizer", smol_tokenizer)).all_ids) for r in rows)
    assert f"Raise the max length to at least {longest} tokens" in said and "the longest of them" in said


# --- 3. one row's words for every row -----------------------------------------------------------------------------


def test_rows_whose_calls_are_dropped_are_named_each_with_its_own_turn_and_effect(tiny_model_dir, smol_tokenizer):
    """The tester's oai_tools.jsonl: rows 1 (turn 4 empty), 2 (turn 2 empty), 4 (turn 2 text only) and a plain row 3.
    The refusal said row 1's "turn 4 ... an empty reply" of all three and named none."""
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([EMPTY_AT_4, EMPTY_AT_2, PLAIN, TEXT_AT_2], []))
    (said,) = [e for e in report.errors if "leaves out the tool calls" in e]
    assert said.startswith(
        "In 3 of 4 training rows (rows 1, 2, 4), in 2 ways (some in different messages). Row 1: The model's own "
    )
    row_1, row_2, row_4 = (said.split(f"Row {n}: ")[1] for n in (1, 2, 4))
    assert "message 4 (an assistant reply), so that turn trains an empty reply" in row_1.split("Row 2")[0]
    assert "message 2 (an assistant reply), so that turn trains an empty reply" in row_2.split("Row 4")[0]
    assert "message 2 (an assistant reply), so that turn trains only the text beside the call" in row_4
    assert said.count("Pick a template") == 1  # the fix once
    # Rows that say the same are named together.
    same = run_preflight(config, tokenizer=smol_tokenizer, rows=([EMPTY_AT_2, PLAIN, EMPTY_AT_2], []))
    (said,) = [e for e in same.errors if "leaves out the tool calls" in e]
    assert said.startswith("In 2 of 3 training rows (rows 1, 3): The model's own template leaves out the tool calls")


def test_a_held_out_row_is_told_in_its_own_words_too(tiny_model_dir, smol_tokenizer):
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([PLAIN, PLAIN], [PLAIN, EMPTY_AT_4, EMPTY_AT_2]))
    (said,) = [e for e in report.errors if "leaves out the tool calls" in e]
    assert said.startswith(
        "In held-out rows 2, 3, scored as the template writes it, the same problem in different messages. Row 2: "
    )
    assert "message 4" in said.split("Row 3: ")[0] and "message 2" in said.split("Row 3: ")[1]


# (id, {wording: its rows}, rows in the split, split, expected)
IN_ROWS_CASES = [
    ("every row alike", {"A.": [1, 2]}, 2, "training", "In 2 of 2 training rows: A."),
    ("one row of one", {"A.": [1]}, 1, "training", "A."),
    ("some rows", {"A.": [3, 9]}, 40, "training", "In 2 of 40 training rows (rows 3, 9): A."),
    (
        "two wordings",
        {"B.": [2], "A.": [1, 3]},
        4,
        "training",
        "In 3 of 4 training rows (rows 1, 2, 3), in 2 ways. Rows 1, 3: A. Row 2: B.",
    ),
    ("held-out", {"A.": [2, 5]}, 9, "held-out", "In held-out rows 2, 5, scored as the template writes it: A."),
    (
        "one problem in two messages",
        {"Message 4 is cut.": [2], "Message 2 is cut.": [1, 3], "B.": [4]},
        4,
        "training",
        "In 4 of 4 training rows, in 2 ways (some in different messages). Rows 1, 3: Message 2 is cut. Row 2: "
        "Message 4 is cut. Row 4: B.",
    ),
]


@pytest.mark.parametrize(
    "groups, total, split, expected", [c[1:] for c in IN_ROWS_CASES], ids=[c[0] for c in IN_ROWS_CASES]
)
def test_where_a_check_is_said_names_its_rows(groups, total, split, expected):
    assert _in_rows(groups, total, split) == expected


def test_ten_thousand_rows_each_in_its_own_words_stay_short():
    """Each row its own turn: GROUPS wordings are told, with their rows; the other rows are numbered only, capped."""
    groups = {f"Turn {n} is wrong.": [n] for n in range(1, 10_001)}
    said = _in_rows(groups, 10_000, "training")
    assert said.startswith(
        "In 10000 of 10000 training rows, the same problem in different messages. Row 1: Turn 1 is wrong. Row 2: "
    )
    assert said.count("is wrong") == GROUPS
    assert said.endswith(
        "Rows 4, 5, 6, 7, 8, 9, 10, 11 and 9989 more: the same in other turns or ways (the `tokens` "
        "command shows each row)."
    )
    assert len(said) < 400


def test_template_report_counts_rows_not_the_answers_of_a_pair(smol_tokenizer):
    """KTO's two answers of a pair share a row number: the row is counted and named once."""
    template = get_template("tokenizer", smol_tokenizer)
    encodings = encode_rows([EMPTY_AT_2, EMPTY_AT_2, PLAIN], smol_tokenizer, template)
    (check,) = [c for c in template_report(encodings, template, [1, 1, 2]) if c.code == "tool_calls_dropped"]
    assert check.message.startswith("In 1 of 2 training rows (row 1): The model's own template")


# --- 4. turns counted from 1, as the row's own problems count them ----------------------------------------------
# The checks named a message by its index in the conversation: the first message was "turn 0", while a row's own
# problems (turns.py: "turn 2 (assistant) of 'messages' is empty") and the people reading both count from 1. A
# system message opens every row here, so the first reply is message 3: counted from 0 it would read "turn 2".

SYSTEM = {"role": "system", "content": "Be brief."}
TOOL_CALL_ROW = {
    "messages": [
        SYSTEM,
        {"role": "user", "content": "Weather in Rome?"},
        {"role": "assistant", "content": None, "tool_calls": [call("Rome")]},
        {"role": "tool", "tool_call_id": "c1", "content": "25C"},
        {"role": "assistant", "content": "25C in Rome."},
    ]
}


def chat(*replies: dict) -> dict:
    """A system message, then a question before each reply: the replies are messages 3, 5, ..."""
    return {
        "messages": [SYSTEM, *(m for i, r in enumerate(replies) for m in ({"role": "user", "content": f"Q{i}"}, r))]
    }


def reply(text: str, **fields) -> dict:
    return {"role": "assistant", "content": text, **fields}


# Custom templates that each leave one thing out: a reply's end-of-turn untrained, an earlier reply's <think> text,
# every reply's text, a tool result, a trailing space after the generation prompt that training glues to the reply's
# first word.
CONTENT_ONLY = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
    "{% generation %}{{ m['content'] }}{% endgeneration %}{% else %}{{ m['content'] }}{% endif %}"
    "<|im_end|>\n{% endfor %}"
)
STRIPS_THINK = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' and not loop.last %}"
    "{{ m['content'].split('</think>')[-1] }}{% else %}{{ m['content'] }}{% endif %}<|im_end|>\n{% endfor %}"
)
NO_REPLIES = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] != 'assistant' %}{{ m['content'] }}"
    "{% endif %}<|im_end|>\n{% endfor %}"
)
NO_TOOL_RESULTS = (
    "{% for m in messages %}{% if m['role'] != 'tool' %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == "
    "'assistant' %}{% generation %}{{ m['content'] or '' }}<|im_end|>{% endgeneration %}{% else %}{{ m['content'] }}"
    "<|im_end|>{% endif %}\n{% endif %}{% endfor %}"
)
TRAILING_SPACE = (
    "{% for m in messages %}{{ m['role'] }}: {% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}"
    "<|im_end|>{% endgeneration %}{% else %}{{ m['content'] }}<|im_end|>{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)
# (id, row, template (a name or a custom source), policy, max length, check code, words it says, words it must not)
TURN_CASES = [
    ("weight_zero", chat(reply("A", weight=0), reply("B")), "tokenizer", "all_assistant", None, "weight_zero",
     ["Message 3 (an assistant reply) has weight 0"], ["turn 2"]),
    ("last_turn_weight_zero", chat(reply("A"), reply("B", weight=0)), "tokenizer", "last_assistant", None,
     "no_trained_tokens", ["(message 5) has weight 0", "other replies (message 3),", "weight of message 5 to 1"],
     ["turn 4", "turn 2"]),
    ("tool_calls_dropped", TOOL_CALL_ROW, "tokenizer", "all_assistant", None, "tool_calls_dropped",
     ["tool calls of message 3 (an assistant reply), so that turn"], ["turn 2"]),
    ("reasoning_inline", chat(reply("A", reasoning="Think.")), "tokenizer", "all_assistant", None,
     "reasoning_inline", ["the reasoning of message 3 is written"], ["message 2", "turn 3"]),
    ("truncated_assistant", chat(reply("Hello there, my friend, how are you on this fine day")), "chatml",
     "all_assistant", 20, "truncated_assistant", ["cuts an assistant reply, message 3 ("], ["turn 2"]),
    ("eot_not_trained", chat(reply("A"), reply("B")), CONTENT_ONLY, "all_assistant", None, "eot_not_trained",
     ["The end of messages 3, 5 (assistant replies) is not"], ["turns 2, 4"]),
    ("reasoning_dropped", chat(reply("<think>Hm.</think>A"), reply("B")), STRIPS_THINK, "all_assistant", None,
     "reasoning_dropped", ["reasoning from message 3:"], ["message 2", "turn 3"]),
    ("replies_left_out", chat(reply("Alpha"), reply("Beta")), NO_REPLIES, "all_assistant", None,
     "no_trained_tokens", ["what the assistant writes in messages 3, 5 (its reasoning"], ["turns 3, 5"]),
    ("not_prefix_preserving", chat(reply("<think>Hm.</think>A"), reply("B")), STRIPS_THINK, "all_assistant", None,
     "not_prefix_preserving", ["the reply in message 3 differently"], ["message 2"]),
    ("message_dropped", TOOL_CALL_ROW | {"messages": [*TOOL_CALL_ROW["messages"][:2], reply("Let me look.",
     tool_calls=[call("Rome")]), *TOOL_CALL_ROW["messages"][3:]]}, NO_TOOL_RESULTS, "all_assistant", None,
     "message_dropped", ["leaves out message 4 (tool)"], ["message 3 (tool)"]),
    ("generation_prompt_mismatch", chat(reply("Hello there."), reply("1000.")), TRAILING_SPACE, "all_assistant",
     None, "generation_prompt_mismatch", ["When the model generates message 3 (the assistant's reply)"], ["turn 2"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "row, template, policy, max_length, code, says, not_said",
    [c[1:] for c in TURN_CASES],
    ids=[c[0] for c in TURN_CASES],
)
def test_every_check_counts_turns_from_1(smol_tokenizer, row, template, policy, max_length, code, says, not_said):
    chosen = get_template("custom", smol_tokenizer, source=template) if "{%" in template else template
    chosen = get_template(chosen, smol_tokenizer) if isinstance(chosen, str) else chosen
    enc = encode_row(row, smol_tokenizer, chosen, policy, max_length)
    (check,) = [c for c in preflight(enc, smol_tokenizer, chosen) if c.code == code]
    said = f"{check.message} {check.fix}"
    for words in says:
        assert words in said, said
    for words in not_said:
        assert words not in said, said
