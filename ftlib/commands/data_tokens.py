"""What `data inspect` says of a file's rows under a tokenizer: their token lengths under the chat template a run
would use (`asked_lengths`, with --model; `lengths_said`, its `tokens:` line), and whether that template writes the
rows' tool calls (`tool_calls_template`: a warning naming one that does, with the rows' lengths under both), as the
Data page checks and measures them.
"""

from __future__ import annotations

from ftlib.commands import chosen_template
from ftlib.errors import plural
from ftlib.model_names import DEFAULT_MODEL, DEFAULT_MODEL_NAME
from ftlib.split_lines import flat_place


def tool_calls_template(result, args) -> dict | None:
    """Whether the chat template a run would use writes the rows' tool calls (`--template`/`--template-file` of
    `--model`'s tokenizer; the model's own template of the default model without them), as the Data page warns of it
    (`message_checks.first_dropped_tool_calls`, which both call): None where no row has tool calls, so a plain
    inspect loads no tokenizer. Else {model, template, drops_tool_calls, row, where, keeps, warning}: a template
    that leaves the calls out is a warning naming one that writes them; one that cannot be checked (the default
    model does not load, the template cannot write the row) is a warning saying why, `drops_tool_calls` null.
    UserError for a --model or --template-file given that cannot be read."""
    from ftlib.data_stats import row_counts

    with_calls = row_counts(result.rows)["tool_calls"]
    if not with_calls:
        return None
    # Imported only past that point: templates, tokens and the tokenizer are what would slow a plain inspect.
    import shlex

    from ftlib.errors import UserError
    from ftlib.message_checks import first_dropped_tool_calls
    from ftlib.models import load_tokenizer
    from ftlib.templates import TOOL_TEMPLATES

    keeps, model = TOOL_TEMPLATES[0], args.model or "default"
    out = {"model": model, "template": "custom" if args.template_file else args.template, "drops_tool_calls": None}
    out |= {"row": None, "where": None, "keeps": keeps, "warning": None, "lengths": None, "keeps_lengths": None}
    unchecked = f"whether the chat template writes the tool calls of {plural(with_calls, 'row')} was not checked"
    try:
        tokenizer = load_tokenizer(model)
    except (UserError, OSError) as exc:
        if args.model:  # the model asked for: refused as `tokens` and `batch` refuse it
            raise
        out["warning"] = f"{unchecked}: {exc}"  # ModelError's words say what to do
        return out
    template = chosen_template(args, tokenizer)
    try:
        first = first_dropped_tool_calls(result.rows, tokenizer, template)
    except UserError as exc:  # the template cannot write such a row at all: `train` refuses it too
        out["warning"] = f"{unchecked}: the {template.title} template cannot write them: {exc}"
        return out
    out["drops_tool_calls"] = first is not None
    # The lengths the Data page shows beside this warning, and `batch --template` counts: under the template asked
    # for, and under one that writes the calls where it leaves them out (the lengths a run with the fix would see).
    out["lengths"] = _lengths(result, tokenizer, template, args)
    if first is None:
        return out
    from ftlib.templates import get_template

    out["keeps_lengths"] = kept = _lengths(result, tokenizer, get_template(keeps, tokenizer), args)
    row = result.row_numbers[first]
    out |= {"row": row, "where": result.where(row)}
    from ftlib.item_lines import shown_at  # a .jsonl file read whole: the item's first line, as --line takes it

    words = ["python -m ftlib tokens", shlex.quote(str(args.file)), f"--line {shown_at(result, row)}"]
    words += [f"--template {keeps}"]
    words += ["--format " + shlex.quote(args.fmt)] if args.fmt else []
    words += ["--map " + shlex.quote(pair) for pair in args.map]
    words += [f"--model {shlex.quote(args.model)}"] if args.model else []
    # The Data page's warning in the CLI's words: many models' own templates leave calls out (SmolLM2's does).
    out["warning"] = (
        f"the {template.title} template (of {_model_named(model)}) leaves out tool calls, e.g. "
        f"{flat_place(result.where(row))}'s "
        f"({plural(with_calls, 'row')} {'has' if with_calls == 1 else 'have'} some): the model would learn to "
        f"answer without calling, and `train` refuses these rows under it. --template {keeps} writes them (with it "
        f"the longest row is {kept['max']} tokens, and {_cut_said(kept)}); see the row with it: `{' '.join(words)}`."
    )
    return out


def asked_lengths(result, args) -> dict | None:
    """`_lengths` of rows without tool calls under `--model`'s tokenizer and the chosen template, where --model is
    given (a user naming the model asks how long the rows are); None without it or rows. UserError as `tokens`. Raw
    text (format text) is encoded with no chat template: its template is None, its title says so."""
    if not (args.model and result.rows):
        return None
    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer(args.model)
    lengths = _lengths(result, tokenizer, chosen_template(args, tokenizer), args)
    return lengths | ({"template": None, "title": "raw text, no chat template"} if result.format == "text" else {})


def _lengths(result, tokenizer, template, args) -> dict:
    """Token lengths of a LoadResult's rows under the ChatTemplate `template`, as the Data page measures them
    (`data_stats.dataset_stats`: the lengths `tokens.encode_row` gives a run and `batch` counts): {template, rows,
    min, median, mean, max, total, max_length, truncated (rows longer than `max_length`), cut (where the first 3 of
    them are: "line 4")}, `title` in words; `max_length` is `args.max_length`. A row the template refuses is named
    (`_refused`)."""
    from functools import partial
    from statistics import fmean, median

    from ftlib.data_stats import count_truncated, dataset_stats
    from ftlib.templates import TemplateError, render

    rows, max_length = result.rows, args.max_length
    try:
        lengths = dataset_stats(rows, tokenizer, render=partial(render, template), template=template)["token_lengths"]
    except TemplateError:  # the template refuses a row: said as `batch` says it (where, how many, the fix)
        _refused(result, tokenizer, template, args)
        raise
    spread = {"min": min(lengths), "median": median(lengths), "mean": round(fmean(lengths), 1), "max": max(lengths)}
    over = count_truncated(lengths, max_length)[0]
    named = {"template": template.name, "title": template.title, "rows": len(lengths)}
    cut = [result.where(n) for n, k in zip(result.row_numbers, lengths, strict=True) if k > max_length][:3]
    return named | spread | {"total": sum(lengths), "max_length": max_length, "truncated": over, "cut": cut}


def _refused(result, tokenizer, template, args) -> None:
    """Raise the UserError naming the first row of `result` the ChatTemplate `template` refuses to write (where it is
    in the file, how many more it refuses), why (with the fix where one is known: Gemma's template takes no system
    turn; `batching.refusal`, as `batch` and `train` explain it) and the `tokens` command that shows it; returns when
    no row alone is refused. Its bare error said 'System role not supported.' and neither the row nor the fix."""
    from functools import partial

    from ftlib.batching import refusal
    from ftlib.data_stats import render_row
    from ftlib.errors import UserError
    from ftlib.item_lines import shown_at
    from ftlib.row_cuts import tokens_command
    from ftlib.templates import TemplateError, render

    failed = []
    for i, row in enumerate(result.rows):
        try:
            render_row(row, tokenizer, partial(render, template))
        except TemplateError as exc:
            failed.append((i, exc))
    if not failed:
        return
    i, exc = failed[0]
    row = result.rows[i]
    others = f" (and {plural(len(failed) - 1, 'other row')})" if len(failed) > 1 else ""
    line = result.row_numbers[i]
    flags = ["--format", args.fmt] if args.fmt else []
    flags += [word for pair in args.map for word in ("--map", pair)]
    flags += ["--model", args.model] if args.model else []
    # The template measured with: a custom one's file, else its name (the tool-call check's built-in too).
    flags += ["--template-file", args.template_file] if template.name == "custom" else ["--template", template.name]
    show = tokens_command(args.file, shown_at(result, line), flags)
    # The template named once: its refusal's own "The X template refused this conversation: " after it said it twice
    said = refusal(exc, row, template, tokenizer)
    why = said.removeprefix(f"The {template.title} template refused this conversation: ")
    how = ", which refused it" if why != said else ""  # else it failed otherwise (a loop, the sandbox): said as is
    raise UserError(
        f"{args.file}, {result.where(line)}{others} cannot be written with the {template.title} template{how}: "
        f"{why} See the row with `{show}`."
    ) from None


def _cut_said(lengths: dict) -> str:
    """'none is longer than --max-length 384' / '3 rows are longer than --max-length 384 (line 2, line 7, line 9;
    cut in training)', at most 3 named (`_lengths`' cut) and the rest counted; raw text (template None) adds what
    train's cut warning offers documents: bfd_split packing keeps them, in pieces."""
    n, limit = lengths["truncated"], lengths["max_length"]
    if not n:
        return f"none is longer than --max-length {limit}"
    way = "; packing with packing_strategy bfd_split keeps every token, in pieces" if not lengths["template"] else ""
    which = ", ".join(map(flat_place, lengths["cut"])) + (
        f" and {n - len(lengths['cut'])} more" if n > len(lengths["cut"]) else ""
    )
    said = f"{plural(n, 'row')} {'is' if n == 1 else 'are'} longer than --max-length {limit}"
    return f"{said} ({which}; cut in training{way})"


def lengths_said(lengths: dict, model: str, text: bool = False) -> str:
    """The `tokens:` line of `data inspect`: the rows' token lengths, their template (`text`: none) and cut rows."""
    how = "raw text, no chat template: the tokenizer" if text else f"written with the {lengths['title']} template"
    return (
        f"{lengths['min']} to {lengths['max']} a row, median {lengths['median']}, mean {lengths['mean']} ({how} "
        f"of {_model_named(model)}); {_cut_said(lengths)}"
    )


def _model_named(model: str) -> str:
    """The model in brackets' words: the embedded default by its name, then what it is after a comma, since
    `model_names.model_said`'s own brackets nested in these ('(... of `SmolLM2-135M-Instruct (embedded default)`)');
    any other model as given.

    >>> _model_named("default"), _model_named("Qwen/Qwen2.5-0.5B")
    ('`SmolLM2-135M-Instruct`, the embedded default', '`Qwen/Qwen2.5-0.5B`')
    """
    return f"`{DEFAULT_MODEL_NAME}`, the embedded default" if str(model).strip() == DEFAULT_MODEL else f"`{model}`"
