"""What each way of batching costs on a whole dataset, as a run would batch it: padding in a run's shuffled order,
length grouping, packing (`STRATEGIES`), and which of them the rows' methods cannot use.

    compare_strategies(encoded, batch_size=8, max_length=512)   # one BatchStats per strategy these rows can use
    unavailable(encoded)                                        # {"packing": "`packing` works for SFT only: ..."}
    untrained_rows(encoded, max_length=512)                     # [(index, "cut", tokens)]: rows a run leaves out
    grouping_said(strategy_rows(compared), 27, batch_size=8)    # why grouping pads more than shuffled, where it does

- `right_padding`, "Padding, shuffled": a run without length grouping shuffles its rows every epoch
  (transformers' RandomSampler, KTO's too; GRPO draws its prompts shuffled), so the padding is
  the one expected over every random order (`batch_plans.shuffled_positions`, exact), not that of the file's order,
  which on a file sorted by length looks like grouping.
- `length_grouped`: batches of similar lengths (`batch_plans.length_groups`): the run's first epoch, for its seed.
- `packing`: best-fit decreasing rows of max length, each batch run padding-free as TRL does.

Not known here: how a batch is padded or packed (`ftlib.batching`), which methods refuse what (`ftlib.methods`, the
rule `train` applies).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any

from ftlib.batch_plans import batches_grouped, optimizer_steps, plan_packing, shuffled_positions, step_plan
from ftlib.batching import (
    IGNORE_INDEX,
    OVERFLOW_OF,
    Batch,
    BatchingError,
    BatchStats,
    batch_stats,
    build_packed,
    collate,
    example_field,
    expand_pairs,
    packed_pieces,
    pairs_in,
    read_examples,
    round_up,
)
from ftlib.errors import plural
from ftlib.methods import GROUPING_METHODS, PACKING_METHODS, batching_refusals, methods_for

STRATEGIES = ("right_padding", "length_grouped", "packing")
STRATEGY_LABELS = {
    "right_padding": "Padding, shuffled",
    "length_grouped": "Padding, grouped by length",
    "packing": "Packing",
}


def run_strategy(method: str, packing: bool, group_by_length: bool) -> str:
    """Which of `STRATEGIES` a run of `method` with these settings batches by (the training arguments' rule): packing
    where the method packs, else length groups where it groups (KTO and GRPO keep their own shuffled order).

    >>> run_strategy("lora", False, True), run_strategy("full", True, True), run_strategy("kto", False, True)
    ('length_grouped', 'packing', 'right_padding')
    >>> run_strategy("dpo", True, False)
    'right_padding'
    """
    if packing and method in PACKING_METHODS:
        return "packing"
    return "length_grouped" if group_by_length and method in GROUPING_METHODS else "right_padding"


def kinds_of(examples: Sequence[Any]) -> list[str]:
    """The canonical row kind (ftlib.rows) of each encoded example: its `kind`, else a pair's "preference" or "sft"."""
    return [example_field(e, "kind") or ("preference" if pairs_in([e]) else "sft") for e in examples]


def unavailable(examples: Sequence[Any], neutral: bool = False) -> dict[str, str]:
    """The strategies no method that trains these examples can use, and why, in the words `train` refuses packing with
    (`ftlib.methods.batching_refusals`); `compare_strategies` leaves them out. `neutral`: packing said as a fact of
    the rows' methods (`packing_not_applied`), where nobody turned it on (the Batches page)."""
    kinds = kinds_of(examples)
    refused = batching_refusals(kinds)
    if neutral and "packing" in refused:
        refused["packing"] = packing_not_applied(kinds) or refused["packing"]
    return {s: refused[s] for s in STRATEGIES if s in refused}


# What a run of each method is called in a sentence, and what it trains on of rows of each kind packing leaves whole.
_RUN_NAMES = {"dpo": "DPO", "reward": "reward-model", "kto": "KTO", "grpo": "GRPO"}
_UNITS = {"preference": "pairs", "unpaired": "answers", "prompt_only": "prompts"}


def packing_not_applied(kinds: Sequence[str]) -> str | None:
    """Why rows of these canonical kinds are not packed, said as a fact of the methods that train them, not as a
    setting to undo: the Batches page shows packing as one way among others, which nobody turned on there (`train`
    refuses packing turned on in its own words: `ftlib.methods.packing_refusal`). None where an SFT method trains
    them (they pack).

    >>> packing_not_applied(["preference"])
    "Packing applies to SFT; a DPO, reward-model or KTO run's pairs are not packed: each answer is scored whole."
    >>> packing_not_applied(["unpaired"]), packing_not_applied(["sft", "text"])
    ("Packing applies to SFT; a KTO run's answers are not packed: each answer is scored whole.", None)
    """
    for kind in dict.fromkeys(kinds):
        if "packing" not in batching_refusals([kind]):
            continue
        names = [_RUN_NAMES.get(m, m) for m in methods_for(kind)]
        said = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
        unit = _UNITS.get(kind, "rows")
        return f"Packing applies to SFT; a {said} run's {unit} are not packed: each answer is scored whole."
    return None


def make_batches(
    examples: Sequence[Any],
    batch_size: int,
    strategy: str,
    max_length: int | None = None,
    pad_id: int = 0,
    seed: int = 0,
    pad_to_multiple_of: int | None = None,
    grad_accum: int = 1,
    packing_strategy: str = "bfd",
) -> list[Batch]:
    """All the batches one strategy makes from a dataset for one epoch.

    `right_padding`: consecutive examples in the given order, each batch padded to its longest (a run shuffles them
    first: `strategy_stats` counts its expected padding). `length_grouped`: the same, with batches from
    `group_by_length` (over the `grad_accum` batches of an optimizer step, as the Trainer groups). `packing`:
    best-fit-decreasing rows of `max_length`, each 1,000 examples packed on their own as TRL packs
    (`batch_plans.plan_packing`), `batch_size` rows per batch, flattened into one row without padding as
    TRL's padding-free collator does (so a batch has one row); an example longer than `max_length` is cut there or,
    with the run's `packing_strategy` bfd_split, split into pieces of it as TRL's packing splits it. `max_length`
    truncates every other strategy alike (packing needs it; None = the longest example). A preference pair is one of
    a batch's `batch_size`, with its chosen and rejected (`step_plan`); pairs never pack.
    """
    if strategy not in STRATEGIES:
        raise BatchingError(f"Unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.")
    if batch_size < 1:
        raise BatchingError(f"batch_size must be at least 1, not {batch_size}.")
    items = [expand_pairs([e]) for e in examples]  # one sequence, or a pair's chosen and rejected
    exs = read_examples([seq for item in items for seq in item])
    if strategy == "packing":
        if any(len(item) == 2 for item in items):  # a pair's answers cannot lie apart (sequences of any kind may)
            raise BatchingError(unavailable(examples)["packing"])
        length = max_length or max(len(e.ids) for e in exs)
        pieces, origin, report = packed_pieces(exs, length, OVERFLOW_OF[packing_strategy])
        bins = plan_packing([len(p.ids) for p in pieces], origin, length)  # 1,000 rows at a time, as TRL packs
        # TRL trains packed rows padding-free: the batch's rows are laid end to end in one row, no padding at all
        # (examples stay apart through the position ids). So one batch = `batch_size` packed rows, flattened.
        out = [
            build_packed(
                pieces,
                origin,
                [[p for b in bins[i : i + batch_size] for p in b]],
                pad_id,
                IGNORE_INDEX,
                pad_to_multiple_of,
            )
            for i in range(0, len(bins), batch_size)
        ]
        out[0].overflow = report  # reported once, so stats do not count it per batch
        return out
    at = iter(exs)
    lengths = [[len(next(at).ids) for _ in item] for item in items]
    groups = step_plan(lengths, batch_size, strategy == "length_grouped", seed, grad_accum)
    out = []
    for group in groups:
        b = collate([exs[i] for i in group], pad_id, "right", pad_to_multiple_of, max_length=max_length)
        b.segments = [[s._replace(example=group[s.example]) for s in row] for row in b.segments]
        b.overflow = [o._replace(example=group[o.example]) for o in b.overflow]
        out.append(b)
    return out


def strategy_stats(
    examples: Sequence[Any],
    batch_size: int,
    strategy: str,
    max_length: int | None = None,
    seed: int = 0,
    pad_to_multiple_of: int | None = None,
    grad_accum: int = 1,
    packing_strategy: str = "bfd",
) -> BatchStats:
    """`batch_stats` of the batches `make_batches` builds with one strategy; for `right_padding` the padded and
    computed positions are those expected over a run's random orders (`shuffled_positions`, rounded to a whole
    position), everything else (steps, real and trained tokens, cuts) being the same in every order."""
    batches = make_batches(
        examples,
        batch_size,
        strategy,
        max_length,
        seed=seed,
        pad_to_multiple_of=pad_to_multiple_of,
        grad_accum=grad_accum,
        packing_strategy=packing_strategy,
    )
    stats = batch_stats(batches, strategy)
    if strategy != "right_padding":
        return stats
    units = [[len(e.ids) for e in read_examples(expand_pairs([item]))] for item in examples]
    widths = [round_up(min(max(u), max_length or max(u)), pad_to_multiple_of) for u in units]
    computed = round(shuffled_positions(widths, [len(u) for u in units], batch_size))
    return replace(stats, computed_positions=computed, padded_positions=computed - stats.real_tokens)


def compare_strategies(
    examples: Sequence[Any],
    batch_size: int = 8,
    max_length: int | None = None,
    seed: int = 0,
    pad_to_multiple_of: int | None = None,
    grad_accum: int = 1,
    packing_strategy: str = "bfd",
) -> list[BatchStats]:
    """`strategy_stats` for every strategy in `STRATEGIES` these examples can use (not `unavailable`), same
    examples, same settings (`grad_accum`: the batches of an optimizer step, which length grouping groups over;
    `packing_strategy`: the run's, whether packing cuts or splits a longer example). A preference pair is one unit
    of the batch size, with both its sequences."""
    usable = [s for s in STRATEGIES if s not in unavailable(examples)]
    return [
        strategy_stats(examples, batch_size, s, max_length, seed, pad_to_multiple_of, grad_accum, packing_strategy)
        for s in usable
    ]


def work_shares(stats: BatchStats) -> dict[str, float]:
    """Where the computed positions of `stats` go, as fractions of them that add up to 1: "padding" (what the
    batching settings change), "read_only" (real tokens the loss does not score: prompts, system text, earlier turns,
    each row's first token; no batching setting removes them, they are the context) and "trained". All 0.0 where
    nothing is computed. `computed_per_trained` is 1 / "trained", so a high one is mostly prompt, not waste, unless
    "padding" is high too.

    >>> work_shares(BatchStats("packing", 8, 1, 1, 30, 7, 37, 8))  # 7 pads, 22 read only, 8 trained of 37
    {'padding': 0.1891891891891892, 'read_only': 0.5945945945945946, 'trained': 0.21621621621621623}
    """
    computed = stats.computed_positions
    if not computed:
        return {"padding": 0.0, "read_only": 0.0, "trained": 0.0}
    read_only = stats.real_tokens - stats.trained_tokens
    return {
        "padding": stats.padded_positions / computed,
        "read_only": read_only / computed,
        "trained": stats.trained_tokens / computed,
    }


def strategy_rows(stats: Sequence[BatchStats], grad_accum: int = 1) -> list[dict[str, Any]]:
    """What the Batches page and `python -m ftlib batch` show of each strategy: `BatchStats.as_dict()` plus "steps",
    the optimizer steps of `grad_accum` batches each (`optimizer_steps`), "read_fraction", the share of computed
    positions read but not trained (`work_shares`), and "computed_per_trained" rounded to 2 decimals once, here, so
    both show the same string (a browser rounding 4.625 up beside Python's 4.62), None where no token is trained
    (prompt-only rows: GRPO trains the answers it writes)."""
    return [
        s.as_dict()
        | {
            "steps": optimizer_steps(s.batches, grad_accum),
            "read_fraction": work_shares(s)["read_only"],
            "computed_per_trained": round(s.computed_per_trained, 2) if s.trained_tokens else None,
        }
        for s in stats
    ]


def grouping_said(
    rows: Sequence[dict[str, Any]], units: int, batch_size: int, grad_accum: int = 1, seed: int = 0, unit: str = "row"
) -> str:
    """Why length grouping pads more than the shuffled order, in one sentence, where it does among `rows`
    (`strategy_rows` of `units` rows, or pairs: `unit`); "" where it does not, or either is not among them.

    transformers sorts by length only inside its mega-batches (`batch_plans.batches_grouped`): on a small split, one
    batch each (27 rows in batches of 8), so no batch is regrouped and the grouped order is one shuffle of the run's
    `seed` with its longest row moved into the first batch, while "Padding, shuffled" is the average over every
    shuffle (`batch_plans.shuffled_positions`); that one shuffle may pad more (1,426 positions beside 1,252 on
    27 chats). Method: transformers' `get_length_grouped_indices`, `mega_batch_mult = min(len // (4 * batch), 50)`.

    >>> stats = [{"strategy": "right_padding", "padded_positions": 1252}, {"strategy": "length_grouped",
    ...          "padded_positions": 1426}]
    >>> said = grouping_said(stats, 27, 8)
    >>> "27 rows in batches of 8 make chunks of one batch" in said and "seed 0" in said
    True
    >>> grouping_said(stats[:1], 27, 8), grouping_said([stats[1], stats[0] | {"padded_positions": 1500}], 27, 8)
    ('', '')
    """
    padded = {r["strategy"]: r["padded_positions"] for r in rows}
    if not {"right_padding", "length_grouped"} <= padded.keys() or padded["length_grouped"] <= padded["right_padding"]:
        return ""
    together = batches_grouped(units, batch_size, grad_accum)
    grouped, shuffled = STRATEGY_LABELS["length_grouped"], STRATEGY_LABELS["right_padding"]
    per_step = f", {grad_accum} a step," if grad_accum > 1 else ""
    if together == 1:
        chunks = "one batch, so grouping regroups nothing beyond moving the longest row into the first batch"
    else:
        chunks = f"{together} batches, too few to sort rows of different lengths apart"
    return (
        f'"{grouped}" pads more than "{shuffled}" here because transformers sorts rows by length only within chunks '
        f"of about a quarter of them (one step's rows at least, 50 steps' at most): {plural(units, unit)} in batches "
        f"of {batch_size}{per_step} make chunks of {chunks}, and the table counts that one shuffle (seed {seed}) "
        f'against the average over every shuffle that "{shuffled}" counts.'
    )


def cut_length(encoded: Sequence, max_length: int, packing_strategy: str = "bfd") -> int | None:
    """Where a run packing with `packing_strategy` cuts the rows `encoded` (`RunConfig.cut_length`): None (kept whole)
    under bfd_split when their method packs, as TRL's packing then splits a longer row into pieces of `max_length`;
    else `max_length`. What `untrained_rows` and `cut_warnings` take, so neither counts a row a run keeps.

    >>> cut_length([], 64, "bfd_split"), cut_length([], 64)
    (None, 64)
    """
    return None if packing_strategy == "bfd_split" and "packing" not in unavailable(encoded) else max_length


def untrained_rows(encoded: Sequence, max_length: int | None) -> list[tuple[int, str, int]]:
    """The rows a run leaves out at `max_length`, by the rule of `ftlib.training.encode_for_training`: (index among
    `encoded`, reason, the row's longest sequence in tokens). Reasons: "cut" (every trained token lies past the max
    length), "masked" (the policy trains no token of the row, cut or not) and "long_prompt" (a prompt-only row
    longer than the max length: GRPO would answer it cut mid-sentence, so a run leaves it out). `max_length` None:
    nothing is cut (`cut_length`: a bfd_split run), so only "masked" rows."""
    out = []
    for i, enc in enumerate(encoded):
        seqs = expand_pairs([enc])  # a pair is left out when either answer trains nothing
        tokens = max(len(s.input_ids) for s in seqs)
        if getattr(enc, "kind", None) == "prompt_only":
            if max_length is not None and tokens > max_length:
                out.append((i, "long_prompt", tokens))
            continue
        for s in seqs:
            if all(label == IGNORE_INDEX for label in s.labels[:max_length]):
                out.append((i, "cut" if any(label != IGNORE_INDEX for label in s.labels) else "masked", tokens))
                break
    return out


def untrained_warnings(
    untrained: list[tuple[str, str, int]], max_length: int, policy: str, fixes: dict[str, str], few: int = 3
) -> list[str]:
    """One warning per reason among `untrained` ((where the row is, reason, tokens), reasons as `untrained_rows`):
    how many rows, the first `few`, what a run does with them, then `fixes[reason]` (the CLI names its options, the
    Batches page its boxes). `policy`: the loss policy in the caller's words ("--policy everything")."""
    out = []
    for reason in ("cut", "masked", "long_prompt"):
        found = [(where, n) for where, why, n in untrained if why == reason]
        if not found:
            continue
        named = ", ".join(f"{where} ({n} tokens)" for where, n in found[:few])
        named += f" and {len(found) - few} more" if len(found) > few else ""
        one = len(found) == 1
        them, their = ("it", "its") if one else ("them", "their")
        if reason == "long_prompt":
            said = (
                f"{plural(len(found), 'prompt')} {'is' if one else 'are'} longer than the max length of {max_length} "
                f"tokens: {named}. A GRPO run leaves {them} out (the model would answer a prompt cut mid-sentence)"
            )
        elif reason == "cut":
            said = (
                f"{plural(len(found), 'row')} would train nothing at max length {max_length}, all {their} trained "
                f"tokens lying past the cut: {named}. A run leaves {them} out"
            )
        else:
            said = (
                f"{plural(len(found), 'row')} would train nothing: {policy} trains none of {their} tokens: {named}. "
                f"A run leaves {them} out"
            )
        left = "no prompt" if reason == "long_prompt" else "no row"
        out.append(
            f"{said} (and refuses to start when {left} is left); the table above still counts {them}. {fixes[reason]}"
        )
    return out


def cut_warnings(
    encoded: Sequence,
    rows: Sequence[dict],
    numbers: Sequence[int] | None,
    tokenizer,
    template,
    policy: str,
    max_length: int | None,
    context: int | None = None,
    failed: Collection[int] = (),
    shows: str | Callable[[int], str] | None = None,
) -> list[str]:
    """What `train` warns of the rows `max_length` cuts (`row_cuts.cut_warnings`, its words, not a second
    wording) for `encoded`, rows encoded whole (max length None), as `batch` and the Batches page encode them: `rows`
    are the rows read, `numbers` their numbers (None: 1, 2, ... in order, a split's training rows), `failed` the
    numbers of those that could not be encoded (not in `encoded`: a run refuses them, `batching.encode_examples`),
    `context` the model's context length (for the fix). The
    rows longer than `max_length` are encoded again at it, as a run encodes them (only those: most rows fit); the rows
    a run leaves out (`untrained_rows`, said by `untrained_warnings`) count only in the longest row the fix names, as
    in `train`. [] when no trained token is cut, or `max_length` is None (`cut_length`: a bfd_split run). `shows`:
    where the reader sees a row cut, a page's words (`row_cuts.TOKENS_PAGE_SHOWS`), or a function of the first row cut
    (`batch`'s: the command showing it); else the CLI's command."""
    from ftlib.row_cuts import cut_warnings as train_words
    from ftlib.tokens import encode_row, parts

    if max_length is None:
        return []
    left_out = {i for i, _, _ in untrained_rows(encoded, max_length)}
    numbers = range(1, len(rows) + 1) if numbers is None else numbers
    encodable = [(row, n) for row, n in zip(rows, numbers, strict=True) if n not in failed]  # `encoded`'s rows
    kept, kept_numbers, dropped = [], [], []
    for i, (enc, (row, number)) in enumerate(zip(encoded, encodable, strict=True)):
        if any(len(part.all_ids) > max_length for part in parts(enc).values()):
            enc = encode_row(row, tokenizer, template, policy, max_length)
        if i in left_out:
            dropped.append(enc)
        else:
            kept.append(enc)
            kept_numbers.append(number)
    can_split = "packing" not in unavailable(encoded)  # an SFT method packs these rows: bfd_split is a way out
    # Raw text is written with no chat template: its lengths are named under none (a template's title would be false)
    title = "" if all(getattr(enc, "kind", None) == "text" for enc in encoded) else template.title
    return train_words(kept, max_length, kept_numbers, context, dropped, title, can_split, shows)


__all__ = [
    "STRATEGIES",
    "STRATEGY_LABELS",
    "compare_strategies",
    "cut_length",
    "cut_warnings",
    "grouping_said",
    "kinds_of",
    "run_strategy",
    "make_batches",
    "strategy_rows",
    "strategy_stats",
    "unavailable",
    "untrained_rows",
    "untrained_warnings",
]
