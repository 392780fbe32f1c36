"""GRPO's reward preview: before a run starts, what it would reinforce (the Train page's table and verdict).

The answers are written as training writes them (`ftlib.alignment.BatchedRollout`'s seeds, the run's temperature
and length), scored by `ftlib.rewards` with each prompt's tools, and given the group-relative advantage GRPO would
give them (Shao et al. 2024, DeepSeekMath). Not known here: drawing the table (ui/alignment_view.py).
"""

from __future__ import annotations

import json

from ftlib.alignment import BatchedRollout, prompt_text, training_rows
from ftlib.jobs import BackgroundJob


def preview_rewards(model, tokenizer, config, rows: list[dict], prompts: int = 3, lock=None) -> list[dict]:
    """Before launch, what GRPO would reinforce: `grpo_group_size` answers by `model` (the run's starting model) to
    the first `prompts` prompts of `rows`, written as training writes them (its temperature and length), each
    reward's score of each, the weighted total and the advantage GRPO would give it (> 0 = made more likely),
    `at_limit` (True: the answer stopped at `grpo_max_new_tokens`, not at its end of turn or eos, or where the prompt
    and it filled the model's context, then `at_context` True too: `cut_note`), and under `messages` the whole
    prompt's turns (its system message included).

    Rows of any kind GRPO takes; the same table as the live one (`completion_rows`), under `tools` the row's tool
    schemas where it has any (the prompt is rendered and scored with them), under `columns` its other fields where it
    has any (the rewards get them: `rows.with_columns`). RewardError / ConfigError when a reward cannot be used (a
    column it reads that a prompt lacks or holds as an object: `rewards.check_columns`, before any answer is
    written), or gives an answer anything but a finite number (a registered function that raises or returns None or
    NaN). SamplingError naming a prompt that fills the model's context (`sampling.context_window`).
    """
    from ftlib import sampling
    from ftlib.loss_types import grpo_scales_rewards
    from ftlib.rewards import build_rewards, check_columns, group_advantages, score_completions
    from ftlib.templates import get_template
    from ftlib.tokens import encode_rows

    group = config.grpo_group_size
    template = get_template(config.template, tokenizer=tokenizer, source=config.template_source or None)
    chosen = training_rows(rows, "grpo")[0][:prompts]
    encoded = encode_rows(chosen, tokenizer, template, config.mask_policy, config.max_length)
    rewards = build_rewards(config.rewards, device=str(next(model.parameters()).device))
    # A column a reward reads that a prompt lacks, or holds as an object: refused before any answer is written.
    check_columns(rewards, [e.columns or None for e in encoded], "prompt", [e.messages for e in encoded])
    # A prompt that fills the context, named by its place here (its row in the split): sampling's own refusal would
    # count the group's copies of every prompt before it ("Row 2's prompt" for the second of a group of 2).
    from ftlib.config import field_specs

    context = sampling.context_window(model)
    for n, e in enumerate(encoded, start=1):
        if context is not None and len(e.input_ids) >= context:
            raise sampling.SamplingError(
                f"Prompt {n} (row {n} of the training split) is {len(e.input_ids)} tokens: it fills the model's "
                f"context of {context} tokens (max_position_embeddings in its config.json), leaving no room for an "
                f"answer. Shorten that prompt: the run refuses one that fills the context too, unless "
                f"**{field_specs()['max_length'].label}** leaves it out."
            )
    setting = sampling.DecodingSetting(temperature=float(config.grpo_temperature))
    gen = [sampling.GenRow(tuple(e.input_ids), setting) for e in encoded for _ in range(group)]
    seeds = BatchedRollout([], tokenizer, 0, 1.0, config.seed).seeds(len(gen), step=-1)
    stops = sampling.stop_token_ids(tokenizer, model, [template])  # its end of turn ends an answer, as in the run
    results = sampling.generate(
        model, tokenizer, gen, config.grpo_max_new_tokens, seed=seeds, top_alternatives=0, lock=lock, stop_ids=stops
    )
    # TRL's rewards see the answer text without special tokens, as its decoding gives it.
    answers = [tokenizer.decode(r.ids, skip_special_tokens=True) for r in results]
    turns = [e.messages for e in encoded for _ in range(group)]
    tools = [e.tools or None for e in encoded for _ in range(group)]
    columns = [e.columns or None for e in encoded for _ in range(group)]
    table = score_completions(rewards, turns, answers, tools, columns)
    advantages = group_advantages(table.totals, group, scale=grpo_scales_rewards(config.grpo_loss_type))
    out = []
    for i, answer in enumerate(answers):
        row = {"prompt": str(turns[i][-1].get("content", "")) if turns[i] else "", "answer": answer}
        row.update({r.name: table.scores[r.name][i] for r in rewards})
        # The whole prompt (a system message included) beside its last turn: what the rewards' scores depend on.
        row.update({"total": table.totals[i], "advantage": advantages[i]})
        # Cut by the length limit or the context, not ended by the model: the rewards scored what it got to.
        row.update({"at_limit": results[i].finish_reason in ("length", "context"), "messages": turns[i]})
        row.update({"at_context": True} if results[i].finish_reason == "context" else {})
        extra = {"tools": tools[i], "columns": columns[i]}  # the rewards see these too; shown beside the prompt
        out.append({**row, **{k: v for k, v in extra.items() if v}})
    return out


def preview_prompt(row: dict) -> str:
    """Which prompt a preview row answers, as one string: its whole turns, its tools and its columns (rows of two
    prompts that share a last turn, or differ only in their tools or their columns, are two prompts); its last turn
    where a row has no turns."""
    text = prompt_text(row.get("messages") or [{"role": "user", "content": row["prompt"]}], row.get("tools"))
    return text + json.dumps(row["columns"], sort_keys=True) if row.get("columns") else text


def flat_prompts(rows: list[dict]) -> tuple[int, int]:
    """(prompts whose answers all have advantage 0, prompts) in a preview's rows (`preview_rewards`): a group whose
    answers all score the same teaches GRPO nothing (DeepSeekMath's group-relative advantage is 0 for each)."""
    groups: dict[str, list[float]] = {}
    for row in rows:
        groups.setdefault(preview_prompt(row), []).append(float(row["advantage"]))
    return sum(all(abs(a) < 1e-9 for a in adv) for adv in groups.values()), len(groups)


def cut_note(rows: list[dict], limit: int | None, raise_it: str) -> str | None:
    """One line above a table of GRPO's answers (the preview's, a run's latest) when some stopped at the answer
    length `limit` (`at_limit` True) or where the prompt and answer filled the model's context (`at_context` True
    too: a longer answer length cannot let those finish) rather than at their own end: how many, and what that means
    for GRPO; None when none is known cut (rows without `at_limit`, written before it was recorded, are unknown, not
    "not cut"). `raise_it`: where the user changes the settings ("above", "for the next run").

    >>> cut_note([{"at_limit": True}, {"at_limit": False}, {}], 8, "above")[:50]
    '✂ 1 of 2 answers stopped at the 8-token limit, not'
    >>> cut_note([{"at_limit": True, "at_context": True}, {"at_limit": False}], 8, "above")[:71]
    "✂ 1 of 2 answers stopped where the prompt and answer filled the model's"
    """
    from ftlib.config import field_specs
    from ftlib.errors import plural

    known = [r for r in rows if r.get("at_limit") is not None]
    full = sum(bool(r["at_limit"]) and r.get("at_context") is True for r in known)
    length = sum(bool(r["at_limit"]) for r in known) - full
    if not length and not full:
        return None
    at, mark = (
        (f"the {limit}-token limit", f"{limit} tokens") if limit else ("the answer length limit", "the token limit")
    )
    labels = {name: f"**{field_specs()[name].label}**" for name in ("grpo_max_new_tokens", "max_length")}
    # TRL trains a cut answer with its reward (`mask_truncated_completions` is off): a reward that checks only part
    # of an answer (a final number) scores what it got to, so a cut one can score high and be made more likely.
    why = (
        "GRPO scores and trains a cut answer as it stands: a reward that checks only part of it (a final number, a "
        "word it should contain) can score a cut answer high, and GRPO then makes answers that never finish more "
        "likely."
    )
    # GRPO leaves out a prompt longer than the max length: a lower one leaves each prompt it keeps room to answer.
    room = (
        f"lower {labels['max_length']} {raise_it} so that every prompt leaves room for a whole answer (a longer "
        "prompt is then left out), or shorten those prompts"
    )
    context = "where the prompt and answer filled the model's context"
    if not length:
        return (
            f"✂ {full} of {plural(len(known), 'answer')} stopped {context}, not at their own end (each ends "
            f"“… [cut at the model's context]” in the table). {why} A longer {labels['grpo_max_new_tokens']} cannot "
            f"let them finish: {room}."
        )
    also = (
        f" {full} more stopped {context} (“… [cut at the model's context]”): a longer answer length cannot let "
        f"those finish; {room}."
    )
    return (
        f"✂ {length} of {plural(len(known), 'answer')} stopped at {at}, not at their own end (each ends "
        f"“… [cut at {mark}]” in the table). {why} Raise {labels['grpo_max_new_tokens']} {raise_it} so the answers "
        f"can finish.{also if full else ''}"
    )


class RewardPreviewJob(BackgroundJob):
    """`preview_rewards` in a daemon thread for the Train page; `rows` holds the table when `done`."""

    thread_name = "ftlib-reward-preview"
    kind = "generation"

    def __init__(self, model, tokenizer, config, rows: list[dict], lock=None):
        # Takes turns on the device with training and the other pages' work (ftlib.lease).
        super().__init__("a reward preview", device=str(next(model.parameters()).device))
        self.args = (model, tokenizer, config, rows)
        self.lock = lock
        self.rows: list[dict] = []

    def work(self) -> None:
        self.rows = preview_rewards(*self.args, lock=self.lock)


__all__ = ["RewardPreviewJob", "cut_note", "flat_prompts", "preview_prompt", "preview_rewards"]
