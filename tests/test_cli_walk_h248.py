"""Helper 248: `runs` gaps a newcomer's CLI walk found: an id argument with no help, a run's folder refused where
`evaluate` takes it, and a stopping run's resume refused with words that do not say to wait."""

from __future__ import annotations

import argparse

from ftlib.cli import build_parser


def _runs_actions() -> dict[str, argparse.ArgumentParser]:
    runs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["runs"]
    return next(a for a in runs._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_runs_action_says_what_its_run_argument_takes():
    """`runs show --help` listed `id` with no word on what it takes (a run's id, or its name); so did resume, log and
    delete. Each `runs` action's run argument says it takes an id or a name, as `runs list` shows them."""
    bare = []
    for name, parser in _runs_actions().items():
        for action in parser._actions:
            if not action.option_strings and action.dest in ("id", "ids", "given"):
                if not action.help or "name" not in action.help or "id" not in action.help:
                    bare.append(f"{name} {action.dest}: {action.help!r}")
    assert not bare, bare
