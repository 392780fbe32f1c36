"""How a run trained a chat template's thinking switch (Qwen3's `enable_thinking`): the setting its prompts start at.

    reply_thinking(template, row)               # True / False / None: which generation prompt the row's reply follows
    trained_thinking(run_dir, template)         # the same for a run's first training rows that say
    run_start(run, tokenizer)                   # (switch, where it starts, whether the run said it): Compare's
    thinking_start(template, run_dir)           # (where a toggle or `--thinking` starts, whether the run said it)
    start_for(run, tokenizer)                   # where `sample` / `evaluate` start for a run without `--thinking`

Training renders each row whole, with no generation prompt and no switch. Qwen3's template writes an empty
`<think>\\n\\n</think>\\n\\n` before the final reply of a row without reasoning, and `<think>\\nreasoning\\n</think>`
before one with it. So a run trained on rows without reasoning was taught to answer after the thinking-off prompt;
asked with thinking on (the template's default), it is asked in a shape it never saw. Which of the two prompts a run
was taught after is read off its rendered rows, as `ftlib.masks` matches a generation prompt against a rendered row:
the prompt (the conversation before the reply, rendered with the generation prompt and the switch on, then off)
that is a prefix of the whole row's text; where both are (thinking on writes nothing more), the longer one. In a
conversation of several replies, the prompt every reply follows: Qwen3's writes the empty block before the last
reply only, so a tool call before it was taught after the on prompt, and one question asks for that call (a mask
policy that trains the last reply alone taught the earlier ones nothing: the last one's prompt).

Not known here: loading models, decoding (`ftlib.model_prompts`, `ftlib.sampling`), the pages.
"""

from __future__ import annotations

import json
from pathlib import Path

ROWS_READ = 16  # training rows read at most before a run is said to give no answer (a row without a reply is skipped)
# Mask policies that train a conversation's last reply alone (`ftlib.masks`): the earlier replies taught nothing.
LAST_REPLY_POLICIES = ("last_assistant", "completion_only")


def reply_thinking(template, row: dict, every_reply: bool = True) -> bool | None:
    """Which generation prompt the replies of `row` (a canonical row; each reply of a conversation, a pair's chosen
    answer) follow in its whole rendering by `template` (a ChatTemplate): True for the thinking-on prompt, False for
    the off one; the one every reply follows, else the last reply's (`every_reply` False: the last reply's, for a
    mask policy that trains it alone, `LAST_REPLY_POLICIES`); None for a template without the switch
    (`ChatTemplate.thinking_switch`), one whose two prompts are the same, a row with no reply (raw text, a prompt
    alone, an answer labelled bad) or one neither prompt starts.

    >>> from ftlib.templates import get_template
    >>> row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    >>> reply_thinking(get_template("chatml"), row) is None
    True
    """
    from ftlib import rows
    from ftlib.errors import UserError
    from ftlib.references import conversation
    from ftlib.templates import render

    if not template.thinking_switch:
        return None
    try:
        messages = conversation(row)  # ends with the reply training taught (EvalError: the row has none)
        tools = row.get("tools")
        # The row whole, as training rendered it: a question left unanswered or a tool result after the reply
        # included, for Qwen3's writes the empty block only before a reply after the last question.
        whole = render(template, rows.conversation(row), tools=tools)
        # Each reply's prompt: Qwen3's writes the empty block only before the last reply, so a tool call before it
        # follows the on prompt, and a prompt of one question (Compare, `sample`) asks for that call.
        ends = [i for i, m in enumerate(messages) if i and m.get("role") == "assistant"]
        ends = ends if every_reply and rows.row_kind(row) == "sft" and ends else [len(messages) - 1]
        prompts = [
            {
                value: render(template, messages[:end], add_generation_prompt=True, tools=tools, thinking=value)
                for value in (True, False)
            }
            for end in ends
        ]
    except UserError:  # no reply to read, or a template that refuses the row: it says nothing
        return None
    if prompts[-1][True] == prompts[-1][False]:
        return None
    follows = [{value for value, text in prompt.items() if whole.startswith(text)} for prompt in prompts]
    said = set.intersection(*follows) or follows[-1]  # none every reply follows: the last reply's, as before
    # both: the longer prompt is the one the reply follows
    return max(said, key=lambda value: len(prompts[-1][value])) if said else None


def training_rows(run_dir: Path | str, limit: int = ROWS_READ) -> list[dict]:
    """The first `limit` training rows of a run, from its own copy of its rows (`workspace.kept_split`) or the saved
    split its config names (`run_data.split_folder`), read line by line; [] for a run on a data file that kept no
    copy (splitting the file again is not worth a default), or rows that do not read."""
    from ftlib import workspace
    from ftlib.run_data import split_folder

    folder = workspace.kept_split(run_dir)
    if folder is None:
        try:
            config = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
            folder = split_folder(str(config.get("dataset") or ""))
        except (OSError, ValueError, AttributeError):
            return []
    if folder is None:
        return []
    rows: list[dict] = []
    try:
        with open(Path(folder) / "train.jsonl", encoding="utf-8") as lines:
            for line in lines:
                if len(rows) >= limit:
                    break
                row = json.loads(line) if line.strip() else None
                rows += [row] if isinstance(row, dict) else []
    except (OSError, ValueError):  # missing, or a line that does not read: the rows before it
        return rows
    return rows


def trained_thinking(run_dir: Path | str, template) -> bool | None:
    """How the run in `run_dir` was taught to answer under `template` (its chat template, a ChatTemplate): the
    `reply_thinking` of its first training row that says (True: after the thinking-on prompt, False: the off one);
    None where the template has no switch or no row says."""
    if not template.thinking_switch:
        return None
    try:  # its mask policy: whether the replies before the last were trained (the default trains each)
        policy = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8")).get("mask_policy")
    except (OSError, ValueError, AttributeError):
        policy = None
    every = policy not in LAST_REPLY_POLICIES
    return next(
        (said for row in training_rows(run_dir) if (said := reply_thinking(template, row, every)) is not None), None
    )


def run_start(run: Path | str, tokenizer) -> tuple[bool, bool | None, bool]:
    """(whether the chat template `run` trained with has the switch, where it is asked when no setting is given, as
    `start_for` reads it, whether that is the run's own trained state rather than the template's default:
    `thinking_start`) for `run` (a run folder, or its adapter/ or model/ folder); (False, None, False) for a raw-text
    run or a template without the switch. The model's own template is read from `tokenizer`. Compare asks each run
    with it under "as each run trained"."""
    from ftlib.modelset import trained_template
    from ftlib.rundir import run_folder_of
    from ftlib.templates import get_template

    name, source = trained_template(run) or ("tokenizer", "")
    if name == "text":
        return False, None, False
    template = get_template(name, tokenizer, source or None)
    if not template.thinking_switch:
        return False, None, False
    return (True, *thinking_start(template, run_folder_of(run)))


def thinking_start(template, run_dir: Path | str | None = None) -> tuple[bool | None, bool]:
    """(where a thinking toggle, or `--thinking` left out, starts for `template`: the run's trained state
    (`trained_thinking`) where `run_dir` says one, else the template's own default (`model_prompts.thinking_default`),
    whether it is the run's). (None, False) for a template without the switch."""
    from ftlib.model_prompts import thinking_default

    trained = trained_thinking(run_dir, template) if run_dir is not None else None
    return (trained, True) if trained is not None else (thinking_default(template), False)


def start_for(run: Path | str | None, tokenizer, template: str | None = None) -> bool | None:
    """The `enable_thinking` a run is asked with when none is given (`sample`, `evaluate`): its trained state in its
    own chat template (`thinking_start`), or where `template` (a name: --template) overrides it, that template's own
    default. None for a raw-text run or a template without the switch (nothing to give). `run`: a run folder or its
    adapter/ or model/ folder, None for the base alone; `tokenizer` reads the model's own template."""
    from ftlib.templates import get_template

    if template is not None or run is None:
        return thinking_start(get_template(template or "tokenizer", tokenizer))[0]
    return run_start(run, tokenizer)[1]


__all__ = [
    "ROWS_READ",
    "reply_thinking",
    "run_start",
    "start_for",
    "thinking_start",
    "trained_thinking",
    "training_rows",
]
