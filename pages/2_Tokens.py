"""Tokens: one example exactly as the model is trained on it.

Pick a row of the active split (or type a conversation; a file open on the Data page but not saved yet is named
there with the button to press, as Batches and Train name it), a chat template, a mask policy and a max length; see
the rendered text (tool calls and reasoning as the template writes them), every token coloured by trained /
masked / special, the counts, the pre-flight checks, two templates side by side, chosen vs rejected for
preference rows and a good vs a bad answer for unpaired rows; plain text rows train every token, prompt-only rows
none. All logic is `ftlib.tokens` and `ftlib.checks`; this page draws. Encoding one row takes milliseconds, so it
runs in the script; its pre-flight checks are cached per row and settings (`cached_preflight`), so a click that
changes neither does not run them again.

Every box keeps its value through a visit to another page (`ui.kept`). The chat template, what is trained and the max
length are one choice with the Batches and Train pages: they start from the one last made on any of the three (a
caption says when that was on another page), and a change here is the choice those pages start from. A custom
template's text is written here only and kept until it is rewritten, whichever template is picked meanwhile; Batches
and Train use it. A max length no run takes (0 = no limit) is this preview's own, said so beside the one training
uses; it is kept for the session (a visit to another page brings it back) until the max length is changed again on
any of the three pages (`ui.kept.PREVIEWS`).
"""

from __future__ import annotations

import json

import streamlit as st

from ftlib.checks import preflight
from ftlib.config import field_specs
from ftlib.data import read_row
from ftlib.formats import RowProblem
from ftlib.models import context_length
from ftlib.prompt_checks import added_system_note, explain_refusal
from ftlib.rows import conversation, row_kind
from ftlib.split_keys import part_order_said
from ftlib.split_lines import row_place
from ftlib.templates import (
    BUILTIN_TEMPLATES,
    TEMPLATE_NAMES,
    TemplateError,
    add_missing_special_tokens,
    get_template,
    missing_special_tokens,
)
from ftlib.text_markup import markup_of
from ftlib.tokenizer_checks import PREVIEW_ONLY
from ftlib.tokens import POLICIES, POLICY_HELP, PreferenceEncoded, encode_row, unpaired_partner
from ui import alerts, nav
from ui.auth import require_password
from ui.common import active_model, active_split_name, cached_tokenizer, no_split_said, require_split, user_errors
from ui.form import start_from_last_run
from ui.inputs import number_in_range
from ui.kept import allowed, default_for, keep, restore, say_where_set, share, show_shared
from ui.labels import (
    POLICY_LABELS,
    TEMPLATE_LABELS,
    as_in_training,
    in_form_words,
    policy_label,
    setting_label,
    training_default,
)
from ui.token_panels import markdown_quote, show_checks, show_counts, show_encoded, show_unpaired
from ui.token_view import diff_html, legend_html, rendered_html, reset_block_ids, tokens_html

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()
# A new session starts from the settings of the run last started, as the Train page does: its template, mask policy
# and max length are the choices this page previews (a cold test: it showed the defaults until Train was opened).
start_from_last_run()
# The token blocks' skip-link ids count from here on every run: unique on the page, the same on a rerun.
reset_block_ids()

EXAMPLE = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris is the capital of France."},
    {"role": "user", "content": "And of Italy?"},
    {"role": "assistant", "content": "Rome."},
]
SOURCES = ("Row from the dataset", "Type a conversation")

EXPLAINER = """
**Labels** are what the model is asked to predict. Each token gets one: its own id where the model should
learn to write it, or **-100** where it should not. PyTorch's loss skips every -100, so masked tokens are still
*read* by the model as context but never *learned*. The loss compares each position's prediction with the *next*
token's label, so the first token's label is never a target: nothing comes before it to predict it from.

The **prompt is masked** because at inference the user writes it: training the model to produce the user's
words (or the template's headers) wastes capacity and can make it continue the user's side of the chat. The
**end-of-turn token** after each reply is trained, so the model learns to stop. A row's **tool schemas** (its
`tools`, which the template writes: role `tools`, "tool schemas (from the row's tools)") are the row's own data,
masked too: the model reads them to know what it can call. Everything else the template writes (headers, its
instructions around the schemas) is **template scaffolding**, masked.

Colours, each with a second cue: green with a solid bar under it = trained, orange with a dotted bar = pushed down,
grey without a bar = masked, bold with a dashed outline = special token, striped = padding, struck through = cut by
the max length. Hover a token, or Tab to it, to see its id, label and why; the table view lists them in words.

A **control token written inside a message** (`<|im_end|>` typed in a reply) is read as the control token itself,
not as text: in a trained reply the model learns to end its turn there. The checks name the turn and the token.
"""


@st.cache_resource(max_entries=4, show_spinner="Adding the missing tokens...")
def tokenizer_with_tokens(model: str, template_name: str, source: str):
    """A copy of the cached tokenizer with the template's missing control tokens added (never the shared one)."""
    tokenizer = cached_tokenizer(model)
    return add_missing_special_tokens(tokenizer, get_template(template_name, tokenizer, source=source))


def pick_row():
    """The row to show, and the split it comes from with its index (None, None for a typed row)."""
    has_split = active_split_name() is not None
    # A file open on the Data page but not saved yet opens this page on the dataset's rows too, which say what to press
    # (`require_split`, as Batches and Train say it): the typed example shown instead read as if the file were not
    # seen (helper 203's brief). With neither, typing is the only choice, not the user's, and is not recorded.
    data = has_split or bool(st.session_state.get("data_open"))
    restored = restore("tok_source", SOURCES if data else SOURCES[1:])  # no data: a row of one is not put back
    index = 0 if restored or data else 1  # restored: Streamlit's own index 0 (no warning; None is clearable)
    source = st.radio("Example", SOURCES, index=index, horizontal=True, key="tok_source")
    if data:  # a split saved later is shown where typing was only the fallback
        keep("tok_source")
    if source == SOURCES[0] and not has_split:  # require_split's words, and the way to a row of one's own meanwhile
        st.info(no_split_said(), icon=alerts.INFO)
        st.caption("Meanwhile, **Type a conversation** above shows any row you write, as it would be trained.")
        nav.link("data", label="Go to Data", icon="📂")
        st.stop()
    if source == SOURCES[0]:
        name, train, test, meta = require_split()
        c1, c2 = st.columns([1, 2])
        restore("tok_part")
        part = c1.radio(
            "Split",
            ("train", "test"),
            horizontal=True,
            key="tok_part",
            help=f"Dataset **{name}**: {len(train)} train rows, {len(test)} test rows.",
        )
        keep("tok_part")
        rows = train if part == "train" else test
        if not rows:
            st.info(f"The {part} split of **{name}** is empty. Pick the other split.", icon=alerts.INFO)
            st.stop()
        # Counted from 1 on screen, as on the Data page; the index into the split stays 0-based. A kept row past the
        # end of this split is not put back.
        first = default_for("tok_row", 1, range(1, len(rows) + 1))
        label = f"Row (1 to {len(rows)})"
        number = number_in_range(c2, label, 1, len(rows), first, key="tok_row", on_change=keep, args=("tok_row",))
        keep("tok_row")
        if number is None:
            st.stop()
        # A drawn split keeps the file's order with the held-out rows taken out (ftlib.splits.split_rows); the data's
        # own split keeps its test file whole and takes copies of test rows out of train (ftlib.own_split).
        own, what = meta.get("split") == "own", "training part" if part == "train" else "test part"
        taken = {
            (False, "train"): "the held-out rows taken out",
            (False, "test"): "only the held-out rows",
            (True, "train"): "any copies of test rows taken out",
            (True, "test"): "only its usable rows",
        }[own, part]
        order = part_order_said(meta, part)  # a .json file's own split: the order of its keys
        where = row_place(meta, part, number, len(rows))  # kept in meta.json by a split saved since it was
        said = f"row {number} is {where}." if where else "row N is not line N of the file (the Data page shows lines)."
        c2.caption(f"Rows of the saved split's {what}, in {order} with {taken}: {said}")
        return rows[number - 1], rows, number - 1
    text = st.text_area(
        "Conversation (JSON: a list of messages, or a row: messages (+ tools), prompt+chosen+rejected, "
        "prompt+completion+label, text, prompt)",
        default_for("tok_conversation", json.dumps(EXAMPLE, indent=1, ensure_ascii=False)) or "",
        height=220,
        key="tok_conversation",
        on_change=keep,  # kept at once: typed and left with a click on another page, this run never draws it
        args=("tok_conversation",),
    )
    keep("tok_conversation")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        st.error(
            f"That is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            'Write a list like [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}].',
            icon=alerts.ERROR,
        )
        st.stop()
    return typed_row(value), None, None


def typed_row(value):
    """A typed row read as a data file's row is (`ftlib.data.read_row`), its notes (how it was read), warnings and
    unread fields said on the page; stops the page when it cannot be used."""
    try:
        done = read_row(value)
    except RowProblem as exc:
        st.error(str(exc), icon=alerts.ERROR)
        st.stop()
    # How the row was read (its <tools> block as its tools, a `bot` role as the assistant's...): information, as the
    # Data page shows a file's notes; a note is a clause for a file's "In 3 rows, ...", said here as a sentence
    for note in done.notes:
        st.info(note[:1].upper() + note[1:] + ("" if note.endswith(".") else "."), icon=alerts.INFO)
    for warning in done.warnings:
        st.warning(warning, icon=alerts.WARNING)
    if done.ignored:
        st.caption("Not read: " + ", ".join(f"`{key}`" for key in done.ignored))
    return done.row


def pick_template(key: str, label: str, tokenizer, default: str | None = None, shared: bool = False):
    """A template box (starting at `default`, else a run's) and, for Custom, its Jinja text. `shared`: the page's main
    box, one choice with Batches and Train (`ui.kept.show_shared`), its custom text the one they use; else a box of
    this page alone, kept."""
    if shared:
        restored, on_change, args = show_shared(key, "template", TEMPLATE_NAMES), share, (key, "template", "Tokens")
    else:
        restored, on_change, args = restore(key, TEMPLATE_NAMES), keep, (key,)
    index = (
        0 if restored else TEMPLATE_NAMES.index(default or field_specs()["template"].default)
    )  # restored: Streamlit's own index 0; None is clearable
    name = st.selectbox(
        label, TEMPLATE_NAMES, index=index, key=key, format_func=TEMPLATE_LABELS.get, on_change=on_change, args=args
    )
    if shared:
        say_where_set(st, "template", name, "Tokens")
    else:
        keep(key)
    source = None
    if name == "custom":
        text_key = f"{key}_source"
        if shared:  # the text Batches and Train use: kept as that, whichever template is picked meanwhile
            args = (text_key, "template_source", "Tokens")
            written, on_change = show_shared(text_key, "template_source"), share
        else:
            written, on_change, args = restore(text_key), keep, (text_key,)
        source = st.text_area(
            "Custom Jinja template (put {% generation %} around what the assistant is trained on)",
            "" if written else BUILTIN_TEMPLATES["chatml"].source,
            height=260,
            key=text_key,
            on_change=on_change,  # typed and left with a click on another page: this run never draws it
            args=args,
        )
        on_change(*args)  # the text shown is the one used, the starting text included
    with user_errors("This template cannot be used", in_form_words):  # the box, not `--template NAME`
        return get_template(name, tokenizer, source=source)


def added_system_notes(row, template) -> tuple[str, ...]:
    """A note when the template gives the model a system prompt the row does not have (a default one for a row
    without a system message, or text it writes into every system turn, such as Llama-3.1's dates); found by
    rendering, for any template: ftlib.prompt_checks.added_system_note. None otherwise."""
    if row_kind(row) == "text":
        return ()
    note = added_system_note(template, conversation(row), row.get("tools"), quote=markdown_quote)
    return (note,) if note else ()


def note_added_system(row, template) -> None:
    for note in added_system_notes(row, template):
        st.info(note, icon=alerts.INFO)


@st.cache_data(max_entries=8, show_spinner=False)
def model_context(model: str) -> int | None:
    """The model's context length (its config.json), which no fix on this page asks a max length beyond."""
    return context_length(model)


# What the checks of one encoding depend on is its key; the encoding, tokenizer and template (`_`: not hashed) follow
# from it. Uncached, every click reran them, one that changed nothing about the row too (an "Ids and labels" toggle:
# 3.4 s on a 600-turn row before the checks were bounded); they are small, so st.cache_data's copy costs nothing.
@st.cache_data(max_entries=16, show_spinner="Running the pre-flight checks...")
def cached_preflight(key: tuple, context: int | None, _enc, _tokenizer, _template) -> list:  # noqa: ARG001 (key)
    return preflight(_enc, _tokenizer, _template, context=context)


def encode(row, tokenizer, template, policy, max_length):
    """The row's encoding and its pre-flight checks, those cached per (row, model, tokens added, template, policy,
    max length)."""
    with user_errors("Could not encode this example", in_form_words):  # a built-in named by its label alone
        try:
            enc = encode_row(row, tokenizer, template, policy, max_length)
        except TemplateError as exc:  # with the fix where one is known (a template that takes no system turn)
            raise explain_refusal(exc, template, conversation(row), row.get("tools"), tokenizer) from None
        shown = json.dumps(row, sort_keys=True, ensure_ascii=False, default=repr)
        # The tokenizer: the model's own, or its copy with the template's missing tokens added (tokenizer_with_tokens).
        key = (shown, model, tokenizer is not base_tokenizer, template.name, template.source, policy, max_length)
        return enc, cached_preflight(key, model_context(model), enc, tokenizer, template)


st.title("Tokens")
st.caption("One example the way the model sees it: the template's text, every token, and which are trained.")
with st.expander("What are labels, -100 and masking?"):
    st.markdown(EXPLAINER)

model = active_model()
with user_errors("Could not load the tokenizer"):
    base_tokenizer = cached_tokenizer(model)

row, rows, index = pick_row()
c1, c2, c3 = st.columns(3)
with c1:
    template = pick_template("tok_template", "Chat template", base_tokenizer, shared=True)
show_shared("tok_policy", "mask_policy", POLICIES)  # the first option is the default: no default to leave out
policy = c2.selectbox(
    "What is trained",
    POLICIES,
    key="tok_policy",
    format_func=policy_label,
    help="\n".join(f"- **{POLICY_LABELS[p]}** (`{p}`): {h}" for p, h in POLICY_HELP.items()),
    on_change=share,
    args=("tok_policy", "mask_policy", "Tokens"),
)
say_where_set(c2, "mask_policy", policy, "Tokens")
# One choice with Batches and Train (ui.kept): what training cuts at, and a change here is what it will cut at.
restored = show_shared("tok_max_length", "max_length")
max_length = number_in_range(
    c3,
    setting_label("max_length"),
    0,
    1_000_000,
    None if restored else training_default("max_length"),
    step=64,
    key="tok_max_length",
    help="Tokens past this are cut, as training cuts them (shown in red); the Train and Batches pages use it too. "
    "0 = no limit, for this preview only (kept while you visit other pages): training still cuts at the max length "
    "named under this box.",
    on_change=share,
    args=("tok_max_length", "max_length", "Tokens"),
)
if max_length is None:
    st.stop()
if max_length and allowed("max_length", max_length):
    c3.caption(as_in_training("max_length", max_length, "Tokens"))
else:  # a length no run takes: this page's own
    c3.caption(
        f"{'No limit' if not max_length else f'{max_length} tokens'}: for this preview only; training cuts at "
        f"{training_default('max_length')}."
    )
max_length = max_length or None

tokenizer = base_tokenizer
missing = missing_special_tokens(base_tokenizer, template)
if missing:
    restore("tok_add_missing")
    add = st.toggle(
        f"Add the missing special tokens ({', '.join(missing)}) to a copy of the tokenizer",
        key="tok_add_missing",
        help="A preview of the rows with these tokens, one token each. Training does not add tokens: a run with "
        "this template splits them into ordinary tokens.",
    )
    keep("tok_add_missing")
    if add:  # the checks below no longer see the missing tokens: said here, as long as the switch is on
        st.warning(f"{', '.join(missing)} added for this preview only{PREVIEW_ONLY}", icon=alerts.WARNING)
        tokenizer = tokenizer_with_tokens(model, template.name, template.source)
        template = get_template(template.name, tokenizer, source=template.source)

o1, o2, o3 = st.columns(3)
for key in ("tok_show_ids", "tok_table", "tok_compare"):
    restore(key)
show_ids = o1.toggle("Ids and labels", key="tok_show_ids", help="Show each token's id and label under it.")
as_table = o2.toggle("Table view", key="tok_table")
with user_errors("This row cannot be shown"):
    kind = row_kind(row)
compare = o3.toggle(
    "Compare templates",
    key="tok_compare",
    disabled=kind != "sft",
    help="The same conversation with a second template, side by side.",
)
for key in ("tok_show_ids", "tok_table", "tok_compare"):
    keep(key)

# The key names what this row can show: a rejected or bad answer's pushed-down tokens only for pairs and labelled
# answers; never padding (one row has none).
st.html(legend_html(pushed=kind in ("preference", "unpaired"), padding=False))
enc, checks = encode(row, tokenizer, template, policy, max_length)

if isinstance(enc, PreferenceEncoded):
    st.subheader("Preference pair: chosen vs rejected")
    st.caption(
        "Both share the prompt; DPO scores only the answers (it refuses the policy 'everything', as KTO does). DPO "
        "compares them: the chosen answer's tokens (green) are made likelier against the rejected one's (orange, "
        "pushed down), relative to the starting model; the model never learns to write the rejected answer. A reward "
        "model reads each whole conversation, whatever the policy, and learns to score the chosen one higher."
    )
    if enc.prompt_text:
        with st.expander("Shared prompt text"):
            st.html(rendered_html(enc.prompt_text))
    show_checks(checks, added_system_notes(row, template), template=template.name)
    left, right = st.columns(2)
    for column, name, part in ((left, "Chosen", enc.chosen), (right, "Rejected", enc.rejected)):
        with column:
            st.markdown(f"#### {name}")
            show_encoded(part, show_ids, as_table, compact=True)
elif kind == "unpaired":  # beside the nearest row of the split with the opposite label
    partner = unpaired_partner(rows, index) if rows is not None else None
    others = [encode(rows[partner], tokenizer, template, policy, max_length)] if partner is not None else []
    note_added_system(row, template)
    # Rows count from 1 on screen; a typed row has no number (and no partner).
    numbers = () if index is None else (index + 1,) + ((partner + 1,) if others else ())
    show_unpaired([(enc, checks), *others], show_ids, as_table, numbers)
elif compare:
    default_b = "chatml" if template.name != "chatml" else "llama3"
    with c1:
        template_b = pick_template("tok_template_b", "Second template", base_tokenizer, default=default_b)
    enc_b, checks_b = encode(row, base_tokenizer, template_b, policy, max_length)
    st.subheader(f"{TEMPLATE_LABELS[template.name]} vs {TEMPLATE_LABELS[template_b.name]}")
    if enc.text == enc_b.text:
        st.success("Both templates write exactly the same text for this conversation.", icon=alerts.SUCCESS)
    text_a, text_b = diff_html(enc.text, enc_b.text, (*template.special_tokens, *template_b.special_tokens))
    left, right = st.columns(2)
    sides = ((left, template, enc, text_a, checks), (right, template_b, enc_b, text_b, checks_b))
    for column, tpl, part, text_html, part_checks in sides:
        with column:
            st.markdown(f"#### {TEMPLATE_LABELS[tpl.name]}")
            show_counts(part, compact=True)
            note_added_system(row, tpl)
            st.markdown("**Rendered text** (differences highlighted)")
            st.html(text_html)
            st.html(tokens_html(part.tokens, show_ids=show_ids, cut_tokens=part.cut_tokens))
            show_checks(part_checks)
else:
    if enc.kind == "text":
        st.caption(
            "A plain text row: every token after the first is trained (next-token prediction, as in pre-training; "
            "nothing comes before the first token to predict it from). It is read as written: the **Chat template** "
            "and **What is trained** above change nothing here, and a run on raw text uses neither."
        )  # both boxes still showed a tool-calling run's template and "every assistant reply" (helper 255's walk)
        if markup := markup_of(row.get("text")):  # what the Data page warns of for the file, said for this row
            st.warning(
                f"This text holds a conversation in {markup} markup: every token below is trained, the user's turn "
                "and the markup as much as the reply, so the model learns to write the user's side too. To train "
                "only the replies, give such rows as `messages` (see the Data page's warning for the file).",
                icon=alerts.WARNING,
            )
    elif enc.kind == "prompt_only":
        st.caption("A prompt without an answer, shown as the model would get it: nothing is trained.")
    show_checks(checks, added_system_notes(row, template), template=template.name)
    show_encoded(enc, show_ids, as_table)
