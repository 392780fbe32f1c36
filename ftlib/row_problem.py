"""`RowProblem`: one row of a file cannot be used, and the message says why in plain words (a `UserError`).

    raise RowProblem("turn 2 of 'messages' has no role (expected 'role' or 'from'; it has `text`)")

The readers catch it per row: the row is named with its line and the reason, the good rows are kept (data.py). It lives
below turns.py, which raises most of them, so that the modules converting a row's turns before turns.py reads them
(openai_turns.py's Responses API items) can refuse a row too without an import cycle; `ftlib.turns.RowProblem` is the
same class.

Not known here: which rows, turns or fields go wrong (turns.py, formats.py, openai_turns.py).
"""

from __future__ import annotations

from ftlib.errors import UserError


class RowProblem(UserError):
    """One row cannot be used; the message says why, in plain words. `field` names a missing field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


__all__ = ["RowProblem"]
