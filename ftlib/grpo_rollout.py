"""GRPO's rollout on TRL, the pieces `alignment.make_trainer` feeds `GRPOTrainer` with: prompts carried through TRL
as text (`prompt_text`: turns and tools, so prompts that differ only in their tools stay two; `prompt_parts` reads
them back) with each row's other fields as JSON (`prompt_dataset`, COLUMNS_FIELD); the answers written by
`ftlib.sampling`'s batched decoding (`BatchedRollout`, TRL's `rollout_func`), every answer of a step in one decoding
loop with a generator per answer; our rewards as TRL's reward functions (`reward_functions`); and each logged step's
answers and rewards as the run folder's completions.jsonl rows (`completion_rows`, the Train page's live table)
(Shao et al. 2024, DeepSeekMath).

Not known here: the trainer built from them (alignment.py), what the rewards compute (rewards.py).
"""

from __future__ import annotations

import json
import math
import zlib


def prompt_text(messages: list[dict], tools: list | None = None) -> str:
    """One GRPO prompt as the text TRL carries to the rollout and the rewards: the JSON of its turns, or of
    {"messages", "tools"} when its row has tool schemas, so two prompts that differ only in their tools stay two
    (`prompt_parts` reads it back).

    >>> prompt_text([{"role": "user", "content": "Hi"}])
    '[{"role": "user", "content": "Hi"}]'
    >>> prompt_parts(prompt_text([{"role": "user", "content": "Hi"}], [{"name": "f"}]))
    ([{'role': 'user', 'content': 'Hi'}], [{'name': 'f'}])
    """
    return json.dumps({"messages": messages, "tools": tools}) if tools else json.dumps(messages)


def prompt_parts(text) -> tuple[list[dict], list | None]:
    """A prompt's turns and tool schemas (None: none) from `prompt_text`'s text (turns as a list pass through)."""
    value = json.loads(text) if isinstance(text, str) else text
    if isinstance(value, dict):
        return list(value.get("messages") or []), value.get("tools") or None
    return list(value or []), None


# The dataset column that carries a prompt row's other fields (rows.with_columns) through TRL, as JSON text: TRL
# hands every dataset column to the reward functions, and JSON keeps each row's own fields and types as they are.
COLUMNS_FIELD = "ftlib_columns"


def prompt_dataset(encodings: list):
    """A datasets.Dataset of prompts as `prompt_text` (TRL hands them to the rollout and the rewards as they are) and,
    when any row carries other fields (`columns`), their JSON under COLUMNS_FIELD (TRL hands it to the rewards)."""
    from datasets import Dataset

    data = {"prompt": [prompt_text(e.messages, e.tools) for e in encodings]}
    if any(getattr(e, "columns", None) for e in encodings):
        data[COLUMNS_FIELD] = [json.dumps(getattr(e, "columns", None) or {}) for e in encodings]
    return Dataset.from_dict(data)


class BatchedRollout:
    """TRL's `rollout_func` for GRPO: every answer of a generation batch in one `ftlib.sampling` decoding loop.

    Prompts arrive as `prompt_text` (turns and tools), each repeated group-size times; their ids come from our encoder
    (so the model is prompted exactly as the Tokens page shows, tools included). Each answer draws from its own
    generator, seeded from (seed, step, process, position), so the answers of a group differ and a resumed run draws
    the same ones. The stop token is kept at the end of a finished answer, as TRL's own generation keeps it, so the
    model learns to stop.
    """

    __name__ = "ftlib_batched_rollout"

    def __init__(self, encodings: list, tokenizer, max_new_tokens: int, temperature: float, seed: int, template=None):
        self.ids = {prompt_text(e.messages, e.tools): tuple(e.input_ids) for e in encodings}
        self.tokenizer, self.max_new_tokens, self.temperature, self.seed = tokenizer, max_new_tokens, temperature, seed
        self.template = template  # the run's ChatTemplate: its end of turn ends an answer (sampling.stop_token_ids)

    def add(self, encodings: list) -> None:
        """Held-out prompts too (evaluation generates for them)."""
        self.ids.update({prompt_text(e.messages, e.tools): tuple(e.input_ids) for e in encodings})

    def seeds(self, count: int, step: int, rank: int = 0) -> list[int]:
        """One seed per answer of a generation batch (of this process), stable across runs and resumes."""
        return [zlib.crc32(f"{self.seed}|{step}|{rank}|{i}".encode()) & 0x7FFFFFFF for i in range(count)]

    def __call__(self, prompts: list[str], trainer) -> dict:
        from ftlib import sampling

        model = trainer.accelerator.unwrap_model(trainer.model)
        # A PEFT model's base model runs the active adapter with a plain forward (no per-row adapter routing).
        model = model.get_base_model() if hasattr(model, "get_base_model") else model
        seeds = self.seeds(len(prompts), trainer.state.global_step, trainer.accelerator.process_index)
        setting = sampling.DecodingSetting(temperature=float(self.temperature))
        rows = [sampling.GenRow(self.ids[p], setting) for p in prompts]
        was_training = model.training
        model.eval()  # no dropout while writing answers
        try:
            # Inverse-CDF draws: the same distribution as generate's multinomial, ~5x faster (ftlib.draws).
            stops = sampling.stop_token_ids(self.tokenizer, model, [self.template] if self.template else [])
            results = sampling.generate(
                model,
                self.tokenizer,
                rows,
                self.max_new_tokens,
                seed=seeds,
                top_alternatives=0,
                draws="inverse_cdf",
                stop_ids=stops,
            )
        finally:
            model.train(was_training)
        if hasattr(trainer, "_log_completion_extra"):  # each answer's cut, a `_logs` column beside it (every step)
            trainer._log_completion_extra("at_limit", [r.finish_reason in ("length", "context") for r in results])
            trainer._log_completion_extra("at_context", [r.finish_reason == "context" for r in results])
        return {
            "prompt_ids": [list(r.input_ids) for r in rows],
            "completion_ids": [r.ids for r in results],
            "logprobs": None,
        }


def reward_functions(rewards: list) -> list:
    """TRL reward functions for our rewards: `f(prompts, completions, **kw)` named after the reward (its metrics
    are `rewards/<name>/mean`); prompts arrive as `prompt_text`, completions as text, the rows' other fields as
    COLUMNS_FIELD (one per answer: TRL repeats each row's columns for its answers). Each reward gets the turns, the
    tools and the columns of each answer's prompt; what it returns is checked (`Reward.scores`): a reward that gives
    anything but finite numbers stops the run with a RewardError naming it, rather than TRL training on NaN."""
    functions = []
    for reward in rewards:

        def function(prompts, completions, _reward=reward, **kwargs):
            parts = [prompt_parts(p) for p in prompts]
            given = kwargs.get(COLUMNS_FIELD)
            columns = [json.loads(c) if c else None for c in given] if given is not None else None
            turns, tools = [m for m, _ in parts], [t for _, t in parts]
            return _reward.scores(turns, list(completions), tools=tools, columns=columns)

        function.__name__ = reward.name
        functions.append(function)
    return functions


def completion_rows(logs: dict, weights: dict[str, float], limit: int = 64) -> list[dict]:
    """GRPO's latest answers from TRL's `_logs`: prompt (its last turn), answer, each reward, the weighted total, the
    advantage, `at_limit` (cut; by the model's context: `at_context` True too; absent = unknown, as TRL's None)."""
    prompts, completions = list(logs["prompt"]), list(logs["completion"])
    cut, full = (list(logs.get("extra", {}).get(key) or []) for key in ("at_limit", "at_context"))
    names = [n for n in weights if n in logs["rewards"]]
    scores = {n: list(logs["rewards"][n]) for n in names}
    advantages = list(logs["advantages"])
    rows = []
    for i, (prompt, completion) in enumerate(zip(prompts, completions, strict=False)):
        turns = prompt_parts(prompt)[0]
        row = {"prompt": str(turns[-1].get("content", "")) if turns else "", "answer": str(completion)}
        row.update({n: float(scores[n][i]) for n in names if i < len(scores[n])})
        row["total"] = sum(weights[n] * row.get(n, 0.0) for n in names)
        row["advantage"] = float(advantages[i]) if i < len(advantages) else None
        if len(cut) == len(prompts) and cut[i] is not None:  # None: TRL's for a process that logged none
            row["at_limit"] = bool(cut[i])
            row.update({"at_context": True} if len(full) == len(prompts) and full[i] else {})
        # JSON has no NaN: a number that is not finite (a reward TRL could not compute) is written as null.
        rows.append({k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()})
    return rows[-limit:]
