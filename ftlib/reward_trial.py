"""GRPO's rewards tried before a run is queued: each reward called on the first training prompts with a stand-in
answer, so one that raises or returns no number on this data is refused at once, not minutes into the run.

    problem = trial_problem(config.rewards, train_rows)    # None, or one sentence: the reward, the row, what it did
    functions_version(config.rewards)                      # "" or a digest of the operator's functions' files now

No model writes anything here: the stand-in answer is the row's own reference where it has one (a conversation's
last reply, which GRPO leaves out of its prompt; a column that holds the answer, e.g. GSM8K's `answer` after its
"####", `contains_column`'s column first), else an empty answer and a short one, as a model's first answers can be.
Each reward is called as the run calls it (`Reward.scores`: the prompt's turns, its tools and its columns), so what it
raises or returns is said in the run's own words (`reward_functions.checked_score`, `_failure`). What the rewards
make of real answers is the Train page's reward preview (`ftlib.reward_preview`), which writes them with the model.

Not known here: which rewards can be built at all and which columns they need (`rewards.problems`, `check_columns`,
said first by `ftlib.run_preflight`); a reward model (`{"model": RUN_ID}`) is not loaded to be tried: its run is
checked as a finished reward model there.
"""

from __future__ import annotations

import hashlib
import os

from ftlib.alignment import prompt_row
from ftlib.column_values import MISSING, answer_field, column_answer, found, texts
from ftlib.errors import UserError
from ftlib.reward_functions import REGISTRY_ENV, registered_functions
from ftlib.rows import as_turns, row_kind
from ftlib.user_paths import user_path

TRIED_ROWS = 3  # the first training prompts each reward is tried on
SHORT_ANSWER = "The answer is 4."  # a stand-in where a row gives no reference answer, beside an empty one


def stand_in_answers(row: dict, columns_read: list[str] = ()) -> list[tuple[str, str]]:
    """(answer, where it comes from) to try a row's rewards with: its reference where it has one (a conversation's last
    reply; else the first of `columns_read`, then a column named like an answer, `column_values.answer_field`, that
    gives text: its final answer, `column_answer`), else an empty answer and SHORT_ANSWER.

    >>> stand_in_answers({"prompt": [], "columns": {"question": "2+2?", "answer": "2 and 2 make 4.\\n#### 4"}})
    [('4', 'its `answer` column')]
    >>> [a for a, _ in stand_in_answers({"prompt": [{"role": "user", "content": "Hi"}]})]
    ['', 'The answer is 4.']
    """
    if row_kind(row) == "sft":
        replies = [m.get("content") for m in row["messages"] if m.get("role") == "assistant"]
        if replies and isinstance(replies[-1], str) and replies[-1].strip():
            return [(replies[-1], "its last reply, which GRPO leaves out")]
    columns = row.get("columns") or {}
    named = answer_field(columns) if isinstance(columns, dict) else None
    for path in [*columns_read, *([named] if named else [])]:
        value = found(columns, path)
        given = [t for t in (texts(None if value is MISSING else value) or []) if t.strip()]
        if given:
            return [(column_answer(given[0]), f"its `{path}` column")]
    return [("", "an empty answer"), (SHORT_ANSWER, "a short answer")]


def trial_problem(specs: list[dict], rows: list[dict], tried: int = TRIED_ROWS) -> str | None:
    """The first reward of `specs` (a run's `rewards`) that raises or returns anything but one finite number when
    called on one of the first `tried` training `rows` (a GRPO split's: prompts or conversations) with a stand-in
    answer (`stand_in_answers`), in one sentence naming the reward, the training row, the answer and what it raised
    or returned; None when every reward gives a number for each. Rewards that cannot be built are left to
    `rewards.problems` (None here): say those first.

    Calls the operator's registered functions (trusted code) a few times each; loads no model and writes no answer.
    """
    from ftlib.rewards import build_rewards

    try:
        rewards = [r for r in build_rewards(specs, load_models=False) if r.score is not None]  # not a reward model
    except UserError:
        return None
    columns_read = [str(r.spec[k]) for r in rewards for k in ("contains_column", "final_answer") if k in r.spec]
    for number, row in enumerate(rows[:tried], start=1):
        prompt = prompt_row(row)
        turns, tools = as_turns(prompt.get("prompt"), "user"), prompt.get("tools") or None
        columns = row.get("columns") or None
        for answer, source in stand_in_answers(row, columns_read):
            for reward in rewards:
                try:
                    reward.scores([turns], [answer], tools=[tools], columns=[columns])
                except UserError as exc:
                    said, shown = str(exc), answer if len(answer) <= 60 else answer[:57] + "..."
                    return (
                        f"The rewards were tried before the run on training row {number} with a stand-in answer "
                        f"({source}: {shown!r}; no model wrote it), and {said[:1].lower()}{said[1:]} The run would "
                        "stop there: fix the reward (or leave it out) and start the run again."
                    )
    return None


def functions_version(specs: list[dict]) -> str:
    """The operator's reward functions as their files are now, for a cache of what `trial_problem` found (the Train
    page's pre-flight is kept per settings): a digest of the registry file FTLIB_REWARD_FUNCTIONS names and of each
    `file.py` it registers, their bytes read now (a missing or unreadable one as such); "" where no reward of `specs`
    names a function. A file fixed since (or broken since) gives another digest, so it is tried again at the next
    Start, not once the settings change. A function in a module ("package.module:function") is left out: Python
    imports a module once per process, so the server runs an edit to it only after a restart.

    >>> functions_version([{"regex": "^Ahoy"}])
    ''
    """
    if not any(isinstance(spec, dict) and "function" in spec for spec in specs or ()):
        return ""
    registry = os.environ.get(REGISTRY_ENV, "").strip()
    files = [user_path(registry)] if registry else []
    try:
        targets = registered_functions().values()
    except UserError:  # a registry that does not read: its own bytes say when it changes
        targets = []
    files += [user_path(where) for where, _, _ in (t.rpartition(":") for t in targets) if where.endswith(".py")]
    digest = hashlib.sha256(registry.encode())
    for file in files:
        try:
            content = file.read_bytes()
        except OSError as exc:
            content = f"not read: {type(exc).__name__}".encode()
        digest.update(f"\0{file}\0{len(content)}\0".encode() + content)
    return digest.hexdigest()


__all__ = ["SHORT_ANSWER", "TRIED_ROWS", "functions_version", "stand_in_answers", "trial_problem"]
