"""OpenAI's shapes beside its chat messages -> the turns ftlib/turns.py reads: an assistant's `refusal`, and the
Responses API's items.

Chat Completions logs a reply the model declined to give as `refusal`, with no content (or, in a typed content
list, as a {"type": "refusal"} part):

    {"role": "assistant", "content": null, "refusal": "I can't help with that."}
    -> {"role": "assistant", "content": "I can't help with that."}                   (said once per file)

The Responses API writes a conversation as a list of items (a request's `input`, a response's `output`):

    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Tide at Whitby?"}]}
    {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Look it up."}], "encrypted_content": "gAA"}
    {"type": "function_call", "call_id": "call_1", "name": "lookup_tide", "arguments": "{\\"harbour\\": \\"Whitby\\"}"}
    {"type": "function_call_output", "call_id": "call_1", "output": "14:05"}
    -> user turn; assistant turn (reasoning "Look it up.", the call); tool turn (tool_call_id "call_1")

A reasoning item's summary is the reasoning of the assistant turn after it (its `content` of reasoning_text parts
where it has no summary); its `encrypted_content` (the full reasoning, readable only by OpenAI) and any other key
stay on that turn as `reasoning.<key>`, so the file's report names them. Calls following an assistant turn are that
turn's calls.

The API's other items refuse their row, naming the item, who ran the tool and what to do (`item_problem`, from the
table `OTHER_ITEMS`): a hosted tool's call (`web_search_call`, `file_search_call`, `code_interpreter_call`,
`image_generation_call`, `mcp_call`, ...) is one OpenAI ran on its side, its results in a shape of their own or not in
the file at all (a web search's pages); a computer use, shell, patch or custom tool's call is one the developer's code
ran, its arguments no function's JSON. None is a function call a chat template writes, and reading one as such would be
a guess (which function name, which arguments, which result), so none is read, and no row is trained with them silently
left out: the user takes them out, or writes them as `function_call` items.

Not known here: how a turn is read (turns.py), a row's other shapes (api_shapes.py).
"""

from __future__ import annotations

from typing import Any

from ftlib.row_problem import RowProblem
from ftlib.turn_keys import has_value
from ftlib.turn_names import ROLES, TEXT_PARTS

# Why a refusal is read as the reply: OpenAI's own fine-tuning input takes an assistant message with `refusal` ("the
# refusal message by the assistant", FineTuneChatCompletionRequestAssistantMessage in its API spec), so logs exported
# to fine-tune carry it as what the model said; refusing the row lost it. Said, since a user may not want refusals
# trained.
REFUSAL_NOTE = (
    "an assistant turn of '{field}' has no text but a `refusal` (how OpenAI's API logs a reply the model declined to "
    "give): the refusal is read as the reply and trained, as OpenAI's fine-tuning reads it. Leave those rows out if "
    "the model should not learn to decline there"
)
ITEMS = {"message", "function_call", "function_call_output", "reasoning"}  # the Responses API's items read here
# Its other items (OpenAI's API reference, "Items"): what each holds, in words, and who ran the tool: "openai" (a
# hosted tool: OpenAI ran it while answering), "yours" (a built-in tool the developer's code carries out), "" (none).
OTHER_ITEMS = {
    "web_search_call": ("a web search", "openai"),
    "file_search_call": ("a search of files stored with OpenAI (file search)", "openai"),
    "code_interpreter_call": ("code run in OpenAI's code interpreter", "openai"),
    "image_generation_call": ("an image made by OpenAI's image generation tool", "openai"),
    "mcp_call": ("a call to a tool of a remote MCP server", "openai"),
    "mcp_list_tools": ("the tools a remote MCP server offers", "openai"),
    "mcp_approval_request": ("a request to approve a call to an MCP server's tool", "openai"),
    "mcp_approval_response": ("the answer to a request to approve an MCP tool call", "openai"),
    "computer_call": ("an action of the computer use tool", "yours"),
    "computer_call_output": ("the screenshot sent back after a computer use action", "yours"),
    "local_shell_call": ("a command of the local shell tool", "yours"),
    "local_shell_call_output": ("the output of a local shell command", "yours"),
    "shell_call": ("a command of the shell tool", "yours"),
    "shell_call_output": ("the output of a shell tool command", "yours"),
    "apply_patch_call": ("a file patch of the apply_patch tool", "yours"),
    "apply_patch_call_output": ("the result of an apply_patch call", "yours"),
    "custom_tool_call": ("a call to a custom tool (its input free text, not JSON arguments)", "yours"),
    "custom_tool_call_output": ("the output of a custom tool call", "yours"),
    "item_reference": ("a reference, by id, to an item OpenAI stores: the item itself is not in the file", ""),
}
_AS_FUNCTION = (
    "write each call as a `function_call` item (`name`, JSON `arguments`, a `call_id`) and its result as a "
    "`function_call_output` item with the same `call_id`, with the function in the row's `tools`"
)
_DONE = {"status": "completed"}  # an item's default status: says nothing


def _role(turn: dict) -> str | None:
    tag = turn.get("role", turn.get("from"))
    return ROLES.get(tag.strip().lower()) if isinstance(tag, str) else None


def _has_text(content: Any) -> bool:
    if isinstance(content, str):
        return bool(content.strip())
    parts = content if isinstance(content, list) else []
    return any(
        isinstance(p, dict) and p.get("type", "text") in TEXT_PARTS and str(p.get("text") or "").strip() for p in parts
    )


def refusal_turn(turn: Any, field: str, ignored: set[str], notes: list[str] | None = None) -> Any:
    """An assistant `turn` whose only words are a `refusal` (the key, or {type: refusal} parts) with them as its text,
    said in `notes` (REFUSAL_NOTE); beside text, the refusal stays as written, and turns.py names it as not read (a
    refusal part is taken out of the content and named as `<field>[].content[].refusal`). Any other turn as it is.

    >>> refusal_turn({"role": "assistant", "content": None, "refusal": "I can't help with that."}, "messages", set())
    {'role': 'assistant', 'content': "I can't help with that."}
    """
    if not isinstance(turn, dict) or _role(turn) != "assistant":
        return turn
    content, said = turn.get("content"), turn.get("refusal")
    parts = content if isinstance(content, list) else []
    refusals = [p for p in parts if isinstance(p, dict) and p.get("type") == "refusal"]
    if not (isinstance(said, str) and said.strip()) and not refusals:
        return turn
    rest = [p for p in parts if not any(p is r for r in refusals)]
    if _has_text(rest if isinstance(content, list) else content):  # both: the text is the reply, the refusal named
        if refusals:
            ignored.add(f"{field}[].content[].refusal")
            return {**turn, "content": rest}
        return turn
    out = {k: v for k, v in turn.items() if k != "refusal"}
    if refusals:  # each part as a text part, in place; a `refusal` key saying the same is read once
        as_text = [{"type": "text", "text": p.get("refusal"), **_rest(p, "type", "refusal")} for p in refusals]
        out["content"] = [as_text.pop(0) if any(p is r for r in refusals) else p for p in parts]
        if has_value(said) and said not in [p.get("refusal") for p in refusals]:
            out["refusal"] = said  # a second, different refusal: named as not read
    elif isinstance(content, list) and content:  # reasoning parts, a call: the refusal is the reply's text after them
        out["content"] = [*content, {"type": "text", "text": said}]
    else:
        out["content"] = said
    if notes is not None and (note := REFUSAL_NOTE.format(field=field)) not in notes:
        notes.append(note)
    return out


def _rest(item: dict, *read: str) -> dict:
    """The keys of `item` not in `read`, but a `status` of "completed" (every finished item's)."""
    return {k: v for k, v in item.items() if k not in read and _DONE.get(k, object()) != v}


def is_item(turn: Any) -> bool:
    """Whether `turn` is one of the Responses API's items read here (a message item has its `role`)."""
    return (
        isinstance(turn, dict)
        and turn.get("type") in ITEMS
        and "from" not in turn
        and (turn["type"] != "message" or "role" in turn)
    )


def item_problem(item: Any) -> str | None:
    """What is wrong with `item` if it is one of the Responses API's items not read here (`OTHER_ITEMS`), as the end
    of a sentence starting "turn N of 'messages' ": what it holds, who ran the tool, why the studio does not read it
    and what to do; None for anything else (a message, a function call, any turn with a role).

    >>> item_problem({"type": "web_search_call", "id": "ws_1", "status": "completed"})[:102]
    'is a Responses API `web_search_call` item: a web search, a tool OpenAI ran on its side while answering'
    """
    kind = item.get("type") if isinstance(item, dict) and not ({"role", "from"} & item.keys()) else None
    if not isinstance(kind, str) or kind not in OTHER_ITEMS:
        return None
    what, ran = OTHER_ITEMS[kind]
    said = f"is a Responses API `{kind}` item: {what}"
    if kind == "item_reference":
        return (
            f"{said}. Write the conversation out with its items (a response's `output`, the items of "
            "`GET /v1/responses/{id}/input_items`), or take the reference out."
        )
    if ran == "openai":
        said += ", a tool OpenAI ran on its side while answering (a hosted tool)"
    else:
        said += ", which your own code carried out for the model"
    return (
        f"{said}. The studio reads function calls (`function_call`, `function_call_output`) and no other tool item: a "
        f"chat template writes only those. Take the `{kind}` items out of the rows (the messages around them can "
        f"stay), or, to train the model to use such a tool, {_AS_FUNCTION}."
    )


def item_turns(items: list, field: str = "messages") -> list[tuple[int, Any]]:
    """(number of the item written, turn) for each turn the Responses API's `items` hold (see the module docstring);
    a list holding none of its items as it is, numbered. RowProblem for an item of another kind (`item_problem`),
    naming its number in `field`: refused by name, not left out (a row losing a search and its answer's grounds).

    >>> item_turns([{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "status": "completed"}])
    [(1, {'role': 'assistant', 'content': '', 'tool_calls': [{'type': 'function', 'id': 'c1', 'function': {'name': \
'f', 'arguments': '{}'}}]})]
    """
    for i, item in enumerate(items, start=1):
        if problem := item_problem(item):
            raise RowProblem(f"turn {i} of '{field}' {problem}")
    if not any(is_item(t) for t in items):
        return list(enumerate(items, start=1))
    out: list[tuple[int, Any]] = []
    made: list[dict] = []  # the turns made from items (a message, a call), which a call after them joins
    thought: dict = {}  # the reasoning item waiting for the assistant turn after it, as that turn's keys
    thought_at = 0
    for i, item in enumerate(items, start=1):
        kind = item.get("type") if is_item(item) else None
        last = out[-1][1] if out and any(out[-1][1] is t for t in made) else None  # a reply these items made
        last = last if last is not None and last.get("role") == "assistant" else None
        if kind == "reasoning":
            thought, thought_at = reasoning_keys(item), i
            continue
        if kind == "function_call":
            call = {"type": "function", "id": item.get("call_id"), "function": {"name": item.get("name")}}
            call["function"]["arguments"] = item.get("arguments")
            # the item's own id (fc_...) is not the call's id (call_id, which its output names): kept, so named
            call.update({("item_id" if k == "id" else k): v for k, v in _rest(item, *_CALL_READ).items()})
            if last is not None and not thought:  # a call after the reply's text or another call: the same turn
                last["tool_calls"] = [*last.get("tool_calls", []), call]
                continue
            turn = {"role": "assistant", "content": "", "tool_calls": [call]}
        elif kind == "function_call_output":
            turn = {"role": "tool", "tool_call_id": item.get("call_id")}
            if "output" in item:  # null is an empty result (turns.py); no `output` at all is refused as no content
                turn["content"] = item["output"]
            turn.update(_rest(item, "type", "call_id", "output"))
        elif kind == "message":
            turn = {**_rest(item, "type")}
        else:
            out.append((i, item))
            continue
        if thought and _role(turn) == "assistant":
            turn, thought = {**turn, **thought}, {}
        elif thought:  # reasoning with no reply after it: turns.py refuses it ("has reasoning but no answer")
            out.append((thought_at, {"role": "assistant", "content": "", **thought}))
            thought = {}
        out.append((i, turn))
        made.append(turn)
    if thought:  # reasoning with no reply after it: turns.py refuses it ("has reasoning but no answer")
        out.append((thought_at, {"role": "assistant", "content": "", **thought}))
    return out


_CALL_READ = ("type", "call_id", "name", "arguments")


def reasoning_keys(item: dict, prefix: str = "reasoning.") -> dict:
    """A Responses API reasoning object as a turn's keys: `reasoning` (its summary's text, or its reasoning_text
    parts'; none where both are empty) and each other key holding a value as `<prefix><key>` (named by the report).

    >>> reasoning_keys({"type": "reasoning", "summary": [{"type": "summary_text", "text": "Tides."}], "id": "rs_1"})
    {'reasoning': 'Tides.', 'reasoning.id': 'rs_1'}
    """
    summary, content = item.get("summary"), item.get("content")
    texts = [p.get("text") for p in summary if isinstance(p, dict)] if isinstance(summary, list) else []
    if not any(texts) and isinstance(content, list):
        texts, summary = [p.get("text") for p in content if isinstance(p, dict)], content
        content = None
    out = {"reasoning": "\n\n".join(t for t in texts if isinstance(t, str))} if any(texts) else {}
    rest = _rest({**item, "content": content}, "type", "summary")
    return out | {f"{prefix}{k}": v for k, v in rest.items() if has_value(v)}


def _summarised(part: Any) -> bool:
    """A reasoning part as the Responses API writes reasoning: a `summary`, no text of its own."""
    return (
        isinstance(part, dict)
        and part.get("type") == "reasoning"
        and "summary" in part
        and not any(k in part for k in ("reasoning", "thinking", "text"))
    )


def summary_parts(turn: Any, field: str, ignored: set[str]) -> Any:
    """`turn` with its reasoning parts in the Responses API's shape ({type: reasoning, summary: [...]}, as LangChain
    dumps a Responses reply's content) as reasoning parts of their summary's text; one with no text (no summary was
    asked for) left out, its keys (`id`, `encrypted_content`) named as `<field>[].content[].<key>`. Any other turn as
    it is."""
    parts = turn.get("content") if isinstance(turn, dict) else None
    if not (isinstance(parts, list) and any(_summarised(p) for p in parts)):
        return turn
    out = []
    for part in parts:
        read = reasoning_keys(part, "") if _summarised(part) else None
        if read is not None and "reasoning" not in read:
            ignored.update(f"{field}[].content[].{k}" for k in read)
        out += [part] if read is None else [{"type": "reasoning", **read}] if "reasoning" in read else []
    return {**turn, "content": out}


def responses_record(record: dict) -> dict | None:
    """A logged Responses API call ({input, output, instructions, tools}; `input` text or a list of items and
    messages, `output` a list of items) as a row of `messages`: `instructions` as its `system`, its flat function
    tools as OpenAI's chat `tools` (those of a row whose `messages` are items too). None for any other record
    (Alpaca's `input` and `output` are text).

    >>> responses_record({"input": "Tide at Whitby?", "output": [{"type": "message", "role": "assistant",
    ...                   "content": [{"type": "output_text", "text": "14:05"}]}], "instructions": "Be brief."})
    {'messages': [{'role': 'user', 'content': 'Tide at Whitby?'}, {'type': 'message', 'role': 'assistant', \
'content': [{'type': 'output_text', 'text': '14:05'}]}], 'system': 'Be brief.'}
    """
    given, answer, listed = record.get("input"), record.get("output"), record.get("messages")
    if isinstance(listed, list) and any(_api_item(t) for t in listed):  # the items as messages: their tools are flat
        return {**record, **_tools(record)}
    if "messages" in record or not (isinstance(answer, list) and any(_api_item(t) for t in answer)):
        return None
    if not (isinstance(given, str) or isinstance(given, list) and all(isinstance(t, dict) for t in given)):
        return None
    out = {k: v for k, v in record.items() if k not in ("input", "output", "instructions")}
    out["messages"] = [*([{"role": "user", "content": given}] if isinstance(given, str) else given), *answer]
    if "system" not in record and has_value(record.get("instructions")):
        out["system"] = record["instructions"]
    elif has_value(record.get("instructions")):
        out["instructions"] = record["instructions"]  # beside a `system`: named as not read
    return out | _tools(record)


def _api_item(turn: Any) -> bool:
    """An item of the Responses API: one read here, or one refused by name (`item_problem`)."""
    return is_item(turn) or item_problem(turn) is not None


def _tools(record: dict) -> dict:
    """{"tools": the Responses API's flat function tools ({type: function, name, parameters}) as chat's
    ({type: function, function: {name, parameters}}), any other tool as it is}; {} where the record has no list."""
    tools = record.get("tools")
    if not isinstance(tools, list):
        return {}
    flat = [isinstance(t, dict) and t.get("type") == "function" and "function" not in t and "name" in t for t in tools]
    return {
        "tools": [
            {"type": "function", "function": _rest(t, "type")} if f else t for t, f in zip(tools, flat, strict=True)
        ]
    }


__all__ = [
    "ITEMS",
    "OTHER_ITEMS",
    "REFUSAL_NOTE",
    "is_item",
    "item_problem",
    "item_turns",
    "reasoning_keys",
    "refusal_turn",
    "responses_record",
    "summary_parts",
]
