"""The built-in hermes template writes the results of parallel calls as Hermes writes them: one `tool` turn holding a
<tool_response> block for each result (Hermes-2-Pro's own template; a Hermes dataset's row holds them so), not one
`tool` turn per result. Before, a Hermes row whose tool turn held two <tool_response> blocks was trained as two
`<|im_start|>tool` turns, a conversation the model never sees when it is served with a Hermes template.

The content is ours (a helper's browser walk: frost risk at two gardens, asked in one question).
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes
from ftlib.templates import get_template, render, render_spans
from ftlib.tokens import encode_row

FROST = {
    "type": "function",
    "function": {
        "name": "frost_risk",
        "description": "Chance of frost tonight at a postcode",
        "parameters": {"type": "object", "properties": {"postcode": {"type": "string"}}, "required": ["postcode"]},
    },
}
CALLS = [
    {"type": "function", "function": {"name": "frost_risk", "arguments": {"postcode": code}}}
    for code in ("LS6 2AB", "BS3 4QQ")
]
RESULTS = ['{"chance": 0.7}', '{"chance": 0.1}']
ANSWER = "Cover the plants in Leeds (70%); Bristol should be fine (10%)."
CHAT = [
    {"role": "user", "content": "Should I cover my plants tonight in Leeds and in Bristol?"},
    {"role": "assistant", "content": "", "tool_calls": CALLS},
    {"role": "tool", "name": "frost_risk", "content": RESULTS[0]},
    {"role": "tool", "name": "frost_risk", "content": RESULTS[1]},
    {"role": "assistant", "content": ANSWER},
]
# The two results as Hermes-2-Pro's template writes them: one tool turn, a block each, the blocks on lines of their own
BLOCKS = "\n".join(f"<tool_response>\n{r}\n</tool_response>" for r in RESULTS)
ONE_TURN = f"<|im_start|>tool\n{BLOCKS}<|im_end|>\n<|im_start|>assistant\n"


def test_parallel_results_are_one_tool_turn(smol_tokenizer):
    template = get_template("hermes", smol_tokenizer)
    text = render(template, CHAT, tools=[FROST])
    assert text.count("<|im_start|>tool") == 1 and ONE_TURN in text
    # What transformers renders from the same template (the studio's sandbox agrees with it)
    reference = smol_tokenizer.apply_chat_template(CHAT, chat_template=template.source, tools=[FROST], tokenize=False)
    assert text == reference
    # Each result's span still lands on its own text
    spans = render_spans(template, CHAT, tools=[FROST])
    assert spans.exact and [spans.text[slice(*spans.contents[i])] for i in (2, 3)] == RESULTS


def test_one_result_and_results_apart_keep_their_own_turns(smol_tokenizer):
    template = get_template("hermes", smol_tokenizer)
    one = render(template, [*CHAT[:2], CHAT[2], {"role": "assistant", "content": "Cover them."}])
    assert "<|im_start|>tool\n<tool_response>\n" + RESULTS[0] + "\n</tool_response><|im_end|>\n" in one
    # A result that ends the conversation (a prompt for the next reply) closes its turn
    prompt = render(template, CHAT[:4], add_generation_prompt=True)
    assert prompt.endswith(RESULTS[1] + "\n</tool_response><|im_end|>\n<|im_start|>assistant\n")
    assert prompt.count("<|im_start|>tool") == 1
    # Results of calls in two different assistant turns stay two tool turns
    apart = [*CHAT[:3], {"role": "assistant", "content": "", "tool_calls": CALLS[1:]}, CHAT[3], CHAT[4]]
    assert render(template, apart).count("<|im_start|>tool") == 2


def test_a_hermes_row_is_trained_on_its_tool_turn_as_written(smol_tokenizer):
    """A Hermes file's tool turn of two <tool_response> blocks is written back as the file wrote it, masked; the
    parallel calls and the answer trained."""
    tools = json.dumps([FROST])
    said = [{"name": "frost_risk", "arguments": c["function"]["arguments"]} for c in CALLS]
    calls = "\n".join("<tool_call>\n" + json.dumps(c) + "\n</tool_call>" for c in said)
    results = "\n".join("<tool_response>\n" + r + "\n</tool_response>" for r in RESULTS)
    row = {
        "conversations": [
            {"from": "system", "value": f"You check gardens.\n<tools>\n{tools}\n</tools>\nCall in <tool_call> tags."},
            {"from": "human", "value": CHAT[0]["content"]},
            {"from": "gpt", "value": calls},
            {"from": "tool", "value": results},
            {"from": "gpt", "value": ANSWER},
        ]
    }
    (read,) = load_bytes((json.dumps(row) + "\n").encode(), "gardens.jsonl").rows
    encoded = encode_row(read, smol_tokenizer, "hermes")
    assert "<|im_start|>tool\n" + results + "<|im_end|>" in encoded.text
    trained = "".join(t.text for t in encoded.tokens if t.trained)
    masked = "".join(t.text for t in encoded.tokens if not t.trained)
    assert trained == calls + "<|im_end|>" + ANSWER + "<|im_end|>"
    assert all(r in masked for r in RESULTS) and masked.count("<|im_start|>tool") == 1
