"""Two shapes of real chat exports the reader got subtly wrong: a `bot` role (some ShareGPT-style and chat-log
exports name the assistant so) was refused ("the role 'bot' ... is not supported"), and a turn of several OpenAI
text parts ran its parts together ("k2, p2." + "What does p2 mean?" -> "k2, p2.What does p2 mean?").

A text model is served OpenAI's parts as one text joined by line breaks (vLLM's chat_utils: "\\n".join of a turn's
text parts, when its template takes text content), so the studio trains on that text. Parts that already meet at a
space or a line break (a reply written in pieces) or that cite a source (Anthropic's cited reply, one text split at
its citations) are joined as written. An empty part is left out, as vLLM leaves it out (its neighbours then meet as
if it were not there). The content is ours.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row
from ftlib.turns import join_parts

ASK = {"role": "user", "content": "Which way does a clock's hand turn?"}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "export.jsonl")


@pytest.mark.parametrize(
    "row",
    [
        {"conversations": [{"from": "human", "value": ASK["content"]}, {"from": "bot", "value": "Clockwise."}]},
        {"messages": [ASK, {"role": "Bot", "content": "Clockwise."}]},
    ],
    ids=["sharegpt-from", "messages-role"],
)
def test_a_bot_turn_is_the_assistants_said_once_per_file(row, smol_tokenizer):
    result = load(row, row)
    assert [e.message for e in result.errors] == []
    assert [t["role"] for t in result.rows[0]["messages"]] == ["user", "assistant"]
    said = [n.message for n in result.notices if "`bot`" in n.message]
    assert len(said) == 1 and "read as the assistant's turns" in said[0], said
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "chatml").tokens if t.trained)
    assert "Clockwise" in trained


def parts(*texts: str, **more) -> list[dict]:
    return [{"type": "text", "text": t, **more} for t in texts]


# (id, the parts of one turn, the text read, whether a note says a line break was put between parts)
JOINS = [
    ("separate-blocks", parts("My row: k2, p2.", "What does p2 mean?"), "My row: k2, p2.\nWhat does p2 mean?", True),
    ("three-blocks", parts("a", "b", "c"), "a\nb\nc", True),
    ("spaced-before", parts("What is ", "6 x 7?"), "What is 6 x 7?", False),
    ("spaced-after", parts("Read this:", "\n\nThen answer."), "Read this:\n\nThen answer.", False),
    ("a-line-already", parts("First line\n", "Second line"), "First line\nSecond line", False),
    ("cited-pieces", [*parts("The hand turns "), *parts("clockwise", citations=[{"cited_text": "c"}]), *parts(".")],
     "The hand turns clockwise.", False),
    # An empty part is no part: vLLM's chat_utils keeps a part's text only `if parse_res`, so one line break, not two
    ("an-empty-part", parts("Cast on 20.", "", "Knit every row."), "Cast on 20.\nKnit every row.", True),
]  # fmt: skip


@pytest.mark.parametrize(("written", "read", "noted"), [c[1:] for c in JOINS], ids=[c[0] for c in JOINS])
def test_text_parts_are_joined_by_a_line_break_unless_they_meet_spaced_or_cited(written, read, noted):
    result = load({"messages": [{"role": "user", "content": written}, {"role": "assistant", "content": "Purl two."}]})
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][0]["content"] == read
    assert any("text parts" in n.message for n in result.notices) == noted


# (the parts' texts, whether each cites a source, the text joined): an empty part's citation flag stood between its
# neighbours. A file's cited parts are Anthropic's, joined as written before join_parts (api_shapes.as_written); a
# turn read otherwise (a ShareGPT `value` of parts) reaches join_parts with its flags.
EMPTY_BETWEEN = [
    (["Cast on 20.", "", "Knit every row."], [False, True, False], "Cast on 20.\nKnit every row."),
    (["The hand turns ", "clockwise", "", "."], [False, True, False, False], "The hand turns clockwise."),
    (["", "Cast on 20."], [False, False], "Cast on 20."),
]


@pytest.mark.parametrize(("texts", "cited", "joined"), EMPTY_BETWEEN, ids=["empty-cited", "cited-then-empty", "first"])
def test_an_empty_part_is_left_out_before_parts_are_joined_as_vllm_does(texts, cited, joined):
    assert join_parts(texts, cited)[0] == joined


def test_a_reply_of_two_parts_renders_and_trains_both_on_their_own_lines(smol_tokenizer):
    reply = {"role": "assistant", "content": parts("It means purl two stitches.", "Repeat across the row.")}
    result = load({"messages": [ASK, reply]})
    (said,) = [n.message for n in result.notices if "text parts" in n.message]
    assert "line break" in said and "vLLM" in said and "one text" in said, said
    encoded = encode_row(result.rows[0], smol_tokenizer, "chatml")
    assert "stitches.\nRepeat across the row.<|im_end|>" in encoded.text
    trained = "".join(t.text for t in encoded.tokens if t.trained)
    assert "stitches.\nRepeat across the row." in trained
