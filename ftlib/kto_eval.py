"""A KTO run's held-out answers labelled good and bad, under the base and the tuned model: did tuning make the good
answers more likely and the bad ones less likely than the base found them?

`ftlib.evaluate` scores only the good answers (a bad one is no reference answer); this scores both, each answer after
its prompt over the tokens training summed: the row encoded as training encodes it, with the run's mask policy
(`tokens.encode_row`; under completion_only the template's text after the answer's end-of-turn too, under
all_assistant every reply of an answer of several turns), cut at the run's max length as the reference's are
(`cut_reference`), through the same per-token losses the pairs' rejected answers are scored with
(`evaluate.losses_with_set`).

The measure is each answer's summed log-probability (nats), as TRL's KTOTrainer sums it: tuned minus base is KTO's
implicit reward over beta with the base as the reference model, so the Train page's held-out rewards (TRL's
`rewards/chosen`, `rewards/rejected`) are beta times the mean changes here, and a pair's margin on this page is
summed the same way. Whether an answer became more or less likely does not depend on the choice (both models score
the same tokens, so the sum and the per-token mean move together); only the size of the change does, and the
per-token mean change is given beside it for answers of different lengths.

Not known here: Streamlit, how runs are queued, where results are kept (`ftlib.eval_results`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ftlib.alignment import training_rows
from ftlib.errors import UserError, plural
from ftlib.eval_runs import EvalError
from ftlib.evaluate import losses_with_set
from ftlib.references import Reference, _chat_template, cut_reference
from ftlib.rows import IGNORE_INDEX, row_kind

MEASURE = "summed log-probability of each answer's tokens (nats)"


@dataclass
class LabelledAnswer:
    """One held-out KTO row: its test index, its label, its answer's token count and summed log-probability (nats,
    <= 0) under each model."""

    index: int
    good: bool
    tokens: int
    base_logp: float
    tuned_logp: float

    @property
    def change(self) -> float:
        """tuned - base (nats): above 0, the tuned model finds the answer more likely than the base did."""
        return self.tuned_logp - self.base_logp

    @property
    def moved_right(self) -> bool:
        """Whether tuning moved the answer as its label asks: a good one more likely, a bad one less likely."""
        return self.change > 0 if self.good else self.change < 0


@dataclass
class LabelShift:
    """What `label_shift` returns: an answer per scored held-out KTO row and the rows skipped (test index, why)."""

    answers: list[LabelledAnswer]
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def side(self, good: bool) -> dict:
        """The answers of one label: how many (`answers`), how many moved as the label asks (`moved`: a good one more
        likely, a bad one less likely), the mean change (nats, tuned - base) and the mean change per token; NaN means
        without such answers.

        >>> LabelShift([LabelledAnswer(0, True, 2, -4.0, -3.0), LabelledAnswer(1, True, 4, -8.0, -9.0)]).side(True)
        {'answers': 2, 'moved': 1, 'mean_change': 0.0, 'mean_change_per_token': 0.125}
        """
        mine = [a for a in self.answers if a.good == good]
        nan = float("nan")
        return {
            "answers": len(mine),
            "moved": sum(a.moved_right for a in mine),
            "mean_change": sum(a.change for a in mine) / len(mine) if mine else nan,
            "mean_change_per_token": sum(a.change / a.tokens for a in mine) / len(mine) if mine else nan,
        }

    def as_dict(self) -> dict:
        """{"measure", "good", "bad", "skipped"}: what `evaluate --json` lists under "labels"."""
        return {"measure": MEASURE, "good": self.side(True), "bad": self.side(False), "skipped": len(self.skipped)}

    def lines(self, base: str = "the base", beta: float | None = None) -> list[str]:
        """One sentence per label with answers, as the Evaluate page and the CLI say them; `base`: the base model's
        name in words; `beta`: the run's, to give TRL's held-out reward (beta x the mean change) beside it."""
        out = []
        for good, label, way in ((True, "good", "more"), (False, "bad", "less")):
            s = self.side(good)
            if not s["answers"]:
                continue
            trl = f"; TRL's held-out reward: beta x it = {beta * s['mean_change']:+.3f}" if beta is not None else ""
            out.append(
                f"{plural(s['answers'], 'answer')} labelled {label}: {s['moved']} of {s['answers']} {way} likely "
                f"under the tuned model than under {base}; mean change {s['mean_change']:+.2f} nats over each "
                f"answer ({s['mean_change_per_token']:+.3f} per token{trl})."
            )
        return out


def label_shift(
    model_set,
    rows: Sequence[dict],
    tuned: str,
    template="tokenizer",
    max_length: int | None = None,
    limit: int | None = None,
    cancel: Callable[[], bool] | None = None,
    mask_policy: str = "all_assistant",
    method: str | None = None,
) -> LabelShift | None:
    """Each held-out KTO row's answer (`rows`' unpaired rows, the first `limit` rows as `evaluate` takes them) scored
    under the base and the model `tuned` of `model_set` (an `ftlib.modelset.ModelSet`): its summed log-probability
    after its prompt over the tokens the run's `mask_policy` trains, with the chat template `template` (a name or a
    ChatTemplate), cut at `max_length`. A KTO run's (`method` "kto") preference pairs count as two rows, the chosen
    answer good and the rejected one bad, as its training unpaired them (`alignment.training_rows`); both answers
    carry the pair's test index. None when no row is a KTO row. A row that cannot be scored (nothing of its answer
    left, its answer past the cut) is skipped with the reason; `cancel()` returning True stops between rows."""
    selected = list(rows)[: limit if limit else None]
    # Only a KTO run trained its pairs as good and bad answers: a DPO run's pairs are Evaluate's preference section's.
    unpaired, numbers = training_rows(selected, "kto") if method == "kto" else (selected, range(1, len(selected) + 1))
    if not any(row_kind(row) == "unpaired" for row in unpaired):
        return None
    from ftlib.checks import row_losses
    from ftlib.tokens import encode_row

    template = _chat_template(template, model_set.tokenizer)  # once, not per row
    answers, skipped = [], []
    for i, row in ((n - 1, r) for r, n in zip(unpaired, numbers, strict=True)):
        if row_kind(row) != "unpaired":
            continue
        if cancel and cancel():
            break
        try:  # as training encodes the row: the answer's tokens its loss sums, its prompt's turns never trained
            enc = encode_row(row, model_set.tokenizer, template, mask_policy, None)
            ref = Reference(
                list(enc.input_ids), list(enc.labels), [t.text for t in enc.tokens], row_losses(enc, template)
            )
            if all(label == IGNORE_INDEX for label in ref.labels):
                raise EvalError("no answer tokens (the template or the mask left nothing to score)")
            ref = cut_reference(ref, max_length, "answer")[0]
        except UserError as exc:
            skipped.append((i, str(exc)))
            continue
        base, tuned_losses = losses_with_set(model_set, ref, [None, tuned])
        # The losses are per-token negative log-probabilities: their negated sum is the answer's log-probability.
        answers.append(LabelledAnswer(i, bool(row.get("label")), len(base), -sum(base), -sum(tuned_losses)))
    return LabelShift(answers, skipped)


def shift_from_record(record: dict) -> LabelShift:
    """The LabelShift `dataclasses.asdict` wrote (KeyError, TypeError or ValueError when the record is not one)."""
    return LabelShift(
        [LabelledAnswer(**a) for a in record["answers"]], [(int(i), str(why)) for i, why in record.get("skipped", [])]
    )
