"""`python -m ftlib ...`: the engine without a browser.

Each command group lives in `ftlib/commands/<group>.py` and exposes `register(subparsers)`; a command's
handler returns an exit code. Errors a user can act on (`ftlib.errors.UserError`, and OSErrors about the
user's own files) print one `error: ...` line to stderr and exit 2; anything else is a bug and keeps its
traceback (exit 1).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ftlib.errors import UserError

# Command groups, one module each; a module imports its heavy libraries inside its handler, so `--help` stays fast.
GROUPS = ("models", "data", "tokens", "batch", "train", "runs", "sample", "evaluate", "score")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ftlib", description="Fine-tuning studio engine")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in GROUPS:
        importlib.import_module(f"ftlib.commands.{group}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ftlib.sharing import process_env

    process_env()  # before any command imports torch: idle OpenMP threads sleep, FTLIB_THREADS applies
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (UserError, OSError) as exc:
        # OSError: a path the user gave that cannot be read or written (a full disk is a UserError too).
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
