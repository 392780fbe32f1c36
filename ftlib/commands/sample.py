"""`python -m ftlib sample`: one prompt, several decoding settings, base and adapters, in one batched loop.

    python -m ftlib sample --prompt "Write a haiku" --setting greedy --setting temperature=0.8,top_p=0.9 \\
        --adapter RUN_DIR --seed 0 --max-new-tokens 64 --json

JSON: {"results": [{"model", "setting", "template", "text", "finish_reason", "repeats", "tokens": [{"text", ...}]}]},
model-major (every setting of the base, then every setting of each adapter), with "thinking" ("on"/"off") where the
thinking switch was given or chosen as a run trained (the text's headings say it too). Each run reads the prompt in
the chat template it trained with (`template`), the base in the first run's; `--template` sets one for all. `prob`
is the model's own probability of the token; `sample_prob` its probability in the filtered distribution it was drawn
from.
The base is the one the runs were trained on unless `--model` names it; another base than a run's is refused, since
its adapter fits only its own. `--tools` shows the prompt tool schemas (a .json file or the JSON text), written as
training wrote a row's `tools`: a tool-calling run asked without the tools it learned to call answers as if it had
none (said in a warning, as is a template that writes no tools).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

from ftlib.commands import DEVICE_HELP, device_name, json_text, sample_seed
from ftlib.commands.runs import run_folder
from ftlib.decoding import DEFAULT_NEW_TOKENS, PRESETS, short_number
from ftlib.errors import UserError, os_error_message, plural
from ftlib.user_paths import user_path

# A heading's words for why an answer ended (sampling.FINISH_REASONS): "(stop, 12 tokens)" left a newcomer guessing.
ENDED = {
    "stop": "ended by the model",
    "length": "cut at --max-new-tokens {limit}",
    "context": "cut at the model's context length",
}
SAMPLE_DESCRIPTION = """\
Answer --prompt with the base model and each --adapter under each --setting, in one batch.
Each answer is headed '=== MODEL | SETTING (N tokens, WHY IT ENDED)': ended by the model (it wrote
its end-of-turn token), cut at --max-new-tokens, or cut at the model's context length.
--json adds each token's probabilities: 'prob', the model's own probability of the token, and
'sample_prob', its probability in the distribution the setting drew it from (after repetition
penalty, temperature, top-k, top-p and min-p; 1.0 under greedy), with --alternatives N the N most
likely tokens there; 'finish_reason' is stop, length or context."""
MAX_ALTERNATIVES = 100  # alternatives listed per token in --json (each is a top-k over the vocabulary)
# A template that takes no system turn, given --system: how to leave it out, how to pick one that takes it (the
# built-in is named with its --template: `prompt_checks.explain_refusal`).
TOOLS_FIX = (
    'give a .json file of tool schemas or the JSON text itself, e.g. --tools \'[{"type": "function", "function": '
    '{"name": "get_weather", "parameters": {...}}}]\''
)
SYSTEM_FIX = ("drop --system (or put its text at the start of --prompt)", "pick a built-in template that takes one")
TEXT_SYSTEM_FIX = "drop --system and put its text at the start of --prompt instead"  # a raw-text run's prompt


# Each preset with its values, for --help: "greedy (temperature=0), precise (temperature=0.3,top_k=20), ..."
PRESET_VALUES = ", ".join(
    f"{name} ({'temperature=0' if setting.key == 'greedy' else setting.key})" for name, setting in PRESETS.items()
)


def register(sub) -> None:
    p = sub.add_parser(
        "sample",
        help="compare decoding settings and models on one prompt",
        description=SAMPLE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the lines as written: wrapping split --max-new-tokens
    )
    p.add_argument(
        "--model",
        default=None,
        help="base model: default, a model folder or a cached hub id (default: the base the runs were trained on, "
        "else default); a run is sampled only on its own base",
    )
    p.add_argument(
        "--adapter",
        action="append",
        default=[],
        metavar="RUN_OR_DIR",
        help="a finished run (folder, id or name), an adapter folder or a full fine-tuned model folder; repeat for "
        "several",
    )
    p.add_argument(
        "--prompt",
        required=True,
        help="the user message; for a run trained on raw text (and under --template text) the beginning of a text, "
        "which the models continue (a request there is often answered with nothing: the text ends at once)",
    )
    p.add_argument(
        "--system",
        default=None,
        help="optional system message; refused for a run trained on raw text and under --template text (no "
        "system turn there): put its text at the start of --prompt",
    )
    p.add_argument(
        "--tools",
        default=None,
        metavar="FILE_OR_JSON",
        help="tool schemas to show the model, as a data row's `tools` holds them (a JSON list of OpenAI-style "
        "functions): a .json file or the JSON text; written as training wrote them by a template that shows tools "
        "(hermes, llama31, or the run's own)",
    )
    p.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="SETTING",
        help=f"a preset ({PRESET_VALUES}) or key=value pairs such as "
        "temperature=0.8,top_k=40,top_p=0.9 (also min_p, repetition_penalty), or a preset then pairs that change it "
        "(greedy,repetition_penalty=1.2); repeat for several (default: greedy)",
    )
    p.add_argument(
        "--seed",
        type=sample_seed,
        default=0,
        help="seed of the sampled settings' random draws, 0 to 2147483647 (same seed, same text, here and on Compare)",
    )
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=DEFAULT_NEW_TOKENS,
        help=f"longest answer, in tokens (default {DEFAULT_NEW_TOKENS})",
    )
    p.add_argument(
        "--template",
        default=None,
        help="chat template for every model (default: each run's own; the base takes the first run's, else the "
        "model's own)",
    )
    p.add_argument(
        "--thinking",
        choices=("on", "off"),
        default=None,
        help="a template's thinking switch (Qwen3's enable_thinking), as transformers' apply_chat_template gives it: "
        "off writes an empty reasoning block so the model answers at once (default: as each run trained, off where "
        "its training rows' replies follow that empty block, the base as the first run; else the template's own); "
        "refused where no template has one (a run of a template without one beside: asked as before, and said)",
    )
    p.add_argument(
        "--alternatives",
        type=int,
        default=0,
        help=f"top alternatives to list per token in --json (0 to {MAX_ALTERNATIVES})",
    )
    p.add_argument("--device", default=None, type=device_name, help=DEVICE_HELP)
    p.add_argument("--json", action="store_true", help="print JSON (with each token's probability) instead of text")
    p.set_defaults(handler=_sample, check=check_arguments)


def _trained_on(path: Path) -> str:
    """The base model a run (or its adapter/ or model/ folder) was trained on, from its config.json; "" for a folder
    from outside a run."""
    from ftlib.rundir import RunDir, run_folder_of

    config = RunDir(run_folder_of(path)).read_config()
    model = config.get("model") if isinstance(config, dict) else None
    return model.strip() if isinstance(model, str) else ""


def base_model(given: str | None, runs: list[Path]) -> str:
    """The base to load: `--model`, else the base the runs were trained on (as `evaluate RUN` does), else `default`.

    A run's adapter loaded onto another base runs on weights it never saw: with the same shapes it answers as if
    nothing were wrong, with others PEFT lists every weight that does not fit. So a run is sampled on its own base
    only, as the Compare page offers a run only with its base: `--model` naming another one is refused, and so are
    runs trained on different bases together.
    """
    from ftlib.models import DEFAULT_MODEL, same_model

    trained = [(run, base) for run in runs if (base := _trained_on(run))]
    if given is None:
        bases: list[str] = []
        for _, base in trained:
            if not any(same_model(base, b) for b in bases):
                bases.append(base)
        if len(bases) > 1:
            each = "; ".join(f"{_run_name(run)} on {base}" for run, base in trained)
            raise UserError(
                f"These runs were trained on different base models ({each}): an adapter only works in its own base. "
                "Sample the runs of one base at a time."
            )
        return bases[0] if bases else DEFAULT_MODEL
    for run, base in trained:
        if not same_model(given, base):
            raise UserError(
                f"The run {_run_name(run)} was trained on the base model {base}, not on --model {given}: its "
                f"adapter fits only the base it was trained on. Drop --model to sample it on its base, or pass "
                f"--model {base}."
            )
    return given


def check_base_writes(model: str) -> None:
    """Refuse a merged reward model (a sequence classifier's folder: `runs export --merged` of a reward run) as the
    base that writes the answers, in `models.check_generates`' words, before torch: its config.json tells, where the
    base's folder is known without converting or downloading it (`adapter_shapes.base_folder`). Whether any other
    model writes text needs transformers' model classes (torch): `modelset.plan_tuned` asks as the models load."""
    from ftlib.adapter_shapes import base_folder
    from ftlib.models import check_generates, sequence_classifier

    folder = base_folder(model)
    if folder is not None and sequence_classifier(folder) is not None:
        check_generates(folder, model)


def read_tools(given: str | None) -> list[dict] | None:
    """`--tools`: JSON text, or the path of a file holding it (a list of schemas, one schema, or a data row with
    `tools`), read as a data row's `tools` is (`turns.parse_tools`); None when not given. UserError naming the flag
    for a file that cannot be read or text that is not tool schemas."""
    from ftlib.turns import RowProblem, json_value, parse_tools

    if given is None:
        return None
    text, where = given, "--tools"
    if not given.lstrip().startswith(("[", "{")):  # not JSON text: a file's path
        where = f"--tools {given}"
        try:
            text = user_path(given).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(os_error_message(exc, "read", given, TOOLS_FIX)) from None
        except UnicodeDecodeError:
            raise UserError(f"{where} is not UTF-8 text: {TOOLS_FIX}.") from None
    try:
        value = json_value(text, f"the text of {where}")
        if isinstance(value, dict) and "tools" in value and not {"name", "function"} & set(value):
            value = value["tools"]  # a data row: its schemas
        tools = parse_tools(value, where)
    except RowProblem as exc:
        raise UserError(f"{exc}: {TOOLS_FIX}.") from None
    if not tools:
        raise UserError(f"{where} holds no tool schema: {TOOLS_FIX}.")
    return tools


def warn_tools(prompts: dict, without: dict | None, runs: list[Path]) -> None:
    """`warning:` lines on stderr when the prompt's tools and the runs disagree. `without` (the prompts rendered
    without `--tools`, None when it was not given): a template whose prompt is the same either way writes no tool
    schemas (ChatML leaves them out). Without `--tools`, a run whose first training row shows tools is asked
    without the tools it learned to call (`model_prompts.trained_with_tools`)."""
    from ftlib.model_prompts import trained_with_tools

    if without is not None:
        blind = sorted({p.template for name, p in prompts.items() if p.text == without[name].text})
        if blind:
            said = " and ".join(
                "the model's own chat template" if t == "tokenizer" else f"template {t}" for t in blind
            )
            print(
                f"warning: --tools: {said} writes no tool schemas, so the prompt shows none of them; --template "
                "hermes or llama31 writes them (a run reads its own template).",
                file=sys.stderr,
            )
        return
    for name in trained_with_tools(runs):
        print(
            f"warning: the run {name} trained on rows that show tools (`tools`), but this prompt shows none: the "
            "model is asked without the tools it learned to call. Give them with --tools (a .json file of schemas, "
            "or a row of the data file).",
            file=sys.stderr,
        )


def _run_name(path: Path) -> str:
    from ftlib.rundir import run_folder_of

    return run_folder_of(path).name


class TokenizerOnce:
    """The base model's tokenizer for one `sample` or `evaluate`: loaded at the first call, the same object after it,
    so the checks before the models load and the model set share one load (`loaded`: None until then). On
    SmolLM2-135M the two loads it saves took 1.4-1.6 s of each `evaluate RUN` (0.4-0.6 s and 1.0-1.2 s, a busy
    2-core CPU)."""

    def __init__(self, model: str):
        self.model, self.loaded = model, None

    def __call__(self):
        if self.loaded is None:
            from ftlib.models import load_tokenizer

            self.loaded = load_tokenizer(self.model)
        return self.loaded


def load_models(model: str, runs: list[Path], device: str | None, tokenizer=None, found: tuple | None = None):
    """`load_model_set`, with its failures in one line: a base from a run's config.json that cannot be loaded here
    names the run, and an adapter that does not fit its base says so once rather than listing each weight (it is
    refused before the base loads where its shapes tell, `modelset.check_tuned`; else when PEFT loads it). `sample`
    and `evaluate` load their models here; `tokenizer`: `model`'s, where a check before already loaded it; `found`:
    `modelset.find_tuned_set(runs)`, as their checks found the runs before torch."""
    from ftlib import modelset as M
    from ftlib.models import ModelError, check_model

    trained = {_trained_on(run) for run in runs} - {""}
    if model in trained and user_path(model).exists():
        try:
            check_model(model)  # the run's base: a --model folder was checked already (ftlib.cli)
        except ModelError as exc:
            raise UserError(f"The base model the run was trained on cannot be used: {exc}") from exc
    try:
        return M.load_model_set(model, runs, device=device, tokenizer=tokenizer, found=found)
    except UserError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        if len(lines) == 1:
            raise
        misfits = [line.rstrip(".") for line in lines if line.startswith("size mismatch")]
        if not misfits:
            raise UserError(" ".join(lines)) from exc  # one line all the same
        head = lines[0].split(": Error(s) in loading", 1)[0].rstrip(":")
        raise UserError(
            f"{head}: it does not fit the base model {model} ({len(misfits)} of its weights have other shapes than "
            f"this base's, e.g. {misfits[0]}). Give the base it was trained on with --model."
        ) from exc


def warn_template(name: str | None, tokenizer, trained: dict[str, str]) -> None:
    """`warning:` lines on stderr when `--template name` does not fit: its control tokens unknown to the tokenizer or
    a generation prompt training never opens a reply with (`prompt_checks.sampling_template_warnings`), or another
    template than a run (`trained`: run name -> the template it trained with) learned its replies in. Nothing
    without `--template`: each model then reads its own."""
    from ftlib.prompt_checks import builtin_for_sampling, sampling_template_warnings
    from ftlib.templates import get_template, has_own_template

    if name is None:
        return
    for said in sampling_template_warnings(tokenizer, get_template(name, tokenizer)):
        if has_own_template(tokenizer):
            instead = "Drop --template to use the model's own."
        elif fits := builtin_for_sampling(tokenizer, other_than=name):  # no template of its own to go back to
            instead = f"This model has no chat template of its own: --template {fits} fits its tokenizer."
        else:
            instead = "This model has no chat template of its own, and no built-in template fits its tokenizer."
        print(f"warning: --template {name}: {said[0].lower()}{said[1:]} {instead}", file=sys.stderr)
    others = {run: own for run, own in trained.items() if own != name}
    if others:
        each = ", ".join(f"{run} with {own}" for run, own in others.items())
        print(
            f"warning: --template {name} is not the template the tuned model learned in ({each}): it answers a "
            "format it was not tuned on. Drop --template to give each model its own.",
            file=sys.stderr,
        )


def check_thinking(given: str | None, template: str | None, runs: list[Path], model: str, tokenizer_of=None) -> None:
    """UserError when `--thinking` is `given` and no chat template the prompt is read in has a thinking switch (reads
    `enable_thinking`: `ChatTemplate.thinking_switch`): `--template`, else each run's own and the model's own where a
    run names none or no run is given, as `render_prompts` picks them. Where some have it, those without are named
    in a warning on stderr: they read the prompt as without --thinking, as Compare's toggle leaves them. Only the
    model's own template needs its tokenizer, read here without the model (`tokenizer_of`: a callable giving it,
    where the caller loads it once for several checks)."""
    from ftlib import modelset as M
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    if given is None:
        return
    if template is not None:
        named = [(template, "")]
    else:
        named = [M.trained_template(run) or ("tokenizer", "") for run in runs] or [("tokenizer", "")]
    own = tokenizer_of or (lambda: load_tokenizer(model))
    tokenizer = own() if any(name == "tokenizer" for name, _ in named) else None
    without = [
        "tokenizer (the model's own)" if name == "tokenizer" else name
        for name, source in dict.fromkeys(named)
        if not get_template(name, tokenizer, source or None).thinking_switch
    ]
    if len(without) == len(dict.fromkeys(named)):  # none reads it: the flag would change nothing
        raise UserError(f"--thinking {given}: {_no_switch(without)}; drop --thinking.")
    if without:  # a run of another template beside one with the switch: it reads the prompt as before
        them = "it" if len(without) == 1 else "them"
        print(
            f"warning: --thinking {given}: {_no_switch(without)}: the models reading the prompt in {them} are asked "
            "as without --thinking.",
            file=sys.stderr,
        )


def _no_switch(names: list[str]) -> str:
    """How chat templates without the switch are named: "the chat template chatml has no thinking switch (it does
    not read enable_thinking)", several together."""
    if len(names) == 1:
        return f"the chat template {names[0]} has no thinking switch (it does not read enable_thinking)"
    return f"the chat templates {' and '.join(names)} have no thinking switch (they do not read enable_thinking)"


def check_arguments(args) -> None:
    """What `sample` refuses from its command line, the files and runs it names alone (`ftlib.cli` calls it before it
    imports torch: a typo should not cost a model load): the --setting values, --max-new-tokens, an empty --prompt,
    --alternatives out of range, --tools, each --adapter's run, --system for a raw-text run or template, a --model
    that is not the runs' base, an unknown --template (`templates.get_template`'s words), a run with no result (not
    finished, damaged) or a reward model's (`modelset.find_tuned_set`), a merged reward model as the base
    (`check_base_writes`), an adapter of another base (`adapter_shapes.check_fits_early`) and a --thinking no chat
    template reads (`check_thinking`, on the tokenizer's files where they stand in for it). Leaves on `args.checked`
    what `_sample` reads of them: the decoding settings, the tool schemas, the runs' folders, the base and the runs'
    results."""
    from ftlib import modelset as M
    from ftlib import sampling as S
    from ftlib.adapter_shapes import check_fits_early
    from ftlib.templates import check_template_name
    from ftlib.tokenizer_files import file_tokenizer

    settings = [S.parse_setting(s) for s in (args.setting or ["greedy"])]
    S.check_max_new_tokens(args.max_new_tokens)
    if not args.prompt.strip():  # the model would answer an empty user turn: a slip, not a question
        raise UserError("--prompt is empty: give the user's message, e.g. --prompt 'How do I boil an egg?'.")
    if not 0 <= args.alternatives <= MAX_ALTERNATIVES:
        raise UserError(f"--alternatives must be from 0 to {MAX_ALTERNATIVES}, got {args.alternatives}.")
    tools = read_tools(args.tools)
    runs = [run_folder(a) for a in args.adapter]  # a folder, or a run's id or name
    if args.system:  # a raw-text run has no system turn
        trained = {a: (M.trained_template(r) or ("", ""))[0] for a, r in zip(args.adapter, runs, strict=True)}
        if refusal := S.text_system_refusal(trained, args.template, TEXT_SYSTEM_FIX):
            raise refusal
    base = base_model(args.model, runs)
    check_template_name(args.template)  # in get_template's words, before any model loads
    found = M.find_tuned_set(runs)  # a run that did not finish, a damaged file, a reward model: before torch too
    check_base_writes(base)  # a merged reward model as the base
    check_fits_early(base, found[0])  # an adapter of another base, from its weights' shapes and the base's config.json
    # --thinking with no template that reads it: the model's own template from its tokenizer files, without torch;
    # where they cannot stand in, the real tokenizer, loaded once for the check and the models (`TokenizerOnce`)
    once = TokenizerOnce(base)
    check_thinking(args.thinking, args.template, runs, base, lambda: file_tokenizer(base) or once())
    args.checked = SimpleNamespace(settings=settings, tools=tools, runs=runs, base=base, found=found, tokenizer=once)


def _sample(args) -> int:
    from ftlib import lease
    from ftlib import modelset as M
    from ftlib import sampling as S
    from ftlib.answer_notes import only_whitespace, repeats_itself, whitespace_said
    from ftlib.sharing import print_waits
    from ftlib.tokenizer_checks import prompt_control_warning

    checked = args.checked  # `check_arguments`': everything that can be checked without a model is checked first
    settings, tools, runs, base = checked.settings, checked.tools, checked.runs, checked.base
    thinking = None if args.thinking is None else args.thinking == "on"
    models = load_models(base, runs, args.device, checked.tokenizer.loaded, checked.found)
    warn_template(args.template, models.tokenizer, {n: t[0] for n, t in models.templates.items()})
    if thinking is None and runs and args.template is None:  # left out: each run as it trained, the base as the first
        from ftlib.run_thinking import start_for

        thinking = {name: start_for(run, models.tokenizer) for name, run in zip(models.tuned, runs, strict=True)}
    # Each tuned model reads the prompt in the template it trained with (a custom one's Jinja text included).
    prompts = M.render_prompts(
        models, args.prompt, system=args.system, template=args.template, tools=tools, fix=SYSTEM_FIX, thinking=thinking
    )
    asked = thinking  # the setting each model was asked with, said in its heading and --json (`thinking_said`)
    if isinstance(thinking, bool):  # given: said of the models whose template reads it, the others asked as without
        flipped = M.render_prompts(
            models,
            args.prompt,
            system=args.system,
            template=args.template,
            tools=tools,
            fix=SYSTEM_FIX,
            thinking=not thinking,
        )
        asked = {name: thinking if flipped[name].text != p.text else None for name, p in prompts.items()}
    bare = None
    if tools is not None:  # the same prompt without the tools: a template that writes none renders it the same
        bare = M.render_prompts(models, args.prompt, system=args.system, template=args.template, thinking=thinking)
    warn_tools(prompts, bare, runs)
    injected = prompt_control_warning([args.system or "", args.prompt], models.tokenizer)
    if injected:  # said, not refused: showing what such a prompt does is a fair use of the command
        print(f"warning: {injected}", file=sys.stderr)
    rows = S.grid_rows({name: p.ids for name, p in prompts.items()}, settings, models.names)
    # Takes turns on the device with a training run or the app (ftlib.lease); a wait is told on stderr.
    with lease.hold(models.device, "generation", "python -m ftlib sample", on_wait=print_waits()):
        results = M.generate_with_set(
            models,
            rows,
            template=args.template,  # the one every prompt is written in, when given: its end of turn ends a reply
            max_new_tokens=args.max_new_tokens,
            seed=args.seed,
            top_alternatives=args.alternatives,
        )
    out = []
    for r in results:
        tokens = []
        for t in r.tokens:
            # The token's numbers as TokenInfo gives them: 6 significant digits (a drawn 2e-9 is not 0), its logprob
            said = t.as_dict()
            item = {key: said[key] for key in ("id", "text", "prob", "logprob", "sample_prob")}
            if t.stop:
                item["stop"] = True
            if args.alternatives > 0:
                item["alternatives"] = said["alternatives"]
            tokens.append(item)
        out.append(
            {
                "model": r.row.adapter or "base",
                "setting": r.row.setting.label,
                "values": {k: v for k, v in r.row.setting.as_dict().items() if k != "name"},
                "template": prompts[r.row.adapter or "base"].template,
                **thinking_said(asked, r.row.adapter or "base"),
                "seed": args.seed,
                "text": r.text,
                "finish_reason": r.finish_reason,
                "repeats": repeats_itself(r.text),
                "tokens": tokens,
            }
        )
    if args.json:
        print(json_text({"results": out}, ensure_ascii=False))
        return 0
    from ftlib.models import DEFAULT_MODEL, same_model

    several = len({item["template"] for item in out}) > 1  # then each heading says which template its model read
    for item in out:
        if item["model"] == "base" and not same_model(args.model or DEFAULT_MODEL, DEFAULT_MODEL):
            # `--model FOLDER`, a merged tuned model perhaps: named, so it is not read as the untouched default
            item = {**item, "model": f"base ({Path(args.model.rstrip('/')).name or args.model})"}
        tokens = plural(len(item["tokens"]), "token")
        template = f", template {item['template']}" if several else ""
        template += f", thinking {item['thinking']}" if "thinking" in item else ""
        ended = ENDED.get(item["finish_reason"], item["finish_reason"]).format(limit=args.max_new_tokens)
        print(f"=== {item['model']} | {item['setting']} ({tokens}, {ended}{template})")
        # An answer of whitespace alone (64 newlines) printed as blank lines, read as no answer or a broken command:
        # said in words, as Compare and Evaluate say it
        print(whitespace_said(item["text"]) if only_whitespace(item["text"]) else item["text"])
        if item["repeats"]:  # as Compare and Evaluate mark it
            print(f"↻ repeats itself: common for small models; {repeat_advice(item['values'])}")
        print()
    return 0


def thinking_said(thinking, name: str) -> dict:
    """{"thinking": "on" or "off"} for model `name` ("base" or a run's), as `render_prompts` gave it `thinking` (a
    bool for all, a mapping per run, the base as the first run); {} where none was given (a template's own default).

    >>> thinking_said({"r1": False}, "base"), thinking_said(True, "r1"), thinking_said(None, "base")
    ({'thinking': 'off'}, {'thinking': 'on'}, {})
    """
    if isinstance(thinking, dict):  # left out: each run as it trained, the base asked as the first run is
        thinking = thinking[name] if name in thinking else next(iter(thinking.values()), None)
    return {} if thinking is None else {"thinking": "on" if thinking else "off"}


def repeat_advice(values: dict) -> str:
    """What to try when an answer repeats itself, for a setting's `values` (temperature, repetition_penalty).

    >>> repeat_advice({"temperature": 0, "repetition_penalty": 1.0})
    'try a sampled setting or repetition_penalty=1.2'
    >>> repeat_advice({"temperature": 0.8, "repetition_penalty": 0.9999999})
    'another seed may break the loop; repetition_penalty=0.9999999 (below 1) makes repeats more likely, try 1.2'
    """
    fix = "try a sampled setting" if values["temperature"] == 0 else "another seed may break the loop"
    penalty = values["repetition_penalty"]
    if penalty < 1:  # it asked for repeats; short_number: 0.9999999 is not "1 (below 1)"
        return fix + f"; repetition_penalty={short_number(penalty)} (below 1) makes repeats more likely, try 1.2"
    return fix + f" or repetition_penalty={short_number(max(1.2, round(penalty + 0.2, 2)))}"
