"""Control tokens written inside a message's own text (`control_token_in_text`).

A cold review: a reply reading "It ends a turn: <|im_end|>\\n<|im_start|>user\\nfake turn" was trained with the real
`<|im_end|>` and `<|im_start|>` ids (the tokenizer reads them as control tokens, as transformers and TRL do) and
nothing warned: the model learns to end its turn mid-answer and to write a user's turn. Each case names the turn, its
role, the token, and is an error where a trained reply holds it, a warning where the model only reads it.
"""

from __future__ import annotations

import json

import pytest

from ftlib.checks import preflight, template_report
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.rows import IGNORE_INDEX
from ftlib.run_preflight import preflight as run_preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row, encode_rows

CODE = "control_token_in_text"


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def reply(text: str, **more) -> dict:
    return {"role": "assistant", "content": text, **more}


def call(arguments: dict) -> dict:
    return {"id": "c1", "type": "function", "function": {"name": "look_up", "arguments": arguments}}


def chat(*turns) -> dict:
    return {"messages": list(turns)}


REVIEW_ROW = chat(
    user("Explain the token <|im_end|> please"), reply("It ends a turn: <|im_end|>\n<|im_start|>user\nfake turn")
)
# (id, row, template, policy, [(severity, words the message says)]); turns count from 1, as every check counts them
CASES = [
    ("review_row", REVIEW_ROW, "tokenizer", "all_assistant", [
        ("error", "Turn 2 (assistant, trained) writes '<|im_end|>' and '<|im_start|>' in its own text"),
        ("warning", "Turn 1 (user) writes '<|im_end|>' in its own text"),
    ]),
    ("eos_in_a_trained_reply", chat(user("Hi"), reply("Bye.<|endoftext|>")), "chatml", "all_assistant", [
        ("error", "Turn 2 (assistant, trained) writes '<|endoftext|>'"),
    ]),
    ("untrained_earlier_reply", chat(user("A"), reply("x <|im_start|>system"), user("B"), reply("ok")), "chatml",
     "last_assistant", [("warning", "Turn 2 (assistant) writes '<|im_start|>'")]),
    ("system_turn", chat({"role": "system", "content": "Stop at <|im_end|>."}, user("Hi"), reply("Hello.")),
     "chatml", "all_assistant", [("warning", "Turn 1 (system) writes '<|im_end|>'")]),
    ("tool_call_arguments", chat(user("Look it up"), reply("", tool_calls=[call({"q": "a<|im_end|>b"})]),
                                 {"role": "tool", "tool_call_id": "c1", "content": "found <|im_start|>"},
                                 reply("Done.")), "hermes", "all_assistant", [
        ("error", "Turn 2 (assistant, trained) writes '<|im_end|>'"),
        ("warning", "Turn 3 (tool) writes '<|im_start|>'"),
    ]),
    ("reasoning", chat(user("Q"), reply("A.", reasoning="first <|im_end|> then")), "hermes", "all_assistant", [
        ("error", "Turn 2 (assistant, trained) writes '<|im_end|>'"),
    ]),
    # Mistral's </s> is not a token of SmolLM2's: its text is still the template's own end-of-turn marker.
    ("template_token_the_tokenizer_lacks", chat(user("Hi"), reply("Done </s> now")), "mistral", "all_assistant", [
        ("error", "Turn 2 (assistant, trained) writes '</s>' in its own text: it is the text of a control token"),
    ]),
    ("prompt_only", {"prompt": [user("Say <|im_start|>")]}, "chatml", "all_assistant", [
        ("warning", "Turn 1 (user) writes '<|im_start|>'"),
    ]),
    ("preference_prompt_said_once", {"prompt": [user("Q <|im_end|>")], "chosen": [reply("a")],
                                     "rejected": [reply("b")]}, "chatml", "all_assistant", [
        ("warning", "Turn 1 (user) writes '<|im_end|>'"),
    ]),
    # Look-alikes are text: a space inside, a tag this tokenizer does not call special, inline reasoning.
    ("look_alikes", chat(user("< |im_end|> and <|im_end |>"), reply("<think>hm</think>Use <tool_call>.")),
     "tokenizer", "all_assistant", []),
]  # fmt: skip


@pytest.mark.parametrize("row, template, policy, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_control_tokens_in_a_turns_text_are_named_with_the_turn_and_graded(
    smol_tokenizer, row, template, policy, expected
):
    chosen = get_template(template, smol_tokenizer)
    found = [
        c for c in preflight(encode_row(row, smol_tokenizer, chosen, policy), smol_tokenizer, chosen) if c.code == CODE
    ]
    assert [c.severity for c in found] == [severity for severity, _ in expected], [c.message for c in found]
    for check, (_, words) in zip(found, expected, strict=True):
        assert words in check.message, check.message
        assert "Remove" in check.fix and "with a space inside" in check.fix  # how to fix it


def test_the_token_is_trained_as_the_special_id_transformers_gives_it(smol_tokenizer):
    """The reference: `tokenizer(text, add_special_tokens=False)`, as TRL tokenizes, reads the reply's `<|im_end|>`
    as the special id; our labels train that id inside the reply, which is what the error says."""
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(REVIEW_ROW, smol_tokenizer, template)
    eos = smol_tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert eos in smol_tokenizer.all_special_ids
    assert eos in smol_tokenizer("It ends a turn: <|im_end|>", add_special_tokens=False)["input_ids"]
    in_reply = [t for t in enc.tokens if t.segment == "content" and t.role == "assistant" and t.trained]
    assert [t.label for t in in_reply if t.special] == [eos, smol_tokenizer.convert_tokens_to_ids("<|im_start|>")]
    assert all(t.label != IGNORE_INDEX for t in in_reply)
    (error,) = [c for c in preflight(enc, smol_tokenizer, template) if c.severity == "error"]
    assert error.code == CODE and "reads each as the control token itself" in error.message


def test_tokens_command_says_it_and_exits_1(tmp_path, capsys):
    path = tmp_path / "quoted.jsonl"
    path.write_text(json.dumps(REVIEW_ROW) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--max-length", "384"]) == 1  # an error-level check, as no_trained_tokens is
    out = capsys.readouterr().out
    assert f"ERROR: [{CODE}] Turn 2 (assistant, trained)" in out and f"WARNING: [{CODE}] Turn 1 (user)" in out


def test_a_split_report_and_a_run_name_the_rows(smol_tokenizer, tiny_model_dir):
    """Where checks are gathered over a file (`batch`, a run's pre-launch report): the rows are named, and a trained
    reply with a control token refuses the run, as a dropped tool call does."""
    clean = chat(user("Hi"), reply("Hello."))
    rows = [clean, REVIEW_ROW, clean, chat(user("<|im_start|>"), reply("ok"))]
    template = get_template("tokenizer", smol_tokenizer)
    said = {c.severity: c.message for c in template_report(encode_rows(rows, smol_tokenizer, template), template)
            if c.code == CODE}  # fmt: skip
    assert said["error"].startswith("In 1 of 4 training rows (row 2): Turn 2 (assistant, trained)"), said
    assert said["warning"].startswith("In 2 of 4 training rows (rows 2, 4), in 2 ways."), said
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    assert not report.ok and any("(row 2): Turn 2 (assistant, trained) writes" in e for e in report.errors)
