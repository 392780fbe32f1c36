"""Batching: pad encoded examples into a rectangle (right or left), pack them, group them by length, count waste.

Input is what `ftlib.tokens` produces: objects (or dicts) with `input_ids` and `labels` (-100 = not trained) and
optionally `attention_mask`. Nothing here needs a tokenizer or a model; torch is imported only by `as_tensors()`.

    >>> b = collate([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], pad_id=0)
    >>> b.input_ids, b.attention_mask, b.labels, b.position_ids
    ([[5, 6, 7], [8, 0, 0]], [[1, 1, 1], [1, 0, 0]], [[-100, 6, 7], [8, -100, -100]], [[0, 1, 2], [0, 0, 0]])

Three ways to make batches, with the waste each leaves:
- padding (right for training, left for generation): every row is as long as the longest row of its batch;
- length grouping (transformers' `group_by_length`): batch similar lengths together so less padding is needed;
- packing (TRL's `packing=True`): concatenate whole examples into rows of up to `max_length`, position ids restart
  at every example, and the label of each example's first token is -100 so no example learns from another.

The labels are *not* shifted here, as in transformers: the model's loss compares the logits at position t with
the label at t + 1. `batch_stats` counts work the same way the loss does.

What this module does not know: attention kernels. Examples in a packed row stay apart only when the model gets
no 2-D attention mask and reads the restarting position ids (transformers then uses flash-attention's varlen path
or builds a block-diagonal mask for sdpa/eager), or gets the block mask itself (`Batch.block_mask`). That is why
`Batch.as_tensors()` leaves `attention_mask` out of a packed batch, as TRL's padding-free collator does. Forward it
with `use_cache=False`: transformers reads restarting position ids as packed examples only when no cache is passed,
and a Llama-like model makes one whenever `use_cache` is left at its default, in train mode too; then the examples
see each other (TRL's trainers pass `use_cache=False`). What each strategy costs on a dataset: `ftlib.batch_costs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

from ftlib.batch_plans import length_groups, plan_bfd, plan_in_order
from ftlib.errors import UserError
from ftlib.rows import IGNORE_INDEX

SIDES = ("right", "left")
PACKING = ("bfd", "in_order")
OVERFLOW = ("truncate", "split")
# A run's `packing_strategy` (TRL's name) -> what `pack` does with an example longer than the row: one concept.
OVERFLOW_OF = {"bfd": "truncate", "bfd_split": "split"}


class BatchingError(UserError):
    """An example or a setting that cannot be batched; the message says which and how to fix it."""


class Segment(NamedTuple):
    """One example inside a row: `example` is its index in the input list, `start:end` its positions in the row."""

    example: int
    start: int
    end: int


class Overflow(NamedTuple):
    """An example longer than `max_length`: its length, the tokens kept and how many pieces it became."""

    example: int
    length: int
    kept: int
    pieces: int = 1


@dataclass
class Batch:
    """A rectangular batch as plain lists; `as_tensors()` gives the torch version.

    `segments[r]` lists the examples in row r (one per row when padded, several when packed); `overflow` lists
    examples that were longer than `max_length` and were cut or split.
    """

    input_ids: list[list[int]]
    attention_mask: list[list[int]]
    labels: list[list[int]]
    position_ids: list[list[int]]
    layout: str  # "right", "left" or "packed"
    segments: list[list[Segment]]
    overflow: list[Overflow] = field(default_factory=list)
    label_pad: int = IGNORE_INDEX

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.input_ids), (len(self.input_ids[0]) if self.input_ids else 0)

    @property
    def seq_boundaries(self) -> list[list[tuple[int, int]]]:
        """Per row, the (start, end) positions of each example."""
        return [[(s.start, s.end) for s in row] for row in self.segments]

    @property
    def cu_seqlens(self) -> list[int]:
        """Cumulative example lengths over the batch's real tokens laid end to end (flash-attention's varlen form).

        For a packed batch this equals `cu_seq_lens_q` of transformers' `DataCollatorWithFlattening` given the
        examples in packed order.
        """
        out = [0]
        for row in self.segments:
            for s in row:
                out.append(out[-1] + s.end - s.start)
        return out

    def seq_idx(self) -> list[list[int]]:
        """Per position, the index of the example it belongs to, -1 for padding."""
        width = self.shape[1]
        rows = []
        for row in self.segments:
            ids = [-1] * width
            for s in row:
                ids[s.start : s.end] = [s.example] * (s.end - s.start)
            rows.append(ids)
        return rows

    def block_mask(self, row: int) -> list[list[int]]:
        """The causal attention a packed row needs so examples cannot see each other: 1 where query i may see key j."""
        owner = self.seq_idx()[row]
        return [[int(j <= i and owner[i] == owner[j] != -1) for j in range(len(owner))] for i in range(len(owner))]

    def as_tensors(self, attention_mask: bool | None = None) -> dict[str, Any]:
        """`input_ids`, `attention_mask`, `labels`, `position_ids` as int64 torch tensors of shape (rows, width).

        By default a packed batch comes without `attention_mask`, as from TRL's padding-free collator: given only
        the restarting position ids and `use_cache=False`, transformers keeps each example to itself (flash-attention's
        varlen path, or a block-diagonal mask for sdpa/eager), while a 2-D mask of ones would let packed examples see
        each other. With the cache left on (a Llama-like model's default, train mode included) transformers does not
        look for packed examples and they see each other too: pass `use_cache=False` with these tensors.
        """
        import torch

        if attention_mask is None:
            attention_mask = self.layout != "packed"
        keys = ("input_ids", "attention_mask", "labels", "position_ids")
        keys = [k for k in keys if attention_mask or k != "attention_mask"]
        return {k: torch.tensor(getattr(self, k), dtype=torch.long) for k in keys}

    def stats(self) -> BatchStats:
        return batch_stats([self])


@dataclass(frozen=True)
class BatchStats:
    """What a set of batches costs. A *computed* position is one the model runs (real or padding); a *trained*
    token is a position the loss scores (a label that is not -100, after the one-token shift)."""

    strategy: str
    examples: int
    batches: int
    rows: int
    real_tokens: int
    padded_positions: int
    computed_positions: int
    trained_tokens: int
    truncated_examples: int = 0
    dropped_tokens: int = 0

    @property
    def pad_fraction(self) -> float:
        return self.padded_positions / self.computed_positions if self.computed_positions else 0.0

    @property
    def computed_per_trained(self) -> float:
        return self.computed_positions / self.trained_tokens if self.trained_tokens else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return dict(asdict(self), pad_fraction=self.pad_fraction, computed_per_trained=self.computed_per_trained)


# ----------------------------------------------------------------------------------------------- reading examples


class _Example(NamedTuple):
    ids: list[int]
    labels: list[int]
    mask: list[int]


def example_field(example: Any, name: str) -> Any:
    """A field of an encoded example, a mapping (`{"input_ids": ...}`) or an object (`Encoded`); None if absent."""
    return example.get(name) if isinstance(example, Mapping) else getattr(example, name, None)


def _as_list(value: Any) -> list[int]:
    if hasattr(value, "tolist"):  # torch tensors and numpy arrays
        value = value.tolist()
    return [int(v) for v in value]


def read_examples(examples: Iterable[Any]) -> list[_Example]:
    """Encoded examples (mappings or `Encoded`) as ids, labels and attention mask lists; BatchingError for one without
    input_ids or tokens."""
    out = []
    for i, ex in enumerate(examples):
        if isinstance(ex, _Example):
            out.append(ex)
            continue
        ids = example_field(ex, "input_ids")
        if ids is None:
            raise BatchingError(
                f"Example {i} has no input_ids. Pass encoded examples (ftlib.tokens.encode_row), not raw rows."
            )
        ids = _as_list(ids)
        if not ids:
            raise BatchingError(f"Example {i} has no tokens; drop empty examples before batching.")
        labels = example_field(ex, "labels")
        # No labels means train on every token, as transformers' collators do.
        labels = list(ids) if labels is None else _as_list(labels)
        mask = example_field(ex, "attention_mask")
        mask = [1] * len(ids) if mask is None else _as_list(mask)
        if not len(ids) == len(labels) == len(mask):
            raise BatchingError(
                f"Example {i}: input_ids ({len(ids)}), labels ({len(labels)}) and attention_mask ({len(mask)}) "
                "must have the same length."
            )
        out.append(_Example(ids, labels, mask))
    if not out:
        raise BatchingError("No examples to batch.")
    return out


def as_dict(example: Any) -> dict[str, list[int]]:
    """`input_ids`, `labels` and `attention_mask` of one example as plain lists (labels default to the ids)."""
    e = read_examples([example])[0]
    return {"input_ids": e.ids, "labels": e.labels, "attention_mask": e.mask}


def expand_pairs(items: Iterable[Any]) -> list[Any]:
    """Encoded rows ready for batching: a preference pair (`chosen`/`rejected`) becomes its two sequences, in that
    order, as DPO trains on both; SFT encodings pass through."""
    out = []
    for item in items:
        chosen, rejected = example_field(item, "chosen"), example_field(item, "rejected")
        if chosen is not None and rejected is not None and example_field(item, "input_ids") is None:
            out.extend([chosen, rejected])
        else:
            out.append(item)
    return out


def lengths_of(examples: Iterable[Any]) -> list[int]:
    """The token count (`len(input_ids)`) of each encoded example, a mapping or an object (`example_field`); TypeError
    for one without `input_ids`.

    >>> lengths_of([{"input_ids": [1, 2, 3]}, {"input_ids": [4]}])
    [3, 1]
    """
    return [len(_as_list(example_field(ex, "input_ids"))) for ex in examples]


def pairs_in(examples: Iterable[Any]) -> int:
    """How many items are preference pairs (each trains its chosen and rejected answer in the same step)."""
    return sum(len(expand_pairs([e])) == 2 for e in examples)


def round_up(n: int, multiple: int | None) -> int:
    """`n` rounded up to a multiple of `multiple` (padding to a multiple of 8, say); `n` when None.

    >>> round_up(13, 8), round_up(13, None)
    (16, 13)
    """
    return -(-n // multiple) * multiple if multiple else n


def _positions(mask: list[int]) -> list[int]:
    """Position ids that count attended tokens only, padding at 0.

    This is transformers' `_prepare_position_ids_for_generation`: `cumsum(mask) - 1`, padding set to 0. With left
    padding the first real token gets position 0, as it would without padding; a model that instead numbered
    positions 0..width-1 would see every left-padded prompt shifted.
    """
    out, seen = [], 0
    for m in mask:
        seen += m
        out.append(seen - 1 if m else 0)
    return out


# ----------------------------------------------------------------------------------------------------- padding


def _truncate(exs: list[_Example], max_length: int | None) -> tuple[list[_Example], list[Overflow]]:
    if max_length is None:
        return exs, []
    overflow = [Overflow(i, len(e.ids), max_length) for i, e in enumerate(exs) if len(e.ids) > max_length]
    # Keep the start: the prompt and the beginning of the answer. `ftlib.tokens` warns when this cuts a turn.
    return [_Example(e.ids[:max_length], e.labels[:max_length], e.mask[:max_length]) for e in exs], overflow


def collate(
    examples: Sequence[Any],
    pad_id: int,
    padding_side: str = "right",
    pad_to_multiple_of: int | None = None,
    label_pad: int = IGNORE_INDEX,
    *,
    max_length: int | None = None,
    pack: bool = False,
) -> Batch:
    """Pad examples into one batch; `pack=True` hands over to `pack()` (then `max_length` is required).

    Padding positions get `pad_id`, attention 0, label `label_pad` and position id 0. With `max_length`, longer
    examples keep their first `max_length` tokens and are listed in `Batch.overflow`.

    Why the side matters: training pads on the right, so every row starts at position 0 and the padding sits
    after the last trained token, where causal attention never looks back at it. Generation pads on the left, so
    the last position of every row is a real token and the new token is appended right after it.

    Labels are copied as given, like transformers' `DataCollatorForSeq2Seq`. After the one-token shift the first
    position's label is never scored in a right-padded row, but with left padding the first real token's label is
    scored (predicted from a pad). Chat rows never train their first token; raw-text rows and the `everything`
    policy do keep its label: a right-padded batch then trains one token fewer per row than a left-padded one
    (`batch_stats` counts what the loss scores; the Batches page's grid shows position 0 as never scored).
    """
    if pack:
        if max_length is None:
            raise BatchingError("Packing needs max_length: the length of each packed row.")
        return pack(examples, max_length, pad_id, label_pad=label_pad, pad_to_multiple_of=pad_to_multiple_of)
    if padding_side not in SIDES:
        raise BatchingError(f"padding_side must be 'right' or 'left', not {padding_side!r}.")
    if max_length is not None and max_length < 1:
        raise BatchingError(f"max_length must be at least 1, not {max_length}.")
    exs, overflow = _truncate(read_examples(examples), max_length)
    width = round_up(max(len(e.ids) for e in exs), pad_to_multiple_of)
    batch = Batch([], [], [], [], layout=padding_side, segments=[], overflow=overflow, label_pad=label_pad)
    for i, e in enumerate(exs):
        n_pad = width - len(e.ids)
        rows = (e.ids, e.mask, e.labels)
        pads = ([pad_id] * n_pad, [0] * n_pad, [label_pad] * n_pad)
        if padding_side == "right":
            ids, mask, labels = (r + p for r, p in zip(rows, pads, strict=True))
            start = 0
        else:
            ids, mask, labels = (p + r for r, p in zip(rows, pads, strict=True))
            start = n_pad
        batch.input_ids.append(ids)
        batch.attention_mask.append(mask)
        batch.labels.append(labels)
        batch.position_ids.append(_positions(mask))
        batch.segments.append([Segment(i, start, start + len(e.ids))])
    return batch


# ----------------------------------------------------------------------------------------------------- packing


def packed_pieces(
    exs: list[_Example], max_length: int, overflow: str
) -> tuple[list[_Example], list[int], list[Overflow]]:
    """Examples no longer than max_length, the original index of each, and what was cut or split."""
    if overflow not in OVERFLOW:
        raise BatchingError(f"overflow must be 'truncate' or 'split', not {overflow!r}.")
    pieces, origin, report = [], [], []
    for i, e in enumerate(exs):
        n = len(e.ids)
        if n <= max_length:
            pieces.append(e)
            origin.append(i)
            continue
        if overflow == "truncate":
            # Like TRL's "bfd": the tail is dropped. An answer cut here loses its end-of-turn token.
            pieces.append(_Example(e.ids[:max_length], e.labels[:max_length], e.mask[:max_length]))
            origin.append(i)
            report.append(Overflow(i, n, max_length, 1))
        else:
            # Like TRL's "bfd_split": every token is kept, but each piece is a separate sequence, so the second
            # piece no longer sees the first (its prompt).
            starts = range(0, n, max_length)
            for s in starts:
                pieces.append(
                    _Example(e.ids[s : s + max_length], e.labels[s : s + max_length], e.mask[s : s + max_length])
                )
                origin.append(i)
            report.append(Overflow(i, n, n, len(starts)))
    return pieces, origin, report


def build_packed(
    pieces: list[_Example],
    origin: list[int],
    bins: list[list[int]],
    pad_id: int,
    label_pad: int,
    pad_to_multiple_of: int | None,
) -> Batch:
    """One packed Batch: a row per bin of `bins` (indices into `pieces`, whose `origin` is each piece's example),
    position ids restarting at each piece, each piece's first label and the padding `label_pad`, rows padded to the
    longest."""
    width = round_up(max(sum(len(pieces[p].ids) for p in b) for b in bins), pad_to_multiple_of)
    batch = Batch([], [], [], [], layout="packed", segments=[], label_pad=label_pad)
    for b in bins:
        ids: list[int] = []
        mask: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        segs = []
        for p in b:
            e = pieces[p]
            segs.append(Segment(origin[p], len(ids), len(ids) + len(e.ids)))
            ids += e.ids
            mask += e.mask
            # The model scores logits at position t against labels[t + 1]. At a boundary t is the previous
            # example's last token and t + 1 this example's first: a label there would teach the model to
            # predict the start of an unrelated example from the end of another. Masked, as in transformers'
            # DataCollatorWithFlattening and TRL's padding-free collator.
            labels += [label_pad] + e.labels[1:]
            # Positions restart per example so each one sees the positions it would see alone.
            positions += _positions(e.mask)
        n_pad = width - len(ids)
        batch.input_ids.append(ids + [pad_id] * n_pad)
        batch.attention_mask.append(mask + [0] * n_pad)
        batch.labels.append(labels + [label_pad] * n_pad)
        batch.position_ids.append(positions + [0] * n_pad)
        batch.segments.append(segs)
    return batch


def pack(
    examples: Sequence[Any],
    max_length: int,
    pad_id: int,
    strategy: Literal["bfd", "in_order"] = "bfd",
    overflow: Literal["truncate", "split"] = "truncate",
    label_pad: int = IGNORE_INDEX,
    pad_to_multiple_of: int | None = None,
) -> Batch:
    """Concatenate whole examples into rows of at most `max_length` tokens.

    - `strategy="bfd"` (default, TRL's default): best-fit decreasing, fewest rows, order not kept;
      `"in_order"`: rows filled in dataset order.
    - Position ids restart at 0 for every example; the first label of every example is `label_pad`.
    - An example longer than `max_length` is cut to its first `max_length` tokens (`overflow="truncate"`) or split
      into pieces of `max_length` (`"split"`); either way it is listed in `Batch.overflow`.
    - Rows shorter than the longest are padded on the right (attention 0, label `label_pad`, position 0).
    """
    if max_length < 1:
        raise BatchingError(f"max_length must be at least 1, not {max_length}.")
    if strategy not in PACKING:
        raise BatchingError(f"Packing strategy must be one of {', '.join(PACKING)}, not {strategy!r}.")
    pieces, origin, report = packed_pieces(read_examples(examples), max_length, overflow)
    plan = plan_bfd if strategy == "bfd" else plan_in_order
    batch = build_packed(
        pieces, origin, plan([len(p.ids) for p in pieces], max_length), pad_id, label_pad, pad_to_multiple_of
    )
    batch.overflow = report
    return batch


# ---------------------------------------------------------------------------------------------- length grouping


def group_by_length(
    examples: Sequence[Any] | Sequence[int],
    batch_size: int,
    seed: int = 0,
    mega_batch_mult: int | None = None,
    grad_accum: int = 1,
) -> list[list[int]]:
    """Batches of example indices with similar lengths, like transformers' `LengthGroupedSampler` over the
    `grad_accum` batches of an optimizer step (see `batch_plans.length_groups`). Accepts examples or their lengths."""
    if batch_size < 1:
        raise BatchingError(f"batch_size must be at least 1, not {batch_size}.")
    lengths = [int(x) for x in examples] if all(isinstance(x, int) for x in examples) else lengths_of(examples)
    return length_groups(lengths, batch_size, seed, mega_batch_mult, grad_accum)


# --------------------------------------------------------------------------------------------------- statistics


def batch_stats(batches: Sequence[Batch], strategy: str = "") -> BatchStats:
    """Real tokens, padding and trained tokens over batches (see `BatchStats`)."""
    real = computed = trained = 0
    rows = 0
    examples: set[int] = set()
    overflow: list[Overflow] = []
    for b in batches:
        for mask, labels, segs in zip(b.attention_mask, b.labels, b.segments, strict=True):
            rows += 1
            computed += len(mask)
            real += sum(mask)
            # The loss shifts by one: labels[0] is never a target; labels[1:] are, unless ignored.
            trained += sum(1 for lab in labels[1:] if lab != b.label_pad)
            examples.update(s.example for s in segs)
        overflow += b.overflow
    return BatchStats(
        strategy=strategy or (batches[0].layout if batches else ""),
        examples=len(examples),
        batches=len(batches),
        rows=rows,
        real_tokens=real,
        padded_positions=computed - real,
        computed_positions=computed,
        trained_tokens=trained,
        truncated_examples=len({o.example for o in overflow if o.kept < o.length}),  # a split example keeps all
        dropped_tokens=sum(o.length - o.kept for o in overflow),
    )


def refusal(error: UserError, row: dict, template, tokenizer=None) -> str:
    """Why a run refuses `row` (`error`, its encoding's UserError), with the fix where one is known: a template's
    refusal of a conversation is explained by `prompt_checks.explain_refusal` (e.g. a template without a system
    turn), as `train` and `ftlib batch` say it. Ends with a full stop."""
    from ftlib.prompt_checks import explain_refusal
    from ftlib.rows import conversation, row_kind
    from ftlib.templates import TemplateError

    if isinstance(error, TemplateError) and row_kind(row) != "text":
        error = explain_refusal(error, template, conversation(row), row.get("tools"), tokenizer)
    said = str(error).rstrip()
    return said if said.endswith((".", "!", "?")) else said + "."


def encode_examples(
    rows: Sequence[dict],
    tokenizer,
    template,
    policy: str,
    first: int = 0,
    strict: bool = False,
    pairs: bool = False,
    max_length: int | None = None,
) -> tuple[list, list[str], dict[int, str]]:
    """The sequences `rows` train on, encoded as `ftlib.tokens` encodes them for a run (no checks).

    Returns (examples, their names, {number: why} of the rows that could not be encoded: a run refuses them). Each
    is cut to its first `max_length` tokens, as a run cuts it (None: whole). A preference pair gives two sequences,
    its chosen and its rejected answer ("row 3 · chosen", "row 3 · rejected"), as DPO runs both; rows are numbered
    from `first`. With `strict`, a row that cannot be encoded raises a UserError naming it (`refusal`) instead. With
    `pairs`, a pair stays one item ("row 3"), as `compare_strategies` counts it: one unit of the batch size.
    """
    from ftlib.tokens import encode_row

    examples, names, failed = [], [], {}
    for number, row in enumerate(rows, start=first):
        try:
            encoded = encode_row(row, tokenizer, template, policy, max_length)
        except UserError as exc:
            failed[number] = refusal(exc, row, template, tokenizer)
            if strict:
                raise UserError(f"Row {number} cannot be encoded: {failed[number]}") from exc
            continue
        parts = [encoded] if pairs else expand_pairs([encoded])
        suffixes = ["chosen", "rejected"] if len(parts) == 2 else [""]
        for part, suffix in zip(parts, suffixes, strict=True):
            examples.append(part)
            names.append(f"row {number}" + (f" · {suffix}" if suffix else ""))
    return examples, names, failed
