"""The error contract: what a user can fix is a `UserError`; everything else is a bug with a traceback.

    raise DataError("chats.jsonl is saved as UTF-16. Save it again as UTF-8.")   # a UserError subclass

A `UserError` message is a sentence a non-engineer can act on: what was wrong, where, and how to fix it. The
CLI prints it as one `error: ...` line and exits 2; pages show it as one message with nothing folded away but
the class name. Any other exception (a `ValueError` from a library, a `KeyError` in our code) is a bug: the CLI
lets its traceback through and pages show it under "Details for engineers". Catch `UserError`, never a bare
`ValueError`, where a failure is to be shown to the user.

Every engine module defines its own subclass (DataError, TemplateError, ConfigError, ...) so callers and tests
can tell them apart; this module knows none of them. `plural` and `numbered` word a count and the rows a message
points at the same way in every message.
"""

from __future__ import annotations


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
    """`n` and `noun`, the noun agreeing with the count: the one spelling of "1 row" / "2 rows" in messages.

    >>> plural(1, "row"), plural(2, "row"), plural(0, "preference pair")
    ('1 row', '2 rows', '0 preference pairs')
    >>> plural(1, "process", "processes"), plural(2, "process", "processes")
    ('1 process', '2 processes')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"


def numbered(noun: str, numbers: list[int], limit: int = 8) -> str:
    """`noun`, agreeing with how many `numbers` follow, then the first `limit` of them: where a message points.

    >>> numbered("row", [4]), numbered("held-out row", [2, 5])
    ('row 4', 'held-out rows 2, 5')
    >>> numbered("row", list(range(1, 12)))
    'rows 1, 2, 3, 4, 5, 6, 7, 8 and 3 more'
    """
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"{noun if len(numbers) == 1 else noun + 's'} {', '.join(map(str, numbers[:limit]))}{more}"


__all__ = ["UserError", "numbered", "plural", "user_message"]
