"""`python -m ftlib runs rename ID NAME`: give a run another name (the one the pages' pickers and tables and
`runs show` show, and that commands take for it); its id, its folder, stays.

python -m ftlib runs rename 20261207-101500-dpo-pairs "pirate v2"
python -m ftlib runs rename "pirate v2" pirates  # a run given by the name one run has

The engine is `ftlib.run_rename.rename`, which the Train page's Rename button calls too. Registered by `runs`
(ftlib/commands/runs.py), which passes its resolver of a run given by id or name.
"""

from __future__ import annotations

import sys


def register(rsub, resolve) -> None:
    """Add `rename` to the `runs` actions; `resolve(given) -> run id` (commands.runs.run_id: an id, or a name one run
    has)."""
    rename = rsub.add_parser(
        "rename",
        help="give a run another name (its id stays)",
        description="Give a run another name: the one the app's run pickers, the runs table and `runs show` show, and "
        "that commands take for it. Its id (its folder) never changes, so what names the run by id still finds it.",
    )
    # Not `id`: the parser says a blank word is the first run or path it takes (cli.BLANK_REFUSED), so an empty NAME
    # was refused as "ID is empty". A blank ID is refused below; a blank NAME by the engine.
    rename.add_argument("given", metavar="ID", help="the run's id, or its name when one run has it, or its folder")
    rename.add_argument("name", metavar="NAME", help="the new name, on one line (its id stays)")
    rename.set_defaults(handler=lambda args: _rename(args, resolve))


def _rename(args, resolve) -> int:
    from ftlib.errors import UserError
    from ftlib.run_people import cli_user, warnings_to
    from ftlib.run_rename import check_name, rename

    if not args.given.strip():
        raise UserError("runs rename: ID is empty (a shell variable not set?): give the run's id or name.")
    check_name(args.name)  # a name refused is said before the run is looked up
    with warnings_to(sys.stderr):  # a who.json this account may not write: one `warning:` line, the rename done
        renamed = rename(resolve(args.given), args.name, by=cli_user())
    for warning in renamed.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(renamed.sentence())
    return 0
