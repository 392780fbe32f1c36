"""The Ollama Modelfile written beside a GGUF export: where the GGUF file is and the strings generation stops at,
each written as Ollama's Modelfile parser reads it back, character for character; and, in comments, why it has no
TEMPLATE line (`TEMPLATE_NOTE`: Ollama 0.30.0+ renders the GGUF's own chat template).

    modelfile_text("tide_talk", ["<|im_end|>", "<｜end▁of▁sentence｜>"])
    -> ...FROM ./tide_talk.gguf\nPARAMETER stop "<|im_end|>"\nPARAMETER stop "<｜end▁of▁sentence｜>"\n'

Ollama's parser (github.com/ollama/ollama, parser/parser.go: `ParseFile`, `unquote`) reads the file as UTF-8 and
knows no escapes: a value between one double quote or three on each side is the text between them as written, so
JSON's `\u00e9` or `\"` would be read as a backslash and letters. Non-ASCII is therefore written as itself (UTF-8)
and a quote inside a value as itself, the value between three quotes where one would end it early. A line break ends
a value only where what came before is a whole quoted value; inside an open quote it is part of the value.
Characters Go's `strconv.IsPrint` rejects (but the space, tab and line breaks the parser keeps) are dropped by the
parser, so a stop string holding one cannot be written: it is left out with a comment saying so.

The stops are given as text. export.py writes each stop token's vocabulary form (`convert_ids_to_tokens`), which is
the text the model writes for a special token only: a byte-level BPE's plain tokens read "Ċ" for a newline and "Ġ"
for a space (`tokenizer.decode([id])` gives the text). Every stop of the default model, the only base a GGUF is
written for, is one of its special tokens (tests/test_modelfile.py pins both).

Not known here: which tokens stop generation (stops.py), the GGUF file (gguf_export.py), the export (export.py).
"""

from __future__ import annotations

HEADER = "# Ollama: `ollama create NAME -f Modelfile`, then `ollama run NAME`; llama.cpp: `llama-cli -m FILE`."
# Why the file has no TEMPLATE line (github.com/ollama/ollama at v0.33.0-rc2): from 0.30.0 a model without a Go
# template chats through llama-server, which renders the GGUF's own Jinja template (tools included); a TEMPLATE would
# replace it. `ollama create` still picks one of Ollama's templates where the GGUF's is within 100 edits of one
# (server/model.go `detectChatTemplate`, template/template.go `Named`): of the studio's, only SmolLM2's own, which
# gets Ollama's ChatML, without SmolLM2's default system prompt: the SYSTEM line puts it back (`default_system`).
# Before 0.30.0, Go templates only: "{{ .Prompt }}".
TEMPLATE_NOTE = (
    "# No TEMPLATE line: Ollama 0.30.0 or newer formats the chat with the GGUF's own chat template, as the run\n"
    "# trained (tool calls included). Older Ollama sends a chat without the template's role markers: update it."
)
SYSTEM_NOTE = (
    "# The chat template's own system prompt, for a chat that has none (as the run trained; Ollama's ChatML, which\n"
    "# `ollama create` picks for this template, writes none): Ollama sends it where a chat has no system message."
)
CHATML_SYSTEM, CHATML_END = "<|im_start|>system\n", "<|im_end|>"


def _unquote(value: str) -> str | None:
    """What Ollama's `unquote` makes of a value's text (the whitespace around it trimmed first); None where it is an
    open quote, which the parser reads on into the next line."""
    value = value.strip()
    if value.startswith('"""'):
        return value[3:-3] if len(value) >= 6 and value.endswith('"""') else None
    if value.startswith('"'):
        return value[1:-1] if len(value) >= 2 and value.endswith('"') else None
    return value


def _reads_back(written: str, text: str) -> bool:
    """Whether Ollama reads the value `written` as `text`: whole at the end, and not ended early at a line break
    inside it (where the text so far would already be a whole quoted value)."""
    breaks = [i for i, c in enumerate(written) if c in "\r\n"]
    return all(_unquote(written[:i]) is None for i in breaks) and _unquote(written) == text


def quoted(text: str) -> str | None:
    """`text` as a Modelfile value that Ollama reads back as `text` exactly: between one double quote on each side,
    else three; None where neither does, or where the parser would drop a character of it.

    >>> quoted("<|im_end|>"), quoted("Fin ✓"), quoted('say "hi"')
    ('"<|im_end|>"', '"Fin ✓"', '"say "hi""')
    >>> quoted('"') == '"' * 7  # one quote: between three on each side
    True
    >>> quoted("a\\u2028b") is None  # a line separator: not printable to Go, dropped by the parser
    True
    """
    if not all(c.isprintable() or c in "\t\r\n" for c in text):
        return None
    for quote in ('"', '"""'):
        if _reads_back(written := f"{quote}{text}{quote}", text):
            return written
    return None


def default_system(tokenizer) -> str | None:
    """The system prompt `tokenizer`'s chat template writes itself, in ChatML turns, into a chat that has none
    (SmolLM2's own: "You are a helpful AI assistant named SmolLM, ..."), where writing it as the chat's system
    message renders the same text; else None (no such turn, another layout, a template that refuses the chat)."""
    user = [{"role": "user", "content": "Is the ferry running?"}]
    try:
        text = tokenizer.apply_chat_template(user, tokenize=False)
        if not isinstance(text, str) or not text.startswith(CHATML_SYSTEM) or CHATML_END not in text:
            return None
        system = text[len(CHATML_SYSTEM) : text.index(CHATML_END)]
        same = tokenizer.apply_chat_template([{"role": "system", "content": system}, *user], tokenize=False) == text
    except Exception:  # a template that cannot render a lone user turn has no default to find
        return None
    return system if system and same else None


def modelfile_text(gguf_name: str, stops: list[str], system: str | None = None) -> str:
    """The Modelfile of the GGUF file `<gguf_name>.gguf` beside it, stopping at each of `stops` (in order, once
    each; empty ones left out), with `system` (`default_system`) as its SYSTEM prompt where given."""
    lines = [HEADER, TEMPLATE_NOTE, f"FROM ./{gguf_name}.gguf"]
    if system and (value := quoted(system)) is not None:
        lines += [SYSTEM_NOTE, f"SYSTEM {value}"]
    for stop in dict.fromkeys(s for s in stops if s):
        if (value := quoted(stop)) is not None:
            lines.append(f"PARAMETER stop {value}")
        else:  # said, so that a model that runs on past its end has a reason in the file
            shown = stop.encode("unicode_escape").decode("ascii")
            lines.append(f"# The stop string {shown} has a character Ollama's Modelfile cannot hold: left out.")
    return "\n".join(lines) + "\n"


__all__ = ["default_system", "modelfile_text", "quoted"]
