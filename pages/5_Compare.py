"""Compare: one prompt, several decoding settings (columns) and models (rows: base and finished runs' adapters),
streamed from one batched decoding loop, plus the next-token distribution under temperature, top-k and top-p.

Drawing only: generation runs in `ftlib.modelset.GenerationJob` (a thread that never calls st.*); a fragment
polls it (`run_every`, only while it runs) and fills one cell per row and setting, and reruns the page once when
it ends. A click mid-generation reruns the script; the job keeps running in session_state and the new run picks it
up; a reload of the tab (a new session) follows it by the token in the tab's address, and a session whose address
names none (a reload on another page) is offered this person's running grid (`ui.compare_follow`). Heavy
work takes turns on the device (`ftlib.lease`): while the grid or the next-token view waits for a training run or
another session, the page says so, with the position in line.
"""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from ftlib import decode_rate, lease
from ftlib import modelset as M
from ftlib import next_token as N
from ftlib import sampling as S
from ftlib.checks import WEIGHT_0
from ftlib.column_values import column_answer
from ftlib.decoding import DEFAULT_NEW_TOKENS, SEED_RANGE, presets_said
from ftlib.model_prompts import base_thinking, thinking_default, thinking_writes, trained_with_tools
from ftlib.models import same_model
from ftlib.rows import uses_tools
from ftlib.run_picker import run_choices
from ftlib.template_input import call_text
from ftlib.templates import BUILTIN_TEMPLATES, TOOL_TEMPLATES, get_template, has_own_template
from ftlib.tokenizer_checks import prompt_control_warning
from ui import alerts, alignment_view
from ui.auth import require_password
from ui.common import (
    active_model,
    active_split_name,
    cached_split,
    cached_tokenizer,
    model_set_for,
    user_errors,
    wait_notice,
)
from ui.compare_follow import (
    follow,
    grid_boxes,
    keep_in_address,
    note_started,
    offer_view,
    started_elsewhere_said,
    stop,
    stopped_elsewhere_said,
)
from ui.compare_view import (
    CSS,
    GRID_END,
    finished_line,
    first_grid_note,
    greedy_filters_note,
    long_grid_note,
    next_token_figure,
    next_token_frame,
    next_token_table,
    progress_line,
    setting_header,
    thinking_asked,
    thinking_caption,
    thinking_each_said,
    token_html,
    uncertainty_line,
    vocabulary_line,
)
from ui.fragments import polling_fragment
from ui.inputs import number_in_range, thinking_setting
from ui.job_owner import let_go
from ui.kept import Between, default_for, keep, restore
from ui.labels import BASE_IN_SIDEBAR, in_form_words, on_model_page, template_label
from ui.prompt_input import choose_prompt, read_in, rewritten_said, trained_thinking_of
from ui.run_choice import CHOSEN_FIRST, choices_by_name, pick_runs
from ui.token_view import skip_link, skip_target

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()

JOB_KEY = "compare_job"
LABELS_KEY = "compare_labels"  # the settings and models of the running job, for the grid
RATE_KEY = "compare_tokens_per_s"  # how fast this session's last finished grid wrote on the CPU (the estimate)
# The settings' boxes whose values outlive a visit to another page (the prompt's and the runs' keep their own).
KEPT_BOXES = (
    "compare_presets",
    "compare_custom",
    "custom_t",
    "custom_k",
    "custom_p",
    "custom_min_p",
    "custom_penalty",
    "compare_seed",
    "compare_max_new",
)
# The grid's answers start longer than the CLI's (ftlib.decoding.DEFAULT_NEW_TOKENS, 64) on purpose: side by side,
# a few sentences more show where the settings part ways (the note before Generate says how long a grid takes).
GRID_TOKENS = 96
# The sliders' ranges, narrower than the engine takes (ftlib.decoding.DecodingSetting: temperature 0 or 0.001-100,
# any top-k, top-p above 0 to 1; max new tokens 1-4096, check_max_new_tokens) on purpose; `python -m ftlib sample
# --setting ... --max-new-tokens N` takes the rest. A slider to temperature 100 would leave 0-2, where every preset
# sits and past which a small model writes noise, a fiftieth of its width; top-k past a few hundred and top-p under
# 0.05 (the slider's step) differ little from off and from greedy; the grid and the next-token view share them.
TEMPERATURE_MOST, TOP_K_MOST, TOP_P_LEAST = 2.0, 200, 0.05
# A page budget: a cell's HTML is ~0.8 kB a token (its hover card, ui.compare_view.card_html), resent to every open
# session on each poll while the grid fills: 15 cells (5 settings, 3 models) of 4096 tokens would be ~50 MB a poll.
# And 512 tokens already took 4 minutes on a CPU (the note beside the slider).
GRID_TOKENS_MOST = 512
# The next-token logits of the last few prompts each session read (a full vocabulary of float32 each, ~0.2 MB with
# the default model): switching back to a test row already shown draws it again without a forward (one forward was
# 0.4 s of CPU, all of a click on another test row; BENCHMARKS.md "Page responsiveness").
KEPT_LOGITS = 8
POLL_S = 0.5  # how often the grid redraws while it fills or waits (each open session redraws its own)


def prompt_view(
    prompts: dict[str, M.ModelPrompt],
    reference: dict | None,
    shown: dict,
    chosen: bool = False,
    columns: dict | None = None,
    thinking: dict | None = None,
) -> None:
    """What the models read, one folded block per distinct rendering (runs tuned with different chat templates read
    different text, and so do models asked with different Thinking settings: `thinking`, each one's by name, None
    for a template without the switch), and the test row's reference answer, its reasoning and tool calls included
    (`chosen`: a pair's chosen answer); a prompt's row without one: its other fields (`columns`, rows.with_columns),
    which GRPO's rewards read, shown beside the prompt (`columns_view`)."""
    thinking = thinking or {}
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, prompt in prompts.items():
        groups.setdefault(tuple(prompt.ids), []).append(name)
    for i, names in enumerate(groups.values()):
        prompt = prompts[names[0]]
        who = "" if len(groups) == 1 else ": " + ", ".join(shown[n].label if n in shown else n for n in names)
        # The template as Tokens and Train name it ("The model's own template"), not the CLI's `tokenizer`.
        named = template_label(prompt.template)
        setting = {True: ", thinking on", False: ", thinking off"}.get(thinking.get(names[0]), "")
        with st.expander(f"What the model sees ({len(prompt.ids)} tokens, chat template: {named}{setting}){who}"):
            # st.code drops a text's last line break, and a generation prompt often ends in one or two (Llama-3's
            # header, ChatML's `assistant` line) that the model does read: each is drawn as ↵.
            body = prompt.text.rstrip("\n")
            st.code(body + "↵" * (len(prompt.text) - len(body)), language=None, wrap_lines=True)
            if body != prompt.text:
                st.caption("↵ at the end: the line breaks the prompt ends with, which the model reads too.")
            if reference is not None and i == 0:
                reference_view(reference, chosen)
    firsts = [names[0] for names in groups.values()]
    by_thinking = len({thinking.get(n) for n in firsts}) > 1
    if len(groups) > 1 and (not by_thinking or len({prompts[n].template for n in firsts}) > 1):
        st.caption(
            "The chosen runs were trained with different chat templates: each model reads the prompt in the one it "
            "was trained with, and the base model in the first run's"
            + (", with its Thinking setting." if by_thinking else ".")
        )
    elif by_thinking:  # one template, the switch given each model its own way (the Thinking choice above)
        st.caption(
            "The models are asked with different Thinking settings: each reads the prompt as its setting writes it."
        )
    if reference is None and columns:
        columns_view(columns)


def columns_view(columns: dict) -> None:
    """A held-out prompt's other fields (a GSM8K row's `answer`), which GRPO's rewards read beside it, each with the
    final answer the column rewards read (`final_answer`, `contains_column`) where that is not the whole value
    ("#### 26": 26); it names no reward (the Data page says which fits: reward_columns.column_reward). A cold walk
    (helper 89): a GSM8K prompt picked here showed no answer anywhere, so whether a model got it right could not be
    told."""
    said = []
    for key, value in columns.items():
        text = f"`{key}` = {json.dumps(value, ensure_ascii=False)}"
        if isinstance(value, str) and (final := column_answer(value)) != value.strip():
            text += f" (its final answer: {final})"
        said.append(text)
    st.caption("No reference answer: this test row is a prompt. Beside it, what its rewards read: " + "; ".join(said))


def reference_view(message: dict, chosen: bool = False) -> None:
    """A reference answer as the test split holds it: its reasoning (if any), its words, its tool calls (if any).
    `chosen`: it is a preference pair's chosen answer, said so (helper 78's walk: said nowhere, its rejected one
    looked for); a raw text's rest (`continues`) is said as the text's own way on."""
    whose = " (the pair's chosen answer)" if chosen else ""
    calls_only = bool(message.get("tool_calls")) and not message.get("content")  # an empty line read as a lost text
    if message.get("continues"):  # a held-out raw text's rest (`choose_prompt`): the models were given its opening
        st.caption("How the held-out text goes on after the opening words the models were given:")
        st.code(message.get("content") or "(nothing: the text ends there)", language=None, wrap_lines=True)
        return
    st.caption(f"Reference answer from the test split{whose}" + (": tool calls, no text:" if calls_only else ":"))
    if message.get("weight", 1) == 0:  # a first reply of OpenAI rows that train only the answer (helper 151's walk)
        st.caption(
            f"This reply has {WEIGHT_0}: shown to the model as context, never trained, so the tuned model was not "
            "taught it (Evaluate leaves it out)."
        )
    if message.get("reasoning"):
        st.caption("Its reasoning, written before the answer (whether a model reads it depends on the template):")
        st.code(message["reasoning"], language=None, wrap_lines=True)
    if message.get("content") or not message.get("tool_calls"):
        st.code(message.get("content") or "(empty)", language=None, wrap_lines=True)
    if message.get("tool_calls"):
        # Written as the Data page writes them: a closed JSON box read '[...]' (helper 105's walk).
        if not calls_only:
            st.caption("Its tool calls:")
        for call in message["tool_calls"]:
            st.text(call_text(call, limit=None))


st.title("Compare")
st.caption(
    "One prompt, several ways of picking words, base model and fine-tuned side by side. Hover a word (or Tab to "
    "it) to see how likely the model found it and what else it considered."
)
st.html(CSS)
# A reload of the tab while its grid fills (a new session): the grid followed, its boxes put back (ui.compare_follow).
follow(JOB_KEY, LABELS_KEY)
with st.container():  # one place whether or not a grid is offered: what follows keeps its place
    # A tab with no grid, its address naming none (a reload while on another page, whose link dropped `?grid=`):
    # a running grid this person started is offered, followed only on its **Follow it** (ui.compare_follow).
    offer_view(JOB_KEY)

last = st.session_state.get(JOB_KEY)
measured = last.progress() if last is not None and last.done and last.device == "cpu" else None
# Each decoding loop to its own longest answer: a full fine-tune's answers decode in a loop of their own (the base's
# and its adapters' in another), so a grid of both did not take every answer to the longest one's length.
loops = st.session_state.get(LABELS_KEY, {}).get("loops")  # kept at its start: the finished job lets its set go
rate = decode_rate.grid_rate([len(t) for t in last.snapshot()], measured.elapsed_s, loops) if measured else None
if measured is not None and measured.tokens >= decode_rate.MIN_TOKENS and rate:
    st.session_state[RATE_KEY] = rate  # how fast grids write here: the estimate beside the slider
    # and the server's, for the first grid of every session after (of the same base model)
    decode_rate.remember("cpu", st.session_state.get(LABELS_KEY, {}).get("base", "default"), rate)

# Everything above the grid sits in one container: however many notes, warnings or spinners it shows, the grid's
# fragment keeps the same place on the page from run to run (see the grid below for why that matters).
with st.container():
    model = active_model()
    with user_errors("Could not load the tokenizer"):
        tokenizer = cached_tokenizer(model)

    # -------------------------------------------------------------------------------------------- the prompt

    split_name = active_split_name()
    train_rows: list[dict] = []
    test_rows: list[dict] = []
    if split_name:
        with user_errors("Could not open the saved split"):
            train_rows, test_rows = cached_split(split_name)[:2]
    # the typed prompt's box starts on the split's first question (its train part's where it has no test rows)
    messages, reference, tools, picked = choose_prompt(test_rows, split_name, train_rows)
    pair_reference = picked is not None and "chosen" in picked[0]  # the reference is the pair's chosen answer
    # Beside the picker: a row asked at its first reply in a template that rewrites earlier turns, said once the
    # templates the models read it in are known (below, with the models).
    rewritten_slot = st.empty()
    injected = prompt_control_warning([str(m.get("content") or "") for m in messages], tokenizer)
    if injected:
        st.warning(injected, icon=alerts.WARNING)

    # -------------------------------------------------------------------------------- models and settings

    runs = M.list_run_adapters()

    def offered(spec: str) -> bool:
        """Whether runs trained on the model `spec` are offered: the sidebar's model's, and those that recorded none.
        One model however its folder is named (a link to it, `default`): `models.same_model`, not the text alone."""
        return not spec or same_model(spec, model)

    usable = [r for r in runs if offered(r.model)]
    by_name = {r.name: r for r in usable}
    # Each run's summary, read once per version of its files for the picker, the prompt's and the grid's labels
    # (three times a click before: a third of a click with 41 runs, BENCHMARKS.md "Page responsiveness").
    choices = run_choices(usable)
    chosen_runs = pick_runs(
        "Fine-tuned models",
        usable,
        key="compare_runs",
        help=f"Finished runs trained on this base model, newest first. {CHOSEN_FIRST} The base model is always a row.",
        choices=choices,
        offers=offered,
    )
    if len(usable) < len(runs):
        st.caption(
            f"{len(runs) - len(usable)} finished run(s) were trained on another base model; switch the model "
            "in the sidebar to compare them."
        )
    if not runs:
        st.caption("No finished runs yet: the grid shows the base model only. Train one on the **Train** page.")

    # Each box's value outlives a visit to another page, and a reload (ui.kept.ACROSS_SESSIONS): put back before the
    # box, where it offers the value recorded (a slider's range: `Between`), kept after them all.
    preset_names = st.multiselect(
        "Decoding settings (columns)",
        list(S.PRESETS),
        default=default_for("compare_presets", ["greedy", "balanced", "creative"], S.PRESETS, "Decoding settings"),
        key="compare_presets",
        # A walk: which preset is temperature, which top-p, showed only once a grid's column heads did.
        help=f"Each column samples one way: {presets_said()}. The custom setting below sets its own.",
    )
    with st.expander("Custom setting"):
        restore("compare_custom", (True, False))
        use_custom = st.checkbox("Add a custom column", key="compare_custom")
        c1, c2, c3 = st.columns(3)
        c_t = c1.slider(
            "Temperature",
            0.0,
            TEMPERATURE_MOST,
            default_for("custom_t", 0.9, Between(0.0, TEMPERATURE_MOST), "Temperature"),
            0.05,
            key="custom_t",
            help="0 = greedy.",
        )
        c_k = c2.slider(
            "Top-k",
            0,
            TOP_K_MOST,
            default_for("custom_k", 0, Between(0, TOP_K_MOST), "Top-k"),
            key="custom_k",
            help="0 = off.",
        )
        c_p = c3.slider(
            "Top-p",
            TOP_P_LEAST,
            1.0,
            default_for("custom_p", 1.0, Between(TOP_P_LEAST, 1.0), "Top-p"),
            0.05,
            key="custom_p",
            help="1 = off.",
        )
        c1, c2, _ = st.columns(3)
        c_min_p = c1.slider(
            "Min-p",
            0.0,
            0.5,
            default_for("custom_min_p", 0.0, Between(0.0, 0.5), "Min-p"),
            0.01,
            key="custom_min_p",
            help="Keep only tokens at least this share of the most likely token's probability. 0 = off.",
        )
        c_penalty = c2.slider(
            "Repetition penalty",
            0.5,
            2.0,
            default_for("custom_penalty", 1.0, Between(0.5, 2.0), "Repetition penalty"),
            0.05,
            key="custom_penalty",
            help="Above 1, every token already in the prompt or the answer gets less likely against the tokens not "
            "yet used (greedy too); 1 = off.",
        )
        # Dropped, not refused as `sample` refuses them, so said: nobody should believe they compared top-p at 0.
        if use_custom and (greedy_note := greedy_filters_note(c_t, c_k, c_p, c_min_p)):
            st.info(greedy_note, icon=alerts.INFO)
    c1, c2, c3 = st.columns([1, 1, 2])
    seed = number_in_range(
        c1,
        "Seed",
        *SEED_RANGE,
        default_for("compare_seed", 0),
        key="compare_seed",
        help="The same seed gives the same samples, run after run.",
        on_change=keep,  # typed and left with a click on another page: kept, and for a new session too (ui.kept)
        args=("compare_seed",),
    )
    max_new = c2.slider(
        "Max new tokens",
        8,
        GRID_TOKENS_MOST,
        # A length recorded for a new session (ui.kept.ACROSS_SESSIONS) put back only where the slider offers it
        default_for("compare_max_new", GRID_TOKENS, range(8, GRID_TOKENS_MOST + 1, 8), "Max new tokens"),
        8,
        key="compare_max_new",
        help=f"The longest answer in each cell. Starts at {GRID_TOKENS}, where `python -m ftlib sample` writes "
        f"{DEFAULT_NEW_TOKENS} unless --max-new-tokens says otherwise.",
    )
    for key in KEPT_BOXES:
        keep(key)

    settings = [S.PRESETS[n] for n in preset_names]
    if use_custom:
        with user_errors("This custom setting cannot work"):
            # Temperature 0 is greedy: the filters are dropped rather than refused (said beside the sliders).
            custom = S.DecodingSetting(
                c_t,
                0 if c_t == 0 else c_k,
                1.0 if c_t == 0 else c_p,
                min_p=0.0 if c_t == 0 else c_min_p,
                repetition_penalty=c_penalty,
            )
            settings.append(dataclasses.replace(custom, name=f"custom: {custom.key}"))
    if not settings:
        st.info("Pick at least one decoding setting.", icon=alerts.INFO)
        st.stop()

    adapters = tuple(str(by_name[n].path) for n in chosen_runs)
    with user_errors("Could not load the model with its adapters", lambda said: on_model_page(said, BASE_IN_SIDEBAR)):
        model_set = model_set_for(model, adapters)
    model_names = model_set.names
    written_in = None  # each model's own (below); a model without one and no run to lend one: a built-in, picked
    if not chosen_runs and not has_own_template(model_set.tokenizer):
        names = list(BUILTIN_TEMPLATES)
        # A test row with tool schemas or calls starts on a template that writes them (ChatML leaves them out): one
        # box for such rows, one for the others, each keeping what was picked in it.
        with_tools = uses_tools(messages, tools)
        box = "compare_template_tools" if with_tools else "compare_template"
        put_back = restore(box, names, "Chat template")
        written_in = c3.selectbox(
            "Chat template",
            names,
            index=0 if put_back else names.index(TOOL_TEMPLATES[0] if with_tools else names[0]),
            format_func=template_label,
            key=box,
            help="This model has no chat template of its own: the prompt is written in the one picked here. A run "
            "tuned on the model reads it in the template it trained with.",
        )
        keep(box)
        if with_tools and written_in not in TOOL_TEMPLATES:
            c3.warning(
                f"{template_label(written_in)} writes no tool schemas or calls: this row's are left out of the "
                f"prompt. {' and '.join(template_label(t) for t in TOOL_TEMPLATES)} write them.",
                icon=alerts.WARNING,
            )
    # A template with a thinking switch (Qwen3's `enable_thinking`): shown only then. Each model is asked as it
    # trained unless forced on or off for all: a run by its training rows (`ftlib.run_thinking`), the base at its
    # template's default; one toggle for all started every model as the first run trained, so a second run trained
    # the other way was asked in a shape it never saw, and said nowhere.
    with user_errors("Could not render the prompt", in_form_words):
        read_by = [
            get_template(t, model_set.tokenizer) if isinstance(t, str) else t
            for _, t in read_in(model_set, written_in)
        ]
    switched = [t for t in read_by if t.thinking_switch]
    thinking = None  # nothing given: each template's default
    if switched:
        own = thinking_default(switched[0])
        # The base reads the first template (`read_in`: the first run's, else the model's own or the one picked).
        starts = {"base": (read_by[0].thinking_switch, thinking_default(read_by[0]), False)}
        if not written_in:
            starts |= dict(zip(model_set.tuned, trained_thinking_of(adapters, model), strict=True))
            # The base as `sample` and `evaluate` ask it, as the first run; its third part True says so (`why`).
            first = base_thinking({n: starts[n][1] for n in model_set.tuned}, model_set.tuned)
            if first is not None and starts["base"][0]:
                starts["base"] = (True, first, True)
        others = [template_label(t.name) for t in read_by if not t.thinking_switch]
        # Each run by the short label the Models box shows, in bold: a label has dots and a date of its own.
        shown_runs = choices_by_name(usable, choices, model)
        model_labels = {n: f"run **{shown_runs[n].label if n in shown_runs else n}**" for n in model_set.tuned}
        model_labels["base"] = (
            f"the base model (**{shown_runs['base'].label}**)" if "base" in shown_runs else "the base model"
        )
        mode = thinking_setting(
            c3,
            "compare_thinking",
            {"trained": "As each run trained" if chosen_runs else "The template's default", "on": "On", "off": "Off"},
            "The chat template's thinking switch, as transformers' `apply_chat_template(..., enable_thinking=...)` "
            "gives it: off, a reasoning model answers at once. As each run trained: each fine-tuned model is asked "
            "the way its training rows were written (off where its replies follow the empty reasoning block, as "
            "`sample` and `evaluate` ask a run without `--thinking`), the base model as the first run, so the two "
            "answer one prompt; On or Off asks every model so.",
        )
        # Given by name, to every model: a second template with the switch may default the other way.
        thinking = thinking_asked(mode, starts)
        said = thinking_each_said(mode, starts, thinking, model_labels)
        c3.caption(thinking_caption(thinking_writes(switched[0]), own, others))
        if said:  # apart: who is asked how, the line to find at a glance
            c3.caption(said)
    # A template that takes no system turn, given one: how to leave it out here, and how a built-in template that
    # takes one comes to be used here (a run reads the prompt in the template it trained with).
    typed = st.session_state.get("compare_source", "Type a prompt") == "Type a prompt"
    system_fix = (
        "clear the System message box (or put its text at the start of your message)"
        if typed
        else "pick **Type a prompt** and leave the System message box empty",
        "compare a run trained with a built-in template that takes one",
    )
    with user_errors("Could not render the prompt", in_form_words):  # not "(--template chatml)"
        if any(m.get("role") == "system" for m in messages):  # a raw-text run has no system turn: refused, not glued
            trained = {name: own[0] for name, own in model_set.templates.items()}
            if refusal := S.text_system_refusal(trained, written_in, system_fix[0]):
                raise refusal
        # Each run reads the prompt in the chat template it trained with (the base: the first run's), and a test
        # row's tool schemas as training rendered them.
        prompts = M.render_prompts(
            model_set, messages, tools=tools, template=written_in, fix=system_fix, thinking=thinking
        )
    if not tools and (taught := trained_with_tools(adapters)):  # `sample` warns the same (without --tools)
        st.warning(
            f"{' and '.join(f'Run **{name}**' for name in taught)} trained on rows that show tools, but this prompt "
            f"shows none: {'it is' if len(taught) == 1 else 'they are'} asked without the tools "
            f"{'it' if len(taught) == 1 else 'they'} learned to call, and may answer from memory instead. "
            + (
                ("Pick from the test split a row with tools to ask with them." if typed else "Pick a row with tools.")
                if any(row.get("tools") for row in test_rows)
                else "The test split has no row with tools to ask with them."
            ),
            icon=alerts.WARNING,
        )
    if picked is not None and (said := rewritten_said(*picked, model_set.tokenizer, read_in(model_set, written_in))):
        rewritten_slot.info(said, icon=alerts.INFO)  # by Evaluate's rule (`references.rewritten_before`)
    prompt_ids = {name: tuple(p.ids) for name, p in prompts.items()}
    columns = picked[0].get("columns") if picked is not None else None  # a prompt's row: what its rewards read
    asked = thinking if isinstance(thinking, dict) else None  # each model's Thinking setting, None: no switch
    prompt_view(prompts, reference, choices_by_name(usable, choices, model), pair_reference, columns, asked)
    # Beside the slider: a long grid on a CPU says so before it starts (a 512-token grid took 4 minutes unannounced).
    # Until a grid of this session measures the speed (decode_rate.MIN_TOKENS), roughly, from the work and this
    # server's earlier grids (or benchmarks).
    if model_set.device == "cpu":
        answers, own_rate = len(settings) * len(model_names), st.session_state.get(RATE_KEY)
        prefill = sum(len(ids) for ids in prompt_ids.values())  # each model reads the prompt once
        if own_rate:
            note = long_grid_note(answers, max_new, own_rate, prefill)
        else:
            defaults = decode_rate.DEFAULT_TOKENS_PER_S["cpu"] if model == "default" else None
            note = first_grid_note(answers, max_new, prefill, decode_rate.measured("cpu", model), defaults)
        if note:
            c3.caption(note)

# ------------------------------------------------------------------------------------------------ the grid

job: M.GenerationJob | None = st.session_state.get(JOB_KEY)
# What a grid was made with besides the prompt: the grid says so when the boxes above no longer match it.
request = (tuple(model_names), tuple(s.key for s in settings), seed, max_new, tuple(sorted(prompt_ids.items())))
b1, b2 = st.columns([1, 5])
# The model would answer an empty user turn (the CLI refuses `--prompt ''` too): a slip, not a question.
empty_prompt = not messages or not str(messages[-1].get("content") or "").strip()
if empty_prompt:
    b2.warning("Type a message first: the model would answer an empty one.", icon=alerts.WARNING)
if b1.button("Generate", type="primary", disabled=seed is None or empty_prompt):
    # This tab's grid gives way, unless another tab showing it is open (a duplicated tab, a copied address: it is
    # theirs too, `ui.compare_follow`): there it runs on.
    if job is not None and not job.done and not let_go(job):
        job.cancel()
    rows = S.grid_rows(prompt_ids, settings, [None if m == "base" else m for m in model_names])
    job = M.GenerationJob(
        model_set, rows, max_new_tokens=max_new, seed=int(seed), label="a Compare grid", template=written_in
    ).start()
    st.session_state[JOB_KEY] = job
    runs_shown = choices_by_name(usable, choices, model)  # each run's short label and facts stand for its long id
    st.session_state[LABELS_KEY] = {
        "settings": [setting_header(s) for s in settings],
        "sampled": [not s.greedy for s in settings],  # the hover card adds the odds a token was drawn with
        "models": model_names,
        "shown": [(runs_shown[m].label, runs_shown[m].facts) if m in runs_shown else (m, "") for m in model_names],
        "prompt": messages,
        # each model's Thinking setting, said in its row's heading ("on"/"off"; None: its template has no switch)
        "thinking": [{True: "on", False: "off"}.get((thinking or {}).get(m)) for m in model_names],
        "request": request,
        "base": model,  # whose speed the finished grid measures (decode_rate)
        "loops": [i for _, i, _ in M.rows_by_model(model_set, rows)],  # its decoding loops, for its pace
    }
    note_started(job, st.session_state[LABELS_KEY], grid_boxes())  # its token in the address: a reload follows it
running = job is not None and not job.done
keep_in_address(job)  # while it runs (after a visit elsewhere too); gone once it has ended
if job is not None and job.done:
    # A finished grid is its tokens: holding its model set kept the set's adapters (a full fine-tune: a whole model)
    # loaded while the tab stayed open, past cached_model_set's 3 (8 open tabs: 9 sets, 8 adapters in the base).
    job.model_set = None


# The grid: drawn by a polling fragment only while its job runs; a missing or finished grid is drawn by the page's
# own run, in a plain container at the same place, and nothing polls (a finished grid costs nothing).
#
# Why a finished grid is not the fragment's: the fragment's last poll reruns the page once (st.rerun below) while
# the browser's next timed polls are on their way; the server runs those right after that page run, and each start
# of a fragment run drops the fragment's messages not yet sent, the page run's too, but keeps the page run's
# "finished" (Streamlit 1.67, ForwardMsgQueue.clear) and any cell sent as a reference to the browser's message
# cache (a cell over 10 kB, unchanged since the last poll: a reference carries no fragment id, so it is never
# dropped). The browser then prunes the fragment's block to the page run's few elements that did arrive, and a
# reference addressed to a cell below them stopped Streamlit's browser side for good ("Bad delta path index 7
# (should be between [0, 2])", or "'setIn' cannot be called on an ElementNode" when the pruned block held an element
# there): the page froze without its grid (CI, 2 of 8 sessions on 2 busy cores). With the finished grid drawn by the
# page, that run has no fragment messages to drop, and the timed polls after it find no fragment: they draw nothing.
#
# Every run of either writes the same kinds of element at the same places (a notice slot is an empty element when
# there is nothing to say), and nothing above or below them moves with what they show (the containers).
#
# The Stop button is the grid's too (a fragment's run draws it, the page's finished run takes it away): drawn
# outside the fragment, it was left on a page whose grid had finished.
def grid_view() -> None:
    """The grid of the session's job (a note when there is none): its Stop button while it runs, the notes, each
    model's row of cells, the caption under them, the job's error."""
    if job is None:
        st.info("Press **Generate** to fill the grid: one column per setting, one row per model.", icon=alerts.INFO)
        return
    stop_slot, _ = st.columns([1, 5])
    if not job.done:
        if stop_slot.button("Stop"):
            stop(job)  # noted as this tab's: another tab showing the grid says who stopped it (ui.compare_follow)
    else:
        stop_slot.empty()
    if said := started_elsewhere_said(job):  # a grid this tab follows: whose it is, and that Stop ends it there
        st.caption(said)
    else:
        st.empty()
    labels = st.session_state[LABELS_KEY]
    if labels["prompt"] != messages:
        st.caption("These outputs are for an earlier prompt; press **Generate** to run this one.")
    elif labels.get("request", request) != request:
        st.caption(
            "These outputs were made with other models, settings, seed or length than those chosen above; press "
            "**Generate** to run these."
        )
    else:
        st.empty()
    if job.waiting:
        st.info(job.waiting, icon=alerts.INFO)  # its icon is the cue: an ⏳ after it said it twice
    elif not job.done and job.began is None:  # in line before its first word: the page run that started it says so
        # (the next-token view below may hold this run, and the polls, for a minute: its own wait was the only note)
        st.info(
            f"Waiting for its turn on the {lease.device_label(job.device or 'cpu')}: the grid starts once the device "
            "is free.",
            icon=alerts.INFO,
        )
    elif stopped := stopped_elsewhere_said(job):  # a Stop in another tab showing it: by whom, and what was kept
        st.info(stopped, icon=alerts.INFO)
    else:
        st.empty()
    progress = job.progress()
    if job.done:
        st.caption(finished_line(progress, job.waited_in_all(), lease.device_label(job.device or "cpu")))
    elif job.started is not None:  # decoding, or back in line for the device (its clock stopped: said so)
        st.progress(min(progress.fraction, 1.0), text=progress_line(progress, waiting=bool(job.waiting)))
    else:
        st.empty()
    n_set = len(labels["settings"])
    for col, label in zip(st.columns(n_set), labels["settings"], strict=True):
        col.markdown(label)
    snapshot, i = job.snapshot(), 0
    sampled = labels.get("sampled", [False] * n_set)
    # Each token is a Tab stop (up to 4,096 in a grid): a link before them all goes past the grid (WCAG 2.4.1).
    st.html(skip_link(GRID_END, "the answers' tokens"))
    asked = labels.get("thinking") or [None] * len(labels["models"])  # a grid started before it was recorded: none
    for model_name, (name, facts), setting in zip(labels["models"], labels["shown"], asked, strict=True):
        said = f" · thinking {setting}" if setting else ""  # the models may be asked with different settings
        st.markdown(f"**{name}**" + (f" · :gray[{facts}]" if facts else "") + said)  # a full-width line, cells below
        for col, column_sampled in zip(st.columns(n_set), sampled, strict=True):
            finish = job.finish_reason(i) if job.done else ""
            col.html(token_html(snapshot[i], finish, model=model_name, sampled=column_sampled))
            i += 1
    st.html(skip_target(GRID_END))
    st.caption(
        "Colour = the model's own probability of each token (red unlikely, green likely; a dotted underline marks one "
        "it gave less than even odds); hover a token (or Tab to it) for its alternatives and, in a sampled column, "
        "the odds it was drawn with under that setting. Sampled columns are reproducible with the same seed."
    )
    if job.error:
        st.error(f"Generation failed: {job.error}", icon=alerts.ERROR)


if running:

    def grid() -> None:
        grid_view()
        if job.done:
            # Once, so the page draws the finished grid itself (see above) and stops polling. After the finished grid
            # is drawn, not before: the page shows the whole grid even while that rerun is on its way.
            st.rerun()

    # A new fragment id on every run of the page while the grid fills (a setting changed, the prompt typed, the
    # sidebar): the same race as the finished grid's (above) follows any page run (ui/fragments.py). The fragment's
    # own runs (a poll, Stop) keep the id.
    polling_fragment(grid, POLL_S)
else:
    with st.container():  # where the fragment's own container stands while the job runs
        grid_view()
with st.container():  # one place whether or not the scores are shown: what follows keeps its place too
    if job is not None and job.done and not job.error and st.session_state[LABELS_KEY]["prompt"] == messages:
        if reference is not None:  # beside the answers, not only folded in "What the model sees" above
            with st.expander("The test row's reference answer", expanded=True):
                reference_view(reference, pair_reference)
        alignment_view.score_answers(messages, st.session_state[LABELS_KEY], job, tools)

# ------------------------------------------------------------------------------------------------ next token

st.subheader("The next token, step by step")
st.markdown(
    "- **Greedy** always takes the single most likely token: the same output every time.\n"
    "- **Temperature** reshapes the odds before drawing: below 1 favours the likely tokens, above 1 gives rare "
    "ones more chance.\n"
    "- **Top-k** keeps only the k most likely tokens and draws among them.\n"
    "- **Top-p** keeps the most likely tokens until their probabilities reach at least p, and draws among those.\n"
    "- **Min-p** keeps the tokens at least this share as likely as the most likely one: few when the model is sure, "
    "many when it is not.\n"
    "- **Repetition penalty** (applied first, greedy too) makes every token already in the prompt or the answer "
    "less likely against the tokens not yet used (one of them can still gain on the others): here, the prompt's."
)
v1, v2, v3, v4 = st.columns(4)
shown_names = choices_by_name(usable, choices, model)
restore("view_model", model_names, "Model")  # these sliders outlive a visit to another page too (ui.kept)
view_model = v1.selectbox(
    "Model", model_names, key="view_model", format_func=lambda n: shown_names[n].label if n in shown_names else n
)
v_t = v2.slider(
    "Temperature", 0.0, TEMPERATURE_MOST, default_for("view_t", 1.0), 0.05, key="view_t", help="0 = greedy."
)
v_k = v3.slider("Top-k (0 = off)", 0, TOP_K_MOST, default_for("view_k", 0), key="view_k")
v_p = v4.slider("Top-p (1 = off)", TOP_P_LEAST, 1.0, default_for("view_p", 1.0), 0.05, key="view_p")
_, v6, v7, _ = st.columns(4)
v_min_p = v6.slider("Min-p (0 = off)", 0.0, 0.5, default_for("view_min_p", 0.0), 0.01, key="view_min_p")
v_penalty = v7.slider(
    "Repetition penalty (1 = off)", 0.5, 2.0, default_for("view_penalty", 1.0), 0.05, key="view_penalty"
)
for key in ("view_model", "view_t", "view_k", "view_p", "view_min_p", "view_penalty"):
    keep(key)
if v_t == 0 and (v_k or v_p < 1 or v_min_p):
    st.caption("Temperature 0 is greedy: top-k, top-p and min-p have nothing left to filter.")
if v_t == 0:
    view_setting = S.DecodingSetting(0.0, repetition_penalty=v_penalty)
else:
    view_setting = S.DecodingSetting(v_t, v_k, v_p, min_p=v_min_p, repetition_penalty=v_penalty)
logits_key = (model, adapters, view_model, prompt_ids[view_model])
cache = st.session_state.setdefault("compare_logits", {})
if logits_key in cache:
    cache[logits_key] = cache.pop(logits_key)  # the newest: the last to be let go of
else:
    show_wait = wait_notice()
    with user_errors("Could not compute the next-token distribution"):
        while len(cache) >= KEPT_LOGITS:  # the oldest let go of: each entry is a full vocabulary of floats
            del cache[next(iter(cache))]
        view_lm, view_adapter = model_set.route(view_model)
        # One forward, but in turn with a training run or other sessions (ftlib.lease); a wait is shown above.
        with lease.hold(model_set.device, "generation", "the next-token view", on_wait=show_wait):
            view_ids = list(prompt_ids[view_model])  # the prompt as this model reads it (its own template)
            cache[logits_key] = N.next_token_logits(view_lm, view_ids, view_adapter, model_set.lock)
view = N.next_token_view(cache[logits_key], tokenizer, view_setting, prompt_ids[view_model], top_n=20)
frame = next_token_frame(view)
st.plotly_chart(next_token_figure(frame), width="stretch")
st.caption(
    f"{vocabulary_line(view)} {uncertainty_line(view)} Red bars: removed by a filter (their final probability is 0)."
)
st.dataframe(next_token_table(frame), hide_index=True, width="stretch")
# The grid's fragment keeps this run's globals while the tab stays open (Streamlit reruns it with them), and with them
# the model set and the model last read for the next-token view: 8 open tabs kept 9 sets and 8 adapters in the shared
# base, past cached_model_set's 3. Neither the fragment nor anything below reads them.
model_set = view_lm = None
