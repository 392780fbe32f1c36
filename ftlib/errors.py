"""The error contract: what a user can fix is a `UserError`; everything else is a bug with a traceback.

    raise DataError("chats.jsonl is saved as UTF-16. Save it again as UTF-8.")   # a UserError subclass

A `UserError` message is a sentence a non-engineer can act on: what was wrong, where, and how to fix it. The
CLI prints it as one `error: ...` line and exits 2; pages show it as one message with nothing folded away but
the class name. Any other exception (a `ValueError` from a library, a `KeyError` in our code) is a bug: the CLI
lets its traceback through and pages show it under "Details for engineers". Catch `UserError`, never a bare
`ValueError`, where a failure is to be shown to the user.

Every engine module defines its own subclass (DataError, TemplateError, ConfigError, ...) so callers and tests
can tell them apart; this module knows none of them. `plural` and `numbered` word a count and the rows a message
points at the same way in every message; `os_error_message` words an OSError (what could not be done, to which
path, why in plain words) where Python's own text is "[Errno 13] Permission denied: '...'".
"""

from __future__ import annotations

import errno
from pathlib import Path


class UserError(Exception):
    """A failure the user can fix; `str(error)` says what was wrong and what to do about it."""


def user_message(exc: BaseException) -> str:
    """The one line shown for `exc`: its own message for a UserError, the type and message for anything else.

    >>> user_message(UserError("Pick a file first."))
    'Pick a file first.'
    >>> user_message(KeyError("x"))
    "KeyError: 'x'"
    """
    if isinstance(exc, UserError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """`n` and `noun`, the noun agreeing with the count: the one spelling of "1 row" / "2 rows" in messages (a
    consonant's y as ies; `many`: another plural).

    >>> plural(1, "row"), plural(2, "row"), plural(0, "preference pair")
    ('1 row', '2 rows', '0 preference pairs')
    >>> plural(2, "reply"), plural(2, "day"), plural(1, "reply")
    ('2 replies', '2 days', '1 reply')
    >>> plural(1, "process", "processes"), plural(2, "process", "processes")
    ('1 process', '2 processes')
    """
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {many or (noun[:-1] + 'ies' if noun.endswith('y') and noun[-2:-1] not in 'aeiou' else noun + 's')}"


def none_of(n: int, noun: str, can: str) -> str:
    """The opening of a refusal where every one of `n` items failed (`can`: what they could not be, "be evaluated"):
    "None of the 3 test rows can be evaluated", or for one, "The only test row cannot be evaluated".

    >>> none_of(3, "test row", "be evaluated"), none_of(1, "test row", "be evaluated")
    ('None of the 3 test rows can be evaluated', 'The only test row cannot be evaluated')
    """
    return f"The only {noun} cannot {can}" if n == 1 else f"None of the {plural(n, noun)} can {can}"


def after_colon(reason: str) -> str:
    """`reason`, a sentence of its own, as it reads after a colon: its first word lower-cased where it is an ordinary
    capitalised word ("This prompt only row ...", "A plain-text row ..."), not a name ("KTO ...", "`max_length` ...").

    >>> after_colon("This prompt only row has no reference answer."), after_colon("KTO trains on labels.")
    ('this prompt only row has no reference answer.', 'KTO trains on labels.')
    >>> after_colon("A plain-text row has no prompt to answer."), after_colon("I/O failed.")
    ('a plain-text row has no prompt to answer.', 'I/O failed.')
    """
    word = reason.split(" ", 1)[0]
    # "A" is a word of one letter: ordinary only where a space follows it ("I/O", "A100" are names).
    ordinary = word[1:].islower() or word == "A"
    return reason[0].lower() + reason[1:] if reason[:1].isupper() and ordinary else reason


def numbered(noun: str, numbers: list[int], limit: int = 8) -> str:
    """`noun`, agreeing with how many `numbers` follow, then the first `limit` of them: where a message points.

    >>> numbered("row", [4]), numbered("held-out row", [2, 5])
    ('row 4', 'held-out rows 2, 5')
    >>> numbered("row", list(range(1, 12)))
    'rows 1, 2, 3, 4, 5, 6, 7, 8 and 3 more'
    """
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"{noun if len(numbers) == 1 else noun + 's'} {', '.join(map(str, numbers[:limit]))}{more}"


# The reasons a person meets most, in words; any other errno keeps the system's own text.
_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EEXIST: "a file of that name is already there",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder, not a file",
    errno.EROFS: "the disk is read-only",
    errno.ENAMETOOLONG: "the name is too long",
}


def os_error_message(exc: OSError, action: str = "use", path: str | Path | None = None, fix: str = "") -> str:
    """One sentence for `exc`: 'cannot ACTION PATH: REASON (at PART); FIX'.

    PATH is what the user gave (default: the path the error names); PART, when the error names another path above
    it, is the folder that failed.

    >>> os_error_message(FileNotFoundError(2, "No such file or directory", "/proc/x"), "create", "/proc/x/a", "retry")
    'cannot create /proc/x/a: no such file or folder (at /proc/x); retry'
    >>> os_error_message(PermissionError(13, "Permission denied", "/srv/run.log"))
    'cannot use /srv/run.log: permission denied'

    A file where a folder above PATH would be (ENOTDIR, or EEXIST from making that folder) is named as a file.
    """
    named = exc.filename
    where = path if path is not None else named
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and where is not None:
        # A file where a folder above `where` would be: mkdir says EEXIST ("a file of that name is already there")
        # or ENOTDIR. Said as export_out.check_out says it of `runs export --out`: that part is a file.
        if above := next((p for p in Path(where).parents if p.is_file()), None):
            text = f"cannot {action} {where}: {above} is a file, not a folder, so nothing can be written under it"
            return text + (f"; {fix}" if fix else "")
    reason = _REASONS.get(exc.errno) or exc.strerror or str(exc) or type(exc).__name__
    reason = reason[:1].lower() + reason[1:]
    text = f"cannot {action}" + (f" {where}" if where is not None else "") + f": {reason}"
    if named is not None and where is not None and Path(where) != Path(named) and Path(named) in Path(where).parents:
        text += f" (at {named})"
    return text + (f"; {fix}" if fix else "")


__all__ = ["UserError", "after_colon", "none_of", "numbered", "os_error_message", "plural", "user_message"]
