"""What is known about a run before it starts (`preflight`): refusals that keep it from starting and warnings said
beside it. The Train page shows them under the form and disables Start on a refusal; `python -m ftlib train` prints
them and exits 2 on a refusal.

Checks the data (it loads, its rows fit the method, the template renders them, some row has a token to learn),
the machine (GPUs, processes on one CPU, a number format the CPU computes slowly), the LoRA target layers, the
schedule, early stopping, and rows whose trained tokens the max length cuts. Encoding is training's own
(`ftlib.training.encode_for_training`), so what is said here is what the run does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ftlib import alignment, batch_plans, checks, distributed, overfitting, prompt_checks
from ftlib.check_result import Check
from ftlib.checks import longer_fix
from ftlib.config import RunConfig
from ftlib.config_checks import alignment_rate_warnings
from ftlib.data_stats import row_counts
from ftlib.errors import none_of, numbered, plural
from ftlib.grpo_context import context_problems
from ftlib.kto_kl import kto_kl_warnings
from ftlib.loss_types import loss_type_warnings
from ftlib.message_checks import reasoning_layout_note, reasoning_rows, think_as_answer_field
from ftlib.methods import PACKING_METHODS
from ftlib.references import measured_by
from ftlib.row_cuts import NAMED_ROWS, cut_warnings, final_reply_cut, tokens_command_shows
from ftlib.rows import row_kind
from ftlib.tokenizer_checks import check_missing_special_tokens
from ftlib.training_model import cpu_dtype_warnings, expert_dropout_problems, gpu_dtype_problems, target_problems


@dataclass
class Preflight:
    """What is known about a run before it starts. `errors` refuse the launch; `warnings` are said beside it."""

    train_rows: int = 0
    eval_rows: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the rows are read, not a problem (`reasoning_note`)
    longest: int = 0  # tokens of the longest training sequence (what the biggest batch pads to)
    tokens: int = 0  # tokens of all the training sequences: one pass's (ftlib.run_time's estimate of the time)
    step_rows: int = 0  # the rows the trainer steps over, packed rows of a packing run (overfitting.step_rows)
    packed: list[int] = field(default_factory=list)  # tokens of each packed row of a packing run, else []
    # The check behind each of the template's blocks in `errors` and `warnings` (its text -> `Check.code`:
    # "tool_calls_dropped"), so a page can offer that check's one-click fix beside it; other texts are not in it.
    codes: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def preflight(
    config: RunConfig,
    tokenizer=None,
    rows: tuple[list[dict], list[dict]] | None = None,
    shows: str | Callable[[int], str] | None = None,
    refusal_fix: str | None = None,
) -> Preflight:
    """Everything the data layer can know before training: the dataset loads, its rows fit the method, the
    template renders them, and some row has a token to learn; rows left with nothing to learn are named.

    Loads the tokenizer (not the model); encodes every row once (about a second per thousand chat rows).
    `shows`: where the reader sees a row cut, in a page's words (`row_cuts.TOKENS_PAGE_SHOWS`), or a function of the
    first row cut (`row_cuts.run_shows`: the `tokens` command showing it); else the CLI's for any row. Where no row
    can be trained it says where to look at them too (training row 1).
    `refusal_fix`: what to do about rows the chat template cannot render, in a page's words ("{them}": "that row" or
    "those rows"; `run_data.RowsRefused.worded`); else the CLI's (`run_data.ROWS_REFUSED_FIX`).
    """
    from ftlib.errors import UserError
    from ftlib.models import check_model, context_length, load_tokenizer
    from ftlib.template_preflight import early_refusal
    from ftlib.templates import check_template_name
    from ftlib.training import check_row_kinds, encode_for_training, load_rows, run_template, sequences

    # What this machine's GPUs cannot run; where torch must be asked (`asks_gpus`: device cuda), after the rows'
    # checks that need no torch: a data error is said first, alone, before torch is imported (2-3 s)
    gpus_asked = distributed.asks_gpus(config)
    report = Preflight(errors=[] if gpus_asked else distributed.refusals(config))
    report.warnings += distributed.cpu_process_warnings(config)  # several processes on one CPU: slower, not faster
    try:
        if rows is None:
            train, test, report.source = load_rows(config)
        else:
            (train, test), report.source = rows, "rows given in code"
        # What needs no model first: rows the method cannot train (DPO on conversations), an unknown template name;
        # the model's role (check_model's `method`) reads transformers' model classes, which import torch (2-3 s)
        check_row_kinds(train, config, "training")
        check_row_kinds(test, config, "held-out")
        check_template_name(config.template)
        early_refusal(config, train, test, tokenizer)  # the template's refusals, from the model's files: no torch
        # The settings' checks that import torch, so after the rows' (a data error is said alone, before torch):
        if gpus_asked:
            report.errors[:0] = distributed.refusals(config)  # said first, as where torch is not asked
        report.errors += target_problems(config)  # LoRA target layers the model lacks (built on the meta device)
        report.errors += expert_dropout_problems(config)  # an MoE's fused experts: PEFT takes no dropout there
        report.warnings += cpu_dtype_warnings(config)  # float16 (or emulated bf16) on a CPU: many times slower
        report.errors += gpu_dtype_problems(config)  # float16 weights trained on a GPU: refused at the first step
        report.errors += quantization_problems(config)  # QLoRA without bitsandbytes: failed in the worker
        check_model(config.model, method=config.method)  # a reward model's folder writes no text (Train page, CLI)
        tokenizer = tokenizer or load_tokenizer(config.model)
        template = run_template(config, tokenizer)
        context = context_length(config.model)  # what no fix may ask a max length beyond
        train_numbers: list[int] = []  # the training row each encoding came from
        left_out: list = []  # (row, encoding) of each row with nothing to learn, to say why
        encoded, dropped = encode_for_training(train, tokenizer, template, config, train_numbers, left_out=left_out)
        eval_numbers: list[int] = []  # the test row each held-out encoding came from
        eval_left_out: list = []
        eval_encoded, eval_dropped = encode_for_training(
            test, tokenizer, template, config, eval_numbers, "held-out", eval_left_out
        )
    except UserError as exc:
        from ftlib.run_data import RowsRefused

        page = refusal_fix is not None and isinstance(exc, RowsRefused)  # the caller's way on, else the CLI's
        report.errors.append(exc.worded(refusal_fix) if page else str(exc))
        return report
    report.train_rows, report.eval_rows = len(encoded), len(eval_encoded)
    report.longest = max((len(s.input_ids) for s in sequences(encoded)), default=0)
    report.tokens = sum(len(s.input_ids) for s in sequences(encoded))
    packs = config.packing and config.method in PACKING_METHODS  # SFT rows, a sequence each (a pair is never packed)
    lengths = [len(e.input_ids) for e in encoded] if packs else []  # packed as TRL packs them (batch_plans)
    report.packed = batch_plans.packed_lengths(lengths, config.max_length, config.packing_strategy == "bfd_split")
    report.step_rows = len(report.packed) if packs else len(encoded)  # overfitting.step_rows's count
    longest = max(report.longest, max((len(s.input_ids) for s in sequences(eval_encoded)), default=0))
    if config.cut_length is None:  # bfd_split packs a longer row as pieces of the max length: none passes it
        report.longest = longest = min(longest, config.max_length)
    # Past its positions a model reads garbage (or fails mid-run): refused now. GRPO's prompts: `grpo_context` below.
    if context and longest > context and config.method != "grpo":
        report.errors.append(
            f"The max length of {config.max_length} tokens lets rows of up to {longest} tokens through, but the "
            f"model reads at most {context} (its context, max_position_embeddings in its config.json): training on "
            f"positions past that teaches nothing and can fail mid-run. Set the max length to {context} or less "
            "(longer rows are then cut, and said), or shorten those rows."
        )
    # trained tokens past the cut; the longest row named counts the rows left out for it too
    cut_out = [e for _, e in left_out]
    report.warnings += cut_warnings(
        encoded,
        config.max_length,
        train_numbers,
        context,
        cut_out,
        template.title,
        config.method in PACKING_METHODS,
        shows,
    )
    report.warnings += alignment.kto_pair_notes(train, config.method)  # a pair is a good row and a bad row
    # TRL's own balance check is in the prepare step the studio skips.
    labels = [bool(e.label) for e in encoded] if config.method == "kto" else []  # the rows training keeps
    weights = (config.desirable_weight, config.undesirable_weight)
    report.warnings += kto_label_warnings(labels, config.method, *weights, loss_type=config.kto_loss_type)
    report.warnings += loss_type_warnings(config)  # a loss whose target is far from where training starts
    if config.method == "grpo":
        from ftlib.rewards import RewardError, build_rewards, check_columns, problems

        report.warnings += grpo_conversation_notes(train)

        unusable = problems(config.rewards)  # a named run, sample or function that cannot be used
        report.errors += unusable
        # A prompt without the column a reward reads would stop the run where it comes up: contains_column's or
        # final_answer's, a registered function's parameter (cheap to build: no model loads; the functions' files
        # load for `problems`).
        reading = [r for r in config.rewards if {"contains_column", "final_answer", "function"} & set(r)]
        try:
            if reading and not unusable:  # (and build_rewards refuses an empty list: that is `problems`' to say)
                columns = [getattr(e, "columns", None) for e in encoded]
                check_columns(build_rewards(reading, device="cpu"), columns, prompts=[e.messages for e in encoded])
        except RewardError as exc:
            report.errors.append(str(exc))
        if not report.errors:  # each reward called on the first prompts with a stand-in answer (the page and the CLI)
            from ftlib.reward_trial import trial_problem

            report.errors += [tried] if (tried := trial_problem(config.rewards, train)) else []
        # A kept prompt that fills the context stops the run mid-way; one too long for a whole answer has it cut.
        kept = ((train_numbers, encoded), (eval_numbers, eval_encoded))
        prompts = [[(n, len(e.input_ids)) for n, e in zip(ns, es, strict=True)] for ns, es in kept]
        errors, warnings = context_problems(context, config.max_length, config.grpo_max_new_tokens, *prompts)
        report.errors += errors
        report.warnings += warnings
    why = (
        f"a prompt longer than the max length of {config.max_length}"
        if config.method == "grpo"
        else f"no token to learn from (cut by the max length of {config.max_length} or masked by "
        f"`{config.mask_policy}`)"
    )
    reasons = "" if config.method == "grpo" else why_left_out(left_out, context)  # a GRPO prompt is left out when cut
    if not encoded:
        # Where to look, in the caller's words (`shows`: the Tokens page; the `tokens` command showing training row 1)
        seen = shows(1) if callable(shows) else shows or tokens_command_shows(config.max_length)
        policy = "" if config.method == "grpo" else " or another mask policy"  # a GRPO prompt trains no token itself
        hint = f" {seen[0].upper()}{seen[1:]}; a longer max length{policy} usually fixes it."
        if reasons:  # each row's own reason, with its fix
            report.errors.append(f"{none_of(len(train), 'training row', 'be trained')}.{reasons}")
        else:
            each = "it has" if len(train) == 1 else "each has"
            report.errors.append(f"{none_of(len(train), 'training row', 'be trained')}: {each} {why}.{hint}")
    elif dropped:
        have = "" if reasons else f" {'have' if len(dropped) > 1 else 'has'} {why} and"  # each row's reason, if known
        report.warnings.append(f"{numbered('Training row', dropped)}{have} will be left out.{reasons}")
    report.warnings += overfitting.preflight_warnings(config, len(eval_encoded))
    # how the rows' reasoning reaches the text, and reasoning written both ways in one file (two layouts trained)
    report.notes += [n for n in (reasoning_note(train, template), reasoning_layout_note(train, template)) if n]
    # A row alone in its batch is paired with itself: a held-out one reads 0.5, a training one's step has no drift.
    # That last training batch is each pass's last step; a run that max steps (or epochs below 1) ends before it
    # never trains it, so nothing is said of it.
    reached = overfitting.planned_steps(config, rows := report.step_rows) >= overfitting.steps_per_pass(config, rows)
    report.warnings += kto_kl_warnings(config, len(eval_encoded), len(encoded) if reached else 0)
    if grpo := overfitting.grpo_batch_error(config, len(encoded)):  # TRL's sampler would yield no batch at all
        report.errors.append(grpo)
    report.warnings += overfitting.schedule_warnings(config, len(encoded), report.step_rows)  # batch > rows, passes
    if encoded:  # DPO or KTO with LoRA at its default rate past one epoch (measured: answers broke, unseen)
        report.warnings += alignment_rate_warnings(config, overfitting.passes(config, report.step_rows))
    # What the template leaves out (the Tokens page shows it row by row): said before a run starts, held-out rows too.
    found = checks.template_report(encoded, template, train_numbers, total=len(train))
    found += checks.template_report(eval_encoded, template, eval_numbers, "held-out")
    found += prompt_checks.generation_prompt_report(encoded, tokenizer, template)  # a prompt training never has
    # Markers the tokenizer splits are trained as pieces, and generation may not stop at them (`tokens` says it too).
    chats = any(row_kind(r) != "text" for r in train + test)  # a text row is written without the template
    found += [c for c in [check_missing_special_tokens(tokenizer, template)] if c is not None and chats]
    for severity, code, text in checks.report_blocks(found):  # one block per problem, both splits'
        (report.errors if severity == "error" else report.warnings).append(text)
        report.codes[text] = code  # the Train page's one-click fix beside it (the tool template)
    if eval_dropped:
        one = len(eval_dropped) == 1
        said = (  # a GRPO prompt is scored by its answers' rewards, and left out when the max length cuts it
            f"{numbered('Held-out prompt', eval_dropped)} {'is' if one else 'are'} longer than the max length of "
            f"{config.max_length} and will be left out of the evaluation."
            if config.method == "grpo"
            else f"{numbered('Held-out row', eval_dropped)} score{'s' if one else ''} no token and will be left out "
            "of the evaluation." + why_left_out(eval_left_out, context)
        )
        report.warnings.append(said)
    # What Evaluate scores: each held-out row's reference answer, encoded again only when the max length cuts a row.
    held_out = eval_encoded + [e for _, e in eval_left_out]
    if measured_by(config.method, test) == "references" and any(s.truncated for s in sequences(held_out)):
        report.warnings += unscored_warnings(test, tokenizer, template, config.max_length, context)
    return report


QLORA_ON_CPU = (
    "4-bit weights on the CPU: the blocks' linear layers take about a quarter of their bf16 memory (the embeddings "
    "and norms keep theirs), but bitsandbytes' CPU kernels train slower than {fix} on the full weights here, and the "
    "4-bit layers keep bigger activations (they run outside the studio's CPU fast path): for a small model the whole "
    "run can need more memory than LoRA, as the estimate counts. On a GPU, QLoRA is the usual way to fit a model too "
    "big for LoRA."
)


def qlora_on_cpu_note(config: RunConfig) -> str | None:
    """What a 4-bit run that will train on the CPU should know (it trains correctly there, just not fast: said, not
    refused; the Train page and `train` both say it); None for any other run."""
    from ftlib.models import cuda_available

    if not config.uses_4bit or config.device not in ("cpu", "auto") or config.device == "auto" and cuda_available():
        return None
    return QLORA_ON_CPU.format(fix="LoRA" if config.method == "qlora" else "a LoRA adapter")


def grpo_conversation_notes(train: list[dict]) -> list[str]:
    """GRPO on conversations (rows with answers): each is read as a prompt, up to its last answer, which is neither
    trained nor given to the rewards; said before the run, as nothing says it elsewhere (a cold review), with how a
    file of questions and answers gives its answers to the rewards instead (helper 89's walk: a GSM8K file is read as
    instruction and answer, and this note named no way to read it otherwise). Its example reward is the one their
    last answers fit as a column (`final_answer.column_kind`: GSM8K's "#### 72" gets final_answer)."""
    from ftlib.final_answer import column_kind

    chats = [row for row in train if row_kind(row) == "sft"]
    if not chats:
        return []
    # Each one's last answer, the reference its row would carry in a column once read as prompts only.
    answers = [[t.get("content") for t in row["messages"] if t.get("role") == "assistant"] for row in chats]
    example = json.dumps({column_kind(said[-1] for said in answers if said and isinstance(said[-1], str)): "answer"})
    return [
        f"GRPO reads {plural(len(chats), 'training conversation')} as prompts: each up to its last answer, which is "
        "neither trained nor shown to the rewards (the model writes its own answers). For a reward to compare the "
        "model's answers with a reference, give the rows as a `prompt` with the reference in a column of its own "
        f"(`{example}`, or a registered function's parameter): a file of questions and answers "
        "(GSM8K's `question` and `answer`) read as prompts only ('Read the file as' on the Data page, "
        "`--format prompt_only`) gives its answers so."
    ]


def quantization_problems(config: RunConfig) -> list[str]:
    """QLoRA (4-bit weights) where bitsandbytes, which quantizes them, is not installed or does not import: said before
    the run is queued, with the fix ([] for other runs, or when it imports)."""
    if not config.uses_4bit:
        return []
    try:
        import bitsandbytes  # noqa: F401  (imported for its own checks: a broken build raises here)
    except Exception as exc:  # ImportError, or whatever a broken build raises on import
        what = "is not installed here" if isinstance(exc, ModuleNotFoundError) else f"does not import here ({exc})"
        switch = "`method` lora" if config.method == "qlora" else "`tuning` lora"
        return [
            f"QLoRA (4-bit weights) needs the bitsandbytes library, which {what}: install it into the studio's "
            f"environment (`.venv/bin/pip install bitsandbytes`), or train a LoRA adapter on the full weights "
            f"({switch})."
        ]
    return []


def why_left_out(left_out: list, context: int | None = None) -> str:
    """Why rows are left out for having nothing to learn, as the Tokens page says it of each (`no_trained_tokens`):
    each reason once, with its rows (numbered as `left_out`'s (row, encoding) pairs number them), the most common
    first; past `checks.GROUPS` reasons, the other rows are numbered only. A single reason is said without its rows
    (the caller's sentence names them). "" when `left_out` is empty.

    A row's own words, not one row's for all: the last assistant turn given weight 0 under the 'last_assistant'
    policy is not a template without {% generation %}, nor a reply cut by the max length. `context`: the model's
    context length (`models.context_length`): a fix never asks for a longer max length than the model reads.
    """
    from ftlib.tokens import parts

    groups: dict[str, list] = {}  # what is said of a row -> (row, its fix) for each row it is said of
    cut: dict[str, list[int]] = {}  # the same message -> the full length of each row the max length cut
    for number, enc in left_out:
        part = next(p for p in parts(enc).values() if not p.num_trained)  # the side with nothing trained
        found = checks.check_no_trained(part, context)
        if found is not None:
            groups.setdefault(found.message, []).append((number, found.fix))
            if part.truncated:
                cut.setdefault(found.message, []).append(len(part.all_ids))
    ranked = sorted(groups.items(), key=lambda group: (-len(group[1]), group[1][0][0]))
    told = []
    for message, found in ranked[: checks.GROUPS]:
        rows, fixes = sorted({n for n, _ in found}), {fix for _, fix in found}
        lengths = cut.get(message, [])
        if len(fixes) > 1 and len(lengths) == len(found) and max(lengths) <= (context or max(lengths)):
            fixes = {checks.longer_fix(max(lengths), context, "the longest of them")}  # one length keeps them all
        # A fix naming one row's length is said only when every row of the group shares it.
        said = message + (f" {fixes.pop()}" if len(fixes) == 1 else "")
        told.append(said if len(ranked) == 1 else f"{numbered('Row', rows)}: {said}")  # one reason: the caller's rows
    if rest := sorted({n for _, found in ranked[checks.GROUPS :] for n, _ in found}):
        told.append(f"{numbered('Row', rest)}: the `tokens` command shows why.")  # the Train page: its Tokens page
    return "".join(f" {said}" for said in told)


def kto_label_warnings(
    labels: list[bool],
    method: str,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    loss_type: str = "kto",
) -> list[str]:
    """Warnings on the labels of KTO's training rows as encoded (a pair is a good and a bad row; rows with nothing to
    learn are left out): all of one kind, or good and bad answers weighed outside the range the KTO paper recommends
    (Ethayarajh et al. 2024, Eq. 8): 1 <= desirable_weight * good / (undesirable_weight * bad) <= 4/3. KTO raises
    good answers and lowers bad ones against the starting model. TRL warns about the balance in
    `KTOTrainer._prepare_dataset`, which the studio's pre-tokenized trainer does not run. The range is the KTO loss's:
    with another `loss_type` (apo_zero_unpaired) only a weight of 0 is said.

    >>> kto_label_warnings([True] * 3, "kto")[0][:54]
    'All 3 KTO training rows are labelled good (desirable):'
    """
    if method != "kto":
        return []
    if not labels:
        return []
    good = sum(labels)
    if 0 < good < len(labels):
        return kto_weight_warnings(good, len(labels) - good, desirable_weight, undesirable_weight, loss_type == "kto")
    kind, other = ("good (desirable)", "bad") if labels[0] else ("bad (undesirable)", "good")
    return [
        f"All {len(labels)} KTO training rows are labelled {kind}: KTO learns by making good answers more likely "
        f"and bad ones less likely than the starting model does, so with no {other} answers it learns only half of "
        f"that. Add rows labelled {other}."
    ]


def kto_weight_warnings(
    good: int, bad: int, desirable_weight: float, undesirable_weight: float, paper_range: bool = True
) -> list[str]:
    """A warning when `good` and `bad` training answers (both > 0) weigh outside the KTO paper's range (Eq. 8,
    Ethayarajh et al. 2024; TRL's `KTOTrainer` checks the same), naming the weights that would put them inside;
    without `paper_range` (a loss the range was not made for), only when a weight is 0.

    >>> kto_weight_warnings(9, 3, 1.0, 1.0)[0][-44:]
    'Set `undesirable_weight` between 2.25 and 3.'
    >>> kto_weight_warnings(4, 3, 1.0, 1.0)  # 4/3: inside
    []
    """
    weighed_good, weighed_bad = desirable_weight * good, undesirable_weight * bad
    # The bounds with a float's slack: a weight set to the advice's end (2.2 for 55 good, 25 bad) lands on them.
    if weighed_bad and 1 - 1e-9 <= weighed_good / weighed_bad <= 4 / 3 + 1e-9:
        return []
    if not weighed_good or not weighed_bad:
        zero = "desirable_weight" if not weighed_good else "undesirable_weight"
        return [
            f"`{zero}` is 0: KTO will learn only from the {'bad' if zero == 'desirable_weight' else 'good'} answers. "
            "Set it above 0 to use both kinds."
        ]
    if not paper_range:
        return []
    # The weight of the fewer kind, raised into the range with the other kept (weights stay >= 1 for the usual
    # lopsided files); lowering the other instead is said when raising would pass the setting's maximum (100).
    raise_bad = ("undesirable_weight", weighed_good / bad * 3 / 4, weighed_good / bad)
    raise_good = ("desirable_weight", weighed_bad / good, weighed_bad / good * 4 / 3)
    first, second = (raise_bad, raise_good) if weighed_good > weighed_bad else (raise_good, raise_bad)
    name, low, high = first if first[1] <= 100 else second
    high = min(high, 100.0)  # the setting's maximum: the advice names only values the form and CLI take
    return [
        f"KTO would weigh the {plural(good, 'good answer')} {_ratio(weighed_good / weighed_bad)} times the "
        f"{plural(bad, 'bad one')} "
        f"(`desirable_weight` {desirable_weight:g} × {good} against `undesirable_weight` {undesirable_weight:g} × "
        f"{bad}), "
        "where the KTO paper recommends 1 to 4/3 times: a lopsided balance trains mostly one kind. "
        f"Set `{name}` between {_number(low, up=True)} and {_number(high, up=False)}."
    ]


def _ratio(ratio: float) -> str:
    """A ratio outside [1, 4/3] in as few digits as keep it from reading as an end of that range.

    >>> _ratio(3.0), _ratio(0.9998), _ratio(1.33341)
    ('3', '0.9998', '1.3334')
    """
    for digits in range(3, 9):
        said = f"{ratio:.{digits}g}"
        if not 1 <= float(said) <= 4 / 3:  # still outside as written
            return said
    return said


def _number(x: float, up: bool) -> str:
    """x > 0 to 3 significant digits, rounded up (`up`) or down, so a range's ends stay inside it.

    >>> _number(2.2501, up=True), _number(2.9999, up=False), _number(0.0066667, up=False), _number(67.5, up=True)
    ('2.26', '2.99', '0.00666', '67.5')
    """
    scale = 10.0 ** (2 - math.floor(math.log10(x)))
    # the 1e-9 keeps an exact bound (2.25 held as 2.2500000001) from moving a step
    x = (math.ceil(x * scale - 1e-9) if up else math.floor(x * scale + 1e-9)) / scale
    return f"{x:.3g}"


def unscored_warnings(test: list[dict], tokenizer, template, max_length: int, context: int | None = None) -> list[str]:
    """A warning naming the held-out rows whose reference answer begins past the max length: Evaluate skips them, by
    its own rule (`references.begins_past`), as training learns nothing of them; when that is every held-out row
    with a reference, Evaluate will have nothing to score. The fix names the max length that scores them whole
    (bounded by the model's `context`). [] when none is skipped so."""
    from ftlib.references import references_past

    past, referenced, longest = references_past(test, tokenizer, template, max_length)
    if not past:
        return []
    rows = numbered("held-out row", [i + 1 for i in past], NAMED_ROWS)
    begins = f"begins after the max length of {max_length} tokens, where training cuts the rows"
    fix = longer_fix(longest, context, "those rows")
    if len(past) == referenced:
        every = "the only held-out row" if referenced == 1 else f"each of the {referenced} held-out rows"
        return [
            f"Evaluate will have nothing to score after this run: the reference answer (the last reply) of {every} "
            f"({rows}) {begins}, so the run learns nothing of {'it' if referenced == 1 else 'those answers'} and "
            f"Evaluate can score none of them. {fix}"
        ]
    one = len(past) == 1
    return [
        f"Evaluate will not be able to score {len(past)} of the {referenced} held-out rows ({rows}): "
        f"{'its' if one else 'their'} reference answer (the last reply) {begins}, so the run learns nothing of "
        f"{'it' if one else 'them'} and Evaluate skips {'it' if one else 'them'}. {fix}"
    ]


def run_cut_check(enc, max_length: int, context: int | None = None) -> Check | None:
    """What a training run at `max_length` tokens (a run's default, for `tokens` run without --max-length) would cut
    of a row encoded whole: a warning `cut_in_training` with the trained tokens lost, the turns whose end goes, and
    a fix that asks for no longer max length than the model's `context`; None when the row fits.
    """
    from ftlib.config import field_specs
    from ftlib.prompt_checks import replies_named
    from ftlib.tokens import parts

    length, trained, lost, turns, text = 0, 0, 0, set(), False
    for part in parts(enc).values():
        length = max(length, len(part.all_ids))
        trained += sum(part.token_trained)
        past = [k for k in range(max_length, len(part.all_ids)) if part.token_trained[k]]
        lost += len(past)
        turns |= {part.segments[j].message for k in past if (j := part.token_segments[k]) >= 0}
        text |= part.kind == "text" and bool(past)
    if not lost:
        return None
    label = field_specs()["max_length"].label
    said = (
        f"A training run cuts each row at its max length, {max_length} tokens unless set (`train --max-length`, the "
        f"Train page's '{label}'); this row is {length} tokens"
    )
    if lost == trained:
        said += (
            f", so a run would cut all {plural(trained, 'trained token')} of it and leave the row out: nothing left."
        )
    else:
        named = sorted(t for t in turns if t is not None)
        ends = "the text" if text else replies_named(named) if named else "the reply"
        said += (
            f", so a run would cut {lost} of its {plural(trained, 'trained token')} ({lost / trained:.0%}), the end "
            f"of {ends} included: the model would never learn to end {'it' if text or len(turns) == 1 else 'them'}."
        )
    return Check(
        "cut_in_training",
        "warning",
        said,
        f"{longer_fix(length, context)} `tokens --max-length N` shows where a run at N tokens cuts it.",
    )


def reasoning_note(rows: list[dict], template) -> str:
    """How the reasoning of a run's training `rows` reaches the text trained, in one sentence counting them: where
    the chat template reads a reasoning field, it writes the reasoning itself, but under one that reads a field and
    splits no <think> off the content (gpt-oss's `thinking`) a block a row wrote inline is the answer's text
    (`check_reasoning_inline` warns of it), and those rows are named; where it reads none, the reasoning is written
    inline as <think>...</think> before the answer and trained with it (template_input.template_messages, the
    Tokens page's `reasoning_inline`). "" for rows without reasoning."""
    n = row_counts(rows)["reasoning"]
    if not n:
        return ""
    have = f"{plural(n, 'training row')} {'has' if n == 1 else 'have'} reasoning before an answer"
    name = think_as_answer_field(template)
    fields, inline = reasoning_rows(rows) if name else ([], {})
    answer = (
        f"as part of the answer and trained as answer text where the answer is (a warning says how to write "
        f"{'that row' if len(inline) == 1 else 'those rows'})."
    )
    if inline and fields:
        them = f"{numbered('training row', list(inline))} write{'s' if len(inline) == 1 else ''}"
        return (
            f"{have}: the {template.title} template writes that of {numbered('training row', fields)} itself, in "
            f"its own way, but {them} it inline as `<think>...</think>` in the content, where the template, reading "
            f"a turn's reasoning from its `{name}` field, sees answer text: the block is written {answer}"
        )
    if inline:
        return (
            f"{have}, written inline as `<think>...</think>` in the content: the {template.title} template reads "
            f"a turn's reasoning from its `{name}` field, not from <think> in the text, so each block is written "
            f"{answer}"
        )
    if template.reads_reasoning:
        return (
            f"{have}: the {template.title} template writes it itself, in its own way (some keep it in the last "
            "answer only: a warning names the rows whose reasoning a template leaves out)."
        )
    return (
        f"{have}: the {template.title} template has no place for reasoning, so it is written inline as "
        "`<think>...</think>` before the answer and trained with it."
    )


__all__ = [
    "NAMED_ROWS",
    "Preflight",
    "cut_warnings",
    "final_reply_cut",
    "grpo_conversation_notes",
    "qlora_on_cpu_note",
    "preflight",
    "quantization_problems",
    "reasoning_note",
    "run_cut_check",
    "unscored_warnings",
    "why_left_out",
]
