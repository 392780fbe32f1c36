"""What templates, mask policies and training settings are called on every page (Data, Tokens, Batches, Train): one
name each, in plain words, with the short name the CLI and config files use kept in brackets where an engineer needs
it; and the value a preview of a training setting starts from (the value last set in this session on Tokens, Batches
or Train for a setting that is one choice there, `ui.kept`; else the value set on the Train page, or the one the Train
form took from the run last started and nobody changed since, said as such: `LAST_RUN`; else the Train form's default,
ftlib/config.py). All of it is read from session state: a page that previews a training setting calls
`ui.form.start_from_last_run` first (Data, Tokens, Batches and Train do), so a new session says the run last started's
value, as the Train form starts from it.

    st.selectbox("Chat template", TEMPLATE_NAMES, format_func=template_label)
    st.selectbox("What is trained", POLICIES, format_func=policy_label)
    st.slider(setting_label("max_length"), 16, 2048, training_default("max_length"))
    st.caption(as_in_training("max_length", value))
    st.caption(as_set_on("template", "chatml", "Train"))     # a choice made on another page (ui.kept)
    st.caption(as_set_on("max_length", 512, LAST_RUN))      # "..., from the last run started (lora · ...), which ..."
"""

from __future__ import annotations

import re
import shlex

import streamlit as st
from streamlit import runtime

from ftlib.config import field_specs
from ftlib.references import no_reference_fix as cli_no_reference_fix
from ftlib.templates import BUILTIN_TEMPLATES

TEMPLATE_LABELS = {
    **{name: template.title for name, template in BUILTIN_TEMPLATES.items()},
    "tokenizer": "The model's own template",
    "custom": "Custom (your own Jinja template)",
}
POLICY_LABELS = {
    "all_assistant": "every assistant reply",
    "last_assistant": "the last assistant reply",
    "completion_only": "the completion only",
    "everything": "everything (prompt included)",
}


def template_label(name: str, in_sentence: bool = False) -> str:
    """A template's name as the boxes show it; `in_sentence`: as it reads mid-sentence ("the model's own template").

    >>> template_label("tokenizer", in_sentence=True)
    "the model's own template"
    """
    label = TEMPLATE_LABELS.get(name, name)
    return "t" + label[1:] if in_sentence and label.startswith("The ") else label


def policy_label(policy: str) -> str:
    return POLICY_LABELS.get(policy, policy.replace("_", " "))


# Session key (not a widget's): the Train form's widget values as last drawn, {widget key: value}. Streamlit drops a
# widget's state when its page is not drawn; ui/form.py restores the form from this copy, and the other pages read
# what was set there.
TRAIN_FORM = "train_form_saved"
# Session key (not a widget's), while the Train form starts from the run last started (ui/form.py): {"run": its id,
# "words": its label, "method": its method, "values": {widget key: the value put into TRAIN_FORM from it}}.
FROM_RUN = "train_form_from_run"
# Where a setting's value was chosen, beside the pages' names: the run last started, read by the Train form and
# unchanged since (a run started from the command line set it, not anyone on the Train page).
LAST_RUN = "last run"


def set_on_train(name: str):
    """The value of the run setting `name` set on the Train page in this session when it differs from the form's
    default, else None (never set, or set back). Settings whose widget key is `train_<name>` (all but the learning
    rate, whose key names the method)."""
    if not runtime.exists():
        return None
    value = st.session_state.get(TRAIN_FORM, {}).get(f"train_{name}")
    return None if value is None or value == field_specs()[name].default else value


# Session key (not a widget's): run setting -> (value, the page it was last changed on), for the settings that are one
# choice on Tokens, Batches and Train (`ui.kept.SHARED_SETTINGS`: the template, the mask policy, the max length).
SHARED = "shared_choices"


def chosen_for_training(name: str) -> tuple | None:
    """(value, page) of the run setting `name` as a run started now would get it: its last change on Tokens, Batches
    or Train in this session (`ui.kept.share`), else the Train form's own value (`set_on_train`) as (value, "Train");
    None when neither (the form's default applies)."""
    chosen = st.session_state.get(SHARED, {}).get(name) if runtime.exists() else None
    if chosen is not None:
        return chosen
    on_train = set_on_train(name)
    if on_train is None:
        return None
    origin = st.session_state.get(FROM_RUN) or {}
    from_run = f"train_{name}" in origin.get("values", {}) and origin["values"][f"train_{name}"] == on_train
    return on_train, LAST_RUN if from_run else "Train"


def source_words(page: str) -> str:
    """Where a value was chosen, as the end of a sentence: "as set on the Tokens page"; for `LAST_RUN`, "from the last
    run started (lora · chat_style · Dec 02 10:14), which the Train page starts from".

    >>> source_words("Batches")
    'as set on the Batches page'
    """
    if page != LAST_RUN:
        return f"as set on the {page} page"
    words = ((st.session_state.get(FROM_RUN) or {}).get("words") or "") if runtime.exists() else ""
    return f"from the last run started{f' ({words})' if words else ''}, which the Train page starts from"


def training_default(name: str):
    """What training will use for the run setting `name` (`chosen_for_training`), else the form's default (RunConfig
    in ftlib/config.py). A page previewing that setting (a max length on Data, Tokens and Batches, a batch size on
    Batches) starts from it, so a preview shows what training will do."""
    chosen = chosen_for_training(name)
    return field_specs()[name].default if chosen is None else chosen[0]


def setting_label(name: str) -> str:
    """The run setting's name as the Train form shows it ('Max length (tokens)', 'Batch size')."""
    return field_specs()[name].label


def in_form_words(message: str) -> str:
    """A refusal of the settings (ftlib.config's ConfigError, worded for the CLI and config files) as the Train form
    names things: each `setting` by its box's label, each mask policy by the choice the box shows.

    >>> print(in_form_words("`mask_policy` everything does not work with KTO. Use all_assistant or completion_only."))
    **What is trained** everything does not work with KTO. Use "every assistant reply" or "the completion only".
    >>> print(in_form_words("the 'last_assistant' policy masks it; `completion_only` does not"))
    the "last assistant reply" policy masks it; "the completion only" does not
    >>> print(in_form_words("The 'last_assistant' policy trains only the last assistant reply."))
    The "last assistant reply" policy trains only the last assistant reply.
    >>> print(in_form_words("the built-in 'ChatML + tools (Hermes)' (--template hermes), ChatML with blocks"))
    the built-in 'ChatML + tools (Hermes)', ChatML with blocks
    >>> print(in_form_words("Pick a built-in template instead (the Chat template box; `--template NAME` in the CLI)"))
    Pick a built-in template instead (the **Chat template** box)
    >>> print(in_form_words("384 tokens unless set (`train --max-length`, the Train page's 'Max length (tokens)'); "
    ...                     "the row is 500 tokens. `tokens --max-length N` shows where a run at N tokens cuts it."))
    384 tokens unless set (the Train page's **Max length (tokens)**); the row is 500 tokens. The Tokens page's **Max \
length (tokens)** shows where a run at N tokens cuts it.
    """
    specs = field_specs()
    said = re.sub(r"`(\w+)`", lambda m: f"**{specs[m[1]].label}**" if m[1] in specs else m[0], message)
    for policy, label in POLICY_LABELS.items():
        if "_" in policy:  # an identifier, never an English word of the sentence ("everything" is both)
            # With the quotes or backticks around it, if any: the label brings its own. A "the" before it stays the
            # sentence's and the label's own leaves ("the 'last_assistant' policy" read 'the "the last ..." policy').
            def named(m: re.Match, label: str = label) -> str:
                return f'{m[1]}"{label.removeprefix("the ")}"' if m[1] else f'"{label}"'

            said = re.sub(rf"(\b[Tt]he )?([`'\"]?)\b{policy}\b\2", named, said)
    for cli, page in CLI_WORDS:
        said = cli.sub(page, said)
    return said


# The CLI's words in a message worded for both (the engine's checks): a browser user has the box, not the flag. A
# built-in template is named by its box label with its `--template NAME` beside it (`builtin_named`); a row cut at
# the max length points to `tokens --max-length N` (a walk read both on Tokens, Batches and Train).
CLI_WORDS = (
    (re.compile(r" \(--template [\w.-]+\)"), ""),
    # the box the pages show it in: "(the Chat template box; `--template NAME` in the CLI)" (ftlib.templates)
    (re.compile(r"\(the Chat template box; `--template NAME` in the CLI\)"), "(the **Chat template** box)"),
    (re.compile(r" \(`train --max-length`, the Train page's '([^']+)'\)"), r" (the Train page's **\1**)"),
    (re.compile(r"`tokens --max-length N` shows"), "The Tokens page's **Max length (tokens)** shows"),
    # a setting's help (ftlib.config), shared by `train --help` and the Train form's caption (`field_caption`)
    (re.compile(r"`python -m ftlib tokens FILE --line N --max-length L` shows"), "the Tokens page shows"),
    # a flag beside a setting the form names already: "(`--test-size 0.1` in the CLI)", "(`--eval-every` in the CLI)"
    # (`overfitting.preflight_warnings`)
    (re.compile(r" \(`--[\w-]+[^`]*` in the CLI\)|, `--[\w-]+[^`]*` in the CLI(?=\))"), ""),
    # the flags after the form's words: "(Train page: Rows longer than max length; --packing --packing-strategy ...)"
    (re.compile(r"; --[\w -]*\)"), ")"),
    # rows past the reasons a warning names one by one (`ftlib.checks.template_report`, `run_preflight.why_left_out`)
    (re.compile(r"the `tokens` command shows (each row|why)"), r"the Tokens page shows \1"),
    # a control token in a turn's own text (`ftlib.tokenizer_checks.control_token_checks`'s fix, the CLI's way)
    (
        re.compile(
            r"`python -m ftlib tokens FILE --line N --json` marks each token read as a control token "
            r'\("special": true\)\.'
        ),
        "The Tokens page shows which tokens are read as control tokens.",
    ),
    # rows the template cannot render (`ftlib.run_data.ROWS_REFUSED_FIX`, the CLI's way), as a failed run keeps them
    (
        re.compile(r"pick another chat template with `--template NAME`\."),
        "pick another chat template in the **Chat template** box.",
    ),
    # the format's flag beside the Data page's box: "('Read the file as' on the Data page, `--format prompt_only`)",
    # "(`--format prompt_only`; 'Read the file as' on the Data page)" (GRPO's notes: `run_preflight`, `rewards`)
    (re.compile(r", `--format \w+`(?=\))|`--format \w+`; (?='Read the file as')"), ""),
)


# A setting's help (ftlib.config, worded for `train --help`) where it names a command, a flag or a setting the form
# sets elsewhere, as the Train form's caption says it (`field_caption`): the page a user does it on.
HELP_WORDS = (
    # template: "a built-in one (...; `python -m ftlib tokens FILE --template NAME` shows each)"
    (re.compile(r"`python -m ftlib tokens FILE --template NAME` shows each"), "the Tokens page shows each"),
    # template's "custom (its Jinja text in template_source, or a file's with ...)", template_source's "(...; a file's
    # with ...)": the page's custom text is the one written on the Tokens page
    (re.compile(r"(?: in template_source, or)? a file's with `--template-file FILE`"), " written on the Tokens page"),
    # test_size (hidden on the Train page, which trains a saved split): the Data page's boxes of Split and save
    (re.compile(r"as `data split --test-size` takes"), "as the Data page's **Test ratio** and **Test rows** take"),
    (re.compile(r"the share `data split` starts from"), "the share the Data page's **Test ratio** starts from"),
)


def field_caption(help_text: str, label: str = "") -> str:
    """A setting's help (`FieldSpec.help`, which `train --help` prints as written) as the Train form's caption under
    its box: the CLI's commands and flags in it said as the pages do (`HELP_WORDS`, `CLI_WORDS`), the rest as written.
    `label`: the box's label, whose parenthesis the caption does not say again ("Max steps (0 = use epochs)" above
    "Stop after this many optimizer steps instead (0 = use epochs)."; the CLI prints no label, so its help keeps it).

    >>> print(field_caption("cut (`python -m ftlib tokens FILE --line N --max-length L` shows where)."))
    cut (the Tokens page shows where).
    >>> print(field_caption("one (plain; `python -m ftlib tokens FILE --template NAME` shows each) or custom (its "
    ...                     "Jinja text in template_source, or a file's with `--template-file FILE`)."))
    one (plain; the Tokens page shows each) or custom (its Jinja text written on the Tokens page).
    >>> print(field_caption("Stop after this many optimizer steps instead (0 = use epochs).", "Max (0 = use epochs)"))
    Stop after this many optimizer steps instead.
    """
    for cli, page in (*HELP_WORDS, *CLI_WORDS):
        help_text = cli.sub(page, help_text)
    for said in re.findall(r" ?\([^()]*\)", label):
        help_text = help_text.replace(" " + said.strip(), "")
    return help_text


def on_data_page(message: str) -> str:
    """A note of the data's reading (`ftlib.notices`, worded for the Data page and the CLI at once) as the Data page
    says it: its boxes "above", not "on the Data page" (the page it is on), and no `--map` of the CLI beside them.

    >>> print(on_data_page("choose `a` as the Answer column on the Data page (`--map a=completion` in the CLI)."))
    choose `a` as the Answer column above.
    >>> print(on_data_page("map `q` (Field mapping on the Data page: q -> prompt; --map q=prompt in the CLI)"))
    map `q` (Field mapping above: q -> prompt)
    >>> print(on_data_page("Field mapping on the Data page, q -> prompt (CLI: --map q=prompt)."))
    Field mapping above, q -> prompt.
    >>> print(on_data_page("the format 'prompt_only' (--format prompt_only) says so; choose `a` on the Data page; "
    ...                    "`--map a=completion` in the CLI): GRPO"))
    the format 'prompt_only' says so; choose `a` above): GRPO
    >>> print(on_data_page("Pick 'kto' ('Read the file as' on the Data page, --format in the CLI) to read them"))
    Pick 'kto' ('Read the file as' above) to read them
    >>> print(on_data_page("map it (`--map ok=label` in the CLI, the label box under Field mapping on the Data page)"))
    map it (the label box under Field mapping above)
    >>> print(on_data_page("Map them under Field mapping on the Data page, or in the CLI with `--map C=instruction "
    ...                    "--map C=output`, e.g. `--map q=instruction`; documents: `--map 'the text=text'`."))
    Map them under Field mapping above; documents: map `the text` to text.
    >>> print(on_data_page("map it under Field mapping on the Data page (`--map A=prompt`, `--map B=completion` in "
    ...                    "the CLI)"))
    map it under Field mapping above
    >>> print(on_data_page("choose it ('Read the file as' on the Data page, `--format` on the command line)."))
    choose it ('Read the file as' above).
    """
    # The Drop exact duplicates box is under Split and save, below the notes, not "above" (`ftlib.splits.DEDUPE_SAID`,
    # the duplicates note): said by its box, without the CLI's flag.
    said = message.replace("(the Data page's Drop exact duplicates box, `data split --dedupe`)", _DEDUPE_BOX)
    said = _CLI_ASIDE.sub("", said).replace(" on the Data page", " above")
    # a column of documents, as `ftlib.map_hint.text_example` writes its mapping (shell-quoted): said as the boxes do
    return re.sub(r"`--map ([^`]+)`", _text_box, said)


def _text_box(found: re.Match) -> str:
    """A `--map COLUMN=text` as the Data page's boxes say it ("map `COLUMN` to text"), its shell quoting undone: a
    column named `Agent's reply` is quoted `'Agent'"'"'s reply=text'`. Any other `--map` as it is."""
    try:
        words = shlex.split(found[1])
    except ValueError:
        return found[0]
    column, _, field = words[0].rpartition("=") if len(words) == 1 else ("", "", "")
    return f"map `{column}` to text" if column and field == "text" else found[0]


# The fix `ftlib.modelset.check_tuned` gives an adapter that does not fit the base it is loaded on, worded for the CLI.
_BASE_FLAG = "Give the base it was trained on with --model."
# A page's own way to it: Compare loads the runs on the sidebar's model, Evaluate a run on the base it records.
BASE_IN_SIDEBAR = (
    "Type the base it was trained on in the sidebar's **Model** box, or leave this run out of **Fine-tuned models**."
)
BASE_OF_RUN = (
    "This page evaluates a run on the base its config.json names, which is not the one it was trained on: put "
    "that base back where the run's config.json points."
)
# Evaluate's way on where a run's held-out rows cannot be read (`ftlib.eval_runs.run_info`'s `fix`; the CLI's is
# `data split`, --map, --test-size): a run that kept no copy of its rows reads its data as it is now.
RUN_DATA_FIX = (
    "Save the data as a split on the **Data** page (its fields mapped under **Field mapping** where it needs that) "
    "and train a run on it, or pick another run in the **Run** box above."
)


def no_reference_fix(kind: str) -> str:
    """The Evaluate page's way on from a held-out row of `kind` without a reference answer (`ftlib.references.
    NoReference`), given to `evaluate(no_reference_fix=)`; the CLI's names `sample` (`references.no_reference_fix`).

    >>> no_reference_fix("text").endswith("or compare the models' answers on the Compare page.")
    True
    """
    fix = (
        "Evaluate on rows with answers (conversations, preference pairs or good-labelled answers; the CLI's --data "
        "FILE), or compare the models' answers on the Compare page."
    )
    grpo = " A GRPO run's prompts are measured on its rewards: pick such a run in the Run box above."
    return fix + (grpo if kind == "prompt_only" else "")


def skipped_words(reason: str) -> str:
    """Why an evaluation skipped a row (`ftlib.evaluate`'s, `ftlib.reward_eval`'s) as the pages say it, whichever
    surface kept the result: `python -m ftlib evaluate RUN` keeps it for the Evaluate page in the CLI's words. The
    CLI's way on from a row without a reference answer (`ftlib.references.no_reference_fix`) becomes the page's
    (`no_reference_fix`), and the CLI's flags the boxes (`in_form_words`); a reason in the page's words stays as it is.

    >>> from ftlib.references import NoReference
    >>> print(skipped_words("reply 2: " + str(NoReference("This text row has no reference answer.", "text"))))
    ... # doctest: +NORMALIZE_WHITESPACE
    reply 2: This text row has no reference answer. Evaluate on rows with answers (conversations, preference pairs
    or good-labelled answers; the CLI's --data FILE), or compare the models' answers on the Compare page.
    >>> skipped_words(no_reference_fix("prompt_only")) == no_reference_fix("prompt_only")
    True
    """
    # The prompt-only fix first: it is the others' and a sentence more.
    for kind in ("prompt_only", "text"):
        reason = reason.replace(cli_no_reference_fix(kind), no_reference_fix(kind))
    return in_form_words(reason)


# The Train page's way on from rows the chat template cannot render before a start (`ftlib.run_data.RowsRefused`,
# "{them}": "that row" or "those rows"), given to `preflight`; the CLI's is `--template NAME` (ROWS_REFUSED_FIX there).
ROWS_REFUSED_FIX = "Fix {them}, or pick another chat template in the **Chat template** box above."


def run_split_fix(split: str) -> str:
    """Evaluate's way on where a run that kept no copy of its rows reads a saved split whose files do not read
    (`ftlib.eval_runs.run_info`'s `split_fix`): the run reads the split by its name, so saving it again is enough; no
    new run (`RUN_DATA_FIX`). `split`: as the run's config names it.

    >>> print(run_split_fix("tides"))  # doctest: +NORMALIZE_WHITESPACE
    Save the split 'tides' again (the run reads it by that name): open its data file on the **Data** page and press
    **Save split** under **Split and save**; or pick another run in the **Run** box above.
    """
    return (
        f"Save the split '{split}' again (the run reads it by that name): open its data file on the **Data** page and "
        "press **Save split** under **Split and save**; or pick another run in the **Run** box above."
    )


def on_model_page(message: str, base: str) -> str:
    """An engine refusal of a run's model (`ftlib.modelset.check_tuned`, worded for the CLI) as Compare and Evaluate
    say it: the base it was trained on by the page's own way to it, `base` (`BASE_IN_SIDEBAR`, `BASE_OF_RUN`), not
    "with --model"; a resume by the Train page's Resume button, not `python -m ftlib runs resume ID`. Any other
    message as it is.

    >>> print(on_model_page("It does not fit the base model m (e.g. w). Give the base it was trained on with --model.",
    ...                     "Type it in the sidebar."))
    It does not fit the base model m (e.g. w). Type it in the sidebar.
    >>> print(on_model_page("It cannot be loaded; resume the run to write it again where its training ended "
    ...                     "(`python -m ftlib runs resume r-1`).", "Type it in the sidebar."))
    It cannot be loaded; resume the run to write it again where its training ended (**Resume** under the run on the \
Train page).
    >>> print(on_model_page("Was it trained on this base model?", "Type it in the sidebar."))
    Was it trained on this base model?
    """
    said = message.replace(_BASE_FLAG, base)
    return re.sub(r" \(`python -m ftlib runs resume [^`]+`\)", " (**Resume** under the run on the Train page)", said)


_DEDUPE_BOX = "(the **Drop exact duplicates** box under Split and save below)"


# The CLI's way beside the page's, as `ftlib.notices`, `ftlib.formats`, `ftlib.data` and `ftlib.mapping` word it:
# "(`--map a=completion` in the CLI)", "(`--map A=prompt`, `--map B=completion` in the CLI)",
# "; --map q=prompt in the CLI", "(--format prompt_only)", "(CLI: --map q=prompt)", "(..., --format in the CLI)",
# ", or in the CLI with `--map C=instruction --map C=output`, e.g. `--map q=instruction`" (`ftlib.data`).
_CLI_ASIDE = re.compile(
    r" \(`--map [^`]*`(?:, `--map [^`]*`)* in the CLI\)|;? `?--map [^;)`]*`? in the CLI| \(--format \w+\)"
    r"| \(CLI: --[^)]*\)"
    r"| \(`--format \w+` in the CLI\)|, `?--format[\w ]*`? in the CLI|(?<=\()`--map [^`]*` in the CLI, "
    r"|, or in the CLI with `--map [^`]*`, e\.g\. `--map [^`]*`"
    # own_split's "('Read the file as' on the Data page, ...)", split_keys' "('split from this file' on the ...)"
    r"|, `--(?:format|test-size)` on the command line(?=\))"
)


# The CLI's way on from data a run could not read when it started (`ftlib.run_data.DataRefused`'s `fix`: a file that
# needs a mapping, a folder without meta.json, a test size too large; `ftlib.workspace.SPLIT_AGAIN`), as the worker
# keeps it in a failed run's status.json (for `runs show` too): the Train page says `RUN_FAILED_DATA_FIX` instead.
_DATA_FIXES = re.compile(
    r"Give the mapping with --map COLUMN=FIELD \(repeat it\), or save the file as a split with one \(on the Data "
    r"page, or `python -m ftlib data split [^`]* --out DIR`\) and train on it \(--dataset DIR\)\."
    r"|Or save the file as a split with the mapping \(on the Data page, or `python -m ftlib data split [^`]* --out "
    r"DIR`\) and train on it \(--dataset DIR\)\."  # the same, where the message said --map already (runs since)
    r"|Save the split again from its data file \(the Data page, or `python -m ftlib data split FILE --out DIR`\)\."
    r"|Point to a saved split or a data file \(a split folder saved by an older version: save it again with "
    r"`python -m ftlib data split FILE --out DIR`\)\."
    r"|Give a test size that fits, or test_size 0 \(`--test-size 0`\) to train on every row with none held out "
    r"\(no held-out loss\)\."
    r"|Save the split again \(the Data page's Split and save, or `python -m ftlib data split`\)\."
)
RUN_FAILED_DATA_FIX = (
    "Save the data as a split on the **Data** page (its fields mapped under **Field mapping** where it needs that) "
    "and start a new run on it."
)


def failed_run_words(message: str) -> str:
    """A failed run's message (the worker's, worded for the CLI: `runs show` prints it) as the Train page says it:
    data it could not read with the page's way on (`RUN_FAILED_DATA_FIX`), not `data split`, `--map` or
    `--test-size`; a mapping's boxes without the CLI's `--map` beside them; each `setting` by its box's label
    (`in_form_words`). Runs that failed before read the same: their message is on disk.

    >>> print(failed_run_words("`test_size` 0.5 cannot split 'a.jsonl': it has 1 row. Give a test size that fits, or "
    ...                        "test_size 0 (`--test-size 0`) to train on every row with none held out (no held-out "
    ...                        "loss)."))  # doctest: +NORMALIZE_WHITESPACE
    **Held-out share or rows** 0.5 cannot split 'a.jsonl': it has 1 row. Save the data as a split on the **Data** page
    (its fields mapped under **Field mapping** where it needs that) and start a new run on it.
    >>> print(failed_run_words("Map one under Field mapping on the Data page (`--map COLUMN=FIELD` in the CLI); its "
    ...                        "columns: q, a. Documents: `--map 'the text=text'`."))
    Map one under Field mapping on the Data page; its columns: q, a. Documents: map `the text` to text.
    """
    said = _CLI_ASIDE.sub("", _DATA_FIXES.sub(RUN_FAILED_DATA_FIX, message))
    return in_form_words(re.sub(r"`--map ([^`]+)`", _text_box, said))


# The CLI's commands beside the Train page's buttons in what a run whose config.json or status.json does not read
# says (`ftlib.run_recovery.damage_message`): the page under them has the buttons, not a shell.
_RUN_BUTTONS = (
    (re.compile(r" \(`python -m ftlib runs resume \S+` or `runs delete \S+`; Resume and Delete on the Train page\)"),
     " (**Resume** and **Delete…** below)"),
    (re.compile(r" \(`python -m ftlib runs delete \S+`, or Delete on the Train page\)"), " (**Delete…** below)"),
    # What a run whose config.json does not read trained: the page offers its own adapter or model to download
    # (`ftlib.downloads.downloads`, under Export); it samples it nowhere (Compare and Evaluate need the base the
    # config named).
    (re.compile(r" still exports and samples \(`python -m ftlib runs export \S+`; `sample --adapter \S+ --model` "
                r"its base model\)"),
     " can still be downloaded (**Export** below)"),
)  # fmt: skip


# The CLI's ways in `ftlib.models`' refusals of a model typed in the sidebar's Model box: an adapter's folder (export
# it merged) and a reward model (score with it, a GRPO reward, train one), said by the pages' own boxes and buttons.
_MODEL_WAYS = (
    (re.compile(r" \(the Train page's downloads, or `python -m ftlib runs export \S+ --merged`\)"),
     " (the Train page's downloads)"),
    (re.compile(r"Score answers with it \(`python -m ftlib score \S+`\), use it as a GRPO reward "
                r"\(`--rewards '[^`]*'`\), or train a reward model from it \(`--method reward`\)"),
     "Score answers with its run on the **Evaluate** page, use it as a GRPO reward (the Train page's **Rewards** "
     "box), or train a reward model from it (the Train page's **Method** box)"),
)  # fmt: skip


def model_box_words(message: str) -> str:
    """A refusal of a model typed in the sidebar's Model box (`ftlib.models.check_model`, worded for the CLI) as the
    pages say it: their downloads, boxes and pages, not `runs export --merged`, `score`, `--rewards`, `--method`.

    >>> print(model_box_words("export the merged model (the Train page's downloads, or `python -m ftlib runs export "
    ...                       "r-1 --merged`) and point here to it."))
    export the merged model (the Train page's downloads) and point here to it.
    """
    for cli, page in _MODEL_WAYS:
        message = cli.sub(page, message)
    return message


def damaged_run_words(message: str) -> str:
    """A damaged run's words (`RunSummary.unreadable`) as the Train page says them above the run's buttons: the
    buttons, not `python -m ftlib runs resume|delete ID`, and its downloads, not `runs export ID` and `sample`. Any
    other message as it is.

    >>> print(damaged_run_words("Resume it, or delete it (`python -m ftlib runs resume r-1` or `runs delete r-1`; "
    ...                         "Resume and Delete on the Train page)."))
    Resume it, or delete it (**Resume** and **Delete…** below).
    >>> print(damaged_run_words("delete it then (`python -m ftlib runs delete r-1`, or Delete on the Train page)."))
    delete it then (**Delete…** below).
    >>> print(damaged_run_words("What it trained still exports and samples (`python -m ftlib runs export r-1`; "
    ...                         "`sample --adapter r-1 --model` its base model)."))
    What it trained can still be downloaded (**Export** below).
    """
    for cli, page in _RUN_BUTTONS:
        message = cli.sub(page, message)
    return message


def as_in_training(name: str, value, here: str = "") -> str:
    """One line under a preview of a training setting on the page `here`: whether `value` is what training uses, and
    where that was set (`chosen_for_training`).

    >>> print(as_in_training("max_length", 384))
    Max length (tokens) 384, as in training (the Train page starts from 384).
    >>> print(as_in_training("batch_size", 4))
    Batch size 4 is for this preview only: training uses the Train page's value (8 unless you change it there).
    """
    label, default, chosen = setting_label(name), field_specs()[name].default, chosen_for_training(name)
    if chosen is not None:
        used, page = chosen
        if value == used and page == here:  # set on this page, a box that is one choice with the Train page's
            return f"{label} {value:g}, as in training: the Train page starts from it."
        if value == used:
            return as_set_on(name, value, page)
        return f"{label} {value:g} is for this preview only: training uses {used:g}, {source_words(page)}."
    if value == default:
        return f"{label} {value:g}, as in training (the Train page starts from {default:g})."
    return (
        f"{label} {value:g} is for this preview only: training uses the Train page's value ({default:g} unless you "
        "change it there)."
    )


def as_set_on(name: str, value, page: str) -> str:
    """One line under a box whose value was chosen on another page (the chat template and the mask policy are one
    choice on Tokens, Batches and Train: `ui.kept`), or taken from the run last started (`page` LAST_RUN), as the
    Train form names the setting and the value.

    >>> print(as_set_on("template", "chatml", "Train"))
    Chat template: ChatML, as set on the Train page.
    >>> print(as_set_on("mask_policy", "last_assistant", "Batches"))
    What is trained: the last assistant reply, as set on the Batches page.
    >>> print(as_set_on("max_length", 128, "Tokens"))
    Max length (tokens) 128, as set on the Tokens page.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):  # a number reads after its name, no colon
        return f"{setting_label(name)} {value:g}, {source_words(page)}."
    shown = {"template": template_label, "mask_policy": policy_label}.get(name, str)(value)
    return f"{setting_label(name)}: {shown}, {source_words(page)}."


__all__ = [
    "FROM_RUN",
    "LAST_RUN",
    "POLICY_LABELS",
    "RUN_FAILED_DATA_FIX",
    "SHARED",
    "TEMPLATE_LABELS",
    "TRAIN_FORM",
    "as_in_training",
    "as_set_on",
    "chosen_for_training",
    "damaged_run_words",
    "failed_run_words",
    "model_box_words",
    "policy_label",
    "run_split_fix",
    "set_on_train",
    "setting_label",
    "skipped_words",
    "source_words",
    "template_label",
    "training_default",
]
