"""`python -m ftlib data files|remove`: the uploads and saved splits stored in the workspace, and their removal.

python -m ftlib data files [--json]             # each with its size, when it was saved, who uploaded it where
                                                # known (ftlib.stored_people), and the runs that used it
python -m ftlib data remove chats               # a saved split by name
python -m ftlib data remove 20261205-174205-296fc4-chats.jsonl chats.jsonl   # uploads: stored name, or own name
python -m ftlib data remove --leftovers         # the hidden .NAME.XXXXXXXX.tmp halves of writes cut short

Registered by `ftlib.commands.data`, with `data pair` (`ftlib.commands.data_pair`). Listing and removing is
`ftlib.stored_data`.
"""

from __future__ import annotations

import json
import sys


def register(dsub) -> None:
    files = dsub.add_parser(
        "files",
        help="the uploads and saved splits stored in the workspace, with sizes and the runs that used them",
        description="One line each: kind, name (what `data remove` takes), size, when saved, who uploaded it (a "
        "column once some upload names someone), and what used it (the runs "
        "trained on it or on a split made from it; an upload's splits). --json prints {items: [{kind, name, label, "
        "path, size, saved_at, uploaded_by, runs, splits, needs, active}], leftovers: {count, size}}; `needs`: run "
        "id -> state, the runs without their own copy of their rows that read it again; `uploaded_by`: '' where "
        "nobody is known.",
    )
    files.add_argument("--json", action="store_true", help="print one JSON object")
    files.set_defaults(handler=_files)
    remove = dsub.add_parser(
        "remove",
        help="remove uploads and saved splits by name (asks nothing; runs keep their own copy of their rows)",
        description="Removes each NAME (a saved split's name, an upload's stored name, or its own file name when one "
        "upload has it; split:NAME or upload:NAME where both have it) and prints what it freed. Every NAME is "
        "checked before anything is removed: an unknown one, or one a queued or running run without its own "
        "copy of its rows reads at its start, is refused (error, exit 2) and nothing is removed.",
    )
    remove.add_argument("names", nargs="*", metavar="NAME", help="what `data files` lists")
    remove.add_argument(
        "--leftovers", action="store_true", help="also remove the hidden leftovers of writes cut short (over an hour)"
    )
    remove.set_defaults(handler=_remove)
    from ftlib.commands import data_pair

    data_pair.register(dsub)  # answers labelled good or bad -> preference pairs


def _files(args) -> int:
    from ftlib import stored_data, workspace
    from ftlib.errors import plural
    from ftlib.term_width import fit, pad, width

    items, left = stored_data.list_stored(), stored_data.leftovers()
    if args.json:
        fields = ("kind", "name", "label", "path", "size", "saved_at", "uploaded_by", "runs", "splits", "needs")
        fields += ("active",)
        listed = [{f: str(getattr(i, f)) if f == "path" else getattr(i, f) for f in fields} for i in items]
        leftovers = {"count": len(left), "size": sum(s for _, s in left)}
        print(json.dumps({"items": listed, "leftovers": leftovers}))
        return 0
    if not items:
        from ftlib.commands.runs import workspace_words  # which workspace, and how to read the server's instead

        where = workspace_words(workspace.workspace_dir(), "uploads and saved splits")
        print(f"nothing stored in {where}: no uploads, no saved splits")
    else:
        name_width = max(width(i.name) for i in items) + 2  # its columns on a terminal (term_width), not its length
        # Who uploaded each, where known (ftlib.stored_people): a column only once some upload names someone, as the
        # Data page's "Uploaded by" and `runs list`'s "started by".
        known = [width(i.uploaded_by) for i in items if i.uploaded_by]
        by_width = min(40, max(len("uploaded by"), *known) + 2) if known else 0  # the heading fits over a short name
        by = f"{'uploaded by':<{by_width}}" if by_width else ""
        print(f"{'kind':<8}{'name':<{name_width}}{'size':>10}  {'saved':<18}{by}used by")
        for i in items:
            when = stored_data.saved_words(i.saved_at)
            name = i.name + (" *" if i.active else "")
            by = pad(fit(i.uploaded_by or "-", by_width - 2), by_width) if by_width else ""
            print(f"{i.kind:<8}{pad(name, name_width)}{stored_data.size_words(i.size):>10}  {when:<18}{by}{_used(i)}")
        if any(i.active for i in items):
            print("* the active split: the one saved or picked last, which a browser session starts from")
    if left:
        size = stored_data.size_words(sum(s for _, s in left))
        print(f"note: {plural(len(left), 'hidden leftover')} of writes cut short ({size}): `data remove --leftovers`")
    return 0


def _used(item) -> str:
    from ftlib import stored_data

    said = stored_data.used_words(item)
    if item.needs:
        its = "its" if len(item.needs) == 1 else "their"
        said += f" (no copy of {its} rows: {', '.join(item.needs)})"
    return said


def _remove(args) -> int:
    from ftlib import stored_data
    from ftlib.errors import UserError, plural
    from ftlib.run_people import cli_user, warnings_to

    if not args.names and not args.leftovers:
        raise UserError("data remove: name what to remove (`python -m ftlib data files` lists it), or --leftovers.")
    items = stored_data.list_stored()
    found = [stored_data.find(name, items) for name in args.names]  # all known, or nothing removed
    found = list({(i.kind, i.name): i for i in found}.values())  # one item named twice ("chats", "split:chats")
    for item in found:
        if blocked := item.blocked_words():
            raise stored_data.StoredDataError(f"{blocked} Nothing was removed.")
    freed, by = 0, cli_user()  # the OS account, in the workspace's removals log (ftlib.stored_people)
    for item in found:
        with warnings_to(sys.stderr):  # a removals log this account may not write: one `warning:` line, as `runs`
            removed = stored_data.remove(f"{item.kind}:{item.name}", expect=item.version, by=by)  # as listed above
        freed += removed.freed
        print(f"removed {item.kind} {item.name} ({stored_data.size_words(removed.freed)} freed)")
        for warning in removed.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if args.leftovers:
        count, size = stored_data.remove_leftovers()
        freed += size
        print(f"removed {plural(count, 'hidden leftover')} ({stored_data.size_words(size)} freed)")
    if len(found) + args.leftovers > 1:
        print(f"{stored_data.size_words(freed)} freed in all")
    return 0
