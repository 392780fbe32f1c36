"""`python -m ftlib ...`: the engine without a browser.

Each command group lives in `ftlib/commands/<group>.py` and exposes `register(subparsers)`; a command's
handler returns an exit code. Errors a user can act on (`UserError` and the engine's ValueError
subclasses) print one clear line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Command groups, imported lazily so `--help` stays fast and a broken group does not take down the rest.
GROUPS = ("models", "data", "tokens", "batch", "train", "runs", "sample", "evaluate")


class UserError(Exception):
    """A failure the user can fix; its message is printed as-is."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ftlib", description="Fine-tuning studio engine")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in GROUPS:
        try:
            module = importlib.import_module(f"ftlib.commands.{group}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ftlib.commands.{group}":
                continue  # group not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (UserError, ValueError, FileNotFoundError, PermissionError, OSError) as exc:
        # ValueError covers the engine's own errors (DataError, ModelError, TemplateError, ConfigError...).
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
