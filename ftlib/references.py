"""Which tokens of a held-out row are its reference answer, and what a run's max length leaves of it: the one rule
`ftlib.evaluate` scores by and the run's pre-flight report warns by before the run starts
(`run_preflight.unscored_warnings`).

A conversation's reference is its last assistant turn and its end-of-turn token (`ftlib.tokens.encode_row`, policy
`last_assistant`); a preference pair's is its chosen answer, its rejected answer scored beside it; a raw text's is
every token of it but the first (`ftlib.text_eval`). Training cuts each row at the run's max length, so a reference
is cut there too, and a row whose reference begins past it cannot be scored: the run learned nothing of it
(`begins_past`). A run packing with packing_strategy bfd_split cut nothing: TRL split each longer row into pieces of
the max length, each trained without what came before it, so its reference is scored in those pieces
(`Reference.split`, `cut_reference(split=True)`), every token but each later piece's first.

Which reply of a conversation is answered (`ANSWER_AT`, `answered_at`): its last (the default), its first, or every
one (`reply_numbers`, `nth_reply`). In a tool-calling row (user, assistant's tool call, the tool's result, assistant's
reply) the last reply is asked with the call and its result already in the prompt, so what the run learned (to call
the tool) is never tested; answered at the first reply, the prompt ends with the user's question and the reference is
the call, as the template writes it. Training's default mask policy (`all_assistant`) scores every reply, so its
held-out loss mixes both; answered at every reply, each reply is an item of its own (the conversation up to it the
prompt, the reply the reference), and together they are the tokens that policy scores, where the template writes a
conversation's start alike whether later turns follow or not. One that rewrites earlier turns (Qwen3's drops an earlier
reply's reasoning) writes a reply otherwise inside the whole conversation than at its end: such replies, scored as
asked, are named (`rewritten_before`, `rewritten_note`).

    >>> begins_past(Reference([1, 2, 3, 4], [-100, -100, -100, 4], ["a", "b", "c", "d"]), max_length=3)
    True

Not known here: models, scoring, generation, Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ftlib import rows
from ftlib.errors import UserError, after_colon, none_of, numbered, plural
from ftlib.eval_runs import EvalError
from ftlib.rows import IGNORE_INDEX, row_kind
from ftlib.text_eval import is_text, text_tokens

BAD_LABEL = (
    "Its answer is labelled bad (an example of what not to say, as KTO trains on it), so it is not a reference "
    "answer: only the good-labelled rows' answers are scored."
)
# Several rows refused for BAD_LABEL (`check_references`): its words are of one row.
BAD_LABELS = (
    "Each one's answer is labelled bad (an example of what not to say, as KTO trains on it), so none is a reference "
    "answer: only answers labelled good are scored."
)
NO_REFERENCE = "has no reference answer to score."


def no_reference_fix(kind: str) -> str:
    """What to do about a test row of `kind` (`rows.row_kind`) without a reference answer, in the CLI's words; a page
    gives `evaluate(no_reference_fix=)` its own (the Evaluate page's `ui.labels.no_reference_fix`).

    >>> no_reference_fix("text").endswith("compare the models' answers with "
    ...                                   "`python -m ftlib sample --adapter RUN --prompt TEXT`.")
    True
    """
    fix = (
        "Evaluate on rows with answers (conversations, preference pairs or good-labelled answers) with --data FILE, "
        "or compare the models' answers with `python -m ftlib sample --adapter RUN --prompt TEXT`."
    )
    grpo = " A GRPO run's prompts are measured on its rewards: `python -m ftlib evaluate RUN`."
    return fix + (grpo if kind == "prompt_only" else "")


class NoReference(EvalError):
    """A test row of `kind` without a reference answer to score (a prompt only row; a text row given to
    `conversation`): `what` says so, `fix` (a function of `kind`: `no_reference_fix`, the CLI's words) what to do;
    `worded(fix)` in a page's words."""

    def __init__(self, what: str, kind: str, fix: Callable[[str], str] = no_reference_fix):
        self.what, self.kind = what, kind
        super().__init__(self.worded(fix))

    def worded(self, fix: Callable[[str], str]) -> str:
        """The refusal with `fix(kind)` after `what`.

        >>> NoReference("This text row has no answer.", "text").worded(lambda kind: "Pick another page.")
        'This text row has no answer. Pick another page.'
        """
        return f"{self.what} {fix(self.kind)}"


# How a conversation's reply to answer is chosen: its name in a key, the CLI and the page -> its words.
ANSWER_AT = {"last": "the last reply", "first": "the first reply", "every": "every reply"}


def reply_count(messages: list[dict]) -> int:
    """How many assistant replies `messages` has after a prompt (an assistant turn opening a conversation has none
    before it, so it is no reply to ask for).

    >>> reply_count([{"role": "system"}, {"role": "user"}, {"role": "assistant"}, {"role": "tool"},
    ...              {"role": "assistant"}])
    2
    """
    return sum(m.get("role") == "assistant" for m in messages[1:])


def nth_reply(messages: list[dict], n: int) -> list[dict]:
    """`messages` up to and with their `n`-th assistant reply after a prompt (counted from 1, `reply_count`): that
    reply's prompt and the reply. EvalError when there is no such reply.

    >>> chat = [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}, {"role": "assistant"}]
    >>> len(nth_reply(chat, 1)), len(nth_reply(chat, 2))
    (2, 4)
    """
    seen = 0
    for i, m in enumerate(messages):
        if i and m.get("role") == "assistant":
            seen += 1
            if seen == n:
                return messages[: i + 1]
    raise EvalError(f"The conversation has {plural(reply_count(messages), 'reply')}, so it has no reply {n}.")


def answered_at(messages: list[dict], at: str = "last") -> list[dict]:
    """`messages` ending with the reply `at` chooses (`ANSWER_AT`): "last" (all of them, as they end with it) or
    "first" (up to the first assistant turn after a prompt: a tool-calling row's call). "every" answers each reply in
    turn (`reply_numbers`, `nth_reply`); as one conversation it is all of them, its last reply the one that needs the
    longest max length. EvalError for another `at`.

    >>> chat = [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}, {"role": "assistant"}]
    >>> len(answered_at(chat, "last")), len(answered_at(chat, "first"))
    (4, 2)
    """
    if at not in ANSWER_AT:
        raise EvalError(f"Unknown reply to answer '{at}': choose one of {', '.join(ANSWER_AT)}.")
    if at in ("last", "every"):
        return messages
    first = next((i for i, m in enumerate(messages) if i and m.get("role") == "assistant"), len(messages) - 1)
    return messages[: first + 1]


def several_replies(rows: Sequence[dict]) -> int:
    """How many of `rows` are conversations with more than one assistant reply after a prompt: where the choice of
    the reply to answer (`answered_at`) changes anything.

    >>> several_replies([{"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "assistant"}]}])
    1
    """
    return sum(
        row_kind(row) == "sft" and sum(m.get("role") == "assistant" for m in row.get("messages", [])[1:]) > 1
        for row in rows
    )


def reply_numbers(row: dict, at: str = "last") -> list[int | None]:
    """Which replies of `row` are evaluated, each an item of its own: [None] (the one reply `at` chooses, or a row
    that is no conversation: a pair's chosen answer, a raw text), or with `at` "every" each reply of a conversation,
    counted from 1 (`nth_reply`). A conversation without a reference (`conversation` refuses it) is [None], so its
    reason is said once.

    >>> chat = {"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}, {"role": "assistant"}]}
    >>> reply_numbers(chat, "every"), reply_numbers(chat, "last"), reply_numbers({"text": "Hi"}, "every")
    ([1, 2], [None], [None])
    """
    if at != "every" or row_kind(row) != "sft":
        return [None]
    try:
        messages = conversation(row)
    except UserError:
        return [None]
    return list(range(1, reply_count(messages) + 1)) or [None]


def item_count(rows: Sequence[dict], at: str = "last") -> int:
    """How many items evaluating `rows` answers and scores with the reply `at` chooses: one a row, or with "every" one
    a reply of each conversation (`reply_numbers`): what an evaluation's time goes by.

    >>> chat = {"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}, {"role": "assistant"}]}
    >>> item_count([chat, {"text": "Hi"}], "every"), item_count([chat, {"text": "Hi"}], "last")
    (3, 2)
    """
    return sum(len(reply_numbers(row, at)) for row in rows)


def check_answer_at(at: str, measure: str, rows: Sequence[dict]) -> None:
    """EvalError, before any model loads, when the reply to answer `at` (`ANSWER_AT`) other than the default "last"
    cannot apply: a run measured by its reward model's pairs or its rewards (`measure`, `measured_by`), or `rows` of
    which none is a conversation (pairs, raw texts: each has one answer, scored whatever `at`)."""
    answered_at([], at)  # an unknown choice
    if at == "last":
        return
    if measure != "references":
        pairs = "a reward model's run is measured on its held-out pairs"
        what = pairs if measure == "pairs" else "a GRPO run's prompts are measured by its rewards"
        raise EvalError(f"--answer-at {at} chooses which reply of a conversation is scored, but {what}: leave it out.")
    if not any(row_kind(row) == "sft" for row in rows):
        raise EvalError(
            f"--answer-at {at} chooses which reply of a conversation is scored, but none of the {len(rows)} rows is "
            "a conversation (pairs and texts have one answer each): leave it out, or evaluate on conversations."
        )


def measured_by(method: str | None, rows: Sequence[dict]) -> str:
    """What a run of `method` is measured by on these held-out rows: "pairs" (a reward model's score head ranks each
    pair), "rewards" (a GRPO run on prompts without answers: its rewards score both models' answers) or "references"
    (the loss of each row's reference answer, or of every token of a raw text, `ftlib.evaluate`).

    >>> measured_by("grpo", [{"prompt": "Hi"}]), measured_by("grpo", [{"messages": []}]), measured_by("reward", [])
    ('rewards', 'references', 'pairs')
    """
    if method == "reward":
        return "pairs"
    if method == "grpo" and any(row_kind(row) == "prompt_only" for row in rows):
        return "rewards"
    return "references"


def conversation(row: dict, at: str = "last", reply: int | None = None) -> list[dict]:
    """The messages of a canonical row, ending with the reference assistant turn (preference: chosen; unpaired:
    a good-labelled completion, KTO's desirable example; a bad-labelled one is no reference and is refused). `at`:
    which reply of a conversation (`answered_at`), or `reply`, its number (`nth_reply`, "every"'s items); a pair's or
    a KTO row's answer is its last turn whatever `at`. A conversation's turns after its last reply (a question left
    unanswered, a tool result) are left out: they train nothing, and its last reply is still its reference.

    >>> ask, say = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}
    >>> conversation({"messages": [ask, say, {"role": "user", "content": "And a refund?"}]}) == [ask, say]
    True
    """
    kind = row_kind(row)
    if kind == "unpaired" and not row.get("label"):
        raise EvalError(BAD_LABEL)
    if kind not in ("sft", "preference", "unpaired"):
        raise NoReference(f"This {kind.replace('_', ' ')} row {NO_REFERENCE}", kind)
    messages = rows.conversation(row)
    if kind == "sft":
        # ShareGPT dumps often end on a user's last question that nobody answered: the reply before it is the last
        # one trained, so it is the reference (such a held-out row was skipped as having none, and scored nothing).
        while messages and messages[-1].get("role") != "assistant":
            messages.pop()
    if not messages or messages[-1].get("role") != "assistant":
        raise EvalError("The row does not end with an assistant turn, so it has no reference answer.")
    if len(messages) < 2:
        raise EvalError("The row has an assistant answer but no prompt before it.")
    if kind != "sft":
        return messages
    return answered_at(messages, at) if reply is None else nth_reply(messages, reply)


def check_references(rows: Sequence[dict]) -> None:
    """EvalError, before any model loads, when none of `rows` has a reference answer by its kind (prompts only,
    answers labelled bad...): the first reason, as `evaluate` would give it after loading."""
    if not rows:
        raise EvalError("The test split is empty: save a split with some held-out rows first.")
    reasons = []
    for row in rows:
        try:
            if is_text(row) or conversation(row):  # a text row: every token of it is the reference
                return
        except UserError as exc:
            reasons.append(str(exc))
    first = BAD_LABELS if len(reasons) > 1 and set(reasons) == {BAD_LABEL} else reasons[0]
    raise EvalError(f"{none_of(len(rows), 'test row', 'be evaluated')}: {after_colon(first)}")


@dataclass
class Reference:
    """A held-out row encoded for scoring (`encode_reference`): `input_ids`, `labels` (the token's id where it is part
    of the reference, -100 elsewhere), each token's text, and what the template left out (`template_losses`)."""

    input_ids: list[int]
    labels: list[int]  # -100 where the token is not part of the reference
    token_texts: list[str]
    template_losses: list = field(default_factory=list)  # `checks.row_losses`: what the template left out
    piece: int | None = None  # scored in pieces of this many tokens, each read on its own (`split`); None: whole

    def cut(self, max_length: int | None) -> tuple[Reference, bool]:
        """(this reference cut to its first `max_length` tokens, as `ftlib.tokens` cuts a training row; whether
        anything was cut). None: uncut."""
        if max_length is None or len(self.input_ids) <= max_length:
            return self, False
        kept = Reference(
            self.input_ids[:max_length], self.labels[:max_length], self.token_texts[:max_length], self.template_losses
        )
        return kept, True

    def split(self, max_length: int | None) -> tuple[Reference, bool]:
        """(this reference as TRL's packing_strategy bfd_split trains a longer row: every token kept, in pieces of
        `max_length` tokens each read without what came before it, so a later piece's first token is predicted by
        nothing and not scored (its label -100); whether it was split). None, or a row that fits: as it is.

        >>> ref, split = Reference([1, 2, 3, 4, 5], [-100, 2, 3, 4, 5], list("abcde")).split(2)
        >>> ref.labels, ref.piece, split
        ([-100, 2, -100, 4, -100], 2, True)
        """
        if max_length is None or len(self.input_ids) <= max_length:
            return self, False
        labels = [IGNORE_INDEX if k % max_length == 0 else label for k, label in enumerate(self.labels)]
        return Reference(self.input_ids, labels, self.token_texts, self.template_losses, max_length), True

    def pieces(self) -> list[Reference]:
        """The pieces this reference is scored in, in order (`split`; one, itself, when it is not split)."""
        if not self.piece or len(self.input_ids) <= self.piece:
            return [self]
        n = self.piece
        return [
            Reference(self.input_ids[k : k + n], self.labels[k : k + n], self.token_texts[k : k + n])
            for k in range(0, len(self.input_ids), n)
        ]


def _chat_template(template, tokenizer):
    """A ChatTemplate from its name (`tokenizer` = the model's own), or the ChatTemplate given (a run's custom one)."""
    from ftlib.templates import ChatTemplate, get_template

    return template if isinstance(template, ChatTemplate) else get_template(template, tokenizer)


def encode_reference(messages: list[dict], tokenizer, template="tokenizer", tools=None) -> Reference:
    """Token ids of the whole conversation, labelled on the last assistant turn and its end-of-turn token, and
    what the template (a name or a ChatTemplate) left out of it. `tools`: the row's tool schemas (`row["tools"]`),
    rendered as training rendered them."""
    from ftlib.checks import row_losses
    from ftlib.tokens import encode_row

    template = _chat_template(template, tokenizer)
    # The same encoder the trainer uses, so "reference tokens" mean exactly what training learned from.
    enc = encode_row({"messages": messages, "tools": tools}, tokenizer, template, "last_assistant", None)
    return Reference(list(enc.input_ids), list(enc.labels), [t.text for t in enc.tokens], row_losses(enc, template))


def row_reference(
    row: dict, tokenizer, template="tokenizer", at: str = "last", reply: int | None = None
) -> tuple[list[dict] | None, Reference]:
    """(the row's conversation up to the reply `at` chooses, or reply number `reply` (`nth_reply`), its Reference:
    that reply); a raw-text row has no conversation (None), and every token of its text but the first is its
    reference (`ftlib.text_eval`)."""
    template = _chat_template(template, tokenizer)
    if is_text(row):
        return None, Reference(*text_tokens(row, tokenizer, template))
    messages = conversation(row, at, reply)
    return messages, encode_reference(messages, tokenizer, template, row.get("tools"))


def written_reply(
    row: dict, tokenizer, template="tokenizer", at: str = "last", reply: int | None = None
) -> str | None:
    """The reference reply of `row` (the one `at` chooses, or reply number `reply`) as the chat template writes it:
    the text a model answering it writes, its tool calls in the template's own form (`<tool_call>{"name": ...}
    </tool_call>` in Hermes') and its reasoning as the template marks it, without the end-of-turn marker (nor the eos
    Phi-3 writes after the last turn); exactly the tokens its loss scores (`encode_reference`). None where the reply
    holds neither a tool call nor reasoning (its words are the reference as the data has them), where the template
    writes nothing of it (chatml and gemma write no tool call: the data's form is then the reference shown), the row
    is no conversation, or the template cannot write it (a row `evaluate` skips)."""
    from ftlib.checks import without_final_eos

    try:
        messages = None if is_text(row) else conversation(row, at, reply)
        if not messages or not (messages[-1].get("tool_calls") or messages[-1].get("reasoning")):
            return None
        template = _chat_template(template, tokenizer)
        ref = encode_reference(messages, tokenizer, template, row.get("tools"))
    except UserError:
        return None
    text = "".join(t for t, lab in zip(ref.token_texts, ref.labels, strict=True) if lab != IGNORE_INDEX).rstrip()
    text = without_final_eos(text, template).rstrip()  # Phi-3 writes its eos after the last turn's `<|end|>`
    eot = template.end_of_turn
    written = (text[: -len(eot)] if eot and text.endswith(eot) else text).strip()
    return written or None


def rewritten_before(row: dict, tokenizer, template="tokenizer", at: str = "last", reply: int | None = None) -> bool:
    """Whether the chat template writes `row`'s conversation up to the reply `at` chooses (or reply number `reply`)
    otherwise than it writes the start of the whole conversation: a template that rewrites earlier turns once later
    ones follow (Qwen3's drops an earlier reply's reasoning and writes a think block only in the turns after the last
    user message). Evaluate asks for that reply, and scores it, as the conversation ending with it is written (the form
    a model is asked in); training read it inside the whole conversation, where the reply or the turns before it are
    written otherwise, so its tokens or their context are not the ones training scored (before a run,
    `checks.check_prefix_preserving` warns of such a template). False for the last reply (the whole conversation),
    a row that is no conversation, or one the template cannot write (`evaluate` skips it, saying why).

    >>> chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"},
    ...                      {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Ciao"}]}
    >>> rewritten_before(chat, None, "chatml", "every", 1), rewritten_before(chat, None, "chatml", "every", 2)
    (False, False)
    """
    from ftlib.checks import without_final_eos
    from ftlib.templates import render

    if row_kind(row) != "sft":
        return False
    try:
        messages, whole = conversation(row, at, reply), rows.conversation(row)
        if len(messages) == len(whole):
            return False
        template = _chat_template(template, tokenizer)
        part, text = (render(template, m, tools=row.get("tools")) for m in (messages, whole))
    except UserError:  # no reference, or a template that refuses the conversation: skipped by `evaluate` for that
        return False
    return not (text.startswith(part) or text.startswith(without_final_eos(part, template)))


def rewritten_note(
    items: Sequence[tuple[int, int | None]],
    at: str = "every",
    number: Callable[[int], int] | None = None,
    noun: str = "row",
) -> str:
    """A sentence naming the evaluated items (test index, reply number or None: the reply `at` chooses) that were
    scored in another form than training read them (`rewritten_before`), and why; "" when none were. A row is named by
    `number(test index)` (default: counted from 1), as a `noun` ("line": where it is in a --data file).

    >>> rewritten_note([(1, 1), (4, 1), (4, 2)])[:79]
    '3 replies were scored in another form than training read them: row 2, reply 1; '
    >>> print(rewritten_note([(0, None), (3, None)], "first", lambda i: i + 3, "line")[57:])
    them: the first reply of lines 3, 6. The chat template writes a conversation's earlier turns otherwise once \
later ones follow (it rewrites history: Qwen3-style templates drop an earlier reply's reasoning), and each reply here \
was asked for and scored as the template writes the conversation ending with it, the form a model is asked in. \
Training read it inside the whole conversation, written otherwise there, and so does the run's held-out loss.
    """
    if not items:
        return ""
    number = number or (lambda i: i + 1)
    if all(reply is not None for _, reply in items):
        names = [f"{noun} {number(i)}, reply {reply}" for i, reply in items]
        which = "; ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    else:
        which = f"{ANSWER_AT.get(at, ANSWER_AT['last'])} of {numbered(noun, [number(i) for i, _ in items])}"
    one = len(items) == 1
    said = f"{plural(len(items), 'reply')} {'was' if one else 'were'} scored in another form than training read "
    said += f"{'it' if one else 'them'}: {which}."
    return (
        f"{said} The chat template writes a conversation's earlier turns otherwise once later ones follow (it "
        "rewrites history: Qwen3-style templates drop an earlier reply's reasoning), and each reply here was asked "
        "for and scored as the template writes the conversation ending with it, the form a model is asked in. "
        "Training read it inside the whole conversation, written otherwise there, and so does the run's held-out "
        "loss."
    )


def begins_past(ref: Reference, max_length: int | None) -> bool:
    """Whether a run cutting its rows at `max_length` tokens (None: uncut) leaves none of `ref`'s reference tokens,
    though it has some: the answer begins past the cut, so the run learned nothing of it and it cannot be scored."""
    labels = ref.labels
    return (
        max_length is not None
        and any(lab != IGNORE_INDEX for lab in labels[max_length:])
        and all(lab == IGNORE_INDEX for lab in labels[:max_length])
    )


def past_the_cut(what: str, max_length: int | None) -> str:
    """Why a row whose `what` ("reference answer") begins past the run's max length is not scored: true of a run that
    cut its rows there (no packing, or packing_strategy bfd); a bfd_split run's is scored in pieces instead."""
    return (
        f"its {what} begins after the run's max length ({max_length} tokens), where training cut the row: the run "
        "learned nothing of it, so there is nothing to score."
    )


def cut_reference(
    ref: Reference, max_length: int | None, what: str = "reference answer", split: bool = False
) -> tuple[Reference, bool]:
    """(`ref` cut at `max_length` as training cut its row, whether anything was cut); EvalError when its `what` begins
    past the cut (`begins_past`). `split`: the run kept a longer row whole and trained it in pieces of `max_length`
    (packing_strategy bfd_split, `RunInfo.split_long`): `ref` scored in those pieces (`Reference.split`), none past
    any cut; whether it was split. EvalError when the pieces leave nothing of it (a one-token answer opening one)."""
    if split:
        ref, was_split = ref.split(max_length)
        if all(label == IGNORE_INDEX for label in ref.labels):
            raise EvalError(
                f"its {what} is only the first token of a piece of {max_length} tokens training split the row into, "
                "which nothing before it in that piece predicts, so there is nothing to score."
            )
        return ref, was_split
    if begins_past(ref, max_length):
        raise EvalError(past_the_cut(what, max_length))
    return ref.cut(max_length)


def rejected_reference(
    row: dict, tokenizer, template, max_length: int | None = None, split: bool = False
) -> tuple[Reference | None, bool]:
    """(a preference pair's rejected answer after its prompt, encoded and cut at `max_length` (or `split` in pieces
    of it: `cut_reference`) as the chosen one is; whether it was cut); (None, False) for other rows. Raises EvalError
    when nothing of it is left to score."""
    if row_kind(row) != "preference":
        return None, False
    prompt = rows.as_turns(row.get("prompt"), "user")
    ref = encode_reference(prompt + rows.as_turns(row["rejected"]), tokenizer, template, row.get("tools"))
    if all(label == IGNORE_INDEX for label in ref.labels):
        raise EvalError("no rejected-answer tokens to score (the template or the mask left nothing of it)")
    return cut_reference(ref, max_length, "rejected answer", split)


def references_past(
    rows: Sequence[dict], tokenizer, template, max_length: int, at: str = "last"
) -> tuple[list[int], int, int]:
    """(the 0-based indices of `rows` whose reference answer, or a pair's rejected answer, begins past `max_length`:
    Evaluate skips them; how many of `rows` have a reference answer at all; the longest of the rows skipped, in
    tokens: the max length that scores them whole), the reply `at` chooses being the reference. A row without a
    reference (a prompt, an answer labelled bad) is neither: it is skipped for that, whatever the max length."""
    template = _chat_template(template, tokenizer)
    past, referenced, longest = [], 0, 0
    for i, row in enumerate(rows):
        try:
            whole = [row_reference(row, tokenizer, template, at)[1]]
            whole += [ref for ref in [rejected_reference(row, tokenizer, template)[0]] if ref is not None]
        except UserError:  # no reference, or a template that cannot write it: not the max length's doing
            continue
        if not any(lab != IGNORE_INDEX for lab in whole[0].labels):
            continue
        referenced += 1
        if any(begins_past(ref, max_length) for ref in whole):
            past.append(i)
            longest = max(longest, *(len(ref.input_ids) for ref in whole))
    return past, referenced, longest


def nothing_scored(
    rows: Sequence[dict],
    tokenizer,
    template,
    max_length: int | None,
    at: str = "last",
    split_long: bool = False,
    choose: str = "`--answer-at {}`",
    context: int | None = None,
    name: Callable[[list[int]], str] | None = None,
) -> str | None:
    """Why evaluating `rows` at the reply `at` chooses would score nothing, said before any model loads (a tokenizer
    only): every row with a reference has it begin past the run's `max_length` (`references_past`, the rule the run's
    pre-flight report warns by and `evaluate` skips by). The sentence names the rows, another `at` that scores some
    of them where one does (each computed, in `ANSWER_AT`'s order; `choose` words how to pick it, "{}" its key) and
    the max length a new run needs to keep them whole (none beyond the model's `context`). None when some row is
    scored, when none has a reference (said elsewhere), or for a bfd_split run (`split_long`: no row is past a cut).
    `name`: the words for rows by their 0-based indices (default "test rows 1, 3"; a data file's: "lines 2, 4").
    """
    if split_long or max_length is None or not rows:
        return None
    template = _chat_template(template, tokenizer)

    def scored(choice: str) -> tuple[list[int], int, int]:
        # At every reply the first begins first: every reply is past the cut exactly when the first one is.
        return references_past(rows, tokenizer, template, max_length, "first" if choice == "every" else choice)

    past, referenced, longest = scored(at)
    if not referenced or len(past) < referenced:
        return None
    name = name or (lambda indices: numbered("test row", [i + 1 for i in indices]))
    if at == "every":  # the length that keeps every reply whole is the whole conversation's
        longest = references_past(rows, tokenizer, template, max_length, "last")[2]
    one = referenced == 1
    every = "the only test row" if one else f"each of the {referenced} test rows"
    if referenced < len(rows):  # the others have no reference (labelled bad...): not "the only test row" of 3
        every += " with a reference answer"
    what = "every reply" if at == "every" else f"the reference answer ({ANSWER_AT[at]})"
    said = (
        f"{none_of(len(rows), 'test row', 'be evaluated')} at the run's max length of {max_length} tokens: {what} of "
        f"{every} ({name(past)}) begins after it, where training cut the rows, so "
        f"the run learned nothing of {'it' if one else 'those answers'}."
    )
    them = "it" if one else "them"
    for other in ANSWER_AT:
        if other != at and {other, at} != {"first", "every"}:
            other_past, other_referenced, _ = scored(other)
            if (n := other_referenced - len(other_past)) > 0:
                said += f" Answer at {ANSWER_AT[other]} ({choose.format(other)}): {plural(n, 'row')} can be scored."
                break
    if context and longest > context:
        return f"{said} No max length keeps {them} whole: {longest} tokens, past the {context} the model reads."
    train = "Or train" if said.endswith("can be scored.") else "Train"
    return f"{said} {train} a new run with a max length of at least {longest} tokens, which keeps {them} whole."


__all__ = [
    "ANSWER_AT",
    "BAD_LABEL",
    "BAD_LABELS",
    "NO_REFERENCE",
    "NoReference",
    "Reference",
    "answered_at",
    "begins_past",
    "check_answer_at",
    "check_references",
    "conversation",
    "cut_reference",
    "encode_reference",
    "item_count",
    "measured_by",
    "no_reference_fix",
    "nothing_scored",
    "nth_reply",
    "past_the_cut",
    "references_past",
    "rejected_reference",
    "reply_count",
    "reply_numbers",
    "rewritten_before",
    "rewritten_note",
    "row_reference",
    "several_replies",
    "written_reply",
]
