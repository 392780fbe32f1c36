"""Rows and turns as the model providers' APIs and tuning services write them -> the shape turns.py and formats.py
read (OpenAI's messages), converted before a row's format is guessed.

    Anthropic  tool results as `tool_result` parts of a user turn (the calls are `tool_use` parts: turns.py reads
               those); a top-level `system`, text or a list of text blocks; `tools` of `input_schema`, written as
               OpenAI's functions (its `parameters`: what templates show the model)
    Gemini     Vertex AI's tuning rows: `contents` of turns with `parts` ({text}, {text, thought: true},
               {functionCall}, {functionResponse}, {inlineData}/{fileData}, the code execution tool's
               {executableCode} and {codeExecutionResult} as text of the reply), `systemInstruction` (or
               `system_instruction`) of parts, `tools` of `functionDeclarations`; google-genai's Python dumps, the
               same keys in snake_case (`function_call`, `inline_data`, ...), read as their twins
    Bedrock    Amazon Bedrock's conversation rows (`schemaVersion` "bedrock-conversation-2024"): `system` as a list of
               {text}, content blocks ({text}, {toolUse}, {toolResult}, {reasoningContent}, {image}/{document}/
               {video}; a {cachePoint} hint left out, redacted reasoning refused by name), tools in
               `toolConfig.tools[].toolSpec`

    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
                                 {"type": "text", "text": "And tomorrow?"}]}
    -> {"role": "tool", "tool_call_id": "toolu_1", "content": "18C"}, {"role": "user", "content": "And tomorrow?"}

Chat templates know a tool's result as a turn with the role `tool`, so each result part becomes one, in order; text
parts beside them stay the turn they were written in. Gemini's code execution tool runs the model's code on
Google's side: no chat template has a turn for it, and a text model runs no code, so its code and output become text
of the reply, fenced as Google's docs show them (```python, then the output in a ``` block), said once per file with
how many and any outcome other than OK (`api_records`). An error flag on a result (`is_error: true`, Bedrock's
`status: "error"`) is read by no chat template: the result keeps its text and the row's report names the key, as any
key not read. Images, documents and videos become the media parts turns.py refuses by name. A row whose shape is
converted is said once per file (`api_records`).

A Gemini turn's text parts, and the text blocks of a row in Anthropic's shape, are one text joined as written, as
google-genai's and Anthropic's SDKs join them (`as_written`), not by the line break turns.py puts between OpenAI's
content parts (as vLLM serves them). Bedrock's text blocks keep that line break: boto3 joins none, and AWS's agent
SDK (strands-agents, `AgentResult.__str__`) ends each text block with a line break.

Not known here: how a turn is read (turns.py), a row's format (formats.py).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ftlib.openai_turns import responses_record

TOOL_RESULT = "tool_result"
# The parts of Gemini's code execution tool: the code the model wrote, and what running it printed
_CODE_PARTS = ("executableCode", "codeExecutionResult")
# google-genai's Python SDK dumps (`model_dump()`, `to_json_dict()`) write the REST API's camelCase keys in snake_case:
# read as their REST twins (`_camel`), so one reader serves both
_SNAKE = {
    "function_call": "functionCall",
    "function_response": "functionResponse",
    "inline_data": "inlineData",
    "file_data": "fileData",
    "executable_code": "executableCode",
    "code_execution_result": "codeExecutionResult",
    "thought_signature": "thoughtSignature",
    "video_metadata": "videoMetadata",
    "function_declarations": "functionDeclarations",
    "will_continue": "willContinue",
}
# Bedrock's media blocks, as the media part turns.MEDIA names each
_BEDROCK_MEDIA = {"image": "image", "document": "file", "video": "video"}
_BEDROCK_BLOCKS = {"text", "toolUse", "toolResult", "reasoningContent", "cachePoint", *_BEDROCK_MEDIA}
# The blocks only Anthropic's Messages API writes in a turn (beside `thinking` with its `signature`), and the keys
# only its blocks carry: a row holding one is Anthropic's (`_anthropic`)
_ANTHROPIC_BLOCKS = {"tool_use", TOOL_RESULT, "redacted_thinking", "server_tool_use", "web_search_tool_result"}
_ANTHROPIC_KEYS = {"cache_control", "citations"}
# How the file's report names each provider's rows, read as messages
SAID = {
    "gemini": "Gemini's shape (Vertex AI's tuning rows or google-genai's dumps: `contents` of `parts`, a system "
    "instruction)",
    "bedrock": "Amazon Bedrock's conversation shape (`system` and content blocks)",
    "responses": "OpenAI's Responses API shape (`input` and `output` lists of items, `instructions`)",
}


# --- turns ------------------------------------------------------------------------------------------------------


def api_turns(turn: Any) -> list[Any]:
    """`turn` as the turns it holds, in OpenAI's shape: a Gemini turn's `parts` and Bedrock's content blocks as typed
    content parts, and each tool-result part as a tool turn of its own, before the rest of the turn (left out when
    nothing else is in it). `[turn]` for a turn in none of these shapes.

    >>> api_turns({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "9"}]})
    [{'role': 'tool', 'content': '9', 'tool_call_id': 't1'}]
    >>> api_turns({"role": "model", "parts": [{"text": "Hi"}]})
    [{'role': 'model', 'content': [{'type': 'text', 'text': 'Hi'}]}]
    """
    if not isinstance(turn, dict):
        return [turn]
    if isinstance(turn.get("parts"), list) and "content" not in turn:  # Gemini
        rest, written = {k: v for k, v in turn.items() if k != "parts"}, [_camel(p) for p in turn["parts"]]
        turn = {**rest, "content": as_written(_spaced([_gemini_part(p) for p in written], written))}
    parts = turn.get("content")
    if not isinstance(parts, list):
        return [turn]
    if any(_bedrock_block(p) for p in parts):  # a cache point is a hint to Bedrock's cache: no text, left out
        parts = [_bedrock_part(p) for p in parts if not _is(p, {"cachePoint"})]
        turn = {**turn, "content": parts}
    if not any(isinstance(p, dict) and p.get("type") == TOOL_RESULT for p in parts):
        return [turn]
    results = [_tool_turn(p) for p in parts if isinstance(p, dict) and p.get("type") == TOOL_RESULT]
    rest = [p for p in parts if not (isinstance(p, dict) and p.get("type") == TOOL_RESULT)]
    return results + ([{**turn, "content": rest}] if rest else [])


def _tool_turn(part: dict) -> dict:
    """A tool turn from a tool-result part (Anthropic's shape; Gemini's and Bedrock's are turned into it)."""
    read = {"role": "tool", "content": part.get("content", "")}
    read.update({k: v for k, v in part.items() if k not in ("type", "content", "tool_use_id")})
    if read.get("is_error") is False:  # the default: says nothing
        del read["is_error"]
    if "tool_use_id" in part:
        read["tool_call_id"] = part["tool_use_id"]
    return read


def _camel(value: Any) -> Any:
    """A Gemini part or tool as the REST API writes it: google-genai's snake_case keys in camelCase, and the SDK's
    unset fields (None in a `model_dump()`) left out; anything else as it is.

    >>> _camel({"function_call": {"name": "f", "args": {}}, "text": None, "thought_signature": "c2ln"})
    {'functionCall': {'name': 'f', 'args': {}}, 'thoughtSignature': 'c2ln'}
    """
    return {_SNAKE.get(k, k): v for k, v in value.items() if v is not None} if isinstance(value, dict) else value


def _gemini_part(part: Any) -> Any:
    """A Gemini part as the typed content part turns.py reads; anything else as it is (turns.py names it)."""
    if not isinstance(part, dict):
        return part
    if "text" in part:
        kind = "thinking" if part.get("thought") is True else "text"
        rest = {k: v for k, v in part.items() if k not in ("text", "thought", "thoughtSignature")}
        return {"type": kind, kind: part["text"], **rest}  # the signature, as Anthropic's: no text to train
    if isinstance(call := _camel(part.get("functionCall")), dict):  # a key not read stays: turns.py names it
        rest = {k: v for k, v in call.items() if k not in ("name", "args", "id")}
        return {"type": "tool_use", "name": call.get("name"), "input": call.get("args", {}), **_id(call, "id"), **rest}
    if isinstance(answer := _camel(part.get("functionResponse")), dict):
        content = answer.get("response")
        content = json.dumps(content, ensure_ascii=False) if isinstance(content, (dict, list)) else content
        rest = {k: v for k, v in answer.items() if k not in ("name", "response", "id")}
        return {
            "type": TOOL_RESULT,
            "name": answer.get("name"),
            "content": content,
            **_id(answer, "id", "tool_use_id"),
            **rest,
        }
    if code := _code_text(part):
        # Code Google ran for the model, and its output: no template has a turn for them, and refusing the row would
        # lose the reply around them, so they stay the reply's text, in the fences Google's docs show them in.
        rest = {k: v for k, v in part.items() if k not in (*_CODE_PARTS, "thoughtSignature")}
        return {"type": "text", "text": code, **rest}
    for key in ("inlineData", "fileData"):
        if isinstance(data := part.get(key), dict):
            mime = str(data.get("mimeType") or data.get("mime_type") or "")
            return {"type": next((m for m in ("image", "audio", "video") if mime.startswith(m)), "file")}
    return part


def _code_text(part: dict) -> str | None:
    """A code execution part as the fenced text Google's docs show it: the code in a block of its language, the output
    in a plain block; None for any other part (or a code part not of an object, which turns.py names).

    >>> print(_code_text({"executableCode": {"language": "PYTHON", "code": "print(2 + 2)"}}))
    ```python
    print(2 + 2)
    ```
    """
    code, result = part.get("executableCode"), part.get("codeExecutionResult")
    if isinstance(code, dict):
        language = str(code.get("language") or "").lower().replace("language_unspecified", "")
        return f"```{language}\n{str(code.get('code') or '').strip(chr(10))}\n```"
    if isinstance(result, dict):  # an outcome other than OK keeps its output (the error): named by api_records
        output = str(result.get("output") or "").strip("\n")
        return f"```\n{output}\n```" if output else "```\n```"
    return None


def _spaced(parts: list, written: list) -> list:
    """`parts` with a blank line between a code part's text and the text beside it (a Gemini turn's text parts are
    joined as written: `as_written`), no more than one where the text already ends in newlines."""
    out = list(parts)
    for k, part in enumerate(written):
        if not (isinstance(part, dict) and _code_text(part) is not None and out[k].get("type") == "text"):
            continue
        before = out[k - 1] if k else None
        if isinstance(before, dict) and before.get("type") == "text" and isinstance(before.get("text"), str):
            out[k] = {**out[k], "text": _gap(before["text"], end=True) + out[k]["text"]}
        after = out[k + 1] if k + 1 < len(out) else None
        later_code = k + 1 < len(written) and isinstance(written[k + 1], dict) and _code_text(written[k + 1])
        if isinstance(after, dict) and after.get("type") == "text" and isinstance(after.get("text"), str):
            out[k] = out[k] if later_code else {**out[k], "text": out[k]["text"] + _gap(after["text"], end=False)}
    return out


def as_written(parts: list) -> list:
    """`parts` with the text of all their text parts in the first, joined as written (nothing between two), the
    others' text "" (in place, so each part keeps its number and its keys for the row's report): turns.join_parts
    then has no two texts to put a line break between. `parts` as they are where fewer than two text parts hold text.

    How the providers' own SDKs make one text of a message's text parts: google-genai's
    `GenerateContentResponse.text` (google/genai/types.py, `_get_text`: `text += part.text`, thought parts left out)
    and Anthropic's `MessageStream.get_final_text()` (anthropic-sdk-python, src/anthropic/lib/streaming/_messages.py:
    `"".join(text_blocks)`) join them with nothing between; a part is a piece of one reply (streamed, or split at a
    citation or a tool's call), not a block of its own. OpenAI's content parts keep vLLM's line break (turns.py).

    >>> as_written([{"type": "text", "text": "High tide is at "}, {"type": "text", "text": "14:05."}])
    [{'type': 'text', 'text': 'High tide is at 14:05.'}, {'type': 'text', 'text': ''}]
    """
    texts = [k for k, p in enumerate(parts) if isinstance(p, dict) and p.get("type") == "text" and "text" in p]
    if len(texts) < 2 or not all(isinstance(parts[k]["text"], str) for k in texts):  # not text: turns.py refuses it
        return parts
    out = list(parts)
    for k in texts:
        out[k] = {**parts[k], "text": "".join(parts[j]["text"] for j in texts) if k == texts[0] else ""}
    return out


def _gap(text: str, end: bool) -> str:
    """The newlines that make a blank line after (`end`) or before `text`, counting those it has."""
    has = len(text) - len(text.rstrip("\n") if end else text.lstrip("\n"))
    return "\n" * max(0, 2 - has) if text.strip() else ""


def _id(source: dict, key: str, as_key: str = "id") -> dict:
    return {as_key: source[key]} if isinstance(source.get(key), str) and source[key] else {}


def _bedrock_block(part: Any) -> bool:
    """A Bedrock content block: one key of its kinds, no `type` (a bare {text} part is Bedrock's and everyone's)."""
    return isinstance(part, dict) and "type" not in part and len(part) == 1 and next(iter(part)) in _BEDROCK_BLOCKS


def _bedrock_part(part: Any) -> Any:
    """A Bedrock content block as the typed content part turns.py reads."""
    if not _bedrock_block(part):
        return part
    ((kind, value),) = part.items()
    if kind in _BEDROCK_MEDIA:
        return {"type": _BEDROCK_MEDIA[kind]}
    if kind == "text" or not isinstance(value, dict):
        return {"type": "text", "text": value} if kind == "text" else part
    if kind == "toolUse":
        return {
            "type": "tool_use",
            "name": value.get("name"),
            "input": value.get("input", {}),
            **_id(value, "toolUseId"),
        }
    if kind == "reasoningContent" and isinstance(said := value.get("reasoningText"), dict):
        return {"type": "thinking", "thinking": said.get("text"), "signature": said.get("signature")}
    if kind == "reasoningContent" and "redactedContent" in value:  # encrypted: no text to train (turns.py names it)
        return {"type": "redacted_thinking"}
    if kind == "toolResult":
        blocks = value.get("content")
        if isinstance(blocks, list):  # {json: ...} blocks as their JSON text, the rest as parts
            blocks = [
                _bedrock_part({"text": json.dumps(b["json"], ensure_ascii=False)} if _is(b, {"json"}) else b)
                for b in blocks
            ]
        read = {"type": TOOL_RESULT, "content": blocks, **_id(value, "toolUseId", "tool_use_id")}
        if value.get("status") == "error":
            read["is_error"] = True
        return read
    return part  # redacted reasoning, a cache point: named by turns.py


# --- rows ---------------------------------------------------------------------------------------------------------


def api_record(record: Any) -> tuple[Any, str | None]:
    """(`record` in the shape formats.py reads, the provider whose shape it was or None). Gemini's `contents` become
    `messages`, its `systemInstruction` the `system` text and its `functionDeclarations` OpenAI's `tools`;
    Bedrock's `system` list (and Anthropic's of typed text blocks) becomes text, its `toolConfig` OpenAI's `tools`,
    its `schemaVersion` is read.

    >>> api_record({"contents": [{"parts": []}], "systemInstruction": {"parts": [{"text": "Be brief."}]}})
    ({'messages': [{'parts': []}], 'system': 'Be brief.'}, 'gemini')
    """
    if not isinstance(record, dict):
        return record, None
    if (logged := responses_record(record)) is not None:  # its items are read as turns by openai_turns.item_turns
        return logged, None if "messages" in record else "responses"  # items as messages: a row as written
    contents = record.get("contents")
    gemini = isinstance(contents, list) and contents and all(isinstance(t, dict) and "parts" in t for t in contents)
    if gemini and "messages" not in record:
        out = {k: v for k, v in record.items() if k not in ("contents", "systemInstruction", "system_instruction")}
        out["messages"] = contents
        instruction = record.get("systemInstruction", record.get("system_instruction"))
        if instruction is not None and "system" not in record:
            parts = instruction.get("parts") if isinstance(instruction, dict) else instruction
            out["system"] = _texts([_camel(p) for p in parts] if isinstance(parts, list) else parts)
        if isinstance(record.get("tools"), list):
            out["tools"] = [t2 for t in record["tools"] for t2 in _gemini_tools(t)]
        return out, "gemini"
    version = record.get("schemaVersion")
    bedrock = isinstance(version, str) and version.startswith("bedrock-conversation")
    out = {k: v for k, v in record.items() if not (k == "schemaVersion" and bedrock)}
    if "system" in record:  # Bedrock's list of {text}, Anthropic's of typed text blocks: its text
        out["system"] = _texts(record["system"])
    if isinstance(record.get("tools"), list) and any(_anthropic_tool(t) for t in record["tools"]):
        out["tools"] = [_as_function(t) if _anthropic_tool(t) else t for t in record["tools"]]
    config = record.get("toolConfig")
    if isinstance(config, dict) and isinstance(config.get("tools"), list) and "tools" not in record:
        rest = {k: v for k, v in config.items() if k != "tools"}  # `toolChoice`: read by no template, so named
        out["tools"] = [_bedrock_tool(t) for t in config["tools"]]
        if rest:
            out["toolConfig"] = rest
        else:
            del out["toolConfig"]
    if not bedrock and _anthropic(record):  # its turns' text blocks joined as Anthropic's SDK joins them
        out = {k: [_blocks_as_written(t) for t in v] if isinstance(v, list) else v for k, v in out.items()}
    return out, "bedrock" if bedrock else None


def _anthropic(record: dict) -> bool:
    """Whether `record` is written in Anthropic's Messages API shape: its tools of `input_schema`, a `system` list of
    typed text blocks, or a turn holding a block only Anthropic writes (a `tool_use`, a `tool_result`, thinking with
    its `signature`, a `cache_control` hint, `citations`). Its text blocks alone look like OpenAI's content parts."""
    if isinstance(record.get("tools"), list) and any(_anthropic_tool(t) for t in record["tools"]):
        return True
    system = record.get("system")
    if isinstance(system, list) and any(isinstance(p, dict) and p.get("type") == "text" for p in system):
        return True
    turns = [t for v in record.values() if isinstance(v, list) for t in v if isinstance(t, dict)]
    blocks = [p for t in turns if isinstance(t.get("content"), list) for p in t["content"] if isinstance(p, dict)]
    signed = any(p.get("type") == "thinking" and "signature" in p for p in blocks)
    # A part's `type` may be anything a file holds (a list: turns.py refuses it, naming the turn), never looked up raw
    kinds = [p.get("type") for p in blocks]
    return signed or any(
        (isinstance(kind, str) and kind in _ANTHROPIC_BLOCKS) or _ANTHROPIC_KEYS & set(p)
        for kind, p in zip(kinds, blocks, strict=True)
    )


def _blocks_as_written(turn: Any) -> Any:
    """An Anthropic turn with its text blocks joined as written (`as_written`); anything else as it is."""
    if isinstance(turn, dict) and isinstance(turn.get("content"), list):
        return {**turn, "content": as_written(turn["content"])}
    return turn


def _gemini_tools(tool: Any) -> list:
    """Gemini's {functionDeclarations: [...]} as OpenAI's function tools (a `parametersJsonSchema` as the
    `parameters`); any other tool as it is."""
    declared = _camel(tool).get("functionDeclarations") if isinstance(tool, dict) else None
    if not isinstance(declared, list):
        return [tool]
    if "function_declarations" in tool:  # google-genai's dump: a Schema's dozens of unset fields, each None. Only
        declared = [_unset(d) for d in declared]  # there: a REST row's null (a parameter's `"default": null`) is data
    return [{"type": "function", "function": _json_schema(d) if isinstance(d, dict) else d} for d in declared]


def _unset(value: Any) -> Any:
    """`value` without the keys holding None, at any depth (what a pydantic `model_dump()` writes for an unset field;
    the REST API leaves them out)."""
    if isinstance(value, dict):
        return {k: _unset(v) for k, v in value.items() if v is not None}
    return [_unset(v) for v in value] if isinstance(value, list) else value


def _json_schema(declared: dict) -> dict:
    """A declaration whose parameters are given as `parametersJsonSchema` (`parameters_json_schema`), with them as the
    `parameters` templates show the model."""
    schema = declared.get("parametersJsonSchema", declared.get("parameters_json_schema"))
    if schema is None or "parameters" in declared:
        return declared
    rest = {k: v for k, v in declared.items() if k not in ("parametersJsonSchema", "parameters_json_schema")}
    return {**rest, "parameters": schema}


def _is(value: Any, keys: set[str]) -> bool:
    return isinstance(value, dict) and set(value) == keys


def _texts(parts: Any) -> Any:
    """The text of a list of text parts ({text}, or {type: text, text} with Anthropic's `cache_control` hint), joined
    by blank lines; anything else as it is (formats.py refuses what is not text).

    >>> _texts([{"text": "Be brief."}, {"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}])
    'Be brief.\\n\\nBe kind.'
    """
    texts = [p for p in parts if not _is(p, {"cachePoint"})] if isinstance(parts, list) else parts  # Bedrock's hint
    if isinstance(texts, list) and texts and all(_text_part(p) for p in texts):
        return "\n\n".join(str(p["text"]) for p in texts)
    return parts


def _text_part(part: Any) -> bool:
    return (
        isinstance(part, dict)
        and isinstance(part.get("text"), str)
        and part.get("type", "text") == "text"
        and set(part) <= {"type", "text", "cache_control"}
    )


def _anthropic_tool(tool: Any) -> bool:
    """Anthropic's tool: {name, description, input_schema} (a JSON schema of its input), not OpenAI's function."""
    return isinstance(tool, dict) and "input_schema" in tool and "name" in tool and "function" not in tool


def _as_function(tool: dict) -> dict:
    """Anthropic's tool as OpenAI's function tool, its `input_schema` the `parameters` templates show the model."""
    function = {k: v for k, v in tool.items() if k not in ("input_schema", "type", "cache_control")}
    return {"type": "function", "function": {**function, "parameters": tool["input_schema"]}}


def _bedrock_tool(tool: Any) -> Any:
    """Bedrock's {toolSpec: {name, description, inputSchema: {json}}} as OpenAI's function tool."""
    spec = tool.get("toolSpec") if isinstance(tool, dict) else None
    if not isinstance(spec, dict):
        return tool
    schema = spec.get("inputSchema")
    function = {k: v for k, v in spec.items() if k != "inputSchema"}
    if isinstance(schema, dict):
        function["parameters"] = schema.get("json", schema)
    return {"type": "function", "function": function}


def api_records(records: list[tuple[int, Any]]) -> tuple[list[tuple[int, Any]], list[str]]:
    """`api_record` of each (line, record), and the file's note on each provider's shape found (how many rows)."""
    out, found, code = [], {}, Counter()
    for number, record in records:
        record, provider = api_record(record)
        out.append((number, record))
        if provider:
            found[provider] = found.get(provider, 0) + 1
        code += _code_parts(record)
    notes = [
        f"{n} row{'s' if n != 1 else ''} in {SAID[p]}, read as chat messages: a row's problems name its turns as "
        "turns of 'messages'"
        for p, n in found.items()
    ]
    return out, notes + ([_code_note(code)] if code else [])


def _code_parts(record: Any) -> Counter:
    """The code execution parts of a record's Gemini turns: `parts` and `rows` (1) counted, and each outcome other
    than OK by its name."""
    turns = [t for v in record.values() if isinstance(v, list) for t in v] if isinstance(record, dict) else []
    parts = [_camel(p) for t in turns if isinstance(t, dict) and isinstance(t.get("parts"), list) for p in t["parts"]]
    code = [p for p in parts if isinstance(p, dict) and _code_text(p) is not None]
    found = Counter(parts=len(code), rows=1) if code else Counter()
    outcomes = (p["codeExecutionResult"].get("outcome") for p in code if "codeExecutionResult" in p)
    found.update(str(o) for o in outcomes if o not in ("OUTCOME_OK", None))
    return found


def _code_note(found: Counter) -> str:
    """The file's note on the code execution parts read as text (`_code_parts`, summed over its rows)."""
    n, rows = found.pop("parts"), found.pop("rows")
    failed = sum(found.values())
    said = ", ".join(f"{k}: {v}" for k, v in found.most_common())
    ended = (
        f"; {failed} of the results did not end OK ({said}): their output (an error, or nothing) is kept as written"
    )
    return (
        f"{n} code execution part{'s' if n != 1 else ''} (Gemini's `executableCode` and `codeExecutionResult`) in "
        f"{rows} row{'s' if rows != 1 else ''} became text of the model's reply, fenced as Google's docs show them "
        "(the code in a ```python block, its output in a ``` block after it): the model learns to write the code "
        f"and its output as text, and runs none{ended if failed else ''}"
    )


__all__ = ["SAID", "TOOL_RESULT", "api_record", "api_records", "api_turns", "as_written"]
