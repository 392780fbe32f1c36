"""Whether GRPO's prompts leave room in the model's context for their answers, said before a run starts.

GRPO's answers are written by our decoding loop (`sampling.generate_stream`), which ends a row where its prompt and
answer fill the model's context (finish_reason "context") and raises SamplingError for a prompt that already fills
it. The max length leaves out longer prompts, but nothing bounds it by the context: a kept prompt of the context's
length stops the run at the first step that samples it (refused here), and a long one gets its answers cut at the
context rather than at the max answer length (warned here, where a longer max answer length cannot help).
Messages name settings as `config_name` (the Train page shows each by its box's label, `ui.labels.in_form_words`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ftlib.errors import numbered, plural


def _fix(context: int, answer: int) -> str:
    """How to leave every prompt kept room for a whole answer of `answer` tokens in a context of `context`."""
    if answer < context:
        return (
            f"set `max_length` to {context - answer} or less (the context less `grpo_max_new_tokens`): each prompt "
            "kept then leaves room for a whole answer, and a longer prompt is left out (and said)"
        )
    # No max length helps: the answer length alone fills the context.
    return (
        f"`grpo_max_new_tokens` {answer} is the model's whole context or more: set it below {context}, and "
        "`max_length` to the context less it"
    )


def _named(train: list[int], held_out: list[int]) -> str:
    """ "Training prompts 2, 5 and held-out prompt 1": the prompts of each split, by their number in it."""
    parts = [numbered("training prompt", train)] if train else []
    parts += [numbered("held-out prompt", held_out)] if held_out else []
    said = " and ".join(parts)
    return said[:1].upper() + said[1:]


def context_problems(
    context: int | None,
    max_length: int,
    answer: int,
    train: Sequence[tuple[int, int]],
    held_out: Sequence[tuple[int, int]] = (),
) -> tuple[list[str], list[str]]:
    """(errors, warnings) of GRPO's kept prompts against the model's `context` (tokens; `models.context_length`,
    None when its config names none: nothing said). `max_length`: the run's max length; `answer`: its
    `grpo_max_new_tokens`; `train`, `held_out`: (number in its split, prompt tokens) of each prompt the run keeps
    (held-out ones are answered at evaluation).

    An error names the prompts of `context` tokens or more (no room for one answer token: sampling refuses them
    mid-run); a warning counts the others whose prompt and `answer` pass the context (their answers are cut there).
    """
    if not context:
        return [], []
    full = [[n for n, length in rows if length >= context] for rows in (train, held_out)]
    tight = [[n for n, length in rows if context - answer < length < context] for rows in (train, held_out)]
    lengths = [length for rows in (train, held_out) for _, length in rows]
    errors, warnings = [], []
    if any(full):
        one = sum(map(len, full)) == 1
        errors.append(
            f"{_named(*full)} {f'is {max(lengths)} tokens' if one else f'are {context} tokens or longer'}"
            f"{'' if one else f' (the longest {max(lengths)})'}: "
            f"{'it fills' if one else 'each fills'} the model's whole context of {context} tokens "
            "(max_position_embeddings in its config.json), leaving no room for an answer, so the run would stop "
            f"where GRPO first asks for one. `max_length` {max_length} lets {'it' if one else 'them'} through: "
            f"{_fix(context, answer)}; or shorten {'that prompt' if one else 'those prompts'}."
        )
    if any(tight):
        longest = max(length for rows in (train, held_out) for _, length in rows if length < context)
        counts = [
            (f"the only {split}" if len(rows) == 1 else f"{len(found)} of the {plural(len(rows), split)}")
            + f" ({numbered('prompt', found)})"
            for found, rows, split in zip(
                tight, (train, held_out), ("training prompt", "held-out prompt"), strict=True
            )
            if found
        ]
        one = sum(map(len, tight)) == 1
        warnings.append(
            f"{' and '.join(counts)} {'is' if one else 'are'} longer than {max(context - answer, 0)} tokens: with "
            f"`grpo_max_new_tokens` {answer}, {'its' if one else 'their'} answers are cut where the prompt and "
            f"answer fill the model's context of {context} tokens, not at {answer} tokens (the longest prompt, "
            f"{longest} tokens, leaves room for {context - longest}). GRPO scores and trains a cut answer as it "
            "stands, so answers that never finish can be made more likely. A longer `grpo_max_new_tokens` cannot "
            f"help: {_fix(context, answer)}; or shorten {'that prompt' if one else 'those prompts'}."
        )
    return errors, warnings


__all__ = ["context_problems"]
