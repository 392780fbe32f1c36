"""The names projects give a turn's roles, content parts and fields: what ftlib/turns.py reads as what.

    >>> ROLES["gpt"], ROLES["ai"], ROLES["observation"]
    ('assistant', 'assistant', 'tool')

Not known here: how a turn is read (turns.py).
"""

from __future__ import annotations

ROLES = {
    "system": "system",
    "developer": "system",  # OpenAI's newer name for the system turn (formats.py notes it, once per file)
    "user": "user",
    "human": "user",
    "prompter": "user",  # OpenAssistant's (oasst1, oasst2) name of the person asking, kept by some conversions
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "ai": "assistant",  # LangChain's message type for the model's turn
    "chatbot": "assistant",  # Cohere's chat fine-tuning rows (System, User, Chatbot)
    "chatgpt": "assistant",  # the original ShareGPT scrape names the assistant by its product in some rows
    "bing": "assistant",
    "bard": "assistant",
    "bot": "assistant",  # some ShareGPT-style and chat-log exports (said once per file: BOT_NOTE)
    "function_call": "assistant",  # ShareGPT (LLaMA-Factory): the assistant's call, as JSON in `value`
    "tool_call": "assistant",  # ms-swift's agent rows: the assistant's call, as JSON in `content`
    "tool_response": "tool",  # ms-swift's agent rows: a tool's result
    "tool": "tool",
    "observation": "tool",  # ShareGPT (LLaMA-Factory): a tool's result
    "function": "tool",  # OpenAI's legacy function result
    "function-response": "tool",  # Glaive's function-calling chats converted to ShareGPT (glaive_rows)
    "function_response": "tool",
    "ipython": "tool",  # Llama 3.1's tool-result role
}
# How a `bot` turn was read, said once per file: a role no chat template knows, read as another
BOT_NOTE = "`{field}` names the assistant's turns `bot` (as some chat exports do): read as the assistant's turns."
MEDIA = {
    "image": "an image",
    "image_url": "an image",
    "input_image": "an image",
    "images": "an image",
    "audio": "audio",
    "input_audio": "audio",
    "audio_url": "audio",
    "audios": "audio",
    "video": "a video",
    "video_url": "a video",
    "input_video": "a video",
    "videos": "a video",
    "file": "a file",
    "input_file": "a file",
}
TEXT_PARTS = {"text", "input_text", "output_text"}
# Between two text parts of a turn, as vLLM joins them for a text model (turns.join_parts; said once per file)
PART_BREAK = "\n"
PARTS_NOTE = (
    "a turn of `{field}` holds its text in several text parts: they are joined with a line break between them, as "
    "vLLM serves OpenAI's content parts to a text model (parts that already meet at a space or a line break, or "
    "that cite a source, as written; Gemini's parts and Anthropic's text blocks as written, as their SDKs join "
    "them). To join them otherwise, write the turn's content as one text."
)
REASONING_PARTS = {"reasoning", "thinking"}
CALL_PARTS = {"tool_call", "tool_use", "function_call"}
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
# A turn's weight: OpenAI's `weight` 0/1 (and `loss_weight`); Axolotl's per-turn flag (`message_field_training`,
# `train` in its docs and published conversions, `training` in its older default) and ms-swift's `loss` true/false:
# false = weight 0 (shown as context, not trained)
WEIGHT_FIELDS = ("weight", "loss_weight", "train", "training", "loss")
FLAG_WEIGHTS = ("train", "training", "loss")
# LangChain's message dumps (`message.model_dump()`, `messages_to_dict`'s `data`) name the role in `type`:
# read as the role where no `role` or `from` is written (ftlib/langchain_turns.py; a chunk's type there too).
TYPE_AS_ROLE = {"system", "human", "ai", "tool", "function"}

__all__ = [
    "BOT_NOTE",
    "CALL_PARTS",
    "FLAG_WEIGHTS",
    "MEDIA",
    "PART_BREAK",
    "PARTS_NOTE",
    "REASONING_FIELDS",
    "REASONING_PARTS",
    "ROLES",
    "TEXT_PARTS",
    "TYPE_AS_ROLE",
    "WEIGHT_FIELDS",
]
