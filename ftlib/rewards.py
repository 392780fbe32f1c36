"""GRPO's rewards: built-in checks that need no code, trained reward models, and operator-registered functions.

    rewards = build_rewards([{"regex": "^Ahoy", "weight": 1.0}, {"not_repeating": {}, "weight": 0.5}])
    table = score_completions(rewards, prompts, completions)   # one score per reward per completion, and the total
    group_advantages(table.totals, group_size=4)               # what GRPO pushes up (> 0) and down (< 0)
    load_reward_model("20261201-101500-reward-pairs").score(prompt, ["answer A", "answer B"])   # [0.8, -0.3]

Every reward maps one completion (the answer text) to a number; a run's total is the weighted sum. The built-ins:

    regex          1 if the pattern matches anywhere (`re.search`, at most 1 s an answer; ^ for "starts with"), else 0
    contains       1 if the text occurs (case-sensitive), else 0
    contains_column  1 if the value of the prompt row's column (GSM8K's `answer`: its final answer after "####"; MATH's
                   `solution`: its last \\boxed{};
                   `reward_model.ground_truth`: a field of an object column; a list: any of its answers) occurs in
                   the answer as a whole word or number ("10" is not in "100"; "5,000" and "5000.00" are
                   5000), else 0 (column_values.py)
    final_answer   1 if the answer's final answer (<answer> tags, else its last \\boxed{}, else after "####", else
                   its last number) equals the column's (after "####", else \\boxed{}, else the value), numbers by
                   value, else 0: "24 ... so 40" is 0 against "#### 24" (final_answer.py)
    length         1 - |words - target| / target, floored at 0: closer to `target` words is better
    not_repeating  distinct / total sentences (line by line) and three-word runs, the lower: 1 = nothing repeated
    check          a shipped sample's behaviour check (ftlib.demo_data), 1 or 0: e.g. chat_style ("opens with Ahoy!")
    model          a finished reward-model run's score of the whole conversation (any real number)
    function       a Python function the server's operator registered (see below)

No code from a browser is ever run. An operator may register functions in a YAML/JSON file named by the
environment variable FTLIB_REWARD_FUNCTIONS (unset = off); they are trusted code, called once per answer as
`function(prompt=[turns...], completion="text") -> float`, given the row's `tools` and its columns (a file of
prompts' other fields: `answer=`...) where they take them, as TRL passes a dataset's columns; anyone who can start a
run can use them by name (ftlib/reward_functions.py: loading them, and refusing what they cannot be or return).

Every reward's scores are checked: one finite number per answer, or a RewardError naming the reward and the value
(`score_completions`, and GRPO's reward functions in alignment.py), so NaN never reaches an advantage or a file.

Every reward of a row with `tools` sees them: a reward model scores the conversation rendered with them, as it was
trained on it (`RewardModel.encode`).

Not known here: how GRPO calls them (alignment.py), the config's shape checks (methods.py).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ftlib import pattern_search
from ftlib.answer_notes import looped_characters, repeats_itself, repetition_units  # repeats_itself: re-exported
from ftlib.column_values import MISSING, contains_column_score, found, path_keys, unreadable
from ftlib.column_values import answers as column_answers
from ftlib.errors import UserError, numbered, plural
from ftlib.final_answer import final_answer_reward
from ftlib.methods import check_rewards, coerce_rewards, looks_like_code, reward_kind, reward_names
from ftlib.reward_config import COLUMN_KINDS
from ftlib.reward_functions import (
    REGISTER_HOW,
    REGISTRY_ENV,
    RewardError,
    asked,
    checked_score,
    registered,
    registered_functions,
    takes_tools,
)

_WORDS = re.compile(r"\S+")


CODE_IS_NOT_RUN = (
    'The Rewards box takes declarations such as [{"regex": "^Ahoy"}, {"not_repeating": {}}], not Python: '
    "code typed here is never run. To reward with a Python function of your own, the server's operator registers "
    f'it in the file {REGISTRY_ENV} points to (README, "Rewards for GRPO"); then write {{"function": "NAME"}} '
    "here."
)


def text_problems(text: str) -> list[str]:
    """What refuses rewards typed as text (the Train page's Rewards box: JSON or YAML) before launch: Python code
    (never run, and how an operator registers a function), a shape that is not a list of rewards, a reward whose
    run, sample or function cannot be used. [] when every one can be used; nothing is loaded."""
    if looks_like_code(text):
        return [CODE_IS_NOT_RUN]
    try:
        specs = coerce_rewards(text, RewardError)
    except RewardError as exc:
        return [str(exc)]
    return problems(specs)


# ---------------------------------------------------------------------------------------------------------------
# Built-in scores of one completion
# ---------------------------------------------------------------------------------------------------------------


def regex_score(pattern: str, text: str) -> float:
    """1.0 when `pattern` matches somewhere in `text` (`re.search`'s rule, bounded in time: pattern_search), else 0.0.

    >>> regex_score("^Ahoy", "Ahoy! Hi."), regex_score("^Ahoy", "Well, Ahoy")
    (1.0, 0.0)
    """
    return 1.0 if pattern_search.search(pattern, text) else 0.0


def contains_score(needle: str, text: str) -> float:
    """1.0 when `needle` occurs in `text` (case-sensitive), else 0.0."""
    return 1.0 if needle in text else 0.0


def length_score(target: float, text: str) -> float:
    """How close the word count is to `target`: 1 - |words - target| / target, at least 0.

    >>> length_score(4, "one two three four"), length_score(4, "one two"), length_score(4, "a " * 9)
    (1.0, 0.5, 0.0)
    """
    words = len(_WORDS.findall(text))
    return max(0.0, 1.0 - abs(words - target) / target)


# Word runs: an answer's words in threes, counted once it has this many of them (a short answer repeats none).
WORD_RUNS_FROM = 4


def not_repeating_score(text: str) -> float:
    """Distinct over all, 1.0 when nothing repeats: of the sentences (line by line), of the runs of three words once
    there are WORD_RUNS_FROM of them, and of the characters (the share not in a loop of characters, as Compare marks
    one: `answer_notes.looped_characters`); the lowest. The word runs catch a loop inside one sentence ("Oh no, no no
    no no no"), the characters one inside a word ("lessnesslessness..."), which sentences and words alone score 1.0:
    GRPO would learn to write them.

    >>> not_repeating_score("- a\\n- b"), not_repeating_score("- a\\n- a\\n- a\\n- b"), not_repeating_score("")
    (1.0, 0.5, 1.0)
    >>> round(not_repeating_score("Oh no, no no no no no no"), 3), not_repeating_score("Boil the water, then add it.")
    (0.333, 1.0)
    >>> not_repeating_score("lessness" * 60), round(not_repeating_score("Here: " + "ab1" * 20), 3)
    (0.0, 0.091)
    """
    units = repetition_units(text)
    sentences = len(set(units)) / len(units) if units else 1.0
    words = re.findall(r"\w+", text.lower())
    runs = list(zip(words, words[1:], words[2:], strict=False))
    score = min(sentences, len(set(runs)) / len(runs)) if len(runs) >= WORD_RUNS_FROM else sentences
    return min(score, 1.0 - looped_characters(text) / len(text)) if text else score


# ---------------------------------------------------------------------------------------------------------------
# A reward: a name, a weight, a scorer
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Reward:
    """One reward of a run: `score(prompts, completions, tools=None, columns=None)` -> one number per completion;
    `tools`, when given, holds each completion's row's tool schemas (None for a row without), `columns` its row's
    other fields ({name: value}, `rows.with_columns`; None for a row without)."""

    name: str  # unique in the run; metrics are `reward_<name>` (and `reward_<name>_std`)
    label: str  # for people: 'regex "^Ahoy"'
    weight: float
    spec: dict
    score: Callable[..., list[float]] = field(repr=False)

    def scores(self, prompts, completions, tools=None, columns=None) -> list[float]:
        """`score`, checked: one finite number per completion, else a RewardError naming this reward and the value
        (a reward model's NaN, a registered function's None; TRL would take either as "no reward")."""
        values = list(self.score(prompts, completions, tools=tools, columns=columns))
        if len(values) != len(completions):
            raise RewardError(f"The reward {self.label} gave {len(values)} scores for {len(completions)} answers.")
        return [checked_score(v, f"The reward {self.label}", p) for v, p in zip(values, prompts, strict=True)]


def _per_text(function: Callable[[str], float]):
    return lambda prompts, completions, tools=None, columns=None: [float(function(text)) for text in completions]


def _sample_check(name: str):
    from ftlib.demo_data import SAMPLES, SampleError, check

    sample = SAMPLES.get(name)
    if sample is None or sample.check is None:
        checkable = ", ".join(s.name for s in SAMPLES.values() if s.check is not None)
        raise SampleError(
            f"`check` names {name!r}, which is not a shipped sample with a check; use one of: {checkable}."
        )
    return lambda text: 1.0 if check(name, text) else 0.0


def _label(spec: dict) -> str:
    kind = reward_kind(spec)
    value = spec[kind]
    return kind if value in ({}, None) else f"{kind} {json.dumps(value)}"


def build_rewards(specs: list[dict], device: str = "cpu", load_models: bool = True) -> list[Reward]:
    """The rewards of a run config, ready to score (reward models loaded on `device` unless `load_models` is
    False, then only checked). RewardError names the reward that cannot be used and what to do."""
    check_rewards(specs, RewardError)
    rewards, names = [], reward_names(specs)
    for number, spec in enumerate(specs, start=1):
        kind, value = reward_kind(spec), spec[reward_kind(spec)]
        try:
            if kind == "regex":
                score = _per_text(lambda text, pattern=value: regex_score(pattern, text))
            elif kind == "contains":
                score = _per_text(lambda text, needle=value: contains_score(needle, text))
            elif kind == "contains_column":
                score = contains_column_score(value)
            elif kind == "final_answer":
                score = final_answer_reward(value)
            elif kind == "length":
                score = _per_text(lambda text, target=float(value["target"]): length_score(target, text))
            elif kind == "not_repeating":
                score = _per_text(not_repeating_score)
            elif kind == "check":
                score = _per_text(_sample_check(value))
            elif kind == "function":
                score = registered(value)
            else:
                check_reward_run(value)
                score = load_reward_model(value, device).score_many if load_models else None
        except UserError as exc:
            raise RewardError(f"`rewards` item {number}: {exc}") from None
        rewards.append(Reward(names[number - 1], _label(spec), float(spec.get("weight", 1.0)), dict(spec), score))
    return rewards


@dataclass(frozen=True)
class RewardPart:
    """One reward's share of a mean total: its mean score (unweighted, as `reward_<name>` logs it), its weight and
    `part` = weight x mean. The parts of a run's rewards sum to the mean total it reports (`reward`): GRPO's total of
    an answer is the weighted sum of its scores, and a mean of sums is the sum of the means."""

    name: str
    label: str  # for people: 'regex "^Ahoy"'
    weight: float
    mean: float | None  # None: not measured (a metrics row without it)
    part: float | None


def weighted_parts(specs: list[dict], means: dict[str, float | None]) -> list[RewardPart]:
    """Each reward of a run's config (`specs`, nothing loaded) with its mean score from `means` (by reward name, as
    `reward_names`), its weight and its part of the total. RewardError for rewards that cannot work.

    >>> specs = [{"regex": "^A", "weight": 2}, {"not_repeating": {}, "weight": 0.5}]
    >>> [(p.name, p.weight, p.mean, p.part) for p in weighted_parts(specs, {"regex": 0.25, "not_repeating": 0.8})]
    [('regex', 2.0, 0.25, 0.5), ('not_repeating', 0.5, 0.8, 0.4)]
    """
    check_rewards(specs, RewardError)
    parts, names, old = [], reward_names(specs), reward_names(specs, by_kind=True)
    if not (set(names) - set(old)) & means.keys() and (set(old) - set(names)) & means.keys():
        names = old  # a run logged before functions were named as registered (2026-12-04)
    for name, spec in zip(names, specs, strict=True):
        weight, mean = float(spec.get("weight", 1.0)), means.get(name)
        part = weight * float(mean) if mean is not None else None
        parts.append(RewardPart(name, _label(spec), weight, None if mean is None else float(mean), part))
    return parts


def problems(specs: list[dict]) -> list[str]:
    """What refuses these rewards before launch (nothing is loaded): [] when every one can be used."""
    try:
        build_rewards(specs, load_models=False)
    except UserError as exc:
        return [str(exc)]
    return []


def check_columns(
    rewards: list[Reward],
    columns: Sequence[dict | None],
    what: str = "training prompt",
    prompts: Sequence = (),
    absent_only: bool = False,
) -> None:
    """RewardError before training when a reward reads a column that some of the rows (each row's `columns`,
    rows.with_columns) lack: `contains_column`'s or `final_answer`'s (a name or a dotted path into an object column,
    `column_values.found`), or a registered function's parameter without a default (`reward_functions.registered`'s
    `columns_needed`); it would stop the run at the first such row. Also when that column's value is an object
    in some row (`column_values.object_problem`: every answer would score 0). `prompts`: the rows' prompts (turns),
    the first lacking one quoted; else rows are numbered as `what` N. `absent_only`: only a column that none of the
    rows has (evaluate, before the models load: which rows it answers needs the tokenizer). Returns None."""
    has = sorted({k for given in columns for k in (given or {})})

    def which(rows: list[int]) -> str:
        if len(prompts) >= rows[-1]:  # named by their words: a position in a shuffled split means nothing
            first = asked(prompts[rows[0] - 1])
            return f"the {what} {first}" if len(rows) == 1 else f"{len(rows)} {what}s ({first}, ...)"
        return numbered(what, rows)

    for reward in rewards:
        # Its text is compared with the answer: one of only spaces stops the run too.
        kind = next((k for k in COLUMN_KINDS if k in reward.spec), "contains_column")  # the hints keep it
        compared = reward.spec.get(kind)
        needed = {compared} if compared is not None else set()
        needed |= set(getattr(reward.score, "columns_needed", ()))
        for column in sorted(needed):
            if absent_only and any(found(given, column) is not MISSING for given in columns):
                continue  # some row has it: whether one lacking it is kept is for the check on the rows kept
            if column == compared and (objects := unreadable(column, columns, kind))[0]:
                raise RewardError(f"The reward {reward.label} cannot score {which(objects[0])}: {objects[1]}")
            lacking = [
                n
                for n, given in enumerate(columns, start=1)
                if (not column_answers(given, column, kind) if column == compared else column not in (given or {}))
            ]
            if not lacking:
                continue
            if any(found(given, column) is not MISSING for given in columns):  # a file's empty or null cell is
                raise RewardError(  # not carried (formats.ignored)
                    f"The reward {reward.label} reads the column {column!r}, which is empty, null or missing in "
                    f"{which(lacking)}, where the other {len(columns) - len(lacking)} give it a value. Give those "
                    "prompts a value in that column, or leave them out of the data."
                )
            raise RewardError(
                f"The reward {reward.label} reads the column {column!r}, which {which(lacking)} "
                f"{'does' if len(lacking) == 1 else 'do'} not have (the rows' columns: {', '.join(has) or 'none'}"
                f"{path_keys(column, columns, kind)}). Give every prompt that column in the data, or use a reward "
                "that reads one they all have."
                + (
                    ""
                    if has
                    else " A file read as prompt and answer (or chat) passes no column: if this one was, read it as "
                    "prompts only (`--format prompt_only`; 'Read the file as' on the Data page), and its other "
                    "fields go to the rewards."
                )
            )


# ---------------------------------------------------------------------------------------------------------------
# Scoring many completions, and what GRPO makes of the scores
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class ScoreTable:
    """Scores of N completions: `scores[name]` per reward (unweighted), `totals` the weighted sums."""

    scores: dict[str, list[float]]
    totals: list[float]


def score_completions(
    rewards: list[Reward],
    prompts: Sequence[list[dict]],
    completions: Sequence[str],
    tools: Sequence[list | None] | None = None,
    columns: Sequence[dict | None] | None = None,
) -> ScoreTable:
    """Every reward on every (prompt, completion); totals = sum of weight x score, as TRL's GRPO sums them.
    `tools`: each completion's row's tool schemas (None for one without; None altogether: no row has any);
    `columns`: each completion's row's other fields (`rows.with_columns`), likewise. RewardError when a reward
    gives anything but one finite number per completion (`Reward.scores`)."""
    scores = {r.name: r.scores(prompts, completions, tools=tools, columns=columns) for r in rewards}
    totals = [sum(r.weight * scores[r.name][i] for r in rewards) for i in range(len(completions))]
    return ScoreTable(scores, totals)


def group_advantages(totals: Sequence[float], group_size: int, scale: bool = True) -> list[float]:
    """GRPO's advantage of each completion: its total minus its group's mean, over the group's standard deviation
    (+1e-4), as TRL computes it (`scale_rewards="group"`; Shao et al. 2024). Groups are consecutive runs of
    `group_size` completions of one prompt. A group whose answers all score the same teaches nothing (all 0).

    >>> [round(a, 3) for a in group_advantages([1.0, 0.0, 0.0, 0.0], 4)]
    [1.5, -0.5, -0.5, -0.5]
    """
    if len(totals) % group_size:
        raise RewardError(f"{plural(len(totals), 'completion')} do not split into groups of {group_size}.")
    if not all(math.isfinite(x) for x in totals):
        bad = next(x for x in totals if not math.isfinite(x))
        raise RewardError(f"An answer's total reward is {bad!r}: the rewards must sum to a finite number.")
    out = []
    for start in range(0, len(totals), group_size):
        group = [float(x) for x in totals[start : start + group_size]]
        mean = math.fsum(group) / len(group)
        # unbiased, like torch.std
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in group) / (len(group) - 1)) if len(group) > 1 else 0.0
        out += [(x - mean) / (std + 1e-4) if scale else x - mean for x in group]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Reward models: a finished `method: reward` run, loaded to score answers
# ---------------------------------------------------------------------------------------------------------------


def check_reward_run(run_id):
    """The RunDir of a finished reward-model run (its id, the name it was queued with as `score` and `runs show`
    take it, or its RunDir); RewardError saying what it is otherwise."""
    from ftlib import workspace
    from ftlib.rundir import RunDir, run_folders

    if isinstance(run_id, RunDir):  # a run folder given by its path (`evaluate RUN_DIR`), wherever it is
        run, run_id = run_id, run_id.id
    else:
        run = RunDir(workspace.runs_dir() / workspace.safe_name(str(run_id), default="-"))
    if not run.exists():
        given = str(run_id).strip()
        # Newest first, as `runs list` shows them (ids begin with their time); the name a run was queued with.
        named = [
            r.id for r in reversed(run_folders()) if given and str(r.read_config().get("name") or "").strip() == given
        ]
        if len(named) > 1:
            raise RewardError(f"Several runs are named {given!r}: {', '.join(named)}. Give one of these ids.")
        if not named:
            raise RewardError(
                f"There is no run {run_id!r} here, by id or by name. Train a reward model first (method reward on "
                "preference pairs) and give its run id or name (`python -m ftlib runs list`)."
            )
        run = RunDir(workspace.runs_dir() / named[0])
    if found := run.output():  # a status.json that does not read: refused as Compare and `sample` refuse it
        from ftlib.run_result import check_run_status

        check_run_status(found[0], RewardError, finished=False)  # an unfinished one: said below, with its kind
    method, state = run.read_config().get("method"), run.read_status().get("state")
    if method != "reward":
        raise RewardError(
            f"Run {run_id!r} is a {method} run, not a reward model: it writes answers, it does "
            "not score them. Give the id of a run trained with method reward."
        )
    if state in ("queued", "running", "stopping"):
        raise RewardError(f"The reward model {run_id!r} is {state}: use it once it has finished.")
    if state != "finished" or run.output() is None:  # stopped, failed: as `runs show` says it, and how to resume
        from ftlib.run_result import no_result_reason

        raise RewardError(f"The reward model {run_id!r} cannot score answers yet. {no_result_reason(run)}")
    return run


def with_reward_run_ids(specs: list[dict]) -> list[dict]:
    """`specs` with each reward model given by name (`{"model": "rm1"}`) given by its run id, as a run records them:
    a reward model deleted and another trained under its name must not score the run's resume or evaluation
    unnoticed. Names that resolve to no finished reward model are kept as given (the run's checks refuse them)."""
    out = []
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("model"), str):
            try:
                spec = {**spec, "model": check_reward_run(spec["model"]).id}
            except RewardError:
                pass
        out.append(spec)
    return out


def reward_runs() -> list[str]:
    """The ids of the finished reward-model runs of the workspace, newest first (what a score view offers)."""
    from ftlib.rundir import run_folders

    found = []
    for run in reversed(run_folders()):  # ids begin with their start time
        config, status = run.read_config(), run.read_status()
        if config.get("method") == "reward" and status.get("state") == "finished" and run.output() is not None:
            found.append(run.id)
    return found


@dataclass
class RewardModel:
    """A trained reward model with the tokenizer and chat template it was trained with."""

    model: object
    tokenizer: object
    template: object
    max_length: int | None = None
    batch_size: int = 16

    def encode(self, prompt: list[dict] | str, response: str, tools: list | None = None) -> list[int]:
        """The ids the model scores: prompt + response rendered exactly as its training pairs were, with the row's
        tool schemas `tools` (a pair with tools trained on them rendered in: without, the model scores other text)."""
        from ftlib.rows import as_turns
        from ftlib.tokens import encode_row

        messages = as_turns(prompt, "user") + [{"role": "assistant", "content": response}]
        row = {"messages": messages, "tools": tools or None}
        return list(encode_row(row, self.tokenizer, self.template, max_length=self.max_length).input_ids)

    def score_ids(self, sequences: Sequence[Sequence[int]]) -> list[float]:
        """One score per id sequence (right-padded batches; the score is read at each sequence's last token)."""
        import torch

        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        device = next(self.model.parameters()).device
        out: list[float] = []
        with torch.inference_mode():
            for start in range(0, len(sequences), self.batch_size):
                chunk = sequences[start : start + self.batch_size]
                width = max(len(s) for s in chunk)
                ids = torch.full((len(chunk), width), pad, dtype=torch.long, device=device)
                mask = torch.zeros_like(ids)
                for i, seq in enumerate(chunk):
                    ids[i, : len(seq)], mask[i, : len(seq)] = torch.tensor(list(seq)), 1
                out += self.model(input_ids=ids, attention_mask=mask).logits[:, 0].float().tolist()
        return out

    def score(self, prompt: list[dict] | str, responses: Sequence[str], tools: list | None = None) -> list[float]:
        """Scores of several answers to one prompt with the tool schemas `tools` (higher = the model prefers it)."""
        return self.score_ids([self.encode(prompt, r, tools) for r in responses])

    def score_many(
        self,
        prompts: Sequence[list[dict]],
        completions: Sequence[str],
        tools: Sequence[list | None] | None = None,
        columns: Sequence[dict | None] | None = None,
    ) -> list[float]:
        """One score per (prompt, completion), each with its row's tool schemas in `tools` (None: none): GRPO's
        reward. `columns` (the rows' other fields) are not scored: the model reads the conversation."""
        tools = list(tools) if tools is not None else [None] * len(completions)
        triples = zip(prompts, completions, tools, strict=True)
        return self.score_ids([self.encode(p, c, t) for p, c, t in triples])


def load_reward_model(run_id, device: str | None = "cpu") -> RewardModel:
    """A finished reward-model run (its id, or its RunDir), loaded for scoring: its base with the adapter and score
    head, or its full model (`device` None: the best one here).

    Loads with plain transformers + PEFT from the run's files (safetensors only), so an exported reward model
    scores the same anywhere.
    """
    from transformers import AutoTokenizer

    from ftlib.models import load_model, trust_remote_code
    from ftlib.run_base import run_config_of
    from ftlib.templates import get_template

    run = check_reward_run(run_id)
    folder, full = run.output()
    config = run_config_of(run.path)  # a QLoRA run's base dtype as it recorded it
    # Saved with the run (beside an adapter too): its chat template is the one the reward model trained with.
    tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=trust_remote_code())
    dtype = None if config.get("dtype", "auto") == "auto" else config["dtype"]
    if full:
        model = load_model(str(folder), device=device, dtype=dtype, score=True)
    else:
        from peft import PeftModel

        from ftlib.modelset import find_adapter
        from ftlib.run_base import load_run_base

        # On the base as the run trained it: a QLoRA reward model's adapter learned on its 4-bit base.
        base = load_run_base(config.get("model") or "default", config, device=device, dtype=dtype, score=True)
        model = PeftModel.from_pretrained(base, str(find_adapter(folder)), is_trainable=False)
    model.config.pad_token_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    template = get_template(
        config.get("template") or "tokenizer", tokenizer=tokenizer, source=config.get("template_source") or None
    )
    return RewardModel(model.eval(), tokenizer, template, config.get("max_length"))


def pair_accuracy(chosen: Sequence[float], rejected: Sequence[float]) -> float:
    """Share of pairs whose chosen answer scores above its rejected one (a tie counts as wrong, as in TRL)."""
    return sum(c > r for c, r in zip(chosen, rejected, strict=True)) / max(len(chosen), 1)


__all__ = [
    "REGISTRY_ENV",
    "Reward",
    "RewardError",
    "RewardModel",
    "RewardPart",
    "ScoreTable",
    "CODE_IS_NOT_RUN",
    "REGISTER_HOW",
    "build_rewards",
    "check_columns",
    "check_reward_run",
    "checked_score",
    "contains_score",
    "group_advantages",
    "length_score",
    "load_reward_model",
    "looks_like_code",
    "not_repeating_score",
    "pair_accuracy",
    "problems",
    "regex_score",
    "registered_functions",
    "repeats_itself",
    "reward_names",
    "reward_runs",
    "repetition_units",
    "score_completions",
    "takes_tools",
    "text_problems",
    "weighted_parts",
    "with_reward_run_ids",
]
