"""The Jinja texts of the built-in chat templates and what ftlib knows about each (`BUILTINS`).

Every built-in wraps exactly what the assistant is trained on (its reasoning, reply, tool calls and end-of-turn
marker) in `{% generation %}...{% endgeneration %}`, so transformers' `return_assistant_tokens_mask` agrees with
ftlib. Every output comes from a `{{- ... }}` expression and every tag strips the whitespace before it, so the
indentation below never reaches the rendered text.

Built-ins never slice or inspect message text (they only concatenate it, and test at most whether it is empty),
which lets `templates.render_spans` trust one marked render (`content_blind`).

    ChatML, Llama-3, Mistral [INST], Gemma, Alpaca, plain     conversations (tool calls not shown)
    Raw text                                                   prompt + completion as written (TRL's standard rows)
    ChatML + tools (Hermes), Llama-3.1 + tools                 tool schemas, tool calls, tool results, reasoning

Not known here: compiling and rendering (templates.py).
"""

from __future__ import annotations

_CHATML = r"""{%- for message in messages %}
    {{- '<|im_start|>' + message['role'] + '\n' }}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        {{- message['content'] + '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

_LLAMA3 = r"""{{- '<|begin_of_text|>' }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '<|eot_id|>' }}{%- endgeneration %}
    {%- else %}
        {{- message['content'] + '<|eot_id|>' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

# A leading system turn is folded into the first user turn, as Mistral and Gemma have no system role.
_SPLIT_SYSTEM = r"""{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system = none %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if system is not none and (not loop_messages or loop_messages[0]['role'] != 'user') %}
    {{- raise_exception('This template folds the system prompt into the first user turn, '
                        + 'so a user turn must follow the system turn.') }}
{%- endif %}
"""

_UNKNOWN_ROLE = (
    r"""{{- raise_exception('Unknown role "' + message['role'] + '": """
    + r"""this template knows system, user, assistant.') }}"""
)

_MISTRAL = (
    r"""{{- '<s>' }}
"""
    + _SPLIT_SYSTEM
    + r"""{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system is not none %}
            {{- '[INST] ' + system + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- '[INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '</s>' }}{%- endgeneration %}
    {%- else %}
        """
    + _UNKNOWN_ROLE
    + r"""
    {%- endif %}
{%- endfor %}
"""
)

_GEMMA = (
    r"""{{- '<bos>' }}
"""
    + _SPLIT_SYSTEM
    + r"""{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {{- '<start_of_turn>user\n' }}
        {%- if loop.first and system is not none %}
            {{- system + '\n\n' }}
        {%- endif %}
        {{- message['content'] + '<end_of_turn>\n' }}
    {%- elif message['role'] == 'assistant' %}
        {{- '<start_of_turn>model\n' }}
        {%- generation %}{{- message['content'] + '<end_of_turn>' }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        """
    + _UNKNOWN_ROLE
    + r"""
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<start_of_turn>model\n' }}
{%- endif %}
"""
)

# Alpaca and plain have no control tokens of their own: a reply ends with the tokenizer's eos token.
_ALPACA = (
    r"""{%- if messages and messages[0]['role'] == 'system' %}
    {{- messages[0]['content'] + '\n\n' }}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {{- 'Below is an instruction that describes a task. '
        + 'Write a response that appropriately completes the request.\n\n' }}
    {%- set loop_messages = messages %}
{%- endif %}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {{- '### Instruction:\n' + message['content'] + '\n\n### Response:\n' }}
    {%- elif message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + eos_token }}{%- endgeneration %}
        {{- '\n\n' }}
    {%- else %}
        """
    + _UNKNOWN_ROLE
    + r"""
    {%- endif %}
{%- endfor %}
"""
)

# The space after "Assistant:" belongs to the reply (it is part of the reply's first token), so it sits inside
# the generation block and the generation prompt ends on "Assistant:".
_PLAIN = (
    r"""{%- for message in messages %}
    {%- if message['role'] == 'system' %}
        {{- message['content'] + '\n\n' }}
    {%- elif message['role'] == 'user' %}
        {{- 'User: ' + message['content'] + '\n' }}
    {%- elif message['role'] == 'assistant' %}
        {{- 'Assistant:' }}
        {%- generation %}{{- ' ' + message['content'] + eos_token }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        """
    + _UNKNOWN_ROLE
    + r"""
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- 'Assistant:' }}
{%- endif %}
"""
)

# TRL's standard (not conversational) prompt/completion rows: the texts as written, one after the other, each
# completion ending with eos; no roles, no generation prompt. For base models and data written as continuations.
_TEXT = (
    r"""{%- for message in messages %}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + eos_token }}{%- endgeneration %}
    {%- elif message['role'] in ['system', 'user'] %}
        {{- message['content'] }}
    {%- else %}
        """
    + _UNKNOWN_ROLE
    + r"""
    {%- endif %}
{%- endfor %}
"""
)

# What the assistant writes in a tool-aware template: its reasoning (kept in every turn, so the model learns to
# think everywhere and the template never rewrites history), its reply, then each call. `sep` goes between the
# reply and a call, and between calls. `message['content']` is only tested for being empty.
_ASSISTANT_TURN = r"""
        {%- if message.reasoning_content %}
            {{- '<think>\n' + message.reasoning_content + '\n</think>\n\n' }}
        {%- endif %}
        {{- message['content'] }}
        {%- for call in message.tool_calls or [] %}
            {%- set fn = call.function if call.function is defined else call %}
            {%- if message['content'] or not loop.first %}
                {{- '\n' }}
            {%- endif %}
            {{- OPEN + '{"name": "' + fn.name + '", "KEY": ' }}
            {%- if fn.arguments is string %}
                {{- fn.arguments }}
            {%- else %}
                {{- fn.arguments | tojson }}
            {%- endif %}
            {{- '}' + CLOSE }}
        {%- endfor %}"""

# ChatML with Hermes-style tool use (NousResearch Hermes-2-Pro, Qwen2.5): the schemas in the system turn inside
# <tools>, each call as JSON inside <tool_call>, each result inside <tool_response>, the results in a row (parallel
# calls') in one `tool` turn.
_HERMES = (
    r"""{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system = none %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if tools or system is not none %}
    {{- '<|im_start|>system\n' }}
    {%- if system is not none %}
        {{- system }}
    {%- endif %}
    {%- if tools %}
        {%- if system is not none %}
            {{- '\n\n' }}
        {%- endif %}
        {{- 'You may call one or more functions to assist with the user query. You are provided with function '
            + 'signatures within <tools></tools> XML tags:\n<tools>' }}
        {%- for tool in tools %}
            {{- '\n' + (tool | tojson) }}
        {%- endfor %}
        {{- '\n</tools>\n\nFor each function call, return a JSON object with the function name and arguments '
            + 'within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
            + '<args-json-object>}\n</tool_call>' }}
    {%- endif %}
    {{- '<|im_end|>\n' }}
{%- endif %}
{%- for message in loop_messages %}
    {%- if message['role'] == 'assistant' %}
        {{- '<|im_start|>assistant\n' }}
        {%- generation %}"""
    + _ASSISTANT_TURN.replace("OPEN", "'<tool_call>\\n'")
    .replace("CLOSE", "'\\n</tool_call>'")
    .replace("KEY", "arguments")
    + r"""
        {{- '<|im_end|>' }}
        {%- endgeneration %}
        {{- '\n' }}
    {%- elif message['role'] == 'tool' %}
        {#- Results in a row are one tool turn, a <tool_response> block each, as Hermes-2-Pro's own template writes
            the results of parallel calls (and Hermes datasets hold them): not one turn per result. #}
        {%- if loop.first or loop.previtem['role'] != 'tool' %}
            {{- '<|im_start|>tool\n' }}
        {%- endif %}
        {{- '<tool_response>\n' + message['content'] + '\n</tool_response>' }}
        {%- if loop.last or loop.nextitem['role'] != 'tool' %}
            {{- '<|im_end|>\n' }}
        {%- else %}
            {{- '\n' }}
        {%- endif %}
    {%- else %}
        {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""
)

# Llama-3.1 tool use (Meta's JSON tool calling): the schemas in the system turn, each call as one JSON object
# {"name", "parameters"} (one per line when there are several), each result in an `ipython` turn.
_LLAMA31 = (
    r"""{{- '<|begin_of_text|>' }}
{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system = none %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if tools or system is not none %}
    {{- '<|start_header_id|>system<|end_header_id|>\n\n' }}
    {%- if tools %}
        {{- 'Environment: ipython\n\nYou have access to the following functions. To call a function, respond '
            + 'with JSON in the format {"name": function name, "parameters": dictionary of argument name and its '
            + 'value}. Do not use variables.\n\n' }}
        {%- for tool in tools %}
            {{- (tool | tojson(indent=4)) + '\n\n' }}
        {%- endfor %}
    {%- endif %}
    {%- if system is not none %}
        {{- system }}
    {%- endif %}
    {{- '<|eot_id|>' }}
{%- endif %}
{%- for message in loop_messages %}
    {%- if message['role'] == 'assistant' %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- generation %}"""
    + _ASSISTANT_TURN.replace("OPEN", "''").replace("CLOSE", "''").replace("KEY", "parameters")
    + r"""
        {{- '<|eot_id|>' }}
        {%- endgeneration %}
    {%- else %}
        {{- '<|start_header_id|>' + ('ipython' if message['role'] == 'tool' else message['role'])
            + '<|end_header_id|>\n\n' + message['content'] + '<|eot_id|>' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""
)

_LLAMA_SPECIALS = ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")

# name -> (source, label, description, end-of-turn marker (None: the tokenizer's eos), bos, special tokens)
BUILTINS: dict[str, tuple[str, str, str, str | None, str | None, tuple[str, ...]]] = {
    "chatml": (
        _CHATML,
        "ChatML",
        "<|im_start|>role ... <|im_end|> (Qwen, SmolLM, many others)",
        "<|im_end|>",
        None,
        ("<|im_start|>", "<|im_end|>"),
    ),
    "llama3": (
        _LLAMA3,
        "Llama-3",
        "<|start_header_id|>role<|end_header_id|> ... <|eot_id|>",
        "<|eot_id|>",
        "<|begin_of_text|>",
        _LLAMA_SPECIALS,
    ),
    "mistral": (
        _MISTRAL,
        "Mistral / Llama-2 [INST]",
        "<s>[INST] user [/INST]reply</s>",
        "</s>",
        "<s>",
        ("<s>", "</s>"),
    ),
    "gemma": (
        _GEMMA,
        "Gemma",
        "<start_of_turn>user ... <end_of_turn> (assistant is 'model')",
        "<end_of_turn>",
        "<bos>",
        ("<bos>", "<start_of_turn>", "<end_of_turn>"),
    ),
    "alpaca": (_ALPACA, "Alpaca", "### Instruction: / ### Response:, reply ends with eos", None, None, ()),
    "plain": (_PLAIN, "Plain User:/Assistant:", "User: ... / Assistant: ..., reply ends with eos", None, None, ()),
    "text": (
        _TEXT,
        "Raw text (no chat format)",
        "prompt and completion as written, one after the other, completion ends with eos, after the BOS where the "
        "tokenizer adds one (TRL's standard prompt/completion rows; for base models)",
        None,
        None,
        (),
    ),
    "hermes": (
        _HERMES,
        "ChatML + tools (Hermes)",
        "ChatML with tool schemas in <tools>, calls in <tool_call> blocks, results in <tool_response>, "
        "reasoning in <think> (Hermes-2-Pro, Qwen2.5 style)",
        "<|im_end|>",
        None,
        ("<|im_start|>", "<|im_end|>"),
    ),
    "llama31": (
        _LLAMA31,
        "Llama-3.1 + tools",
        "Llama-3 headers with tool schemas in the system turn, calls as JSON {name, parameters}, results in "
        "ipython turns, reasoning in <think>",
        "<|eot_id|>",
        "<|begin_of_text|>",
        _LLAMA_SPECIALS,
    ),
}
# Built-ins that show tool schemas, tool calls and tool results (named by the checks that find a template
# dropping them).
TOOL_TEMPLATES = ("hermes", "llama31")


def builtin_named(name: str) -> str:
    """A built-in template in a fix, as both its users know it: the Chat template box's label and the CLI's name.

    >>> builtin_named("hermes")
    "'ChatML + tools (Hermes)' (--template hermes)"
    """
    return f"'{BUILTINS[name][1]}' (--template {name})"


__all__ = ["BUILTINS", "TOOL_TEMPLATES", "builtin_named"]
