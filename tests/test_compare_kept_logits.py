"""Compare's next-token view keeps the logits of the last few prompts a session read, counted (never timed).

A click on another test row ran one forward for the view (all of that click's 0.4 s of CPU with 10,000 held-out
rows; BENCHMARKS.md, "Page responsiveness"), and the view kept one prompt only: switching back to a row already shown
ran it again. Up to KEPT_LOGITS prompts are kept now; a prompt past them is read again.
"""

from __future__ import annotations

import re
from pathlib import Path

from ftlib import next_token, workspace
from tests.test_page_reruns import chat, open_page, save

PAGE = Path(__file__).resolve().parents[1] / "pages" / "5_Compare.py"
KEPT = int(re.search(r"^KEPT_LOGITS = (\d+)", PAGE.read_text(encoding="utf-8"), re.M)[1])  # the page's own


def pick_row(at, index: int) -> None:
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(index).run()
    assert not at.exception, at.exception


def test_switching_back_to_a_test_row_reads_no_logits_again(varied_dir, monkeypatch):
    save("kept_logits", test=[chat(f"Held out {i}?", f"Reply {i}.") for i in range(12)])
    # The typed prompt's box starts on row 1's question (ui.prompt_input.first_question): its logits, read on opening,
    # would serve row 1's pick. Another question typed in an earlier session, row 1 is read on its pick.
    workspace.remember_choice("compare_prompt", "Something else?")
    at = open_page("pages/5_Compare.py", varied_dir)
    read: list[tuple[int, ...]] = []
    original = next_token.next_token_logits
    monkeypatch.setattr(
        next_token, "next_token_logits", lambda lm, ids, *a, **k: read.append(tuple(ids)) or original(lm, ids, *a, **k)
    )
    at.radio[0].set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    assert len(read) == 1  # row 1's prompt
    for index in (1, 0, 1, 0):
        pick_row(at, index)
    assert len(read) == 2 and read[0] != read[1]  # rows 1 and 2 once each, then drawn from what was kept
    at.run()
    assert len(read) == 2  # a rerun with nothing changed reads none either
    for index in range(2, 2 + KEPT):  # past what is kept: row 1's logits let go of, the newest kept
        pick_row(at, index)
    assert len(read) == 2 + KEPT
    assert len(at.session_state["compare_logits"]) == KEPT
    pick_row(at, 0)
    assert len(read) == 3 + KEPT and read[-1] == read[0]
