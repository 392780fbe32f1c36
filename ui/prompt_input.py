"""The Compare page's prompt: typed (with an optional system message), or a row of the active split's test part
(its reference answer kept apart, for the page to show beside the outputs, and its tool schemas, which the models
read as training showed them). What was typed or picked outlives a
visit to another page (`ui.kept`); the row picked is kept per split, from a list of every row or, for a
split of more than 500 test rows, by its number (`ui.row_picker`). A row asked at its first reply in a chat template
that rewrites earlier turns (Qwen3's) is said to be asked in another form than training read it (`rewritten_said`,
by the rule Evaluate names such replies by: `ftlib.references.rewritten_before`). On a split of raw text the box asks
for the beginning of a text (a run trained on it continues texts) and starts on a held-out text's opening words; a
picked text is asked its opening words, the rest shown as how it goes on (`text_parts`)."""

from __future__ import annotations

import re
from collections import Counter
from types import SimpleNamespace

import streamlit as st

from ftlib import workspace
from ftlib.errors import plural
from ftlib.evaluate import EvalError, conversation
from ftlib.references import rewritten_before, several_replies
from ftlib.run_picker import template_words
from ftlib.text_eval import is_text
from ui.evaluate_view import answer_at_radio, row_label
from ui.kept import keep, restore
from ui.row_picker import pick_item


def conversation_or_row(row: dict, at: str = "last") -> list[dict]:
    """A row's conversation up to the reply `at` chooses (`ftlib.references.ANSWER_AT`); for a row without a
    reference answer, its messages as they are."""
    try:
        return conversation(row, at)
    except EvalError:
        return list(row.get("messages") or row.get("prompt") or [])


def typed_prompt_note(test_rows: list[dict], system_typed: bool = False, offers: tuple[int, int] | None = None) -> str:
    """What a typed prompt lacks that the split's rows give the models: their tool schemas, their system message
    (unless one is typed). "" when they give neither. A model trained to call tools answers a typed question in prose:
    without this, its answer read as if the training had not taken (a newcomer's walk). `offers`: `offered(test_rows)`
    where it is known already (once per version of a saved split).

    >>> typed_prompt_note([{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"name": "f"}]}] * 2)[:74]
    'A typed prompt gives the models no tools (2 rows of the test split offer t'
    >>> typed_prompt_note([{"messages": [{"role": "user", "content": "Hi"}]}])
    ''
    """
    with_tools, with_system = offered(test_rows) if offers is None else offers
    with_system = 0 if system_typed else with_system

    def rows(n: int, verb: str) -> str:  # "2 rows of the test split offer", "1 row ... offers"
        return f"{plural(n, 'row')} of the test split {verb}{'s' * (n == 1)}"

    lacks = [f"no tools ({rows(with_tools, 'offer')} them)"] if with_tools else []
    if with_system:
        lacks.append(f"no system message ({rows(with_system, 'begin')} with one)")
    if not lacks:
        return ""
    return (
        f"A typed prompt gives the models {' and '.join(lacks)}: a model trained with them may answer otherwise "
        "without them (one trained to call tools answers in prose). **Pick from the test split** to give them a "
        "row's, as training did."
    )


def offered(test_rows: list[dict]) -> tuple[int, int]:
    """(rows with tools, rows beginning with a system message) among `test_rows`: what a typed prompt lacks."""
    return sum(bool(row.get("tools")) for row in test_rows), sum(_opens_with_system(row) for row in test_rows)


@st.cache_data(max_entries=16, show_spinner=False)
def _split_offers(split: str, root: str, version: tuple) -> tuple[int, int]:  # noqa: ARG001 (a new key on change)
    """`offered` of a saved split's test rows, once per version of the split: every test row was looked at on each
    click of Compare (a fifth of it with 10,000 test rows, BENCHMARKS.md "Page responsiveness")."""
    from ui.common import cached_split

    return offered(cached_split(split)[1])


def _opens_with_system(row: dict) -> bool:
    turns = conversation_or_row(row)
    return bool(turns) and turns[0].get("role") == "system"


# The typed prompt's box before anything is typed, where no split is active (or its first row asks nothing).
SAMPLE_PROMPT = "Write a short poem about the sea."


# What the typed prompt's box was last started on (`first_question`): not kept, so it follows the active split.
_START = "compare_prompt_start"


def asked(row: dict) -> list[dict]:
    """A row's conversation as the models are asked it (`conversation_or_row`), without the reply it is answered by."""
    turns = conversation_or_row(row)
    return turns[:-1] if turns and turns[-1]["role"] == "assistant" else turns


def text_parts(text: str, most: int = 8) -> tuple[str, str]:
    """A raw text cut after its opening words, as (opening, the rest as written): what a box asking for the beginning
    of a text starts on (`first_question`), and the held-out text's own way on (a picked text row's reference). The
    opening is about half of its words, 3 at least and `most` at most, so a model trained on such texts has the rest
    to write.

    >>> text_parts("The ferry leaves the north pier at seven and returns by the evening tide.")
    ('The ferry leaves the north pier at', ' seven and returns by the evening tide.')
    >>> text_parts("  Gulls  follow\\nthe boats out."), text_parts("Short one.")
    (('Gulls  follow\\nthe', ' boats out.'), ('Short one.', ''))
    """
    words = list(re.finditer(r"\S+", text))
    n = max(3, min(most, len(words) // 2))
    if n >= len(words):
        return text.strip(), ""
    end = words[n - 1].end()
    return text[words[0].start() : end], text[end:]


def text_opening(text: str) -> str:
    """The opening words of a raw text (`text_parts`)."""
    return text_parts(text)[0]


def raw_texts(rows: list[dict]) -> bool:
    """Whether `rows` (a split's) are raw text (`{"text": ...}`, format text): a prompt to a model trained on them is
    the beginning of a text, which it continues without a chat template (`ftlib.modelset.trained_template`). Rows
    of the kind text (`text_eval.is_text`), as the split's first 20 show.

    >>> raw_texts([{"text": "Tide tables."}]), raw_texts([{"messages": []}]), raw_texts([])
    (True, False, False)
    """
    return bool(rows) and all(is_text(row) for row in rows[:20])


# The typed prompt's box, by what it holds: a message to answer, or the beginning of a text to continue.
MESSAGE_LABEL = "Your message"
TEXT_LABEL = "Beginning of a text (the models continue it)"
TEXT_HELP = (
    "The split holds raw text (format text): a run trained on it learned to continue texts, not to answer messages, "
    "and reads this box as the opening of a text, with no chat template. The box starts on a held-out text's opening "
    "words, so the grid shows how each model goes on."
)


def first_question(rows: list[dict]) -> str:
    """The last user turn of the first row that asks one, as the test-row picker asks it (`asked`): what the typed
    prompt's box starts on when a split is active (a newcomer on a support dataset was asked for a poem about the
    sea); for rows of raw text, which ask nothing, the first text's opening words (`text_opening`: a raw-text run
    continues a text; a poem's request, a whole sentence, was met by its end of text at once, base and tuned alike,
    in every column); `SAMPLE_PROMPT` where neither is (no rows). A row asking one question is preferred: the last
    turn of a longer conversation is a follow-up that means nothing alone in a typed prompt ("Anything shorter?").

    >>> first_question([{"text": "Raw."}, {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant"}]}])
    'Hi?'
    >>> follow_up = [{"role": r, "content": c} for r, c in [("user", "A book on owls?"), ("assistant", "Owls 101."),
    ...              ("user", "Anything shorter?"), ("assistant", "A leaflet.")]]
    >>> first_question([{"messages": follow_up}, {"messages": follow_up[:2]}])
    'A book on owls?'
    >>> first_question([{"messages": follow_up}])
    'Anything shorter?'
    >>> first_question([]) == SAMPLE_PROMPT
    True
    >>> first_question([{"text": "  "}, {"text": "Nets are mended on the quay in winter, when boats stay in."}])
    'Nets are mended on the quay'
    """
    questions, texts = [], []
    for row in rows[:20]:  # a few rows at most: a split of raw text asks nothing, however long
        if isinstance(row.get("text"), str) and row["text"].strip():
            texts.append(text_opening(row["text"]))
            continue
        users = [str(m.get("content") or "") for m in asked(row) if m.get("role") == "user"]
        if users and users[-1].strip():
            if len(users) == 1:
                return users[0]
            questions.append(users[-1])
    return (questions or texts or [SAMPLE_PROMPT])[0]


def choose_prompt(
    test_rows: list[dict], split_name: str | None, train_rows: list[dict] | None = None
) -> tuple[list[dict], dict | None, list | None, tuple[dict, str] | None]:
    """(messages ending with the user's turn, the reference answer's assistant message (its reasoning and tool calls
    included) or None, the row's `tools` or None: a typed prompt has none, and the test row picked with the reply it
    is asked at (`ANSWER_AT`'s key) or None for a typed prompt: what `rewritten_said` looks at). The typed prompt's
    box starts on the split's first question (`first_question`: of `test_rows`, else of `train_rows`), until
    something is typed (a typed prompt, kept by `ui.kept`, is never replaced)."""
    sources = ["Type a prompt"] + (["Pick from the test split"] if test_rows else [])
    restore("compare_source", sources, "Prompt")  # "Pick from the test split" of a split with none: said
    source = st.radio("Prompt", sources, horizontal=True, label_visibility="collapsed", key="compare_source")
    keep("compare_source")
    if source == "Type a prompt":
        typed = "compare_prompt" in st.session_state or restore("compare_prompt")
        # The sample (kept before a split was), or the question the box last started on: a box still on one split's
        # first question follows a change of split (a teammate's, or another page's) as a fresh box does.
        if not typed or st.session_state["compare_prompt"] in (SAMPLE_PROMPT, st.session_state.get(_START)):
            # Put in the box's state, not given as its value: a value that changes with the split would make a new
            # box (Streamlit names a widget by its arguments too) and drop what was typed in the old one.
            st.session_state["compare_prompt"] = st.session_state[_START] = first_question(
                test_rows or train_rows or []
            )
        # Kept by its callback too: typed and left with a click on another page, no Compare run ever draws it.
        texts = raw_texts(test_rows or train_rows or [])
        # Labelled for what it is (the key alone names the box: a new label keeps what was typed)
        prompt = st.text_area(
            TEXT_LABEL if texts else MESSAGE_LABEL,
            height=80,
            key="compare_prompt",
            on_change=keep,
            args=("compare_prompt",),
            help=TEXT_HELP if texts else None,
        )
        if prompt != st.session_state.get(_START):  # a box still on the split's question is not kept: it follows
            keep("compare_prompt")  # the split (a newcomer's first visit, before a split, kept the sample for good)
        restore("compare_system")
        system = st.text_input(
            "System message (optional)",
            key="compare_system",
            on_change=keep,
            args=("compare_system",),
            help="Empty: the template's default, if it has one. A run trained on raw text (format text) has no "
            "system turn: put such text at the start of your message instead.",
        )
        keep("compare_system")
        messages = [{"role": "user", "content": prompt}]
        if system.strip():
            messages.insert(0, {"role": "system", "content": system})
        offers = None
        if split_name:  # the rows given are that split's test rows (the Compare page's)
            offers = _split_offers(split_name, str(workspace.workspace_dir()), workspace.split_version(split_name))
        if note := typed_prompt_note(test_rows, system_typed=bool(system.strip()), offers=offers):
            st.caption(note)
        return messages, None, None, None

    def question(turns: list[dict]) -> str:
        user = next((str(m["content"]) for m in reversed(turns) if m["role"] == "user"), "")
        # Rows of several turns named as Evaluate names them (first user turn → last): ShareGPT-like rows often all
        # end "Thanks, tell me more."
        return row_label(SimpleNamespace(prompt=user[:70], reference=""), turns, width=30)

    # Rows asking the same question, told apart by their system messages (helper 57's cold walk: rows that differ
    # only there were listed alike): those rows' labels end with the system message's start.
    repeated = {q for q, n in Counter(question(asked(row)) for row in test_rows).items() if n > 1}

    def label(i: int) -> str:
        if isinstance(test_rows[i].get("text"), str):  # a text asks nothing: named by its opening words
            return f"{i + 1}: {text_opening(test_rows[i]['text'])[:70]}…"
        turns = asked(test_rows[i])
        said = question(turns)
        if said in repeated:
            said += f" · {system_said(turns)}"
        return f"{i + 1}: {said}"  # counted from 1, as the Data, Tokens and Evaluate pages count rows

    key = f"compare_row_{split_name}"  # row 3 of one split is not row 3 of another
    # Every row listed up to row_picker.LISTED_ROWS; a number box beyond (10,000 labels written at each click)
    index = pick_item(st, f"Test row (split `{split_name}`)", range(len(test_rows)), label, key=key)
    if index is None:  # a number out of range: said under the box
        st.stop()
    if isinstance(test_rows[index].get("text"), str):  # raw text: its opening words asked, the rest its reference
        opening, rest = text_parts(test_rows[index]["text"])
        return (
            [{"role": "user", "content": opening}],
            {"role": "assistant", "content": rest, "continues": True},
            None,
            None,
        )
    at = "last"
    if several_replies([test_rows[index]]):  # a tool call, then the answer: which of them the models answer
        at = answer_at_radio(
            "compare_answer_at",
            "This row has more than one reply. At the last one, the earlier replies (a tool call and its result) are "
            "in the prompt; at the first, the models answer the first question, as the run learned to (a tool call), "
            "and the reference is that first reply.",
        )
    messages, tools = conversation_or_row(test_rows[index], at), test_rows[index].get("tools") or None
    if messages and messages[-1]["role"] == "assistant":
        return messages[:-1], messages[-1], tools, (test_rows[index], at)
    return messages, None, tools, (test_rows[index], at)


def system_said(turns: list[dict], width: int = 40) -> str:
    """A row's system message in a picker's few words, what tells apart rows asking one question: its start in
    quotes, or that it has none.

    >>> system_said([{"role": "system", "content": "You are a pirate.  Always rhyme."}, {"role": "user"}], 20)
    'system: "You are a pirate. A…"'
    >>> system_said([{"role": "user", "content": "Hi"}])
    'no system message'
    """
    system = next((str(m.get("content") or "") for m in turns if m.get("role") == "system"), None)
    if system is None:
        return "no system message"
    words = " ".join(system.split())
    return f'system: "{words if len(words) <= width else words[: width - 1].rstrip() + "…"}"'


def read_in(model_set, template=None) -> list[tuple[str, object]]:
    """The chat templates a comparison's models read the prompt in, as (name, what `rewritten_before` takes: the name,
    or a run's custom template with its Jinja text), once each: every tuned model's own, the model's own where a run
    names none or no run is chosen (the base reads the first run's), as `ftlib.modelset.render_prompts` renders them;
    `template` (the page's pick for a model without one) for all."""
    from ftlib.templates import get_template

    if template is not None:
        return [(template, template)]
    trained = [model_set.templates[n] for n in model_set.tuned if n in model_set.templates]
    if len(trained) < len(model_set.tuned) or not trained:  # a tuned model without one, or the base alone
        trained.append(("tokenizer", ""))
    return [
        (name, get_template("custom", model_set.tokenizer, source) if name == "custom" else name)
        for name, source in dict.fromkeys(trained)
    ]


def rewritten_said(row: dict, at: str, tokenizer, templates: list[tuple[str, object]]) -> str:
    """A sentence saying that the reply `at` chooses of the picked test `row` is written otherwise inside the whole
    conversation by the chat templates of `templates` (`read_in`) that rewrite earlier turns once later ones follow
    (Qwen3's drops an earlier reply's reasoning), so the models are asked in a form training never read; "" where
    none does (at the last reply, the whole conversation: never). The rule is Evaluate's
    (`ftlib.references.rewritten_before`, by which it names such replies as scored in another form)."""
    which = list(dict.fromkeys(name for name, chosen in templates if rewritten_before(row, tokenizer, chosen, at)))
    if not which:
        return ""
    named = " and ".join("the " + (template_words(name) or "model's own template") for name in which)
    one = len(which) == 1
    return (
        f"Asked in another form than training read it: {named} {'writes' if one else 'write'} this row's earlier "
        f"turns otherwise once later ones follow ({'it rewrites' if one else 'they rewrite'} history: Qwen3-style "
        "templates drop an earlier reply's reasoning). The models are asked as the conversation ending with this "
        "reply is written; training read the reply inside the whole conversation, written otherwise there, so an "
        "answer can differ from what the run learned. Evaluate names such replies as scored in another form too."
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _runs_thinking(adapters: tuple[str, ...], model: str, versions: tuple) -> tuple:  # noqa: ARG001 (the key)
    from ftlib.run_thinking import run_start
    from ui.common import cached_tokenizer

    tokenizer = cached_tokenizer(model)
    return tuple(run_start(adapter, tokenizer) for adapter in adapters)


def trained_thinking_of(adapters: tuple[str, ...], model: str) -> tuple[tuple[bool, bool | None, bool], ...]:
    """`run_thinking.run_start` of each of Compare's chosen runs (their adapter folders) on `model`, in their order:
    (its template has the switch, where it starts, whether the run said it). Read once per version of their files
    (`eval_runs.rows_version`, as Evaluate's toggle keys its own): it renders up to 16 training rows of a run whose
    template has the switch, on every rerun of the page before."""
    from ftlib.eval_runs import rows_version
    from ftlib.rundir import run_folder_of

    return _runs_thinking(tuple(adapters), model, tuple(rows_version(run_folder_of(a)) for a in adapters))


__all__ = [
    "SAMPLE_PROMPT",
    "asked",
    "choose_prompt",
    "conversation_or_row",
    "first_question",
    "read_in",
    "rewritten_said",
    "trained_thinking_of",
    "typed_prompt_note",
]
