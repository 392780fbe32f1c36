"""Helper 150's review of the data and page side of a session's commits: each case failed before its fix."""

from __future__ import annotations

import re

import pytest

from ftlib.data import MappingNeeded, load_file
from ui.labels import on_data_page


def test_the_data_page_says_a_column_of_documents_named_with_an_apostrophe_as_its_box(tmp_path):
    """A table whose columns name no prompt or answer: the engine's `--map 'Agent'"'"'s reply=text'` (shell-quoted
    for the CLI) stayed on the Data page as it was, quotes and all, where a plain name is said "map `X` to text"."""
    path = tmp_path / "tickets.csv"
    rows = "1,My printer is broken,Try turning it off\n2,Login fails,Reset your password\n"
    path.write_text("Ticket ID,Customer's message,Agent's reply\n" + rows, "utf-8")
    with pytest.raises(MappingNeeded) as raised:
        load_file(str(path))
    said = on_data_page(str(raised.value))
    assert "--map" not in said and '"\'"' not in said, said
    assert re.search(r"\(every token trained\): map `(Customer's message|Agent's reply)` to text\.$", said), said
