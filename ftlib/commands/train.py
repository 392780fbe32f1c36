"""`python -m ftlib train [CONFIG.(yaml|json)] [--SETTING VALUE ...]`: queue one run, follow it to the end.

    python -m ftlib train run.yaml                        # prints the run's progress until it ends
    python -m ftlib train --method lora --dataset chat_style --max-steps 20
    python -m ftlib train run.yaml --learning-rate 2e-3 --set epochs=1
    python -m ftlib train run.yaml --detach               # queue it and print the run id
    python -m ftlib train --method dpo --dataset uf.jsonl --map good=chosen --map bad=rejected
    python -m ftlib train --method grpo --dataset pirate_prompts --rewards '[{"check": "chat_style"}]'

Every setting of `ftlib.config.RunConfig` is a flag (`--help` lists them with their help, choices and limits):
the flags are generated from the config's fields, so they cannot drift from the Train page. Flags override the
file; `--set KEY=VALUE` (YAML value syntax) is the same for any setting. A setting is given once on the command
line: its flag and `--set` (or two `--set`) with different values are refused, naming both. A setting given that the
chosen method ignores (`--tuning full` with method lora, `--rewards` without GRPO) is named in one `warning:` line.
A dataset or model given as a relative path is recorded absolute (the run trains in another folder). Before the
run is queued, everything that can be known about it is checked (the dataset loads, its rows fit the method, the
template renders them, GRPO's rewards give a number for a stand-in answer to the first prompts,
`ftlib.reward_trial`): a refusal is one `error:` line naming the rows, exit 2, and no run is created. The run
keeps the rows it was checked on (a file's train/test split too): editing the file afterwards changes nothing.

A data file is read as `data inspect` reads it, with `--format` and `--map COLUMN=FIELD` when given (they apply to a
data file only; a saved split was read with its own when it was saved). The rows it cannot use and the fields nothing
reads are named in `warning:` lines before the run is queued, how it was read (a column read as the completion, how
its rows' reasoning is written: the template's own way, else inline as <think>...</think>) in `note:` lines after
them, as `data split` says them (not before a refusal), and the run's split/meta.json records the format and mapping
applied (`runs show` says them; training, a resume and evaluation read those rows).

With `--json`, stdout holds only the run's summary as one JSON object (with `--detach`, as queued); the progress
lines go to stderr.

The run goes through the same queue as the browser's runs (one active run per device) and lives in its own run
directory; Ctrl-C, or a SIGTERM (`timeout`, a job scheduler), asks it to stop gracefully (it saves a checkpoint;
`runs resume ID` continues it); a second one leaves the command, the run ending on its own. One that comes after
the run is queued but before it is followed (as the queue starts it) leaves the command and the run as it is, saying
its id and how to follow or stop it (`left_words`).
Exit code: 0 finished, 1 failed, 2 refused before launch (or the run deleted before its end was said: `still_there`),
3 interrupted.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import textwrap
from dataclasses import dataclass
from types import SimpleNamespace

from ftlib.commands import add_data_options, column_map, file_notes, file_warnings, json_text
from ftlib.commands.train_follow import (  # noqa: F401 (re-exported: `runs resume --wait` and tests import them)
    EXIT_CODES,
    EXIT_CODES_SAID,
    Terminated,
    _exception_line,
    _followed,
    exit_code,
    follow,
    left_words,
    quality_warnings,
    said_end,
    sigterm_as_ctrl_c,
    still_there,
)
from ftlib.config import RENAMED, ConfigError, RunConfig, field_specs
from ftlib.errors import UserError, plural
from ftlib.loss_types import LOSS_TYPE_LABELS
from ftlib.user_paths import user_path


def proven_rates_said() -> str:
    """The proven learning rates (`methods.DEFAULT_LR`) by method, LoRA's first and full fine-tuning's after: what
    `--learning-rate` left unset stands for. "a proven value for the method" named none (helper 245's walk).

    >>> proven_rates_said()[:66]
    'lora 2e-3, qlora 2e-3, full 5e-5, dpo 1e-3 (--tuning full: 5e-6), '
    >>> from unittest import mock
    >>> with mock.patch.dict("ftlib.methods.DEFAULT_LR", {("lora", "lora"): 1.5e-4}, clear=True):
    ...     proven_rates_said()
    'lora 1.5e-4'
    """
    from ftlib.methods import DEFAULT_LR

    said: dict[str, list[str]] = {}
    for (method, tuning), rate in DEFAULT_LR.items():
        if tuning != "qlora" or method == "qlora":  # QLoRA's rate is LoRA's wherever it is an adapter's
            digits, power = f"{rate:e}".split("e")  # 2e-3, as the README writes it; 1.5e-4 kept, not rounded
            shown = f"{digits.rstrip('0').rstrip('.')}e{int(power)}"
            said.setdefault(method, []).append(shown if tuning in ("lora", method) else f"--tuning full: {shown}")
    return ", ".join(f"{m} {v[0]}" + (f" ({v[1]})" if len(v) > 1 else "") for m, v in said.items())


# What a setting left unset (None) stands for, in `--help`'s "Default:" (the setting's help says it in full).
UNSET_SAID = {
    "learning_rate": f"a proven value for the method: {proven_rates_said()}",
    "test_size": "the share `data split` starts from",
}
# Defaults changed since: an earlier run's config.json holds the old one as if given (`ignored_settings` names none).
FORMER_DEFAULTS = {"test_size": 0.1}


# A group's heading where its name alone is not true of all it holds: GRPO's rewards and rollouts were listed under
# "preference settings" (h227's walk); as the Train form's "Preference and reinforcement learning" heads them.
GROUP_HEADINGS = {"preference": "preference and reinforcement learning (DPO, KTO, GRPO)"}

# What each column of the step lines `train` follows says (`ftlib.metrics._progress_line` prints them), per method,
# with TRL's logged name: "reward acc 1.00 margin 3.735" was said nowhere (h237). Wrapped here: argparse keeps it.
STEP_LINES = """\
What each progress line says, as in "[step 3/20] loss 0.6931 lr 2.00e-04 grad
0.810 912 tok/s 14s" (TRL's logged names in parentheses):
  loss         the training loss of the step (loss): SFT's mean cross-entropy
               of the trained tokens; the objective of DPO, KTO, a reward model
  lr           the learning rate at that step, on its warm-up and schedule
  grad         the gradients' norm before clipping (grad_norm)
  tok/s        tokens the model read per second since the last line
  14s          seconds of training so far (a resumed run's earlier ones too)
DPO:
  reward acc   share of the step's pairs whose chosen answer has the higher
               implicit reward (rewards/accuracies): 0.50 is chance, 1.00 all;
               an implicit reward is beta x the log-probability ratio of the
               answer under the model to under the model it started from
  margin       mean implicit reward of the chosen answers minus that of the
               rejected ones (rewards/margins): grows as they move apart
reward model:
  accuracy     share of the step's pairs scored chosen above rejected
               (accuracy): 0.50 is chance
  margin       mean score of the chosen answers minus the rejected (margin)
KTO:
  rewards good +0.120 bad -0.340
               mean implicit reward of the good answers and of the bad ones
               (rewards/chosen, rewards/rejected): good should rise, bad fall
  kl           the estimate of the KL divergence from the starting model that
               KTO's loss uses (kl), a batch mean clamped at 0: "kl ≤0
               (clamped)" where it is 0, at or below 0 (so while LoRA is new)
GRPO:
  reward 0.810 ± 0.210
               mean total reward of the step's answers (the rewards weighted
               as given) and its standard deviation (reward, reward_std), in
               place of the loss, a surrogate that sits near 0
  kl           mean per-token KL divergence from the starting model (kl; only
               with --beta above 0)
  equal rewards
               every group of answers scored alike (frac_reward_zero_std 1):
               each advantage is 0, so the step learned nothing from them
[eval step N] lines score the held-out split: its loss, and beside it what
the step lines show (a reward model's accuracy; DPO's reward acc and margin;
KTO's rewards and kl); GRPO's mean reward ± its spread instead.
"""


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="run one training run to completion (SFT full/LoRA/QLoRA, DPO, a reward model, KTO or GRPO)",
        description=textwrap.fill(
            "Queue one training run and follow it. Settings come from CONFIG and the flags below. Ctrl-C stops it "
            "gracefully (a checkpoint; `runs resume ID` continues it).",
            79,
        ),
        epilog=f"{STEP_LINES}\n{textwrap.fill(EXIT_CODES_SAID, 79)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the legend's rows as written
    )
    p.add_argument("config", nargs="?", default=None, help="a run config file (.yaml, .yml or .json)")
    groups = {}
    # The preference/RL settings last: RunConfig's mixins (loss types, KTO, GRPO) put them first in its fields, so
    # `train --help` opened on GRPO's rewards before --method, --model and --dataset (helper 245's walk).
    for spec in sorted(field_specs().values(), key=lambda spec: spec.group == "preference"):
        group = groups.setdefault(
            spec.group, p.add_argument_group(f"{GROUP_HEADINGS.get(spec.group, spec.group)} settings")
        )
        flag = "--" + spec.name.replace("_", "-")
        default = UNSET_SAID.get(spec.name, "unset") if spec.default is None else spec.default
        default = ",".join(default) if isinstance(default, list) else default
        words = LOSS_TYPE_LABELS.get(spec.name)  # a loss's choices say what each is, as the Train form's list does
        choices = "; ".join(words[c] for c in spec.choices) if words else ", ".join(spec.choices or ())
        text = spec.help + (f" Choices: {choices}." if spec.choices else "")
        text += f" Default: {default}." if default != "" else ""  # an empty default (no dataset, no rewards): none
        text = text.replace("%", "%%")  # argparse formats help with %: "~20% slower" printed its own internals
        if spec.kind is bool:
            group.add_argument(
                flag, dest=f"set_{spec.name}", action=argparse.BooleanOptionalAction, default=None, help=text
            )
        else:
            group.add_argument(flag, dest=f"set_{spec.name}", default=None, metavar=spec.name.upper(), help=text)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting (YAML value syntax), e.g. --set epochs=1",
    )
    add_data_options(p)  # --format and --map, as data inspect, tokens and batch have them: for a data file
    p.add_argument(
        "--template-file",
        default=None,
        metavar="FILE",
        help="a custom Jinja chat template file, as `tokens --template-file` takes it (template custom, its text)",
    )
    p.add_argument(
        "--detach", action="store_true", help="queue the run and return at once (`runs follow ID` follows it)"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print only the run summary as JSON on stdout (with --detach: as queued); the progress goes to stderr",
    )
    p.set_defaults(handler=_train)


def _overrides(pairs: list[str]) -> dict[str, tuple[object, str]]:
    """`--set` pairs: {key: (value read as YAML, the pair as typed)}; a key set twice to two values is refused."""
    import yaml

    out: dict[str, tuple[object, str]] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set needs KEY=VALUE (got '{pair}').")
        key, value = pair.split("=", 1)
        key = key.strip()
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = value  # read as text; the setting's own check then says what it expects
        if key in out and _value(key, out[key][0]) != _value(key, parsed):
            raise ConfigError(f"`{key}` is given twice: --set {out[key][1]} and --set {pair}. Give it once.")
        out[key] = (parsed, pair)
    return out


def _flag_value(name: str, value):
    # A list of names is comma-separated on the command line; a list of mappings (GRPO's rewards) is JSON/YAML.
    spec = field_specs()[name]
    if spec.kind is list and spec.item is not dict and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _value(name: str, value):
    """`value` as the run would hold it (so `--max-steps 2` and `--set max_steps=2` are the same setting); where it is
    not a valid value for `name`, its text (then only the same text is the same value)."""
    import copy

    from ftlib.fields import coerce_fields
    from ftlib.methods import coerce_rewards

    name = RENAMED.get(name, name)
    if name not in field_specs():
        return ("as typed", repr(value))
    try:
        probe = copy.copy(_defaults())
        if name in ("method", "tuning") and isinstance(value, str):
            value = value.strip().lower()
        value = coerce_rewards(value, ConfigError) if name == "rewards" else _flag_value(name, value)
        setattr(probe, name, value)
        coerce_fields(probe, ConfigError)
        return getattr(probe, name)
    except (ConfigError, TypeError, ValueError):
        return ("as typed", repr(value))


@functools.cache
def _defaults() -> RunConfig:
    return RunConfig()


@dataclass
class Given:
    """The settings one `train` command gives, each {name: value as given}: the config file's (as written there, old
    names too), `--set`'s and the flags' (old names read as new ones)."""

    file: dict
    sets: dict
    flags: dict

    @property
    def command_line(self) -> dict:
        return {**self.sets, **self.flags}

    @property
    def in_file(self) -> dict:
        return {RENAMED.get(k, k): v for k, v in self.file.items()}

    def config(self) -> RunConfig:
        """The run config: the file, then `--set`, then the flags, merged before anything is checked (a method given
        as a flag gets its own proven learning rate, not the file's method's; a file needing a flag is read with
        it)."""
        config = RunConfig.from_dict({**self.file, **self.sets, **self.flags})  # a misspelt key is named first
        if not str(config.dataset).strip():
            raise ConfigError(
                "No dataset: give a config file naming one, or --dataset (a saved split, a shipped sample "
                "such as chat_style, or a data file)."
            )
        return config


def given_settings(path: str | None, overrides: list[str], flags: dict | None = None) -> Given:
    """What the command gives, read and checked for conflicts: a setting given both as a flag and with `--set` (or
    twice with `--set`) with different values is refused naming both (the flag used to win, silently). Over the
    file's value either is normal: that is what they are for."""
    from ftlib.fields import refuse_unknown, settings_file_data

    from_file = settings_file_data(path, ConfigError) if path else {}
    # A misspelt key is named with its file: the same typo in --set would read alike (RunConfig names no source).
    refuse_unknown(from_file, set(field_specs()) | set(RENAMED), ConfigError, f" in {path}")
    sets = {RENAMED.get(k, k): v for k, v in _overrides(overrides).items()}
    from_flags = {name: _flag_value(name, value) for name, value in (flags or {}).items() if value is not None}
    for name, value in from_flags.items():
        if name in sets and _value(name, value) != _value(name, sets[name][0]):
            flag = "--" + name.replace("_", "-")
            shown = ",".join(map(str, value)) if isinstance(value, list) else value
            raise ConfigError(
                f"`{name}` is given twice, with different values: {flag} {shown} and --set {sets[name][1]}. Give it "
                "once."
            )
    return Given(from_file, {k: v for k, (v, _) in sets.items()}, from_flags)


def load_config(path: str | None, overrides: list[str], flags: dict | None = None) -> RunConfig:
    """The run config: the file (if any), then `--set` overrides, then the generated flags (`Given.config`)."""
    return given_settings(path, overrides, flags).config()


def ignored_settings(config: RunConfig, given: Given, held_out: int | None = None) -> str:
    """One sentence naming each setting given that these settings ignore (`FieldSpec.applies`: `tuning` with an SFT
    method, `rewards` without GRPO, LoRA's rank with full weights; `test_size` with a saved split, which has its own
    `held_out` rows, named as given: `run_data.split_named`) and when it would apply; "" when none. Given on the
    command line it is named whatever its value; in the file only when it differs from its default and from the one it
    had before (`FORMER_DEFAULTS`: a run's whole config.json reused names every setting)."""
    from ftlib import run_data

    values, command_line = config.to_dict(), given.command_line
    named, also = [], {}  # also: the other settings a named one waits for (`dpo_loss_type` sigmoid), for the heading
    for name, value in {**given.in_file, **command_line}.items():
        spec = field_specs().get(name)
        if spec is None or name == "early_stopping_patience":  # the checks already say GRPO does not stop early
            continue
        if name == "tuning" and _value(name, value) == config.method:
            continue  # an SFT method's own weights: what the run does
        defaults = (_value(name, spec.default), _value(name, FORMER_DEFAULTS.get(name, spec.default)))
        if name not in command_line and _value(name, value) in defaults:
            continue
        if not spec.applies(values):
            when = " and ".join(f"{key} is {_either(allowed)}" for key, allowed in spec.when.items())
            named.append(f"`{name}`{_shown(value)} (it applies when {when})")
            # What else it waits for, where the method fits (`dpo_loss_type` sigmoid); with another method the
            # method says why, and `dpo_loss_type sigmoid` beside `method lora` was noise.
            if config.method in spec.when.get("method", (config.method,)):
                also.update(
                    (key, values[key])
                    for key, allowed in spec.when.items()
                    if key not in ("method", "tuning") and values.get(key) not in allowed
                )
        elif name == "test_size" and run_data.split_folder(config.dataset) is not None:
            rows = "" if held_out is None else f" {held_out}"
            split = run_data.split_named(config.dataset)  # "the split in /data/tides", where a folder was given
            named.append(f"`{name}`{_shown(value)} (it splits a data file; {split} has its own{rows} held-out rows)")
    if not named:
        return ""
    tuning = f" (tuning {config.tuning})" if config.tuning != config.method else ""
    with_also = "".join(f", {key} {value}" for key, value in also.items())
    return f"Ignored with method {config.method}{tuning}{with_also}: {'; '.join(named)}."


def _either(choices) -> str:
    """Choices in words.

    >>> _either(("dpo", "reward", "kto")), _either(("grpo",))
    ('dpo, reward or kto', 'grpo')
    """
    choices = [str(c) for c in choices]
    return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"


def _shown(value) -> str:
    return f" {value}" if isinstance(value, (str, int, float)) and len(str(value)) <= 40 else ""


def memory_estimate(config: RunConfig, report) -> int | None:
    """The memory estimate the Train page shows for these settings (bytes per process), which the run keeps so that
    `runs show` puts its measured peak beside it; None, with a warning, where the model's shape cannot be read.

    What the page says beside it before Start is said here too, on stderr: a `warning:` where the estimate is more
    than the device holds (`MemoryEstimate.too_big`, the page's red box) and a `note:` of about how long the run
    trains where an earlier run on this server measured its speed (`ftlib.run_time.time_estimate`)."""
    from ftlib.memory import estimate, human
    from ftlib.run_time import time_estimate

    try:
        # A packing run's batches hold its packed rows (`report.packed`), not its training rows.
        longest = report.longest or config.max_length
        est = estimate(config, seq_len=longest, train_rows=report.train_rows, row_tokens=report.packed)
    except Exception as exc:  # noqa: BLE001 (a courtesy: a run is never refused for want of an estimate)
        print(f"warning: no memory estimate for this run ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    if too_big := est.too_big():  # said, not refused: the page lets such a run start too
        per = f" per {est.per}" if est.processes > 1 else ""  # as the page's headline says it
        print(f"warning: estimated peak memory {human(est.total)}{per}: {too_big}", file=sys.stderr)
    if timed := time_estimate(config, report.tokens, report.step_rows, est.device):  # a packing run's packed rows
        print(f"note: {timed.sentence()}", file=sys.stderr)
    return est.total


def _read_as_its_run(args, given: Given) -> tuple[str | None, list[str]]:
    """The --format and --map to read the data file with: the command's, or, for a run's own config.json given again
    on its own dataset without either (`train runs/ID/config.json`), the ones that run was queued with (its
    split/meta.json keeps them; config.json does not), said in a note on stderr."""
    from ftlib.run_data import kept_data, read_with_words

    if args.fmt or args.map or not args.config or "dataset" in given.command_line:
        return args.fmt, list(args.map or [])
    kept = kept_data(user_path(args.config).resolve().parent)
    read_with = kept.get("read_with") or {}
    if kept.get("from") != "file" or not read_with:
        return None, []
    print(
        f"note: {args.config} is the config of a run whose data file was read with {read_with_words(kept)}: read "
        "the same way again (give --format or --map to read it otherwise).",
        file=sys.stderr,
    )
    return read_with.get("format"), list(read_with.get("map") or [])


def _template_file(path: str | None, flags: dict) -> dict:
    """`--template-file FILE` as the settings it stands for: template custom, its Jinja text the file's ({} without
    one). Refused beside a --template other than custom or a --template-source: one template per run."""
    if path is None:
        return {}
    if flags.get("template") not in (None, "custom") or flags.get("template_source") is not None:
        raise ConfigError("--template-file gives the run its template: leave out --template and --template-source.")
    from ftlib.commands import template_file_text

    return {"template": "custom", "template_source": template_file_text(path)}


def _refuse_read_only_workspace() -> None:
    """Refuse a workspace whose runs/ this account may not write before anything is read or checked: `train` loaded
    the model, checked the rows and printed its warnings and memory estimate, then failed to queue the run. Raised as
    the PermissionError the write would raise, so `ftlib.cli` says it as it says every such write ("This account may
    not write the workspace ..."). os.access asks the system (root may write anything)."""
    import errno
    import os

    from ftlib import workspace

    folder = workspace.runs_dir()  # made where missing: a workspace it may not write refuses that the same way
    if not os.access(folder, os.W_OK):
        # a disk mounted read-only (EROFS): said so, as a write says it
        read_only = hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY
        code = errno.EROFS if read_only else errno.EACCES
        raise (OSError if read_only else PermissionError)(code, os.strerror(code), str(folder))


def _train(args) -> int:
    from ftlib import run_data, runs
    from ftlib.commands.data_pair import no_rewards_hint, train_hint
    from ftlib.models import check_model
    from ftlib.overfitting import planned_steps
    from ftlib.row_cuts import run_shows
    from ftlib.run_people import cli_user, warnings_to
    from ftlib.run_preflight import preflight, qlora_on_cpu_note
    from ftlib.splits import count_test_rows, run_test_size, split_warnings

    _refuse_read_only_workspace()
    flags = {name: getattr(args, f"set_{name}") for name in field_specs()}
    flags.update(_template_file(args.template_file, flags))
    given = given_settings(args.config, args.set, flags)
    try:
        config = given.config()
    except ConfigError as exc:  # GRPO with no rewards: an example the data's columns allow (an answer column)
        raise ConfigError(no_rewards_hint(str(exc), given, args)) from None
    # Where the path was typed: the run trains in another folder (runs._launch), where `sft.jsonl` is nothing.
    run_data.check_beside_config(config, given.in_file, args.config)  # `dataset: sft.jsonl`, run from elsewhere
    config = run_data.absolute_paths(config)
    # A model folder without weights or with a broken config.json is refused here, as the sidebar refuses it: queued,
    # the run would only fail as it starts.
    check_model(config.model)  # its role for the method (a reward model writes no text): in `preflight`
    # Read and split once, with --format/--map: what is checked is what the run keeps (its split/, with meta.json
    # saying how the file was read) and trains, resumes and is evaluated on.
    fmt, pairs = _read_as_its_run(args, given)
    options = run_data.DataOptions(fmt, column_map(pairs))
    data = run_data.read_dataset(config, options)
    if data.loaded is not None:  # a data file: the rows it leaves out and the fields nothing reads, named
        for line in file_warnings(data.loaded, SimpleNamespace(file=data.loaded.source, fmt=fmt, map=pairs)):
            print(line, file=sys.stderr)
    shows = run_shows(config, data, args.template_file, fmt, pairs)  # the `tokens` command showing a cut row
    report = preflight(config, rows=(data.train, data.test), shows=shows)
    if not report.ok:  # the rows it names found in the file too: "training row 3" of a split is its line 5
        pair = train_hint(config.method, data.loaded, fmt, pairs)  # feedback for DPO: the command that pairs it
        said = [*report.errors, pair, run_data.file_lines_note(data, report.errors)]
        raise ConfigError(" ".join(s for s in said if s))
    ignored = ignored_settings(config, given, len(data.test))
    # A file's split just drawn, too small or with a part of one label only: said as `data split` says it; a .json
    # file's own split (its test key held out: split_keys) with its own warnings, test rows copied in train first.
    drawn = data.loaded is not None and data.test and data.keyed is None
    if drawn:  # the test rows asked for: whole prompts held out can make many more (`held_out_over`)
        n = len(data.train) + len(data.test)
        asked = count_test_rows(n, run_test_size(config.test_size, n))
        split = split_warnings(len(data.train), len(data.test), data.loaded.kind, data.train, data.test, asked=asked)
    else:
        split = []
    split = list(data.keyed.split.warnings) if data.keyed is not None else split
    if config.method == "kto":  # a file of one label: the preflight says it of the training rows; once is enough
        split = [line for line in split if not line.startswith("Every answer in this file is labelled")]
    for warning in split + report.warnings + ([ignored] if ignored else []):
        print(f"warning: {warning}", file=sys.stderr)
    for line in file_notes(data.loaded) if data.loaded is not None else []:  # how the file was read, as `data split`
        print(line, file=sys.stderr)  # says it; not before a refusal, which is one `error:` line
    if data.keyed is not None:  # which key of the file's own split became which, in one line
        print(f"note: {data.keyed.said} --test-size draws a split from all its rows instead.", file=sys.stderr)
    if where := run_data.file_lines_note(data, report.warnings):  # "training row 3" of a shuffled split: its line
        print(f"note: {where}", file=sys.stderr)
    if note := qlora_on_cpu_note(config):
        print(f"note: {note}", file=sys.stderr)
    for note in report.notes:  # how the rows' reasoning reaches the text trained: the template's, or inline <think>
        print(f"note: {note}", file=sys.stderr)
    if alike := [r.id for r in runs.list_runs(refresh=False) if (config.name or "").strip() == r.name.strip() != ""]:
        print(  # `runs show NAME`, `sample --adapter NAME` then refuse "Several runs are named ...": said before
            f"warning: {plural(len(alike), 'other run')} already named '{config.name}' ({', '.join(alike[:3])}): "
            "this one will be found by its id alone (`runs show NAME` refuses a name several runs have). Give --name "
            "one of its own to call it by name.",
            file=sys.stderr,
        )
    with warnings_to(sys.stderr):  # a who.json this account may not write: one `warning:` line, the run queued
        # Its planned steps (`overfitting.planned_steps`) over the rows the trainer steps over (`Preflight.step_rows`:
        # a packing run's packed rows; GRPO's prompts): its progress counts to them till the trainer reports its own
        planned = planned_steps(config, report.step_rows) if report.train_rows else None
        memory = memory_estimate(config, report)
        # Queued from here (`runs.submit`, in two steps): Ctrl-C or a SIGTERM from now on says the run's id.
        run_id = runs.create_run(config, estimated_memory=memory, rows=data.rows, by=cli_user(), planned_steps=planned)
    out = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the JSON alone
    try:
        with sigterm_as_ctrl_c():
            return _queued(run_id, args, out)
    except KeyboardInterrupt as exc:  # before `follow` took it (it says its own): the run goes on, said with its id
        if getattr(exc, "said_for", None) != run_id:
            print(left_words(run_id, "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"), file=out, flush=True)
        raise


def _queued(run_id: str, args, out) -> int:
    """Start the queued run where its device is free, then print its id (`--detach`) or follow it to its end."""
    from ftlib import runs
    from ftlib.run_people import warnings_to

    with warnings_to(sys.stderr):
        runs.advance()
    if args.detach:
        if args.json:
            print(json_text(_summary(run_id)))
        else:
            print(run_id)
        return 0
    print(f"run {run_id} in {runs.find(run_id).path}", file=out, flush=True)
    try:
        info = follow(run_id, out=out)
    except Terminated:  # a second SIGTERM: left, as a process ended by it reports it
        return 128 + signal.SIGTERM
    if args.json:
        print(json_text(_summary(run_id, info)))
    return said_end(run_id, info, json_out=args.json)


def _summary(run_id: str, info=None) -> dict:
    """The run's summary for --json; a run deleted meanwhile is said so (`still_there`), with `info`, its last look."""
    return {k: v for k, v in still_there(run_id, info).summary().as_dict().items() if k != "log_tail"}
