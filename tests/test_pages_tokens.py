"""AppTest for the Tokens page: a dataset row, typed conversations, template/policy switches, preference pairs,
template comparison and errors shown as st.error."""

from __future__ import annotations

import json
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "2_Tokens.py")
TRAIN = [
    {"messages": [{"role": "user", "content": "Capital of Peru?"}, {"role": "assistant", "content": "Lima."}]},
    {
        "messages": [
            {"role": "system", "content": "Terse."},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "3+3?"},
            {"role": "assistant", "content": "6"},
        ]
    },
]
PREFERENCE = {
    "prompt": [{"role": "user", "content": "Best pet?"}],
    "chosen": [{"role": "assistant", "content": "Dogs, they are loyal."}],
    "rejected": [{"role": "assistant", "content": "Rocks."}],
}


def metrics(at) -> list[str]:
    return [m.value for m in at.metric]


def html(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


class _Pills(HTMLParser):
    """Collects (classes, shown text) of each token pill; the id/label line under a pill is left out."""

    def __init__(self):
        super().__init__()
        self.pills, self.depth, self.skip = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "span":
            return
        if self.depth:
            self.depth += 1
            self.skip += "ft-sub" in attrs.get("class", "") or bool(self.skip)
        elif attrs.get("class", "").startswith("ft-tok ") and attrs.get("title", "").startswith("#"):
            self.pills.append([attrs["class"][len("ft-tok ") :], ""])
            self.depth = 1

    def handle_endtag(self, tag):
        if tag == "span" and self.depth:
            self.depth -= 1
            self.skip = max(0, self.skip - 1) if self.skip else 0

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.pills[-1][1] += data


def pills(at) -> list[tuple[str, str]]:
    """(classes, shown text) of every token pill on the page, text unescaped (· and ↵ mark whitespace)."""
    parser = _Pills()
    parser.feed(html(at))
    return [tuple(p) for p in parser.pills]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60)


def test_typed_conversation_by_default(page):
    at = run(page)
    assert at.radio(key="tok_source").value == "Type a conversation"  # no saved split yet
    total, trained, pct, cut = metrics(at)
    # The example has two replies ("Paris is the capital of France." and "Rome."), each + <|im_end|>.
    trained_texts = [text for klass, text in pills(at) if "ft-trained" in klass]
    assert trained_texts[-3:] == ["Rome", ".", "<|im_end|>"]
    assert int(trained) == len(trained_texts) and cut == "0"
    assert f"{100 * int(trained) / int(total):.1f}%" == pct
    body = html(at)
    assert "user prompt — masked: the model should not learn to write the user&#x27;s words" in body
    assert '<span class="ft-ws">↵</span>' in body and '<span class="ft-ws">·</span>' in body
    # An engineer's note (the pad token is the end-of-turn token) is folded away, not shown as a box.
    assert not any("padding token is the same" in box.value for box in [*at.info, *at.warning, *at.error])
    notes = [e for e in at.expander if e.label.startswith("For engineers")]
    assert notes and "padding token is the same" in " ".join(m.value for m in notes[0].markdown)


def test_dataset_row_template_and_policy(page):
    workspace.save_split("chats", TRAIN, TRAIN[:1], {"format": "messages"})
    at = run(page)
    assert at.radio(key="tok_source").value == "Row from the dataset"
    first = metrics(at)
    assert at.number_input(key="tok_row").label == "Row (1 to 2)" and at.number_input(key="tok_row").value == 1
    assert any("in the file's order with the held-out rows taken out" in c.value for c in at.caption)
    at.number_input(key="tok_row").set_value(2)  # counted from 1: the second row, the one with a system turn
    run(at)
    assert metrics(at) != first
    at.selectbox(key="tok_template").set_value("chatml")
    run(at)
    assert [t for k, t in pills(at) if "ft-trained" in k] == ["4", "<|im_end|>", "6", "<|im_end|>"]
    at.selectbox(key="tok_policy").set_value("last_assistant")
    run(at)
    assert [t for k, t in pills(at) if "ft-trained" in k] == ["6", "<|im_end|>"]
    at.selectbox(key="tok_policy").set_value("everything")
    run(at)
    tokens, trained, share = metrics(at)[:3]  # every token a target but the first: nothing predicts it
    assert int(trained) == int(tokens) - 1 and share == f"{100 * (int(tokens) - 1) / int(tokens):.1f}%"
    at.number_input(key="tok_max_length").set_value(10)
    run(at)
    assert metrics(at)[0] == "10" and int(metrics(at)[3]) > 0
    assert "ft-cut" in html(at)


def test_ids_labels_table_and_missing_tokens(page):
    at = run(page)
    at.toggle(key="tok_show_ids").set_value(True)
    at.toggle(key="tok_table").set_value(True)
    run(at)
    assert '<span class="ft-sub">2<br>2</span>' in html(at)  # <|im_end|>: id 2, trained label 2
    assert '<span class="ft-sub">1<br>-100</span>' in html(at)  # <|im_start|>: masked
    table = at.dataframe[0].value
    assert list(table.columns)[:4] == ["#", "text", "id", "label"] and len(table) == int(metrics(at)[0])
    at.selectbox(key="tok_template").set_value("gemma")
    run(at)
    assert any("does not know" in w.value for w in at.warning)
    at.toggle(key="tok_add_missing").set_value(True)
    run(at)
    assert not any("does not know" in w.value for w in at.warning)
    assert ("ft-masked ft-special", "<start_of_turn>") in pills(at)
    # ... as a preview only, said as long as the switch is on: a run keeps the model's tokenizer as it is.
    assert any(
        w.value.startswith("<bos>, <start_of_turn>, <end_of_turn> added for this preview only. Training does not")
        for w in at.warning
    ), [w.value for w in at.warning]


def test_preference_row_side_by_side(page):
    at = run(page)
    at.text_area(key="tok_conversation").set_value(json.dumps(PREFERENCE))
    run(at)
    assert [m.value for m in at.markdown if m.value.startswith("####")] == ["#### Chosen", "#### Rejected"]
    trained = "".join(t for k, t in pills(at) if "ft-trained" in k)
    assert trained == "Dogs,·they·are·loyal.<|im_end|>"
    # The rejected answer is scored to be made less likely, never imitated: drawn and counted so.
    assert "".join(t for k, t in pills(at) if "ft-pushed" in k) == "Rocks.<|im_end|>"
    assert [m.label for m in at.metric][4] == "Pushed down"
    assert len(metrics(at)) == 6


def test_two_templates_side_by_side(page):
    at = run(page)
    at.selectbox(key="tok_template").set_value("chatml")
    at.toggle(key="tok_compare").set_value(True)
    run(at)
    assert at.subheader[0].value == "ChatML vs Llama-3"
    assert 'class="ft-diff"' in html(at)
    # Whole control tokens are marked, underscores and all; never fragments of one ("im", "e" of <|im_end|>).
    assert '<span class="ft-diff">&lt;|start_header_id|&gt;</span>' in html(at)
    assert '<span class="ft-diff">&lt;|im_end|&gt;</span>' in html(at)
    assert '<span class="ft-diff">im</span>' not in html(at)
    assert len(metrics(at)) == 6 and metrics(at)[:3] != metrics(at)[3:]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{{ ''.__class__.__mro__ }}", "sandbox blocks"),
        ("{% for m in messages %}{{ m.content }", "syntax error on line 1"),
        ("{% include '/etc/passwd' %}", "self-contained"),
    ],
)
def test_bad_custom_template_shows_error(page, source, expected):
    at = run(page)
    at.selectbox(key="tok_template").set_value("custom")
    run(at)
    assert not at.error and metrics(at)  # the prefilled custom template (ChatML) works
    at.text_area(key="tok_template_source").set_value(source)
    run(at)
    assert at.error and expected in at.error[0].value
    assert "root:" not in at.error[0].value


def test_bad_json_shows_error(page):
    at = run(page)
    at.text_area(key="tok_conversation").set_value('[{"role": "user", "content": "hi"')
    run(at)
    assert at.error and "not valid JSON" in at.error[0].value
    at.text_area(key="tok_conversation").set_value('[{"content": "no role"}]')
    run(at)
    assert at.error and at.error[0].value.startswith("This row, read as ") and "role" in at.error[0].value


def test_a_typed_row_is_read_in_any_shape_a_file_can_have(page):
    """A cold review: a typed {"foo": 1} said "...load files through ftlib.data to convert other formats", and a
    ShareGPT or Alpaca row could not be typed at all. Typed rows are read as a file's rows are."""
    at = _typed(run(page), {"foo": 1})
    assert at.error and at.error[0].value.startswith("This row has none of the fields the studio reads")
    assert "sharegpt: conversations" in at.error[0].value and "ftlib.data" not in at.error[0].value
    share = {"conversations": [{"from": "human", "value": "Hi?"}, {"from": "gpt", "value": "Ahoy!"}], "id": 7}
    at = _typed(at, share)
    assert not at.error and metrics(at)
    assert any(c.value == "Not read: `id`" for c in at.caption)
    at = _typed(at, {"instruction": "Greet me.", "output": "Ahoy!"})
    assert not at.error and metrics(at)


def test_a_typed_hermes_row_shows_its_tools_block_as_the_rows_tools_as_in_a_file(page):
    """Helper 85's task: a typed Hermes row kept its system text's <tools> block as system text (the schemas the system
    prompt's words, the template's own tools section empty), while the same row in a file has them as its tools. Typed
    and saved from a one-row file, the page shows the same tokens, the schemas among them as the row's tools."""
    from ftlib.data import load_bytes
    from ftlib.masks import TOOL_SCHEMAS
    from tests.test_typed_row import HERMES_ROW

    at = _typed(run(page), HERMES_ROW)
    at.selectbox(key="tok_template").set_value("hermes")
    run(at)
    assert not at.error and not at.warning
    typed = pills(at)
    assert html_escape(TOOL_SCHEMAS) in html(at)  # the schemas' tokens named as the row's own tools
    masked = "".join(t for k, t in typed if "ft-trained" not in k)
    assert masked.count("Departures·of·the·ferry") == 1 and "For·each·call·return" not in masked
    filed = load_bytes((json.dumps(HERMES_ROW) + "\n").encode(), "ferry.jsonl").rows
    workspace.save_split("ferry", filed, filed, {"format": "messages"})
    at.radio(key="tok_source").set_value("Row from the dataset")
    run(at)
    assert not at.error and pills(at) == typed


def test_a_typed_rows_notes_say_how_it_was_read_as_the_data_page_says_a_files(page):
    """Helper 86's task: the page showed a typed row's warnings and unread fields but never its notes, so how it was
    read (its <tools> block as its tools, a `bot` role as the assistant's) was said of a file's rows, not of it."""
    from ftlib.turn_names import BOT_NOTE
    from tests.test_typed_row import HERMES_ROW

    at = _typed(run(page), HERMES_ROW)
    (tools,) = [i.value for i in at.info if "<tools> block" in i.value]
    assert tools.startswith("The tools listed as a <tools> block in the system text (Hermes function calling) were")
    assert tools.endswith(".") and at.info[0].value == tools  # said first, above the template's own notes
    bot = [{"role": "user", "content": "Bell or horn in fog?"}, {"role": "bot", "content": "A horn carries further."}]
    at = _typed(at, bot)
    assert not at.error and [i.value for i in at.info if "bot" in i.value] == [BOT_NOTE.format(field="messages")]
    assert not any("<tools> block" in i.value for i in at.info)  # the row's notes, not the last row's


def test_a_typed_xlam_row_is_a_chat_as_a_files_row_is(page):
    """Helper 86's task: a typed xLAM row ({"query", "answers", "tools"}) was refused as having no field the studio
    reads, while the same row in a file is a chat. Typed and saved from a one-row file, the page shows the same
    tokens, and says how the typed row was read."""
    from ftlib.data import load_bytes
    from tests.test_typed_row import XLAM_ROW

    at = _typed(run(page), XLAM_ROW)
    at.selectbox(key="tok_template").set_value("hermes")
    run(at)
    assert not at.error and not at.warning
    assert any(i.value.startswith("This row is in xLAM's function-calling shape") for i in at.info)
    typed = pills(at)
    assert "harbour_depth" in "".join(t for k, t in typed if "ft-trained" in k)  # the calls are what is learnt
    filed = load_bytes((json.dumps(XLAM_ROW) + "\n").encode(), "harbour.jsonl").rows
    workspace.save_split("harbour", filed, filed, {"format": "messages"})
    at.radio(key="tok_source").set_value("Row from the dataset")
    run(at)
    assert not at.error and pills(at) == typed


def _typed(at: AppTest, row) -> AppTest:
    at.text_area(key="tok_conversation").set_value(json.dumps(row))
    return run(at)


def test_rendered_text_on_the_page_is_exactly_the_text(page):
    from ftlib.models import load_tokenizer
    from ftlib.tokens import encode_row
    from tests.test_token_view import read

    at = run(page)
    enc = encode_row(
        {"messages": json.loads(at.text_area(key="tok_conversation").value)}, load_tokenizer("default"), "tokenizer"
    )
    texts = [h.proto.body for h in at.get("html") if 'class="ft-text"' in h.proto.body]
    assert texts and "".join(c for c, _, _ in read(texts[0]).chars) == enc.text


def test_tool_row_checks_the_template_and_trains_the_call(page):
    from tests.test_template_fixtures import ROWS

    at = _typed(run(page), ROWS["tool_call"])
    # The model's own template (SmolLM2) drops the call and the schemas: said, with the built-ins that show them.
    assert any(
        "leaves out the tool calls" in e.value and "'ChatML + tools (Hermes)', ChatML" in e.value for e in at.error
    )
    at.selectbox(key="tok_template").set_value("hermes")
    run(at)
    assert not at.error
    trained = "".join(t for k, t in pills(at) if "ft-trained" in k)
    assert '"name":·"lookup_tide"' in trained and "High·tide·in·Dover·is·at·14:05." in trained
    assert "High·tide·14:05↵" not in trained


def test_a_button_under_the_tool_call_error_picks_the_template_it_names_as_the_box_does(page):
    """Walk (a lead's demo): the error said to pick another template, with no control to do it there. The button
    under it picks the built-in the message names first, for this session: the box shows it, the calls are kept and
    trained, the choice is the one Batches and Train read, exactly as picking it in the box by hand."""
    from tests.test_template_fixtures import ROWS
    from ui.kept import SHARED

    at = _typed(run(page), ROWS["tool_call"])
    assert any("'ChatML + tools (Hermes)', ChatML" in e.value for e in at.error)
    assert not any("--template" in e.value for e in at.error)  # the box's words, not the CLI's (helper 138's walk)
    (use,) = [b for b in at.button if b.label == "Use ChatML + tools (Hermes)"]
    use.click()
    run(at)
    assert not at.error and not at.warning
    assert at.selectbox(key="tok_template").value == "hermes"
    assert at.session_state[SHARED]["template"] == ("hermes", "Tokens")
    trained = "".join(t for k, t in pills(at) if "ft-trained" in k)
    assert '"name":·"lookup_tide"' in trained
    assert not [b for b in at.button if b.label.startswith("Use ")]  # the template of the fix is the one shown

    by_hand = _typed(run(AppTest.from_file(PAGE, default_timeout=60)), ROWS["tool_call"])
    by_hand.selectbox(key="tok_template").set_value("hermes")
    run(by_hand)
    assert pills(by_hand) == pills(at) and by_hand.session_state[SHARED]["template"] == ("hermes", "Tokens")


def test_unpaired_rows_show_a_good_and_a_bad_answer_side_by_side(page):
    rows = [
        {
            "prompt": [{"role": "user", "content": "Greet me"}],
            "completion": [{"role": "assistant", "content": "Ahoy!"}],
            "label": False,
        },
        {
            "prompt": [{"role": "user", "content": "Greet me"}],
            "completion": [{"role": "assistant", "content": "Ahoy, matey!"}],
            "label": True,
        },
    ]
    workspace.save_split("kto", rows, rows[:1], {"format": "unpaired_preference"})
    at = run(page)
    headers = [m.value for m in at.markdown if m.value.startswith("####")]
    assert headers == ["#### Good answer (labelled good)", "#### Bad answer (labelled bad)"]
    # Walk 7: row 1 (bad) was picked and shown second, beside row 2, with no word of which was which.
    captions = [c.value for c in at.caption]
    assert "Row 2, the nearest with the other label" in captions and "Row 1, the row picked" in captions
    assert captions.index("Row 2, the nearest with the other label") < captions.index("Row 1, the row picked")
    trained = "".join(t for k, t in pills(at) if "ft-trained" in k)
    assert trained == "Ahoy,·matey!<|im_end|>"
    assert "".join(t for k, t in pills(at) if "ft-pushed" in k) == "Ahoy!<|im_end|>"  # the bad answer's
    at.radio(key="tok_part").set_value("test")
    run(at)
    assert any("No row with the opposite label" in i.value for i in at.info)


def test_text_rows_train_everything_and_prompt_only_rows_nothing(page):
    at = _typed(run(page), {"text": "Tides turn twice a day."})
    assert metrics(at)[:3] == ["8", "7", "87.5%"]  # the first token is never a target
    assert any("every token after the first is trained" in c.value for c in at.caption)
    assert not at.warning  # prose: nothing to say
    chat = "<|im_start|>user\nName a tide.<|im_end|>\n<|im_start|>assistant\nThe neap.<|im_end|>"
    at = _typed(at, {"text": chat})  # a newcomer's walk: all trained, the user's turn too, said by nothing here
    assert int(metrics(at)[1]) == int(metrics(at)[0]) - 1
    assert any(w.value.startswith("This text holds a conversation in ChatML") for w in at.warning)
    at = _typed(at, {"prompt": [{"role": "user", "content": "Write a shanty."}]})
    assert metrics(at)[1] == "0"
    assert not at.error and any("It is for GRPO" in i.value for i in at.info)  # GRPO's data: not shown as an error


@pytest.mark.parametrize(
    "key, value, field",
    [("tok_row", 9999, "Row (1 to 2)"), ("tok_row", 0, "Row (1 to 2)"), ("tok_max_length", -5, "Max length")],
)
def test_an_out_of_range_number_is_refused_with_the_field_named(page, key, value, field):
    """The browser would keep showing 9999 in red while the page went on with row 0: the page refuses it instead."""
    workspace.save_split("chats", TRAIN, TRAIN[:1], {"format": "messages"})
    at = run(page)
    at.number_input(key=key).set_value(value)
    at.run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith(f"**{field}") and f"{value} is out of range" in at.error[0].value
    assert not pills(at)  # nothing is drawn for a row that was not asked for


def test_max_length_starts_where_training_cuts(page):
    """The Tokens page's max length is the Train form's (RunConfig), so a long row shows the cut training makes."""
    from ftlib.config import RunConfig

    cut_at = RunConfig(dataset="x").max_length
    at = run(page)
    box = at.number_input(key="tok_max_length")
    assert (box.label, box.value) == ("Max length (tokens)", cut_at)
    assert f"Max length (tokens) {cut_at}, as in training (the Train page starts from {cut_at})." in [
        c.value for c in at.caption
    ]
    at = _typed(at, {"text": "Tides turn twice a day. " * 120})
    total, _, _, cut = metrics(at)
    assert int(total) == cut_at and int(cut) > 0
    at.number_input(key="tok_max_length").set_value(0)
    run(at)
    assert metrics(at)[3] == "0" and int(metrics(at)[0]) > cut_at


SMOL_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"  # SmolLM2's template


def test_a_default_system_message_the_template_adds_is_named(page):
    """SmolLM2's own template writes a system message into every row without one: the page says so, in words (an
    info box among the row's plain notes since walk 6 #11; it was a caption under the engineers' expander)."""
    from ftlib.models import load_tokenizer

    turns = list(TRAIN[0]["messages"])
    # The reference: transformers' render of the model's own template holds it for this row.
    assert SMOL_DEFAULT_SYSTEM in load_tokenizer("default").apply_chat_template(turns, tokenize=False)
    at = _typed(run(page), turns)
    notes = [c.value for c in at.info if c.value.startswith("Your row has no system message")]
    assert len(notes) == 1 and "the model's template adds this default one" in notes[0]
    assert f"“{SMOL_DEFAULT_SYSTEM}”" in notes[0]
    at = _typed(at, [{"role": "system", "content": "Terse."}, *turns])  # the row's own system message
    assert not any(c.value.startswith("Your row has no system message") for c in at.info)
    at = _typed(at, turns)
    at.selectbox(key="tok_template").set_value("chatml")  # ChatML adds none
    run(at)
    assert not any(c.value.startswith("Your row has no system message") for c in at.info)
    at.selectbox(key="tok_template").set_value("alpaca")  # Alpaca's preamble stands in for a missing system message
    run(at)
    assert any("this template adds this default one: “Below is an instruction" in c.value for c in at.info)


def _top_level(at, has) -> int:
    """The index among the page's top-level elements of the one `has(element)` is true for (one only)."""
    found = [i for i, child in at.main.children.items() if has(child)]
    assert len(found) == 1, found
    return found[0]


def test_the_engineers_expander_counts_the_notes_it_holds_and_the_system_note_is_not_one(page):
    """Walk 6 #11: "For engineers (1 note)" with the default-system-message note drawn right under it read as a
    second, uncounted note. The note about the row is a plain note above the expander; the expander holds what its
    title counts."""
    from ftlib.errors import plural

    at = _typed(run(page), TRAIN[0]["messages"])  # no system message: SmolLM2's own template adds one
    expander = next(e for e in at.expander if e.label.startswith("For engineers"))
    inside = [m.value for m in expander.markdown]
    assert expander.label == f"For engineers ({plural(len(inside), 'note')})"
    assert not any("no system message" in note for note in inside)
    system_note = _top_level(at, lambda e: str(getattr(e, "value", "")).startswith("Your row has no system message"))
    engineers = _top_level(at, lambda e: getattr(e, "label", "").startswith("For engineers"))
    assert system_note < engineers  # shown with the plain notes, before the folded ones
    # Between the expander and the counts of the row (its first metric), no note at all.
    first_metric = min(i for i, e in at.main.children.items() if e.type == "flex_container" and e.get("metric"))
    between = [at.main.children[i] for i in range(engineers + 1, first_metric)]
    assert not [e for e in between if e.type in ("alert", "caption") or getattr(e, "value", None)], between


# ---------------------------------------------------------------------------------------------------------------
# A visit to another page (a cold review): Streamlit drops the values of every box a run does not draw
# ---------------------------------------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[1] / "app.py")
# Written by hand, with a word no built-in template writes ("speaks"), so a page that used another cannot pass.
MY_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }} speaks\n{% if m.role == 'assistant' %}{% generation %}"
    "{{ m.content }}<|im_end|>{% endgeneration %}{% else %}{{ m.content }}<|im_end|>{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant speaks\n{% endif %}"
)


def in_app(page: str, model=None) -> AppTest:
    """A page inside the app's navigation, so `switch_page` can leave it and come back as the sidebar does."""
    at = AppTest.from_file(APP, default_timeout=120)
    if model is not None:
        at.session_state["active_model"] = str(model)
    at.run()
    return visit(at, page)


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_refresh_shows_the_row_last_shown_and_the_conversation_last_typed(duplicate_warnings):
    """A cold review: a refresh (a new session) brought Tokens back to row 1, as the Data page went back to a sample.
    The row shown, or the conversation typed, is recorded in the workspace and a new session starts from it; a row
    past the end of the split active now is not put back."""
    workspace.save_split("chats-kept", TRAIN * 3, TRAIN[:1], {"format": "messages"})
    at = in_app("pages/2_Tokens.py")
    at.number_input(key="tok_row").set_value(4).run()  # not row 1 (a sentinel)
    refreshed = in_app("pages/2_Tokens.py")
    assert (refreshed.radio(key="tok_source").value, refreshed.number_input(key="tok_row").value) == (
        "Row from the dataset",
        4,
    )
    refreshed.radio(key="tok_source").set_value("Type a conversation").run()
    typed = [{"role": "user", "content": "Capital of Chile?"}, {"role": "assistant", "content": "Santiago."}]
    refreshed.text_area(key="tok_conversation").input(json.dumps(typed)).run()
    again = in_app("pages/2_Tokens.py")
    assert again.radio(key="tok_source").value == "Type a conversation"
    assert json.loads(again.text_area(key="tok_conversation").value) == typed
    again.radio(key="tok_source").set_value("Row from the dataset").run()
    workspace.save_split("chats-short", TRAIN, TRAIN[:1], {"format": "messages"})  # active now: 2 rows
    shorter = in_app("pages/2_Tokens.py")
    assert not shorter.error and shorter.number_input(key="tok_row").value == 1
    assert not duplicate_warnings, duplicate_warnings


def test_every_box_keeps_its_value_after_a_visit_to_another_page(duplicate_warnings):
    """A cold review: Tokens -> Batches -> Tokens came back with the model's own template, every reply, row 1, max
    length 384 and the toggles off: everything set was gone (Data and Compare keep theirs)."""
    workspace.save_split("chats-kept", TRAIN * 3, TRAIN[:1], {"format": "messages"})
    at = in_app("pages/2_Tokens.py")
    at.selectbox(key="tok_template").set_value("chatml").run()
    at.selectbox(key="tok_policy").set_value("last_assistant").run()
    at.number_input(key="tok_row").set_value(4).run()  # the row with a system turn and two replies
    at.number_input(key="tok_max_length").set_value(256).run()
    at.toggle(key="tok_show_ids").set_value(True).run()
    at.toggle(key="tok_compare").set_value(True).run()
    at.selectbox(key="tok_template_b").set_value("gemma").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "ChatML vs Gemma"
    shown = (metrics(at), pills(at))
    assert [t for k, t in shown[1][: len(shown[1]) // 2] if "ft-trained" in k] == ["6", "<|im_end|>"]

    visit(visit(at, "pages/3_Batches.py"), "pages/2_Tokens.py")
    assert at.selectbox(key="tok_template").value == "chatml"
    assert at.selectbox(key="tok_policy").value == "last_assistant"
    assert at.number_input(key="tok_row").value == 4
    assert at.number_input(key="tok_max_length").value == 256
    assert at.toggle(key="tok_show_ids").value is True and at.toggle(key="tok_compare").value is True
    assert at.selectbox(key="tok_template_b").value == "gemma"
    assert (metrics(at), pills(at)) == shown  # the same row, encoded the same way
    # A conversation typed and left with a click on another page (no Tokens run in between) comes back too.
    at.radio(key="tok_source").set_value("Type a conversation").run()
    typed = json.dumps(TRAIN[0]["messages"])
    at.text_area(key="tok_conversation").input(typed)
    visit(visit(at, "pages/0_Home.py"), "pages/2_Tokens.py")
    assert at.radio(key="tok_source").value == "Type a conversation"
    assert at.text_area(key="tok_conversation").value == typed
    assert [t for k, t in pills(at) if "ft-trained" in k][:4] == ["L", "ima", ".", "<|im_end|>"]  # its reply
    assert not duplicate_warnings, duplicate_warnings


def test_a_custom_template_written_here_stays_here_and_is_the_one_train_uses(tiny_model_dir, monkeypatch):
    """A cold review: Custom with a template typed here showed on Train ("The custom template written on the Tokens
    page is used."), but back here the box said "The model's own template" and the text was gone; Train then said
    `tokenizer` and no longer offered Custom."""
    from ftlib import runs

    workspace.save_split("chats-custom", TRAIN, TRAIN[:1], {"format": "messages"})
    at = in_app("pages/2_Tokens.py", tiny_model_dir)
    at.selectbox(key="tok_template").set_value("custom").run()
    at.text_area(key="tok_template_source").input(MY_TEMPLATE).run()
    assert ("ft-masked", "·speaks") in pills(at)

    visit(at, "pages/4_Train.py")
    assert at.selectbox(key="train_template").value == "custom"
    assert "The custom template written on the Tokens page is used." in [c.value for c in at.caption]
    visit(at, "pages/2_Tokens.py")
    assert at.selectbox(key="tok_template").value == "custom"
    assert at.text_area(key="tok_template_source").value == MY_TEMPLATE
    assert ("ft-masked", "·speaks") in pills(at)
    visit(at, "pages/4_Train.py")
    assert at.selectbox(key="train_template").value == "custom"
    # Another template picked meanwhile: Custom is still offered, and picked again, the text written is still there.
    at.selectbox(key="train_template").set_value("chatml").run()
    assert "Custom (your own Jinja template)" in at.selectbox(key="train_template").options
    visit(at, "pages/2_Tokens.py")
    assert at.selectbox(key="tok_template").value == "chatml"
    at.selectbox(key="tok_template").set_value("custom").run()
    assert at.text_area(key="tok_template_source").value == MY_TEMPLATE
    # Rewritten and left with a click on Train (no Tokens run in between): the new text is the one a run gets.
    rewritten = MY_TEMPLATE.replace("speaks", "writes")
    at.text_area(key="tok_template_source").input(rewritten)
    visit(at, "pages/4_Train.py")
    submitted = []
    monkeypatch.setattr(runs, "submit", lambda config, **kw: submitted.append(config) or "queued-run")
    at.button(key="train_start").click().run()
    assert [(c.template, c.template_source) for c in submitted] == [("custom", rewritten)]


def test_a_typed_good_or_bad_answer_is_shown_alone(page):
    """A cold review: a typed prompt+completion+label row (the box says it is accepted) crashed the page on its row
    number (a typed row has none), and the typed text, kept in the workspace, crashed every new session too."""
    at = _typed(run(page), {"prompt": "Hi", "completion": "Hello", "label": False})
    assert at.subheader[0].value == "Unpaired answers: a good and a bad example"
    assert [m.value for m in at.markdown if m.value.startswith("####")] == ["#### Bad answer (labelled bad)"]
    assert any("No row with the opposite label" in i.value for i in at.info)
    assert not any(c.value.startswith("Row ") for c in at.caption)  # no row number for a typed row
    assert [t for k, t in pills(at) if "ft-pushed" in k][:1] == ["Hello"]  # a bad answer: pushed down


def test_without_a_split_typing_is_not_recorded_as_the_users_choice(duplicate_warnings):
    """A cold review: Tokens opened before any split fell back to "Type a conversation" and recorded that as the
    user's choice, so after a split was saved it (and every new session) kept showing the example instead of the
    data. The fallback is not recorded; a choice of typing made while a split exists still is."""
    at = in_app("pages/2_Tokens.py")
    assert at.radio(key="tok_source").value == "Type a conversation"
    workspace.save_split("chats-later", TRAIN * 3, TRAIN[:1], {"format": "messages"})
    back = visit(visit(at, "pages/0_Home.py"), "pages/2_Tokens.py")
    assert back.radio(key="tok_source").value == "Row from the dataset"
    assert in_app("pages/2_Tokens.py").radio(key="tok_source").value == "Row from the dataset"  # a new session too
    at.radio(key="tok_source").set_value("Type a conversation").run()  # chosen now, with a split to choose from
    assert in_app("pages/2_Tokens.py").radio(key="tok_source").value == "Type a conversation"
    assert not duplicate_warnings, duplicate_warnings


def test_the_row_caption_says_which_part_of_which_split_the_rows_are(page):
    workspace.save_split("drawn", TRAIN, TRAIN[:1], {"format": "messages"})
    at = run(page)
    assert any(
        c.value.startswith("Rows of the saved split's training part, in the file's order with the held-out")
        for c in at.caption
    )
    at.radio(key="tok_part").set_value("test")
    run(at)
    assert any(
        c.value.startswith("Rows of the saved split's test part, in the file's order with only the held-out")
        for c in at.caption
    )
    # The data's own test file: kept whole, in its own order; copies of its rows taken out of train.
    workspace.save_split("own", TRAIN, TRAIN[:1], {"format": "messages", "split": "own"})
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.radio(key="tok_part").set_value("test")
    run(at)
    assert any(
        c.value.startswith("Rows of the saved split's test part, in the test file's order with only its usable")
        for c in at.caption
    ), [c.value for c in at.caption]
    at.radio(key="tok_part").set_value("train")
    run(at)
    assert any("with any copies of test rows taken out" in c.value for c in at.caption)
