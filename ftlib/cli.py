"""`python -m ftlib ...`: the engine without a browser.

Each command group lives in `ftlib/commands/<group>.py` and exposes `register(subparsers)`; a command's
handler returns an exit code. Errors a user can act on (`ftlib.errors.UserError`, OSErrors about the user's own
files, and a command line argparse refuses) print one `error: ...` line to stderr and exit 2; anything else is a
bug and keeps its traceback (exit 1).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import sys
import textwrap
import warnings
from pathlib import Path

from ftlib.commands import os_error_message
from ftlib.config import ConfigWarning
from ftlib.errors import UserError
from ftlib.user_paths import user_path

PROG = "python -m ftlib"
# Command groups, one module each; a module imports its heavy libraries inside its handler, so `--help` stays fast.
# Arguments naming a file, folder, run or model: empty text is refused (`Parser._refuse_blank_paths`), not read as
# "." or as not given. --prompt, --system and --set keep their own words for an empty value.
BLANK_REFUSED = {"file", "config", "out", "csv", "data", "dataset", "adapter", "model", "tools", "test_file"}
BLANK_REFUSED |= {"template_file", "run", "id", "ids"}
# A command that loads a model (`libraries_of`) also sets `check`: what it refuses from its command line, the files and
# runs it names alone, called before the model's libraries are imported (a typo cost 2-5 s of torch, transformers and
# PEFT first); it leaves what it read on `args.checked` for the handler.
GROUPS = ("models", "data", "tokens", "batch", "train", "runs", "sample", "evaluate", "score")
# The widest a --help line gets, however wide the terminal: argparse wraps to the terminal's width less 2, and a
# help of long sentences read across a 200-column terminal is a line per option. A description written line by line
# (RawDescriptionHelpFormatter: `sample`, `tokens`, `batch`) keeps to it by hand; tests/test_surface_words_h180 checks.
HELP_WIDTH = 100


class UsageError(UserError):
    """A command line argparse refused: a bad choice, a missing or unknown argument, a value of the wrong type."""


class _WholeOptions(argparse.HelpFormatter):
    """Mixed before a parser's own formatter class (`Parser._get_formatter`): --help text wraps between words only,
    never after a hyphen inside one, where argparse's wrapping split `--test-` from `size` and `DPO on per-` from
    `token`, an option that could no longer be copied whole. A formatter that keeps text as written (the Raw ones)
    keeps it so."""

    def _split_lines(self, text, width):
        if isinstance(self, argparse.RawTextHelpFormatter):
            return super()._split_lines(text, width)
        return textwrap.wrap(self._whitespace_matcher.sub(" ", text).strip(), width, break_on_hyphens=False)

    def _fill_text(self, text, width, indent):
        if isinstance(self, argparse.RawDescriptionHelpFormatter):
            return super()._fill_text(text, width, indent)
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors naming the command, instead of a usage block (that is what --help is for).

    argparse makes every subparser with its parent's class, so each command and action reports the same way, takes
    no abbreviated option (`allow_abbrev`, which argparse does not pass down: each parser is made with it off here)
    and wraps its --help at HELP_WIDTH.
    """

    def __init__(self, *args, **kwargs):
        # `batch --packing` was read as --packing-strategy (argparse takes any unambiguous prefix), which then wanted a
        # value: a flag another command has (`train --packing`) meant something else here. A prefix is refused, with
        # the option it begins (`parse_known_args`).
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        # argparse reads `-1e-3` as an option (its pattern knows only -1 and -0.001): `--learning-rate -1e-3` said
        # "expected one argument" instead of the setting's own range message.
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def _get_formatter(self):
        """This parser's formatter class with `_WholeOptions` before it, at most HELP_WIDTH columns wide (a narrower
        terminal: its width, less 2, as argparse takes it)."""
        width = min(shutil.get_terminal_size().columns - 2, HELP_WIDTH)
        formatter = type("Formatter", (_WholeOptions, self.formatter_class), {})
        return formatter(prog=self.prog, width=width)

    def error(self, message: str):
        # `data inspekt`, `--template chatm`: the choice meant, as a misspelt setting is told it
        given = re.match(r"argument .*: invalid choice: '(.*)' \(choose from (.*)\)$", message)
        meant = _meant(given.group(1), re.findall(r"'([^']*)'", given.group(2))) if given else ""
        see = f" (see {self.prog} --help)" if meant else f"; see {self.prog} --help"  # not "did you mean `x`?; see"
        raise UsageError(f"{self._command()}{message}{meant}{see}")

    def parse_known_args(self, args=None, namespace=None):
        if self._subparsers is None and args is not None:  # a command's own arguments
            self._refuse_blank_paths(list(args))
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            # Refused here, by the command that met them: argparse would hand them up to the top-level parser,
            # whose message names no command and shows the top-level usage.
            first = extras[0]
            what = f"unknown option {first}" if first.startswith("-") else f"unexpected argument '{first}'"
            given, longs = first.partition("=")[0], [o for o in self._option_string_actions if o.startswith("--")]
            meant = _meant(given, longs)
            begun = [o for o in longs if given.startswith("--") and len(given) > 2 and o.startswith(given)]
            whole = ""
            if len(begun) == 1:  # `batch --packing`: an abbreviation, which is not taken (`allow_abbrev`)
                meant, whole = f", did you mean `{begun[0]}`?", "options are not taken shortened; "
            if not meant and first.startswith("--"):  # `train --num-train-epochs 3`: transformers' name for --epochs
                from ftlib.fields import LIBRARY_NAMES

                key = first[2:].partition("=")[0].replace("-", "_")
                ours, library = LIBRARY_NAMES.get(key, (None, ""))
                flag = f"--{ours}".replace("_", "-") if ours else ""
                meant = (
                    f", did you mean `{flag}`? (`{key}` in {library})" if flag in self._option_string_actions else ""
                )
            if not meant and first.startswith("--"):  # `runs export --gguf-type q4`: the type is --gguf's own value
                meant = _value_of(given, [self._option_string_actions[o] for o in longs])
            if "--setting" in self._option_string_actions:  # `sample --temperature 0.5`
                import difflib

                from ftlib.decoding import _ALIASES  # the keys --setting reads, and their other spellings

                word = first.lstrip("-").partition("=")[0].replace("-", "_").lower()
                # `--temprature` is nearer temperature than --template: told --setting, not the template option
                near = difflib.get_close_matches(word, list(_ALIASES), n=1, cutoff=0.8)
                key = _ALIASES.get(word) or (_ALIASES[near[0]] if near else None)
                if key:  # `--temp` is temperature's short name, not a shortened --template
                    meant, whole = f", a decoding setting: give it as --setting {key}=VALUE", ""
            raise UsageError(f"{self._command()}{what}{meant} ({whole}{self.prog} --help lists them)")
        return namespace, extras

    def _refuse_blank_paths(self, args: list[str]) -> None:
        """UsageError for a file, folder, run or model given as empty text (`--out "$DIR"` with DIR unset): read as
        the current folder (`data split --out ""` wrote its split there, `tokens ""` said ". is a folder"), as not
        given (`evaluate --csv ""`) or as the default model (`sample --model ""`)."""
        for i, token in enumerate(args):
            if token.startswith("--") and "=" in token:  # --out=
                flag, _, value = token.partition("=")
                action = self._option_string_actions.get(flag)
            elif not token.strip():
                value, before = token, self._option_string_actions.get(args[i - 1]) if i else None
                if before is not None and before.nargs != 0:  # the value of the option before it
                    flag, action = args[i - 1], before
                else:  # a positional's: the first that names a file, run or model
                    action = next((a for a in self._actions if not a.option_strings and a.dest in BLANK_REFUSED), None)
                    flag = (action.metavar or action.dest.upper()) if action else ""
            else:
                continue
            if not value.strip() and action is not None and action.dest in BLANK_REFUSED:
                said = "is empty (a shell variable not set?): give a path or a name"
                raise UsageError(f"{self._command()}{flag} {said}")

    def _command(self) -> str:
        """'data split: ' for `python -m ftlib data split`; '' for the top level."""
        command = self.prog.removeprefix(PROG).strip()
        return f"{command}: " if command else ""


def _meant(given: str, known: list[str]) -> str:
    """The words ", did you mean `--json`?" for a `given` close to one of `known` (argparse's choices, a command's
    options); "" for none. Closer than `fields.did_you_mean` asks: `evaluate --temperature` is not `--template`."""
    import difflib

    close = difflib.get_close_matches(given, sorted(known), n=1, cutoff=0.8)
    return f", did you mean `{close[0]}`?" if close else ""


def _value_of(given: str, actions: list[argparse.Action]) -> str:
    """The words ", did you mean `--gguf TYPE` (TYPE: q8_0, f16 or f32)?" for an unknown `given` option that names
    one of `actions` (an option taking a value) and then what its value is (`--gguf-type`, as --json calls the key
    gguf_type); "" for none.

    >>> p = argparse.ArgumentParser(); a = p.add_argument("--gguf", metavar="TYPE", choices=("q8_0", "f16"))
    >>> _value_of("--gguf-type", [a])
    ', did you mean `--gguf TYPE` (TYPE: q8_0 or f16)?'
    """
    owners = [(o, a) for a in actions if a.nargs != 0 for o in a.option_strings if given.startswith(f"{o}-")]
    if not owners:
        return ""
    flag, action = max(owners, key=lambda owner: len(owner[0]))  # the longest: `--dpo-loss-type-x`, not `--dpo`
    metavar = action.metavar or action.dest.upper()
    choices = [str(c) for c in action.choices or ()]
    said = f" ({metavar}: {', '.join(choices[:-1])} or {choices[-1]})" if len(choices) > 1 else ""
    return f", did you mean `{flag} {metavar}`{said}?"


def build_parser() -> argparse.ArgumentParser:
    """The `python -m ftlib` parser (a `Parser`): one subcommand group per module of GROUPS, each added by its
    `register(subparsers)`; a COMMAND is required. Imports each command module (not its heavy libraries)."""
    parser = Parser(prog=PROG, description="Fine-tuning studio engine")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in GROUPS:
        importlib.import_module(f"ftlib.commands.{group}").register(sub)
    return parser


def check_model_argument(args: argparse.Namespace) -> None:
    """A model folder given as a command's model (`--model DIR`, `models info DIR`) is checked before the command
    starts (`ftlib.models.check_model`: a readable config.json, weights files), as the sidebar checks a typed one:
    one `error:` line saying what is missing, rather than a failure midway. `default` and hub ids are resolved by the
    command itself (converting or finding them takes a while, and a typo in another argument should not wait), or by
    `check_model_found` where that is quick."""
    model = getattr(args, "model", None)
    if isinstance(model, str) and model.strip() not in ("", "default") and user_path(model.strip()).exists():
        from ftlib.models import check_model

        check_model(model.strip())


def check_model_found(args: argparse.Namespace) -> None:
    """A command's model named by anything but `default` or a folder here, looked up in the local cache as the command
    would look it up (`resolve_model`), where hub downloads are off (then nothing is downloaded, and it is quick): a
    hub id not there, or a folder that does not exist, refused in its words before the model's libraries are imported
    (`data inspect --model nosuch/model` said it after 2-3 s of torch). Called after the command's own `check`, whose
    words for a --model come first (sample: "not the base the run was trained on")."""
    from ftlib import hub_allowed

    model = getattr(args, "model", None)
    if not isinstance(model, str) or model.strip() in ("", "default") or hub_allowed():
        return
    if not user_path(model.strip()).exists():  # a folder here is check_model_argument's
        from ftlib.models import resolve_model

        resolve_model(model.strip())


def check_template_file_argument(args: argparse.Namespace) -> None:
    """A `--template-file` given (`data inspect`, `tokens`, `batch`, `train`) is read before the command starts:
    UserError for a missing file, a folder or one that is not UTF-8 text (`commands.template_file_text`). `data
    inspect` without --model or tool calls never read it (a typo in its path went unsaid), and `tokens` and `batch`
    loaded the tokenizer first."""
    if getattr(args, "template_file", None):
        from ftlib.commands import template_file_text

        template_file_text(args.template_file)


def printable_streams() -> None:
    """stdout and stderr write a character their encoding lacks as an escape (`\\u4f60`) instead of raising.

    Under `LC_ALL=C` with UTF-8 mode off (`PYTHONUTF8=0`), or `PYTHONIOENCODING=latin-1`, stdout is ASCII or Latin-1
    and strict: the first CJK word or emoji of a row (or a dash of our own) stopped `tokens`, `sample` or `data
    inspect` with a UnicodeEncodeError traceback midway. Python's stderr already escapes so.
    """
    for stream in (sys.stdout, sys.stderr):
        # surrogateescape is what Python gives a C locale's stdout: it raises for every non-ASCII character too
        if getattr(stream, "errors", None) in ("strict", "surrogateescape") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


# What a command that loads a model imports first (torch, transformers' model and tokenizer classes); PEFT too where it
# loads an adapter; `tokens` loads a tokenizer alone. Imported out of the garbage collector's passes by `python -m
# ftlib` (`libraries_of`).
TOKENIZER_LIBRARIES = ("torch", "transformers.models.auto.tokenization_auto")
MODEL_LIBRARIES = TOKENIZER_LIBRARIES + ("transformers.modeling_utils", "transformers.models.auto.modeling_auto")


def libraries_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The libraries a parsed command line's command loads its model or tokenizer with (module names; () for the
    others): `sample`, `evaluate`, `runs export` (PEFT too where a run's adapter comes; not with --remove, which
    deletes files) and `tokens`."""
    command = args.command if args.command != "runs" else f"runs {getattr(args, 'runs_command', '')}"
    if command == "tokens":
        return TOKENIZER_LIBRARIES
    if command not in ("sample", "evaluate", "runs export") or getattr(args, "remove", False):
        return ()
    return MODEL_LIBRARIES + (("peft",) if command != "sample" or getattr(args, "adapter", None) else ())


def main(argv: list[str] | None = None, fresh_process: bool = False) -> int:
    """Run the command line `argv` (None: `sys.argv[1:]`); the exit code: the handler's (None: 0), 2 after one `error:`
    line for what the user can fix, 130 or 143 when interrupted or terminated, 0 on a closed pipe. Our ConfigWarnings
    print as one `warning:` line; a bug raises with its traceback (`python -m ftlib` then exits 1). `fresh_process`:
    this process is the command's own (`python -m ftlib`), so a model's libraries are imported out of the garbage
    collector's passes (ftlib.worker._import_libraries_unscanned); never where ftlib is a library or a test calls
    in."""
    printable_streams()
    with warnings.catch_warnings():  # puts the previous showwarning back when the command ends
        shown = warnings.showwarning

        def one_line(message, category, *where, **more) -> None:
            """Our own warnings (an old config's renamed setting) as one `warning: ...` line on stderr, as the
            commands print theirs, not Python's "train.py:165: ConfigWarning: ..." and a line of our code; any
            other library's warning as before."""
            if issubclass(category, ConfigWarning):
                print(f"warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *where, **more)

        warnings.showwarning = one_line
        return _main(argv, fresh_process)


def _main(argv: list[str] | None, fresh_process: bool = False) -> int:
    from ftlib.sharing import process_env, say_threads_warning

    process_env()  # before any command imports torch: idle OpenMP threads sleep, FTLIB_THREADS applies
    say_threads_warning()  # an FTLIB_THREADS that is no thread count: one `warning:` line, the command goes on
    # A command says its own progress: transformers' "Loading weights" bars (off before it is imported, hence now) and
    # the library messages a run's log leaves out too (ftlib.worker) would only bury it. =0 brings the bars back.
    from ftlib.worker import quiet_known_noise

    quiet_known_noise()
    try:
        args = build_parser().parse_args(argv)
        check_model_argument(args)
        check_template_file_argument(args)
        if check := getattr(args, "check", None):  # the command's refusals that need no model: before torch
            check(args)
        check_model_found(args)  # a --model not in the cache, where nothing is downloaded: before torch too
        if fresh_process and libraries_of(args):  # after quiet_known_noise and process_env, which must come first
            from ftlib.worker import _import_libraries_unscanned

            _import_libraries_unscanned(libraries_of(args))
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # the reader stopped early (`| head`): as any command-line tool, leave quietly
        os.dup2(
            os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno()
        )  # the interpreter's last flush has nowhere to fail
        return 0
    except UserError as exc:  # a full disk (workspace.DiskFullError) is one too, with its own sentence
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A path the user gave that cannot be read or written, where no command said more: still words, not errno.
        print(f"error: {_os_error_words(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a SIGTERM a command took as Ctrl-C (commands.train.Terminated): 128 + 15
        terminated = type(exc).__name__ == "Terminated"
        print("terminated" if terminated else "interrupted", file=sys.stderr)
        return 143 if terminated else 130


def _os_error_words(exc: OSError) -> str:
    """An OSError no command said more about, in words with a subject: the path it names, or where it names none (a
    write to an open file), a full disk as such ("cannot use: no space left on device" named nothing to act on)."""
    from ftlib import workspace

    if workspace.is_disk_full(exc):
        where = f" while writing {exc.filename}" if exc.filename else ""
        return f"The disk is full{where} ({exc.strerror or exc}). {workspace.space_hint()}".rstrip()
    if exc.filename is None:
        return os_error_message(exc, "read or write a file", fix=f"check the disk of {workspace.workspace_dir()}")
    root = os.environ.get("FTLIB_WORKSPACE")
    folder = (user_path(root) if root else workspace.ftlib_home() / "workspace").resolve()
    inside = folder in Path(os.path.abspath(exc.filename)).resolve().parents
    if isinstance(exc, PermissionError) and inside and not os.access(folder, os.W_OK):
        # An account that may only read the workspace: `runs delete` named an `.export.lock` it never asked for,
        # `train` a hidden `.ID.partial`, each with "check the path" (the path is the studio's own, not the user's).
        # Not where it writes the workspace (a teammate's run it may not change): another workspace loses every run.
        return (
            f"This account may not write the workspace {folder} ({exc.filename}: permission denied): run the "
            "command as the account that owns it, or set FTLIB_WORKSPACE to a folder you may write."
        )
    return os_error_message(exc, fix="check the path and that you may read and write there")


if __name__ == "__main__":
    raise SystemExit(main())
