"""A prompt-completion row's turns (TRL's conversational prompt-completion: `prompt` and `completion` lists of
messages) as one conversation that trains what TRL trains: the completion.

    {"prompt": [{"role": "user", "content": "Best fruit?"}, {"role": "assistant", "content": "A rock."},
                {"role": "user", "content": "Really?"}],
     "completion": [{"role": "assistant", "content": "A mango."}]}
    -> messages: user, assistant "A rock." with weight 0 (shown, not trained), user, assistant "A mango." (trained)

TRL's SFTTrainer trains only the completion of a prompt-completion row (`completion_only_loss`, on by default for
such data); an assistant turn inside the prompt (an earlier answer of a multi-turn prompt, a tool call whose result
the prompt holds) is context. The studio keeps a row as one conversation, whose assistant turns the default policy
all trains, so each assistant turn of the prompt is given OpenAI's per-turn `weight: 0` (whatever weight it was
written with: the prompt is context by definition), and the file's report says so once (`PROMPT_CONTEXT_NOTE`).

A completion holds the answer: the assistant's turns, and the tool results its calls get between them (an agent's
trajectory, as KTO's labelled completions may hold); a user or system turn in it is refused with where it belongs.

Not known here: how turns are read (turns.py), the row's other checks (formats.py, turns.check_conversation).
"""

from __future__ import annotations

from ftlib.row_problem import RowProblem

PROMPT_CONTEXT_NOTE = (
    "the assistant turns inside `prompt` are context, shown to the model and not trained (weight 0): a "
    "prompt-completion row trains its completion only, as TRL's SFTTrainer trains it"
)


def context_prompt(prompt: list[dict], notes: list[str]) -> list[dict]:
    """`prompt`'s turns, each assistant turn with weight 0; PROMPT_CONTEXT_NOTE added to `notes` (once) when there
    was one.

    >>> context_prompt([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}], [])[1]["weight"]
    0
    """
    if any(m["role"] == "assistant" for m in prompt) and PROMPT_CONTEXT_NOTE not in notes:
        notes.append(PROMPT_CONTEXT_NOTE)
    return [{**m, "weight": 0} if m["role"] == "assistant" else m for m in prompt]


def check_completion(completion: list[dict]) -> None:
    """RowProblem naming the first turn of `completion` that is neither the assistant's nor a tool's result."""
    for i, turn in enumerate(completion, start=1):
        if turn["role"] not in ("assistant", "tool"):
            raise RowProblem(
                f"turn {i} of the completion is a {turn['role']} turn, but a completion holds the answer: the "
                "assistant's turns, and the tool results its calls get. Move the turns up to the last user turn "
                "into the prompt, or write the whole conversation as `messages`"
            )


__all__ = ["PROMPT_CONTEXT_NOTE", "check_completion", "context_prompt"]
