"""Held-out measures made of scores, not of a reference's loss: a reward model on pairs, a GRPO run on its rewards.

A reward model (`method: reward`) writes no answers: its score head ranks them, and the language-model loss of a
reference says nothing about it. `evaluate_pairs` scores each held-out pair's chosen and rejected answers with the
trained reward model (`ftlib.rewards.RewardModel`, as `python -m ftlib score` scores), each encoded as training
encoded the pair (`ftlib.tokens.encode_row` with the run's template and max length). Accuracy is the share of pairs
whose chosen answer scores higher (a tie counts as wrong), margin the mean of chosen - rejected, loss the mean of
-log sigmoid(chosen - rejected), over the pairs: TRL's RewardTrainer formulas for eval_accuracy, eval_margin and
eval_loss. (Its logged accuracy and margin average each eval batch's mean, so with a smaller last batch they can
differ a little from these per-pair means; its eval_loss weighs every pair alike, as here.)

A GRPO run learns from rewards on prompts without answers. `evaluate_answers` has the base and the tuned model
answer each held-out prompt greedily (one batched loop, as `ftlib.evaluate`), prompted as training prompted them
(`ftlib.alignment.training_rows`: a conversation's prompt is everything before its last answer), and scores both
answers with the run's rewards (`ftlib.rewards.score_completions`, the answer text without special tokens, as TRL
gives it): each model's mean total and each reward's mean, the share of prompts whose tuned answer scores higher, and
how sure the change is (`change_stats`: the mean per-prompt change of the total with its 95% paired t interval and a
verdict, `ftlib.eval_stats`, as the held-out loss says it).

    python -m ftlib evaluate REWARD_RUN --json      # reward_accuracy, mean_reward_margin, loss
    python -m ftlib evaluate GRPO_RUN --json        # base_reward, tuned_reward, rows_improved, prompt_change_*

Not known here: loading the models (modelset, rewards), runs and their queue, Streamlit.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS
from ftlib.errors import UserError, after_colon, none_of
from ftlib.eval_stats import PairedChange, Share, paired_change, share
from ftlib.evaluate import EvalError, Progress, _chat_template, _csv_safe, _last_user, _mean
from ftlib.jobs import BackgroundJob
from ftlib.references import measured_by  # noqa: F401 (its home before: pages and the CLI import it here)
from ftlib.rows import IGNORE_INDEX, as_turns, row_kind


def _text(turns) -> str:
    """An answer's text: its turns' contents (a bare string is one turn)."""
    return "\n".join(str(t.get("content") or "") for t in as_turns(turns))


def _table(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: _csv_safe(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _selected(rows: Sequence[dict], limit: int | None) -> list[dict]:
    selected = list(rows)[: limit if limit else None]
    if not selected:
        raise EvalError("The test split is empty: save a split with some held-out rows first.")
    return selected


def check_measurable(measure: str, rows: Sequence[dict], pair: str = "") -> None:
    """EvalError, before any model loads, when none of `rows` can be measured as `measure` (`measured_by`) needs:
    no row with a reference answer, no preference pair for a reward model, no row at all. `pair`: a sentence added
    to the pairs' refusal, the way to pairs (`data pair`'s command, `feedback_pairs.pair_hint`), or ""."""
    from ftlib.evaluate import check_references

    if measure == "references":
        check_references(rows)
    selected = _selected(rows, None)
    if measure == "pairs" and not any(row_kind(row) == "preference" for row in selected):
        kind = row_kind(selected[0]).replace("_", " ")  # after the colon, lower case: one sentence
        a = "an" if kind[0] in "aeiou" or kind == "sft" else "a"
        one = len(selected) == 1
        said = f"this {kind} row is not a preference pair" if one else f"none is a preference pair (the first is {a} "
        why = said + ("" if one else f"{kind} row)") + ": a reward model is measured on pairs of a chosen and a "
        why += "rejected answer to one prompt."
        raise EvalError(f"{none_of(len(selected), 'test row', 'be evaluated')}: {why}" + (f" {pair}" if pair else ""))


def _not_a_pair(row: dict) -> str:
    return (
        f"This {row_kind(row).replace('_', ' ')} row is not a preference pair: a reward model is measured on pairs of "
        "a chosen and a rejected answer to one prompt."
    )


# ---------------------------------------------------------------- a reward model on held-out pairs


@dataclass
class PairScore:
    """A reward model's scores of one held-out pair's chosen and rejected answers (its score head's output, unbounded);
    `margin` = chosen - rejected, ranked right when it is over 0."""

    index: int  # position in the test split
    prompt: str  # the last user message
    chosen: str
    rejected: str
    chosen_score: float
    rejected_score: float

    @property
    def margin(self) -> float:
        return self.chosen_score - self.rejected_score

    def as_dict(self) -> dict:
        return dict(asdict(self), margin=self.margin, ranked_right=self.margin > 0)


@dataclass
class PairResult:
    """A reward model's scores of held-out pairs; `skipped`: (test index, reason) of the rows it could not score."""

    adapter: str  # the reward model's name (its run)
    rows: list[PairScore]
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def aggregates(self) -> dict:
        """Accuracy, margin and loss over the pairs (TRL's RewardTrainer formulas, each pair weighed alike), and the
        mean score of each side."""
        margins = [r.margin for r in self.rows]
        return {
            "adapter": self.adapter,
            "pairs": len(self.rows),
            "skipped": len(self.skipped),
            "reward_accuracy": _mean([float(m > 0) for m in margins]),
            **self.accuracy_stats().as_dict("reward_accuracy"),  # its 95% Wilson interval, against 50%
            "mean_reward_margin": _mean(margins),
            # -log sigmoid(m), written so that a large margin of either sign cannot overflow
            "loss": _mean([max(-m, 0.0) + math.log1p(math.exp(-abs(m))) for m in margins]),
            "mean_chosen_score": _mean([r.chosen_score for r in self.rows]),
            "mean_rejected_score": _mean([r.rejected_score for r in self.rows]),
        }

    def accuracy_stats(self) -> Share:
        """How sure the accuracy is against a coin's 50%: its 95% Wilson interval and a verdict
        (`ftlib.eval_stats.share`)."""
        return share(sum(r.margin > 0 for r in self.rows), len(self.rows))

    def how_sure(self) -> list[str]:
        """The sentence saying how sure the accuracy is (what the Evaluate page and the CLI print)."""
        return [self.accuracy_stats().sentence(RANKED_RIGHT)]

    def to_csv(self) -> str:
        return _table([r.as_dict() for r in self.rows])


RANKED_RIGHT = "The reward model scores the chosen answer higher on {k}"  # `eval_stats.Share.sentence` of the accuracy


def evaluate_pairs(
    reward_model,
    rows: Sequence[dict],
    name: str,
    limit: int | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PairResult:
    """Score each held-out preference pair's chosen and rejected answers with `reward_model` (an
    `ftlib.rewards.RewardModel`), in batches of its `batch_size` pairs. Rows that are not pairs, and pairs whose
    answer the max length cuts away (training leaves them out too), are skipped with the reason."""
    from ftlib.tokens import encode_row

    selected = _selected(rows, limit)
    report = progress or (lambda message, fraction: None)
    prepared, skipped = [], []
    for i, row in enumerate(selected):
        if row_kind(row) != "preference":
            skipped.append((i, _not_a_pair(row)))
            continue
        try:
            # The policy only labels tokens; a pair whose answer kept no label was cut away by the max length.
            enc = encode_row(
                row, reward_model.tokenizer, reward_model.template, "last_assistant", reward_model.max_length
            )
        except UserError as exc:  # a template that cannot render the row: this row only
            skipped.append((i, str(exc)))
            continue
        if any(all(x == IGNORE_INDEX for x in side.labels) for side in (enc.chosen, enc.rejected)):
            skipped.append((i, f"The max length ({reward_model.max_length} tokens) cuts an answer away: training "
                               "leaves such a pair out too."))  # fmt: skip
            continue
        prepared.append((i, row, enc))
    if not prepared:
        raise EvalError(f"{none_of(len(selected), 'test row', 'be evaluated')}: {after_colon(skipped[0][1])}")

    out: list[PairScore] = []
    step = max(1, int(getattr(reward_model, "batch_size", 8)))
    for start in range(0, len(prepared), step):
        if cancel and cancel():
            break
        chunk = prepared[start : start + step]
        report(f"Scoring pairs {start + 1}-{start + len(chunk)} of {len(prepared)}", start / len(prepared))
        scores = reward_model.score_ids(
            [e.chosen.input_ids for *_, e in chunk] + [e.rejected.input_ids for *_, e in chunk]
        )
        for j, (i, row, _) in enumerate(chunk):
            out.append(
                PairScore(
                    index=i,
                    prompt=_last_user(as_turns(row.get("prompt"), "user") or [{}]),
                    chosen=_text(row["chosen"]),
                    rejected=_text(row["rejected"]),
                    chosen_score=scores[j],
                    rejected_score=scores[len(chunk) + j],
                )
            )
    report("Done", 1.0)
    return PairResult(adapter=name, rows=out, skipped=skipped)


# ---------------------------------------------------------------- a GRPO run's answers under its rewards


@dataclass
class RewardedAnswers:
    """One held-out prompt's greedy base and tuned answers scored by the run's reward functions: each reward's
    unweighted score, and the weighted total GRPO trains on (`base_reward`, `tuned_reward`)."""

    index: int  # position in the test split
    prompt: str  # the last user message
    base_output: str
    tuned_output: str
    base_scores: dict[str, float]  # reward name -> its (unweighted) score
    tuned_scores: dict[str, float]
    base_reward: float  # the weighted total, as GRPO sums it
    tuned_reward: float
    # Whether each answer stopped at the max new tokens rather than at an end-of-turn/eos token (generation's
    # finish_reason, as `ftlib.evaluate.EvalRow`'s): a cut answer's end is not the model's own, and a reward reading
    # its end (a final number) scores the cut. None: not known (a result kept before this was recorded).
    base_at_limit: bool | None = None
    tuned_at_limit: bool | None = None
    # The prompt row's other fields, as the reward functions were given them (a GSM8K row's `answer`: the reference
    # a column reward compares with); None: the row had none, or a result kept before this was recorded.
    columns: dict | None = None

    is_text = False  # as `EvalRow.is_text`: a prompt is always answered (`answer_notes.cut_said` counts its answers)

    @property
    def reward_change(self) -> float:
        return self.tuned_reward - self.base_reward

    @property
    def moved(self) -> int:
        """+1 when the tuned answer scores higher, -1 lower, 0 the same (a reward model's batches differ in the last
        float digits, so the same answer may score 1e-8 apart: that is the same) or not comparable (a total that is
        not a finite number moved neither way)."""
        if not (math.isfinite(self.tuned_reward) and math.isfinite(self.base_reward)):
            return 0
        if math.isclose(self.tuned_reward, self.base_reward, rel_tol=1e-6, abs_tol=1e-6):
            return 0
        return 1 if self.tuned_reward > self.base_reward else -1

    def as_dict(self) -> dict:
        """The row as --json and --csv give it: each reward's score as `base_reward_<name>` / `tuned_reward_<name>`,
        named as `RewardResult.aggregates` names its mean (a reward named `output` leaves `base_output` the answer);
        `columns`, what the rewards read beside the prompt, as an object (JSON text in a CSV cell: `to_csv`)."""
        row = {k: v for k, v in asdict(self).items() if not k.endswith("_scores")}
        row["reward_change"] = self.reward_change
        for name in self.base_scores:
            row[f"base_reward_{name}"], row[f"tuned_reward_{name}"] = self.base_scores[name], self.tuned_scores[name]
        return row


@dataclass
class RewardResult:
    """Both models' answers to held-out prompts and their rewards; `skipped`: (test index, reason)."""

    adapter: str
    rewards: list[str]  # the rewards' names, as the run's metrics name them (`reward_<name>`)
    rows: list[RewardedAnswers]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)  # each reward's weight in the total (name -> weight)
    # Each reward's name -> what it is for people ('function "correct"'): the names number a kind ("function_2").
    labels: dict[str, str] = field(default_factory=dict)

    def aggregates(self) -> dict:
        """Each model's mean total reward and each reward's mean (unweighted, as the run logs `reward_<name>`) and
        weight (`weight_<name>`: the total is the weighted sum), what each name is (`reward_labels`), and the share
        of prompts whose tuned answer scores higher than the base's (`rows_improved`) and lower (`rows_worse`)."""
        rows = self.rows
        out = {
            "adapter": self.adapter,
            "rows": len(rows),
            "skipped": len(self.skipped),
            "base_reward": _mean([r.base_reward for r in rows]),
            "tuned_reward": _mean([r.tuned_reward for r in rows]),
            "reward_change": _mean([r.reward_change for r in rows]),
            "rows_improved": _mean([float(r.moved > 0) for r in rows]),
            "rows_worse": _mean([float(r.moved < 0) for r in rows]),
            **self.change_stats().as_dict("prompt_change"),  # how sure: the mean per-prompt change, its 95% interval
            **({"reward_labels": dict(self.labels)} if self.labels else {}),
        }
        for name in self.rewards:
            out[f"base_reward_{name}"] = _mean([r.base_scores[name] for r in rows])
            out[f"tuned_reward_{name}"] = _mean([r.tuned_scores[name] for r in rows])
            if name in self.weights:
                out[f"weight_{name}"] = self.weights[name]
        return out

    def change_stats(self) -> PairedChange:
        """How sure the per-prompt reward change (tuned - base total, in the rewards' units) is: prompts higher /
        lower / the same, the mean change with its 95% paired t interval and a verdict
        (`ftlib.eval_stats.paired_change`). A prompt answered more than once counts once, by the mean of its answers'
        totals; a prompt whose total is not a finite number is left out and said. Recomputed from the rows, so a kept
        result read back says the same."""
        by_prompt: dict[int, tuple[list[float], list[float]]] = {}
        for r in self.rows:
            base, tuned = by_prompt.setdefault(r.index, ([], []))
            base.append(r.base_reward)
            tuned.append(r.tuned_reward)
        pairs = [(sum(b) / len(b), sum(t) / len(t)) for b, t in by_prompt.values()]  # NaN, inf kept: left out
        # The same as `RewardedAnswers.moved`: totals 1e-6 apart are the same score (a reward model's batches differ).
        return paired_change([b for b, _ in pairs], [t for _, t in pairs], unchanged=REWARD_UNCHANGED)

    def how_sure(self) -> list[str]:
        """The sentence saying how sure the reward change is (what the Evaluate page and the CLI print)."""
        return [self.change_stats().sentence(REWARD_MEASURE, "prompt", missing="reward")]

    def to_csv(self) -> str:
        rows = [r.as_dict() for r in self.rows]  # a row's columns as JSON text: a cell holds text, not an object
        as_text = [json.dumps(r["columns"], ensure_ascii=False) if r["columns"] is not None else "" for r in rows]
        return _table([{**row, "columns": text} for row, text in zip(rows, as_text, strict=True)])


REWARD_MEASURE = "Tuned reward"  # `eval_stats.PairedChange.sentence`: "Tuned reward is higher on 5 of 6 prompts ..."
REWARD_UNCHANGED = 1e-6  # a total this close to the base's is the same score (as `RewardedAnswers.moved` counts it)


def evaluate_answers(
    model_set,
    rows: Sequence[dict],
    tuned: str,
    rewards: list,
    template="tokenizer",
    max_length: int | None = None,
    max_new_tokens: int = DEFAULT_NEW_TOKENS,
    batch_size: int = ANSWER_BATCH,
    limit: int | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    what: str = "held-out prompt",
) -> RewardResult:
    """The base and the tuned model `tuned` of `model_set` answer each held-out row's prompt greedily; `rewards`
    (`ftlib.rewards.build_rewards`, a GRPO run's) score both answers, given each prompt row's tools and other fields
    (its `columns`: a reference answer a reward compares with). Rows of any kind GRPO takes; a prompt the max
    length cuts (training leaves it out) and a row without a prompt are skipped with the reason. `what`: a prompt's
    name where a reward's column is missing ("prompt" for the rows of an `evaluate --data` file: none held out)."""
    from ftlib.modelset import generate_with_set
    from ftlib.rewards import check_columns, score_completions
    from ftlib.sampling import GREEDY, GenRow
    from ftlib.tokens import encode_row

    if not rewards:
        raise EvalError("No rewards to score the answers with: a GRPO run's config names them (`rewards`).")
    if batch_size < 1:
        raise EvalError(f"batch_size must be at least 1, got {batch_size}.")
    selected = _selected(rows, limit)
    report = progress or (lambda message, fraction: None)
    tokenizer = model_set.tokenizer
    template = _chat_template(template, tokenizer)
    prepared, skipped = [], []
    for i, row in enumerate(selected):
        try:
            enc = encode_row(_prompt_of(row), tokenizer, template, max_length=max_length)
            if enc.truncated:
                raise EvalError(f"The prompt is longer than the max length ({max_length} tokens): training leaves it "
                                "out, since it would be answered mid-sentence.")  # fmt: skip
        except UserError as exc:  # EvalError, TemplateError: this row only, keep going
            skipped.append((i, str(exc)))
            continue
        prepared.append((i, enc))
    if not prepared:
        raise EvalError(f"{none_of(len(selected), 'test row', 'be evaluated')}: {after_colon(skipped[0][1])}")
    # A reward reading a column some prompt lacks fails at that prompt: refused now, as training refuses it, and not
    # after every answer was written (a cold review: an `evaluate --data` file without the `answer` column). One that
    # no prompt has is said before the models load (`absent_column_said`); here, one the prompts kept lack.
    check_columns(rewards, [e.columns or None for _, e in prepared], what, [e.messages for _, e in prepared])

    out: list[RewardedAnswers] = []
    for start in range(0, len(prepared), batch_size):
        if cancel and cancel():
            break
        chunk = prepared[start : start + batch_size]
        report(f"Answering prompts {start + 1}-{start + len(chunk)} of {len(prepared)}", start / len(prepared))
        gen = [GenRow(tuple(e.input_ids), GREEDY, m) for _, e in chunk for m in (None, tuned)]
        results = generate_with_set(model_set, gen, max_new_tokens=max_new_tokens, top_alternatives=0)
        # TRL's rewards see the answer text without special tokens, as its decoding gives it.
        answers = [tokenizer.decode(r.ids, skip_special_tokens=True) for r in results]
        turns = [e.messages for _, e in chunk for _ in (0, 1)]
        tools = [e.tools or None for _, e in chunk for _ in (0, 1)]
        columns = [e.columns or None for _, e in chunk for _ in (0, 1)]  # a prompt row's other fields (its answer)
        table = score_completions(rewards, turns, answers, tools, columns)
        for j, (i, enc) in enumerate(chunk):
            b, t = 2 * j, 2 * j + 1
            out.append(
                RewardedAnswers(
                    index=i,
                    prompt=_last_user(enc.messages or [{}]),
                    base_output=answers[b],
                    tuned_output=answers[t],
                    base_scores={r.name: table.scores[r.name][b] for r in rewards},
                    tuned_scores={r.name: table.scores[r.name][t] for r in rewards},
                    base_reward=table.totals[b],
                    tuned_reward=table.totals[t],
                    base_at_limit=results[b].finish_reason == "length",
                    tuned_at_limit=results[t].finish_reason == "length",
                    columns=enc.columns or None,  # what the rewards were given beside the prompt (its reference)
                )
            )
    report("Done", 1.0)
    weights = {r.name: r.weight for r in rewards}
    return RewardResult(
        adapter=tuned,
        rewards=[r.name for r in rewards],
        rows=out,
        skipped=skipped,
        weights=weights,
        labels={r.name: r.label for r in rewards},
    )


def _prompt_of(row: dict) -> dict:
    """The prompt GRPO answers of a held-out row (`alignment.prompt_row`), with its tools and columns (what the
    rewards compare with), without its answer: the model writes that. EvalError for a row without a prompt."""
    from ftlib.alignment import prompt_row

    if row_kind(row) == "text":
        raise EvalError("A plain-text row has no prompt to answer.")
    prompt = prompt_row(row)
    if not as_turns(prompt.get("prompt"), "user"):
        raise EvalError("The row has no prompt before its answer.")
    return {k: prompt.get(k) for k in ("prompt", "tools", "columns")}


def absent_column_said(
    specs: list[dict], rows: Sequence[dict], limit: int | None = None, what: str = "held-out prompt"
) -> str | None:
    """What `evaluate_answers` refuses after the models load, said before any loads (no tokenizer either): a reward
    of `specs` (a GRPO run's config) reads a column that none of the first `limit` rows' prompts has, in
    `rewards.check_columns`' words (`what` as evaluate_answers takes it). None when each column read is in some
    prompt (whether those lacking it are answered, none past the max length, needs the tokenizer: evaluate_answers
    says so then), or when the rewards cannot be built (the evaluation says why)."""
    from ftlib.rewards import RewardError, build_rewards, check_columns

    prompts = []
    for row in list(rows)[: limit or None]:
        try:
            prompts.append(_prompt_of(row))
        except UserError:  # skipped by evaluate_answers too, with the reason
            continue
    if not specs or not prompts:
        return None
    try:
        rewards = build_rewards(specs, load_models=False)  # a reward model is only checked: it reads no column
    except UserError:
        return None
    columns, turns = [p["columns"] or None for p in prompts], [p["prompt"] for p in prompts]
    try:
        check_columns(rewards, columns, what, turns, absent_only=True)
    except RewardError as exc:
        return str(exc)
    return None


class PairsJob(BackgroundJob):
    """A reward-model run's held-out pairs scored (`evaluate_pairs`) in a daemon thread with progress and cancel, for
    the Evaluate page: the run is loaded in the thread too (`ftlib.rewards.load_reward_model`), so the page never
    blocks; its scoring takes turns on the device like every evaluation (`ftlib.lease`)."""

    thread_name = "ftlib-evaluate-pairs"
    kind = "evaluation"

    def __init__(self, run_id: str, rows: Sequence[dict], limit: int | None = None, device: str | None = None):
        from ftlib.models import pick_device

        device = pick_device(device)
        super().__init__(f"scoring {run_id}'s held-out pairs", device=device)
        self.run_id, self.rows, self.limit = run_id, list(rows), limit
        self.message, self.fraction = "Loading the reward model", 0.0
        self.result: PairResult | None = None

    def _progress(self, message: str, fraction: float) -> None:
        self.message, self.fraction = message, fraction

    def work(self) -> None:
        from ftlib.rewards import load_reward_model

        check_measurable("pairs", self.rows)  # no pair at all: said before the model loads
        scorer = load_reward_model(self.run_id, device=self.device)
        self.result = evaluate_pairs(
            scorer, self.rows, self.run_id, self.limit, progress=self._progress, cancel=lambda: self.cancelled
        )


class AnswersJob(BackgroundJob):
    """A GRPO run's held-out prompts answered by both models of `model_set` and scored by the run's `rewards` (its
    config's list, built in the thread: a reward model loads there) with `evaluate_answers`, in a daemon thread with
    progress and cancel, for the Evaluate page; `kwargs` are evaluate_answers' (template, max_length, ...)."""

    thread_name = "ftlib-evaluate-answers"
    kind = "evaluation"

    def __init__(self, model_set, rows: Sequence[dict], tuned: str, rewards: list, **kwargs):
        super().__init__("an evaluation", device=model_set.device)
        self.model_set, self.rows, self.tuned = model_set, list(rows), tuned
        self.rewards, self.kwargs = rewards, kwargs
        self.message, self.fraction = "Loading the rewards", 0.0
        self.result: RewardResult | None = None

    def _progress(self, message: str, fraction: float) -> None:
        self.message, self.fraction = message, fraction

    def work(self) -> None:
        from ftlib.rewards import build_rewards

        rewards = build_rewards(self.rewards, device=self.model_set.device)
        self.result = evaluate_answers(
            self.model_set,
            self.rows,
            self.tuned,
            rewards,
            progress=self._progress,
            cancel=self._cancelled,
            **self.kwargs,
        )

    def _cancelled(self) -> bool:
        return self.cancelled


__all__ = [
    "AnswersJob",
    "PairResult",
    "PairsJob",
    "PairScore",
    "REWARD_MEASURE",
    "RewardResult",
    "RewardedAnswers",
    "absent_column_said",
    "check_measurable",
    "evaluate_answers",
    "evaluate_pairs",
    "measured_by",
]
