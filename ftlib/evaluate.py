"""Base vs tuned on the held-out split: outputs side by side, per-row loss and perplexity, aggregates.

For each test conversation the last assistant turn is the reference (or its first, `answer_at="first"`: a
tool-calling row's call, which the last turn's prompt already holds; or each reply in turn, `answer_at="every"`, every
reply an item of its own: the conversation up to it its prompt, `EvalRow.reply` its number). Its tokens are scored
under the base model and under the tuned adapter (teacher forcing: loss = mean negative log-likelihood of the
reference tokens, perplexity = exp(loss)), and both models answer the prompt greedily in one batched,
mixed-adapter generation (`ftlib.sampling`). Which tokens count as the reference (`ftlib.references`) comes from
`ftlib.tokens.encode_row` with policy `last_assistant` (the last reply's content and its end-of-turn
token), with the run's own chat template, cut at the run's max length as training cut its rows (`max_length`: what
lies past it was never trained, so neither model is scored on it, the rows cut counted: `loss_words.cut_rows_note`;
a bfd_split run cut nothing, and each longer row is scored in the pieces TRL trained it in, `split_long`). Training's
labels may count every reply, so the run's held-out loss of the same rows differs. A raw-text row is scored on its
every token (`ftlib.text_eval`), cut (or split) the same way.

A preference pair's reference is its chosen answer; its rejected answer is scored too, so the result says which of
the two each model finds more likely (summed log-probabilities) and how far tuning moved the pair toward the chosen
one: DPO's implicit reward margin over beta, log pi(chosen)/pi_base(chosen) - log pi(rejected)/pi_base(rejected)
(Rafailov et al. 2023, "Direct Preference Optimization"; TRL's `rewards/margins` is beta times it). Preference
tuning often makes both answers less likely, so the loss on the chosen answer can rise while the preference improves.
A KTO row labelled good is a reference like a conversation; one labelled bad is none (skipped, with the reason).

A raw-text row has no answer: every token of its text is the reference, as training scored it, and nothing is
generated for it (`ftlib.text_eval`). A reward model and a GRPO run's prompts are measured on scores, not on a
reference's loss: `ftlib.reward_eval`.

    python -m ftlib evaluate RUN_DIR --json
    python -m ftlib evaluate --model default --adapter RUN_OR_ADAPTER_DIR --data test.jsonl --json

Not known here: how runs are trained or queued, and Streamlit.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from ftlib.checks import WEIGHT_0
from ftlib.decode_rate import ANSWERING, EvalPace, EvalTally, eval_pace, remember_eval
from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS
from ftlib.errors import UserError, after_colon, none_of, numbered, plural
from ftlib.eval_runs import EvalError, RunInfo, load_test_rows, run_info, trained_on  # noqa: F401 (their home before)
from ftlib.eval_stats import PairedChange, Share, paired_change, replies_note, share
from ftlib.jobs import BackgroundJob
from ftlib.loss_words import cut_rows_note, weighting_note
from ftlib.modelset import generate_with_set
from ftlib.ref_losses import TokenLosses, losses_with_set, reference_token_losses, token_losses  # noqa: F401 (as below)
from ftlib.references import (  # noqa: F401 (their home before: pages, tests and other modules import them here)
    ANSWER_AT,
    BAD_LABEL,
    NO_REFERENCE,
    NoReference,
    Reference,
    _chat_template,
    answered_at,
    begins_past,
    check_answer_at,
    check_references,
    conversation,
    cut_reference,
    encode_reference,
    references_past,
    rejected_reference,
    reply_numbers,
    rewritten_before,
    row_reference,
    several_replies,
)
from ftlib.rows import IGNORE_INDEX
from ftlib.sampling import BASE, GREEDY, GenRow, render_prompt

Progress = Callable[[str, float], None]
PAIRS_MOVED = "Tuning moved {k} toward the chosen answer"  # `eval_stats.Share.sentence` of the reward accuracy


# ---------------------------------------------------------------- evaluation


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _ppl(loss: float) -> float:
    return math.exp(loss) if loss == loss and loss < 700 else float("inf")


def reference_text(message: dict) -> str:
    """A reference answer as one text for the table and the CSV: its reasoning, its words and each tool call it makes
    (`name({arguments})`), one per line; the loss scores all of them, as the chat template writes them.

    >>> reference_text({"reasoning": "Rain?", "tool_calls": [{"name": "weather", "arguments": {}}]}).splitlines()
    ['(reasoning) Rain?', 'weather({})']
    """
    from ftlib.template_input import call_text

    said = [f"(reasoning) {message['reasoning']}"] if message.get("reasoning") else []
    said += [str(message["content"])] if message.get("content") else []
    return "\n".join(said + [call_text(call, limit=None) for call in message.get("tool_calls") or []])


@dataclass
class EvalRow:
    """One test row under the base and the tuned model: each loss is the mean negative log-likelihood of the `tokens`
    reference tokens (nats per token; perplexity = exp(loss)), each output the greedy answer (None: a raw-text row)."""

    index: int  # position in the test split
    prompt: str  # the last user message (the full prompt is the conversation before the reference); text: ""
    reference: str  # a raw-text row's: its text
    base_output: str | None  # None: a raw-text row, scored and not answered (`ftlib.text_eval`)
    tuned_output: str | None
    base_loss: float
    tuned_loss: float
    tokens: int  # number of reference tokens scored
    # Preference pairs only (None otherwise): the rejected answer's summed log-probability (nats) under each model.
    base_rejected_logp: float | None = None
    tuned_rejected_logp: float | None = None
    reply: int | None = None  # answered at every reply: which reply of the row's conversation, from 1; else None
    # Whether each answer stopped at the max new tokens rather than an end-of-turn/eos token (None: not known, a result
    # kept before this was recorded, or a raw-text row, not answered): a cut answer's end is not the model's own.
    base_at_limit: bool | None = None
    tuned_at_limit: bool | None = None

    @property
    def item(self) -> tuple[int, int | None]:
        """(test index, reply): what tells the evaluated items apart (a row's several replies, `answer_at="every"`)."""
        return self.index, self.reply

    @property
    def is_text(self) -> bool:
        return self.base_output is None

    @property
    def is_pair(self) -> bool:
        return self.base_rejected_logp is not None and self.tuned_rejected_logp is not None

    @property
    def base_prefers_chosen(self) -> bool | None:
        """Whether the base model finds the chosen answer more likely than the rejected one (pairs only)."""
        return -self.base_loss * self.tokens > self.base_rejected_logp if self.is_pair else None

    @property
    def tuned_prefers_chosen(self) -> bool | None:
        return -self.tuned_loss * self.tokens > self.tuned_rejected_logp if self.is_pair else None

    @property
    def reward_margin(self) -> float | None:
        """How much more tuning raised the chosen answer's log-probability than the rejected one's (nats): DPO's
        implicit reward margin over beta, with the base as the reference model. Positive: moved toward chosen."""
        if not self.is_pair:
            return None
        chosen_gain = (self.base_loss - self.tuned_loss) * self.tokens  # sum log p_tuned - sum log p_base
        return chosen_gain - (self.tuned_rejected_logp - self.base_rejected_logp)

    @property
    def base_perplexity(self) -> float:
        return _ppl(self.base_loss)

    @property
    def tuned_perplexity(self) -> float:
        return _ppl(self.tuned_loss)

    @property
    def loss_change(self) -> float:
        return self.tuned_loss - self.base_loss

    def as_dict(self) -> dict:
        """The row's fields and measures by name (its `reply` only where it is one of several items of a row)."""
        return dict(
            {k: v for k, v in asdict(self).items() if k != "reply" or v is not None},
            base_perplexity=self.base_perplexity,
            tuned_perplexity=self.tuned_perplexity,
            loss_change=self.loss_change,
            base_prefers_chosen=self.base_prefers_chosen,
            tuned_prefers_chosen=self.tuned_prefers_chosen,
            reward_margin=self.reward_margin,
        )


@dataclass
class EvalResult:
    """What `evaluate` returns: a row per scored test row, the rows skipped (with why) and cut, and the mean loss over
    all reference tokens under each model (nats per token); `aggregates` adds perplexity and the per-row measures."""

    adapter: str
    rows: list[EvalRow]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (test index, reason)
    # test indices longer than `max_length`: scored on their first `max_length` tokens only, or with `split_long` in
    # pieces of it, every token but each later piece's first
    cut: list[int] = field(default_factory=list)
    max_length: int | None = None  # the run's, where the references were cut (None: uncut)
    answer_at: str = "last"  # which reply of a conversation is its reference (`references.ANSWER_AT`)
    # (test index, reply) of the items the template writes otherwise inside the whole conversation than as asked and
    # scored (`references.rewritten_before`; `rewritten_note` says it)
    rewritten: list[tuple[int, int | None]] = field(default_factory=list)
    base_token_loss: float = float("nan")
    tuned_token_loss: float = float("nan")
    max_new_tokens: int | None = None  # each answer's limit (`EvalRow.base_at_limit`); None: a result kept before it
    split_long: bool = False  # a bfd_split run's: longer rows scored in pieces of `max_length`, as TRL trained them
    # The dtype the losses were computed in (`scored_in`: "float32" on CPU); None for a result kept before it was said
    dtype: str | None = None

    def aggregates(self) -> dict:
        """Token-weighted loss and perplexity (as a trainer's eval loss), plus per-row summaries."""
        rows = self.rows
        return {
            "adapter": self.adapter,
            "rows": len({r.index for r in rows}),  # held-out rows: answered at every reply, an item per reply
            **({"replies": len(rows)} if self.answer_at == "every" else {}),
            "skipped": len(self.skipped),
            "cut_rows": 0 if self.split_long else len(self.cut),  # scored on their first `max_length` tokens
            **({"split_rows": len(self.cut)} if self.split_long else {}),  # bfd_split: scored in pieces, none cut
            "tokens": sum(r.tokens for r in rows),
            "base_loss": self.base_token_loss,
            "tuned_loss": self.tuned_token_loss,
            "base_perplexity": _ppl(self.base_token_loss),
            "tuned_perplexity": _ppl(self.tuned_token_loss),
            "loss_change": self.tuned_token_loss - self.base_token_loss,
            "rows_improved": (sum(r.tuned_loss < r.base_loss for r in rows) / len(rows)) if rows else float("nan"),
            "mean_row_base_loss": _mean([r.base_loss for r in rows]),
            "mean_row_tuned_loss": _mean([r.tuned_loss for r in rows]),
            "text_rows": sum(r.is_text for r in rows),  # scored on every token, not answered (`ftlib.text_eval`)
            **self.change_stats().as_dict("row_change"),  # how sure: the mean per-row change, its 95% interval
            **self.pair_aggregates(),
        }

    def change_stats(self) -> PairedChange:
        """How sure the per-row loss change (tuned - base, nats) is: rows lower / higher / unchanged, the mean change
        with its 95% paired t interval and a verdict (`ftlib.eval_stats.paired_change`). Each row counts once, as the
        rows are the independent draws, so its mean can differ from the token-weighted `loss_change`; answered at
        every reply, each reply is one (`noun`; `eval_stats.replies_note` says what that interval assumes), and the
        "too few" rule counts the conversations, which are the independent draws."""
        groups = [r.index for r in self.rows] if self.answer_at == "every" else None
        return paired_change([r.base_loss for r in self.rows], [r.tuned_loss for r in self.rows], groups=groups)

    def change_said(self) -> str:
        """How sure the loss change is, in the words the Evaluate page and the CLI show: the per-item sentence, what
        its interval and verdict assume answered at every reply (`replies_note`), and how its mean differs from the
        token-weighted change under Tuned loss (`loss_words.weighting_note`)."""
        stats = self.change_stats()
        token_change = self.tuned_token_loss - self.base_token_loss
        notes = [replies_note(self.rows, stats.verdict), weighting_note(token_change, stats.mean, self.noun)]
        return " ".join([stats.sentence(noun=self.noun), *(n for n in notes if n)])

    def accuracy_stats(self) -> Share | None:
        """How sure the reward accuracy (the share of pairs tuning moved toward the chosen answer) is, against a coin's
        50%: its 95% Wilson interval and a verdict (`ftlib.eval_stats.share`); None without preference pairs."""
        pairs = [r for r in self.rows if r.is_pair]
        return share(sum(r.reward_margin > 0 for r in pairs), len(pairs)) if pairs else None

    def how_sure(self) -> list[str]:
        """The sentences saying how sure the comparison is: the loss change per row, and with pairs the reward
        accuracy (what the Evaluate page and the CLI print)."""
        said = [self.change_said()]
        if (accuracy := self.accuracy_stats()) is not None:
            said.append(accuracy.sentence(PAIRS_MOVED))
        return said

    @property
    def noun(self) -> str:
        """What one item of the result is, in words: "reply" answered at every reply, else "row"."""
        return "reply" if self.answer_at == "every" else "row"

    def cut_note(self, number: Callable[[int], int] | None = None, noun: str = "row") -> str:
        """A sentence on the rows scored on their first `max_length` tokens only, or of a bfd_split run's in pieces of
        it (`split_long`) ("" when none was longer); a row is named by `number(test index)` (default: counted from 1),
        as a `noun` ("line": where it is in a --data file).

        >>> EvalResult("run", [], cut=[0, 4], max_length=512).cut_note()[:50]
        'Rows 1, 5 were scored on the first 512 tokens only'
        >>> EvalResult("run", [], cut=[2], max_length=64).cut_note(lambda i: i + 3, "line")[:45]
        'Line 5 was scored on the first 64 tokens only'
        """
        if not self.cut:
            return ""
        number = number or (lambda i: i + 1)
        which = numbered(noun, [number(i) for i in self.cut])
        return cut_rows_note(which, len(self.cut), self.max_length, self.split_long)

    def pair_aggregates(self) -> dict:
        """Over the preference pairs (none: `pairs` 0 and nothing else): the share of pairs whose chosen answer each
        model finds more likely, the share tuning moved toward the chosen answer (reward accuracy, as DPO's held-out
        `rewards/accuracies`) and the mean margin (nats)."""
        pairs = [r for r in self.rows if r.is_pair]
        if not pairs:
            return {"pairs": 0}
        return {
            "pairs": len(pairs),
            "base_prefers_chosen": _mean([float(r.base_prefers_chosen) for r in pairs]),
            "tuned_prefers_chosen": _mean([float(r.tuned_prefers_chosen) for r in pairs]),
            "reward_accuracy": _mean([float(r.reward_margin > 0) for r in pairs]),
            **self.accuracy_stats().as_dict("reward_accuracy"),  # its 95% Wilson interval, against 50%
            "mean_reward_margin": _mean([r.reward_margin for r in pairs]),
        }

    def best_and_worst(self, n: int = 3) -> tuple[list[EvalRow], list[EvalRow]]:
        """Rows the tuning helped most (largest loss drop) and hurt most."""
        ordered = sorted(self.rows, key=lambda r: r.loss_change)
        return ordered[:n], ordered[::-1][:n]

    def to_csv(self) -> str:
        out = io.StringIO()
        cols = [
            "index",
            "prompt",
            "reference",
            "base_output",
            "tuned_output",
            "base_loss",
            "tuned_loss",
            "loss_change",
            "base_perplexity",
            "tuned_perplexity",
            "tokens",
        ]
        if any(r.reply is not None for r in self.rows):
            cols.insert(1, "reply")
        if any(r.is_pair for r in self.rows):
            cols += ["base_prefers_chosen", "tuned_prefers_chosen", "reward_margin"]
        cols += ["base_at_limit", "tuned_at_limit"] if any(r.base_at_limit is not None for r in self.rows) else []
        writer = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for r in self.rows:
            writer.writerow({k: _csv_safe(v) for k, v in r.as_dict().items()})
        return out.getvalue()


def spreadsheet_csv(table: str) -> bytes:
    """A CSV table (`to_csv`) as the bytes of a download meant for a spreadsheet: UTF-8 with a byte order mark.
    Excel on Windows reads a CSV without one in the system's code page, so "Café" and every answer in another script
    open garbled ("CafÃ©"); with it, Excel reads UTF-8. pandas' `read_csv`, LibreOffice, Google Sheets, Python's
    `open(..., encoding="utf-8-sig")` and the studio's own Data page read the mark as what it is.

    >>> spreadsheet_csv("index,answer\\n0,Café\\n")[:12]
    b'\xef\xbb\xbfindex,ans'
    """
    return table.encode("utf-8-sig")


def _csv_safe(value):
    """Text cells that a spreadsheet would run as a formula (= + - @ tab CR) get a leading quote (OWASP)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _last_user(messages: list[dict]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return m.get("content") or ""
    return messages[0].get("content") or ""


def evaluate(
    model_set,
    rows: Sequence[dict],
    tuned: str,
    max_new_tokens: int = DEFAULT_NEW_TOKENS,
    batch_size: int = ANSWER_BATCH,
    limit: int | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    template: str = "tokenizer",
    max_length: int | None = None,
    answer_at: str = "last",
    split_long: bool = False,
    thinking: bool | None = None,
    no_reference_fix: Callable[[str], str] | None = None,
    tally: EvalTally | None = None,
    step_progress: Progress | None = None,
    pace: EvalPace | None = None,
) -> EvalResult:
    """Score and answer each test row with the base and the tuned model `tuned` (an adapter's or a full
    fine-tune's name in `model_set`, an `ftlib.modelset.ModelSet`). `answer_at`: which reply of a conversation is
    asked for and scored (`references.ANSWER_AT`: "last", "first", a tool-calling row's call, or "every": each reply
    of a conversation an item of its own, `EvalRow.reply` its number, skipped and cut on its own and answered in its
    own generation; `skipped` and `cut` still name test rows, a skipped reply's reason saying which).

    Generation is greedy (deterministic) and batched: `batch_size` test rows x 2 models per decoding loop (an
    adapter shares the base's loop; a full fine-tune runs its own loop over the same rows).
    Rows without a reference answer, and rows the template cuts as training refuses to (a tool call left out:
    both models would be scored on a conversation without it), are skipped and listed in `skipped`.
    `cancel()` returning True stops between batches with the rows done so far. `max_length`: the run's, where
    training cut its rows; each reference is cut there too (the rows cut are listed in `cut`), and a row whose
    reference begins past it is skipped, as training learned nothing of it; with `split_long` (a bfd_split run,
    `RunInfo.split_long`, which cut nothing) a longer row is scored in pieces of `max_length` instead, as TRL trained
    it (`Reference.split`), and listed in `cut` all the same. `rewritten`: the items a template that rewrites earlier
    turns writes otherwise inside the whole conversation (`references.rewritten_before`). `thinking`: the template's
    `enable_thinking` for the answers' prompts (`sampling.render_prompt`; None: its default); the references are
    scored as training rendered them, with no switch. `no_reference_fix`: what to do about a row without a reference
    answer, a function of its kind in a page's words (`references.NoReference.worded`); else the CLI's. `tally`
    (`decode_rate.EvalTally`): kept up to date as it goes (items done, tokens written, each part's seconds), and
    each progress message says the items done and tokens written; `step_progress` (as `progress`): after each
    decoding step too (a page's bar, polled; the CLI prints `progress`'s reports alone). `pace` (an earlier run's
    `EvalTally.pace`): the bar's share for answers as time splits at it (`EvalPace.answer_share`); None: ANSWERING.
    """
    if not tuned or tuned == BASE:
        raise EvalError("Evaluation compares the base with a tuned model; pass the adapter's or run's name.")
    if batch_size < 1:
        raise EvalError(f"batch_size must be at least 1, got {batch_size}.")
    answered_at([], answer_at)  # an unknown choice refused before any row
    selected = list(rows)[: limit if limit else None]
    if not selected:
        raise EvalError("The test split is empty: save a split with some held-out rows first.")
    report = progress or (lambda message, fraction: None)
    tokenizer = model_set.tokenizer
    template = _chat_template(template, tokenizer)  # once, not per row
    prepared, skipped, cut_rows = [], [], []
    past, rewritten = [], []  # the items whose reference begins past the max length; written otherwise in the whole
    items = [(i, reply) for i, row in enumerate(selected) for reply in reply_numbers(row, answer_at)]
    for i, reply in items:
        row = selected[i]
        try:  # a text row: no messages, its every token
            messages, ref = row_reference(row, tokenizer, template, answer_at, reply)
            tools = row.get("tools")  # a tool-calling row is asked with its tools
            if messages and messages[-1].get("weight", 1) == 0:  # shown as context, never trained (`ftlib.masks`),
                # so Train's held-out loss leaves it out too: said why, not as "no reference tokens"
                which = ANSWER_AT[answer_at] if reply is None else f"reply {reply}"
                skipped.append((i, f"{which} has {WEIGHT_0}: never trained, not evaluated"))
                continue
            if all(label == IGNORE_INDEX for label in ref.labels):
                raise EvalError("no reference tokens (the template or the mask left nothing to score)")
            past += [i] if not split_long and begins_past(ref, max_length) else []
            # the rule preflight warns by: `references.begins_past`; a bfd_split run's row in pieces, none past a cut
            ref, was_cut = cut_reference(ref, max_length, split=split_long)
            cut = next((c for c in ref.template_losses if c.severity == "error"), None)
            if cut is not None:  # what preflight refuses to train on is not scored either
                raise EvalError(
                    f"{cut.message} Both models would answer and be scored on the conversation without them, so "
                    f"the row is skipped. {cut.fix}"
                )
            given = {"template": template, "tools": tools, "thinking": thinking}
            prompt_ids = messages and render_prompt(tokenizer, messages[:-1], **given)[1]
            rejected, rejected_cut = rejected_reference(row, tokenizer, template, max_length, split_long)
        except UserError as exc:  # EvalError, SamplingError, TemplateError: this row only, keep going
            page = no_reference_fix is not None and isinstance(exc, NoReference)  # the caller's way on, else the CLI's
            said = exc.worded(no_reference_fix) if page else str(exc)
            skipped.append((i, said if reply is None else f"reply {reply}: {said}"))
            continue
        prepared.append(((i, reply), messages, ref, prompt_ids, rejected))
        rewritten += [(i, reply)] if rewritten_before(row, tokenizer, template, answer_at, reply) else []
        cut_rows += [i] if was_cut or rejected_cut else []  # a pair: either answer; a row once, whichever reply
    if not prepared:
        # Every row's answer past the cut: the max length a run needs to learn and score them (a walk's dead end),
        # counted as the pre-run report counts it (a pair's rejected answer too).
        longest = (
            references_past(selected, tokenizer, template, max_length, answer_at)[2] if len(past) == len(items) else 0
        )
        one = len(items) == 1
        keeps = f"keeps {'it' if one else 'them'} whole"
        need = f" A run with a max length of {longest} tokens {keeps}." if longest else ""
        rows_said = "the only test row" if len(selected) == 1 else f"the {plural(len(selected), 'test row')}"
        none = none_of(len(selected), "test row", "be evaluated")
        if len(items) > len(selected):  # answered at every reply: the replies were the items
            none = f"None of the {plural(len(items), 'reply')} of {rows_said} can be evaluated"
        why = skipped[0][1]
        if longest and not one and why.startswith("its "):  # every item past the cut: one row's words said of each
            why = "each one's " + why.removeprefix("its ")
        raise EvalError(f"{none}: {after_colon(why)}{need}")

    out_rows: list[EvalRow] = []
    total_nll = {"base": 0.0, "tuned": 0.0}
    total_tokens = 0
    from ftlib.cpu_decode import probe_seconds  # here: torch is loaded with the model set, not with this module

    tally = tally if tally is not None else EvalTally()
    tally.items, tally.max_new_tokens, tally.batch_size = len(prepared), max_new_tokens, batch_size
    answering = pace.answer_share(len(prepared), batch_size, max_new_tokens) if pace else ANSWERING
    noun = "reply" if answer_at == "every" else "row"
    nouns = plural(2, noun)[2:]
    said = [""]  # the batch's words, each report's start

    def told(fraction: float, to: Progress = report) -> None:  # the batch's words, the items done, the tokens
        done = f"{tally.done} of {plural(tally.items, noun)} done"
        to(f"{said[0]} · {done} · {plural(tally.tokens, 'token')} written", fraction)

    for start in range(0, len(prepared), batch_size):
        if cancel and cancel():
            break
        chunk = prepared[start : start + batch_size]
        asked = [p for p in chunk if p[1]]  # a text row has no prompt: scored, not answered
        doing = "Answering" if asked else "Scoring"
        # All in one batch: no share is done until every row is answered, so the words say so and each row scored
        # moves the bar (helper 78's walk: a bar at 0 until the end, only its time moving).
        one = len(chunk) == len(prepared) > 1
        which = f"the {len(prepared)} {nouns} in one batch" if one else f"{nouns} {start + 1}-{start + len(chunk)}"
        said[0] = f"{doing} {which}" + ("" if one else f" of {len(prepared)}")
        told(start / len(prepared))
        gen_rows = [GenRow(tuple(p[3]), GREEDY, m) for p in asked for m in (None, tuned)]
        # One decoding loop per model: two where the tuned model is a full fine-tune apart from the base (helper 258)
        loops = model_set.by_model([r.adapter for r in gen_rows]) if gen_rows else []
        stamps: list[float] = []  # the clock after each step, every loop's: each loop's pace at its answers

        def stepped(tokens: int, stamps=stamps, start=start, n=len(chunk), most=max_new_tokens * len(loops)) -> None:
            stamps.append(time.monotonic())  # a step's share of the answering (every loop's)
            tally.tokens += tokens
            if step_progress is not None:
                told((start + answering * n * min(len(stamps) / max(most, 1), 1.0)) / len(prepared), step_progress)

        probed, began = probe_seconds(), time.monotonic()  # a process's first loop measures oneDNN first: not its pace
        results = gen_rows and generate_with_set(
            model_set, gen_rows, max_new_tokens=max_new_tokens, top_alternatives=0, on_step=stepped
        )
        if gen_rows:
            ran = [(len(at), max(len(results[i].tokens) for i in at), any(results[i].finish_reason == "length"
                    for i in at)) for _, at, _ in loops]  # fmt: skip
            tally.batch_timed(ran, began, stamps, probe_seconds() - probed)
        answers = {p[0]: (results[2 * j], results[2 * j + 1]) for j, p in enumerate(asked)}
        said[0] = f"Scoring the {len(prepared)} {nouns}" if one else f"Scoring {which} of {len(prepared)}"
        for done, ((i, reply), messages, ref, _, rejected) in enumerate(chunk):
            share, to = answering if asked else 0.0, report if one else step_progress  # `progress`: a line a batch
            if to is not None:
                told((start + len(chunk) * share + done * (1 - share)) / len(prepared), to)
            began = time.monotonic()
            base_l, tuned_l = losses_with_set(model_set, ref, [None, tuned])
            # A pair's rejected answer: its summed log-probability under each model (the loss sums are negated).
            rej = (
                [-sum(losses) for losses in losses_with_set(model_set, rejected, [None, tuned])] if rejected else None
            )
            total_nll["base"] += sum(base_l)
            total_nll["tuned"] += sum(tuned_l)
            total_tokens += len(base_l)
            out_rows.append(
                EvalRow(
                    index=i,
                    prompt=_last_user(messages[:-1]) if messages else "",
                    reference=reference_text(messages[-1]) if messages else selected[i]["text"],
                    base_output=answers[i, reply][0].text if (i, reply) in answers else None,
                    tuned_output=answers[i, reply][1].text if (i, reply) in answers else None,
                    base_at_limit=answers[i, reply][0].finish_reason == "length" if (i, reply) in answers else None,
                    tuned_at_limit=answers[i, reply][1].finish_reason == "length" if (i, reply) in answers else None,
                    base_loss=_mean(base_l),
                    tuned_loss=_mean(tuned_l),
                    tokens=len(base_l),
                    base_rejected_logp=rej[0] if rej else None,
                    tuned_rejected_logp=rej[1] if rej else None,
                    reply=reply,
                )
            )
            tally.done, tally.score_s = tally.done + 1, tally.score_s + time.monotonic() - began
    report("Done", 1.0)
    scored = {r.item for r in out_rows}  # a cancelled evaluation scored only some; a set once, not once an item
    return EvalResult(
        adapter=tuned,
        rows=out_rows,
        skipped=skipped,
        cut=sorted(set(cut_rows) & {r.index for r in out_rows}),  # a cancelled evaluation scored only some
        max_length=max_length,
        answer_at=answer_at,
        rewritten=[item for item in rewritten if item in scored],
        base_token_loss=total_nll["base"] / total_tokens if total_tokens else float("nan"),
        tuned_token_loss=total_nll["tuned"] / total_tokens if total_tokens else float("nan"),
        max_new_tokens=int(max_new_tokens),
        split_long=split_long,
        dtype=scored_in(model_set),
    )


def scored_in(model_set) -> str | None:
    """The dtype `evaluate` computes its losses in: its base model's floating weights' ("float32" on CPU, where
    `models.pick_dtype` loads it so); None for a set without a torch model (a stand-in in a test)."""
    parameters = getattr(getattr(model_set, "model", None), "parameters", None)
    dtype = next((p.dtype for p in parameters() if p.is_floating_point()), None) if parameters else None
    return str(dtype).removeprefix("torch.") if dtype is not None else None


class EvalJob(BackgroundJob):
    """`evaluate` in a daemon thread with progress and cancel, for pages that must not block."""

    thread_name = "ftlib-evaluate"
    kind = "evaluation"

    def __init__(self, model_set, rows: Sequence[dict], adapter: str, label: str = "an evaluation", **kwargs):
        super().__init__(label, device=model_set.device)  # the device lease its forwards take turns on
        self.model_set, self.rows, self.adapter, self.kwargs = model_set, list(rows), adapter, kwargs
        self.message, self.fraction = "Starting", 0.0
        self.tally = EvalTally()  # items done, tokens written, each part's seconds: its pace once it ends
        self.result: EvalResult | None = None
        self.token_views: dict[tuple, TokenLosses] = {}  # `token_losses` of an item, by `EvalRow.item`: a page's cache
        self.models_spec: tuple | None = None  # what a page loaded `model_set` from, to get it back once it let go

    def _progress(self, message: str, fraction: float) -> None:
        self.message, self.fraction = message, fraction

    def work(self) -> None:
        self.result = evaluate(
            self.model_set,
            self.rows,
            self.adapter,
            progress=self._progress,
            cancel=lambda: self.cancelled,
            tally=self.tally,
            step_progress=self._progress,  # the bar moves with every token its answers write
            pace=eval_pace(self.model_set.device),  # the last one's split of its time: the bar moves as time does
            **self.kwargs,
        )
        remember_eval(self.model_set.device, self.tally.pace(self.busy_s()))
