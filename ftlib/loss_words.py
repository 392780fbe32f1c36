"""What the loss numbers of one run are measured over, in words a non-engineer reads, and why they differ.

One run shows several numbers called "loss" (a walk: Train's held-out 1.0055 -> 0.0466, Evaluate's base 1.924 ->
tuned 0.104, a training loss of 0.1895 on Train and 0.079 in the runs table). All are the same measure (the mean
negative log-likelihood of the tokens counted, nats per token), over different tokens, rows and weights:

- Evaluate's base and tuned loss (`ftlib.evaluate`): every token of the reply Evaluate scores (the last reply of each
  held-out conversation, or its first, or every reply: `references.ANSWER_AT`; a pair's chosen answer; every token of
  a raw text), each token counting alike, of the rows evaluated (the first N of the split), cut at the run's max
  length.
- Train's held-out loss (the trainer's eval loss): the tokens the run's mask policy trains (every assistant reply by
  default, a tool call too) of all the held-out rows, each batch's mean averaged over the batches (rows that fit one
  batch: every token alike), computed in the precision the run trained in (bfloat16 for a LoRA run on a CPU that
  multiplies it natively, where Evaluate computes in float32: 3.2109 beside 3.217 on one batch); its first point
  (step 0) is the base model's.
- The training loss: on the training rows, never the held-out ones (Train: the mean of the last steps; the runs
  table: the last step's).

So Evaluate's base loss and the first point of Train's held-out curve differ where rows have several replies (a tool
call is easier or harder to predict than a reply in words), where Evaluate scores only some rows, and a little by the
weighting. Answered at every reply, under the default mask policy (`all_assistant`), Evaluate scores the tokens
Train's held-out loss scores (all but an assistant message opening a conversation: it answers no prompt), each reply
with the conversation before it as context, as one forward over the whole row sees it, cut at the same max length:
only the rows and the weighting differ (a run training only the last reply, `last_assistant`, counts fewer), unless
the chat template writes some replies otherwise inside the whole row than where they are asked for (Qwen3's: an
earlier reply's reasoning dropped; `references.rewritten_before`). Nothing here computes a loss.

    >>> evaluate_measured_over([SimpleNamespace(tokens=7, is_text=False, is_pair=False)] * 2)
    'Average loss per answer token of the last reply of each of the 2 held-out rows (14 tokens, each counting alike).'

Not known here: models, scoring, Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace  # noqa: F401 (the doctest's)

from ftlib.errors import plural
from ftlib.references import ANSWER_AT, several_replies


def each(n: int) -> str:
    """What goes before "the N held-out rows": "each of " for several, nothing for one ("of each of the 1 held-out
    row" read wrong on a walk).

    >>> each(3), each(1)
    ('each of ', '')
    """
    return "" if n == 1 else "each of "


def evaluate_measured_over(
    rows: Sequence,
    answer_at: str = "last",
    method: str | None = None,
    source: str | None = None,
) -> str:
    """What Evaluate's base and tuned loss are the average of, for its result rows (`EvalRow`s: `tokens`, `is_text`,
    `is_pair`): "Average loss per answer token of the last reply of each of the 5 held-out rows (412 tokens, each
    counting alike)." How many of the run's held-out rows were evaluated is said beside it (the page's "On 5 of the
    run's 18 held-out rows.", `train_heldout_note`'s "not only the 5 scored here"). Answered at every reply (the
    rows' `index` and `reply`: one item per reply), the replies are counted and the rows they are of. A KTO run's
    (`method` "kto") pairs: it trained each rejected answer as a bad one, which no loss here counts, said so.
    `source`: the name of the data file the rows are from (`evaluate --data FILE`), named instead of "held-out":
    "... of each of the 3 rows of test.jsonl".

    >>> R = SimpleNamespace
    >>> items = [R(index=0, reply=1, tokens=5, is_text=False, is_pair=False), R(index=0, reply=2, tokens=4,
    ...     is_text=False, is_pair=False), R(index=1, reply=1, tokens=3, is_text=False, is_pair=False)]
    >>> evaluate_measured_over(items, "every")[33:]
    'the 3 replies of the 2 held-out rows (12 tokens, each counting alike).'
    """
    texts = sum(r.is_text for r in rows)
    pairs = sum(r.is_pair for r in rows)
    chats = len(rows) - texts - pairs

    def of(n: int, noun: str) -> str:  # "2 held-out rows", or with --data "2 rows of test.jsonl": not held-out
        return f"{plural(n, noun)} of {source}" if source else plural(n, f"held-out {noun}")

    reply = ANSWER_AT.get(answer_at, ANSWER_AT["last"]).removeprefix("the ")
    parts = [f"the {reply} of {each(chats)}the {of(chats, 'row')}"] if chats else []
    if answer_at == "every":  # an item per reply: the rows they are of, and how many replies
        replies = [r for r in rows if not r.is_text and not r.is_pair]
        conversations = len({r.index for r in replies})
        said = f"the {plural(len(replies), 'reply', 'replies')} of the {of(conversations, 'row')}"
        parts = [said] if replies else []
    parts += [f"the chosen answer of {each(pairs)}the {of(pairs, 'pair')}"] if pairs else []
    parts += [f"every token of the {of(texts, 'text')}"] if texts else []
    tokens = sum(r.tokens for r in rows)
    if texts == len(rows):  # raw text only: every token is scored
        texts_said = f"{plural(texts, 'text')}, {tokens:,} tokens, each counting alike"
        whose = f"the texts of {source}" if source else "the held-out texts"
        return f"Average loss per token of {whose}: {texts_said}."
    what = "scored token" if texts else "answer token"
    said = f"Average loss per {what} of {' and '.join(parts)} ({tokens:,} tokens, each counting alike)."
    if pairs and method == "kto":  # trained as good and bad answers (`alignment.training_rows`): half not counted
        said += (
            f" The {'pair' if pairs == 1 else 'pairs'}' rejected answers, which KTO trained as bad answers (to grow "
            "less likely), are not in it: how tuning moved them is under the answers labelled bad."
        )
    return said


def reward_margin_note(
    beta: float, margin: float, trl: str = "trl_reward_margin", ours: str = "mean_reward_margin"
) -> str:
    """How `evaluate`'s two margins of a DPO/KTO run relate: `margin` (its `mean_reward_margin`, nats) is the
    log-ratio margin; TRL's rewards/margins (`trl_reward_margin`, what training logged) is `beta` x it. Both to the
    4 decimals `evaluate` prints them with: a margin early in training (0.0047) read "0.1 x 0.00 = 0.00" beside them.
    `trl`, `ours`: the two as the output names them (their --json keys by default; the text's words otherwise).

    >>> reward_margin_note(0.1, 67.77)
    "trl_reward_margin is beta x mean_reward_margin (0.1 x 67.7700 = 6.7770): mean_reward_margin is how much more \
tuning raised each pair's chosen answer's log-probability than its rejected one's, against the base model (nats, \
summed over each answer's tokens); TRL's rewards/margins, which training logged, is it times beta."
    """
    return (
        f"{trl} is beta x {ours} ({beta:g} x {margin:.4f} = {beta * margin:.4f}): "
        f"{ours} is how much more tuning raised each pair's chosen answer's log-probability than its "
        "rejected one's, against the base model (nats, summed over each answer's tokens); TRL's rewards/margins, "
        "which training logged, is it times beta."
    )


# "nats" in plain words where a change or margin is shown in them (walks found the unit unexplained on Evaluate and in
# `evaluate`): a change of x nats multiplies a probability by e^x (e^0.69 = 2).
NATS_CHANGE_SAID = (
    "Changes are in nats, the natural-log units of probability: +0.69 nats is twice as likely, -0.69 half as "
    "likely, 0 unchanged."
)
NATS_MARGIN_SAID = (
    "Nats are the natural-log units of probability: a margin of +0.69 nats means tuning made the chosen answer twice "
    "as likely, next to the rejected one, as it was before."
)


# What a preference run's Train held-out loss is (TRL's loss of the method), where it is not a per-token loss.
OWN_LOSS = {
    "dpo": "DPO's objective on the held-out pairs (lower as each pair's chosen answer gains on its rejected one, "
    "against the starting model)",
    "kto": "KTO's objective on the held-out answers (lower as the good ones grow likelier and the bad ones less "
    "likely than under the starting model)",
}


def _trained_replies(rows: Sequence[dict]) -> list[dict]:
    """`rows` without the messages weighted 0 (OpenAI's `"weight": 0`): shown as context, never trained
    (`ftlib.masks`), so they add no reply to Train's held-out loss (a walk's tool calls, all weight 0, were said to
    be counted there). Rows that are no conversation are kept as they are."""
    return [
        {**row, "messages": [m for m in row["messages"] if m.get("weight", 1) != 0]} if row.get("messages") else row
        for row in rows
    ]


def train_heldout_note(
    rows: Sequence[dict],
    mask_policy: str = "all_assistant",
    answer_at: str = "last",
    total: int | None = None,
    rewritten: int = 0,
    method: str = "lora",
    split: bool = False,
    one_batch: bool = False,
    trained_in: str | None = None,
    scored_in: str | None = None,
) -> str:
    """One line on why the Train page's held-out loss of the same run differs from Evaluate's, for the held-out
    `rows` Evaluate scored (`total`: all the run's held-out rows; each row once, however many of its replies were
    answered): which tokens it counts (the run's mask policy), which rows, how it weighs them (the mean of its
    batches' means, unless the held-out rows fit `one_batch`: `RunInfo.one_batch`), in which precision (`trained_in`,
    the dtype the run computed in, `RunInfo.computed_in`, against `scored_in`, Evaluate's, `EvalResult.dtype`: a LoRA
    run on a CPU that multiplies bf16 natively computes in bfloat16, Evaluate in float32, a walk's 3.2109 beside
    3.217 on one batch); its first point is the base model's, and the training loss is of other rows. Where nothing
    differs it says Train's first point is Evaluate's base loss (or would be, but for a precision not known).
    Answered at `every` reply under `all_assistant` it counts the same tokens, and says so (all but an assistant
    message opening a conversation, said where one does), unless `rewritten` of the replies evaluated were asked for
    in another form than the whole row writes them
    (`references.rewritten_before`). `split`: a bfd_split run's (`EvalResult.split_long`): TRL packs its held-out rows
    as it packs the training rows (SFTTrainer's `eval_packing` unset follows `packing`, with the same
    `packing_strategy`), so a longer one is split into the pieces Evaluate scores, not cut; under bfd both cut it.

    >>> chat = {"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}, {"role": "assistant"}]}
    >>> train_heldout_note([chat], answer_at="every", total=1)[:88]
    "Train's held-out loss scores the same tokens (every reply the run trains, each after the"

    >>> train_heldout_note([{"messages": [{"role": "user"}, {"role": "assistant"}]}] * 3, total=3)[:92]
    "Train's held-out loss differs: it averages each batch's mean rather than every token alike. "

    One batch, in float32 both, nothing differs (a one-batch bfloat16 run: only the precision):

    >>> train_heldout_note([{"messages": [{"role": "user"}, {"role": "assistant"}]}], total=1, one_batch=True,
    ...     trained_in="float32", scored_in="float32")[:104]
    "Train's held-out loss scores the same tokens of the same rows (cut at the same max length), in one batch"

    A DPO or KTO run's (`method`) is that method's own loss, another quantity altogether: said so.
    """
    if method in OWN_LOSS:
        return (
            f"Train's held-out loss is another measure: {OWN_LOSS[method]}, not a loss per token of the reference "
            "answers, so the two do not compare. Its first point (step 0) is the base model's."
        )
    differs = []
    several = several_replies(rows)
    # An assistant message opening a conversation: `all_assistant` trains it, but it answers no prompt, so no reply
    # of Evaluate's (`references.reply_count`) scores it.
    opening = sum(bool(m := row.get("messages")) and m[0].get("role") == "assistant" for row in rows)
    every = answer_at == "every" and mask_policy == "all_assistant"
    same = every and not rewritten  # unless a template writes some replies otherwise in the whole row
    if every:
        if rewritten:
            them = "it" if rewritten == 1 else "them"
            differs.append(f"scores {rewritten} of these replies as the whole row writes {them}, not as asked here")
        if opening:
            differs.append(
                f"also counts the assistant message opening {plural(opening, 'conversation')}, which answers no "
                "prompt, so Evaluate asks for no reply there"
            )
    elif several and answer_at == "every" and mask_policy == "last_assistant":
        differs.append("counts only the last reply, the one the run trains, not every reply")
    elif mask_policy == "all_assistant" and several_replies(_trained_replies(rows)):
        differs.append(f"counts every reply the run trains (a tool call too), not only the {answer_at}")
    elif several and mask_policy == "last_assistant" and answer_at == "first":
        differs.append("counts the last reply, the one the run trains, not the first")
    elif mask_policy in ("completion_only", "everything"):
        from ftlib.tokens import POLICY_HELP

        differs.append(f"counts what the run trains ({POLICY_HELP[mask_policy]})")
    if total and total > len(rows):
        differs.append(f"covers all {total} held-out rows, not only the {len(rows)} scored here")
    if not one_batch:  # one batch: its mean is every token alike, as Evaluate's is
        differs.append("averages each batch's mean rather than every token alike")
    if trained_in and scored_in and trained_in != scored_in:
        differs.append(precision_differs(trained_in, scored_in))
    if not differs:
        return _same_heldout(split, trained_in if trained_in == scored_in else None)
    # ", and" where a clause before has a comma of its own: "covers all 18 held-out rows, not the first 2 and
    # averages each batch's mean" read as if it did not average them.
    joined = ", and " if len(differs) > 2 or (len(differs) > 1 and "," in differs[-2]) else " and "
    said = ", ".join(differs[:-1]) + (joined if len(differs) > 1 else "") + differs[-1]
    if same:  # `ftlib.evaluate`'s items of every reply: the tokens `all_assistant` labels, in the same context
        same_tokens = "the tokens Evaluate scores" if opening else "the same tokens"
        # With packing the held-out rows are packed (and under bfd_split split) as the training rows are: each row
        # or piece still read on its own (`packed_rows.keeps_packed_rows_apart`), so only the cut's words change.
        where = (
            "split at the same max length into the same pieces, each read without what came before it"
            if split
            else "cut at the same max length"
        )
        said = (
            f"Train's held-out loss scores {same_tokens} (every reply the run trains, each after the conversation "
            f"before it, {where}), but it {said}"
        )
    else:
        said = f"Train's held-out loss differs: it {said}"
    return (
        f"{said}. Its first point (step 0) is the base model's; the training loss "
        "is measured on the training rows, not these."
    )


def precision_differs(trained_in: str, scored_in: str) -> str:
    """The clause of `train_heldout_note` on a run that computed its held-out loss in another dtype than Evaluate.

    >>> precision_differs("bfloat16", "float32")[:79]
    'computes in bfloat16, the precision the run trained in, where Evaluate computes'
    """
    kept = {"bfloat16": "2 or 3", "float16": "3"}  # significant digits of each product
    low = trained_in if trained_in in kept else scored_in if scored_in in kept else None
    rounds = f" ({low} keeps {kept[low]} significant digits of each product)" if low else ""
    return (
        f"computes in {trained_in}, the precision the run trained in, where Evaluate computes in {scored_in}"
        f"{rounds}, which moves the loss by up to a few hundredths"
    )


def _same_heldout(split: bool, dtype: str | None) -> str:
    """`train_heldout_note`'s line where nothing known differs: the same tokens of the same rows, in one batch; in
    the same precision (`dtype`), or one not known (None: a run finished before it was recorded, a kept result)."""
    cut = "split into the same pieces" if split else "cut at the same max length"
    precision = (
        f"in the same precision ({dtype}), so its first point (step 0), the base model's, is the base loss here"
        if dtype
        else "so its first point (step 0), the base model's, is the base loss here, but for the precision the run "
        "computed in (a LoRA run on a CPU that multiplies bfloat16 natively computes in it, which moves the loss by "
        "up to a few hundredths)"
    )
    return (
        f"Train's held-out loss scores the same tokens of the same rows ({cut}), in one batch, each token counting "
        f"alike, {precision}; the training loss is measured on the training rows, not these."
    )


def weighting_note(token_change: float, mean_change: float | None, noun: str = "row") -> str:
    """Where the change under Evaluate's "Tuned loss" (`token_change`: tuned minus base of the token-weighted
    losses, `EvalResult.aggregates`' `loss_change`) and the mean per-`noun` change of "How sure" (`mean_change`,
    `eval_stats.PairedChange.mean`) read differently at 3 decimals, one line saying which is which; "" where they
    read the same (or either is undefined). Both are tuned minus base in nats per token, over the same tokens.

    >>> weighting_note(-0.904, -1.095, "reply")
    'The mean change per reply, -1.095, counts each reply once; the change of the tuned loss, -0.904, weighs every \
token alike, so a long reply counts more there.'
    >>> weighting_note(-0.5, -0.5002), weighting_note(float("nan"), -0.5)
    ('', '')
    """
    if mean_change is None or not math.isfinite(token_change) or f"{token_change:+.3f}" == f"{mean_change:+.3f}":
        return ""
    return (
        f"The mean change per {noun}, {mean_change:+.3f}, counts each {noun} once; the change of the tuned loss, "
        f"{token_change:+.3f}, weighs every token alike, so a long {noun} counts more there."
    )


def cut_rows_note(which: str, count: int, max_length: int | None, split: bool = False) -> str:
    """The sentence on the `count` rows, named by `which` ("rows 1, 5"), longer than the run's `max_length`: scored
    on their first `max_length` tokens only where the run cut its rows there (bfd, or no packing: what lies past it
    was never trained), or with `split` (packing_strategy bfd_split, which cut nothing) scored in the pieces TRL
    trained them in, every token but each later piece's first.

    >>> print(cut_rows_note("row 2", 1, 64)[68:])
    where training cut its rows. What lies past it was never trained, so neither model is scored on it.
    >>> print(cut_rows_note("rows 1, 5", 2, 64, split=True)[:102])
    Rows 1, 5 were longer than the run's max length (64 tokens) and were scored in pieces of 64 tokens, as
    """
    were = "was" if count == 1 else "were"
    if split:  # bfd_split: TRL's packing trained each piece on its own, all but each later piece's first token
        return (
            f"{which[0].upper()}{which[1:]} {were} longer than the run's max length ({max_length} tokens) and {were} "
            f"scored in pieces of {max_length} tokens, as training split {'it' if count == 1 else 'them'} "
            "(packing_strategy bfd_split): each piece read without what came before it, and each later piece's "
            "first token not scored, as training scored none."
        )
    return (
        f"{which[0].upper()}{which[1:]} {were} scored on the first {max_length} tokens only: the run's max length, "
        "where training cut its rows. What lies past it was never trained, so neither model is scored on it."
    )


def pieces_note(tokens: int, max_length: int | None, split: bool) -> str:
    """The sentence under Evaluate's per-token view of one row of `tokens` tokens that a run packing with
    packing_strategy bfd_split (`split`) kept whole past its `max_length` and trained in pieces of it (so Evaluate
    scored it so: `references.Reference.split`): each piece read on its own, its first token unscored. "" for a row
    that fits, a run with no max length, or one that cut its rows there (`cut_rows_note` says those).

    >>> print(pieces_note(150, 64, split=True)[:96])
    Scored in pieces of 64 tokens, as training split the row (packing_strategy bfd_split): each read
    >>> pieces_note(64, 64, split=True), pieces_note(150, None, split=True), pieces_note(150, 64, split=False)
    ('', '', '')
    """
    if not split or not max_length or tokens <= max_length:
        return ""
    return (
        f"Scored in pieces of {max_length} tokens, as training split the row (packing_strategy bfd_split): each read "
        "without what came before it, so the first token of each piece after the first is not scored either."
    )


__all__ = [
    "cut_rows_note",
    "evaluate_measured_over",
    "pieces_note",
    "precision_differs",
    "train_heldout_note",
    "weighting_note",
]
