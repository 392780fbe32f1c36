"""The `text` template writes a row as TRL's standard prompt/completion text, with no roles: the reasons beside its
tokens name its parts "prompt" and "completion", not a chat's "user prompt" and "assistant reply"; a chat template
keeps the chat's words."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.tokens import encode_row, parts
from tests.test_pages_tokens import PAGE, TRAIN, html, run

CHAT = TRAIN[1]  # a system turn, two user turns and two replies
PREFERENCE = {
    "prompt": [{"role": "user", "content": "The sky is"}],
    "chosen": [{"role": "assistant", "content": " blue."}],
    "rejected": [{"role": "assistant", "content": " green."}],
}
PROMPT = "prompt — masked: the model reads it and learns only the completion after it"
COMPLETION = "completion (trained)"
END = "end of the completion (the eos after it) — trained so the model learns to stop"
USER = "user prompt — masked: the model should not learn to write the user's words"
REPLY, END_OF_TURN = "assistant reply (trained)", "end of assistant turn — trained so the model learns to stop"
# A rejected answer is scored to be made less likely, never imitated: said in the completion's words.
PUSHED = (
    " — scored, never imitated: DPO lowers its likelihood against the chosen answer's (relative to the starting model)"
)
REJECTED = [
    PROMPT,
    "the rejected answer's completion" + PUSHED,
    "the rejected answer's end of the completion" + PUSHED,
]
# (id, row, template, policy, every reason its tokens are given, in order of first appearance)
CASES = [
    ("text, every completion", CHAT, "text", "all_assistant", [PROMPT, COMPLETION, END]),
    (
        "text, the last completion",
        CHAT,
        "text",
        "last_assistant",
        [PROMPT, "earlier completion — masked: this policy trains only the last completion", COMPLETION, END],
    ),
    (
        "text, completion only",
        CHAT,
        "text",
        "completion_only",
        [PROMPT, "earlier completion — part of the prompt, masked (completion only)", COMPLETION, END],
    ),
    ("text, a preference pair", PREFERENCE, "text", "all_assistant", [PROMPT, COMPLETION, END]),
    ("text, a prompt for GRPO", {"prompt": PREFERENCE["prompt"]}, "text", "all_assistant", [PROMPT]),
    (
        "chat, unchanged",
        CHAT,
        "chatml",
        "last_assistant",
        [
            "template scaffolding — masked",
            "system prompt — masked",
            USER,
            "earlier assistant turn — masked: this policy trains only the last assistant turn",
            REPLY,
            END_OF_TURN,
        ],
    ),
]


@pytest.mark.parametrize("row, template, policy, reasons", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_text_template_rows_parts_are_the_prompt_and_the_completion(smol_tokenizer, row, template, policy, reasons):
    for name, enc in parts(encode_row(row, smol_tokenizer, template, policy)).items():
        seen = list(dict.fromkeys(t.reason for t in enc.tokens))
        assert seen == (REJECTED if name == "rejected" else reasons)
        said = " ".join(seen)
        if template == "text":  # a sentinel: no chat word is left anywhere in a raw text row's reasons
            assert "user" not in said and "assistant" not in said and "turn" not in said, said


def test_the_tokens_page_names_a_text_rows_prompt_and_completion():
    workspace.save_split("chats", TRAIN, TRAIN[:1], {"format": "messages"})
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    assert "user prompt — masked" in html(at)  # the model's own chat template: a chat's words
    assert any(c.value.startswith("Trained / total per role: ") for c in at.caption)
    at.selectbox(key="tok_template").set_value("text")
    run(at)
    body = html(at)
    assert PROMPT in body and COMPLETION in body and END in body
    assert "user prompt" not in body and "assistant reply" not in body
    said = [c.value for c in at.caption if c.value.startswith("Trained / total per")]
    assert said and said[0].startswith("Trained / total per part: prompt: 0/"), said
    assert ", completion: " in said[0] and "user" not in said[0]
