"""Preference pairs as UltraFeedback-binarized publishes them (chosen/rejected conversations beside a `messages` copy
and score_chosen/score_rejected): what the Data page and `data inspect` say of what is not read (helper 122)."""

from __future__ import annotations

import json

import pandas as pd

from ftlib.data import load_file
from ftlib.notices import shown_notices
from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (a fixture)
from ui.data_files import NONE


def turn(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def pair_rows(n: int = 3) -> list[dict]:
    """Rows of a small pair set of our own: the chosen conversation also as `messages`, each answer scored."""
    rows = []
    for i, prime in zip(range(n), (11, 23, 31), strict=False):
        ask = turn("user", f"Name a prime above {10 * (i + 1)}.")
        chosen, rejected = [ask, turn("assistant", str(prime))], [ask, turn("assistant", "Twenty.")]
        rows.append(
            {
                "prompt": ask["content"],
                "prompt_id": f"p{i}",
                "chosen": chosen,
                "rejected": rejected,
                "messages": chosen,
                "score_chosen": 7.5,
                "score_rejected": 2.0,
            }
        )
    return rows


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_tables_score_columns_are_not_offered_a_mapping_that_no_field_takes(tmp_path):
    """No field of the mapping takes a score: `map one ... to use it` was offered for score_chosen too."""
    path = tmp_path / "prefs.parquet"
    pd.DataFrame(pair_rows()).to_parquet(path)
    result = load_file(path)
    assert result.format == "preference"
    shown = shown_notices(result.notices, table=True, how="--map COLUMN=FIELD to use one")[0]
    (note,) = [n for n in shown if n.note and n.message.startswith("Not used")]  # not the prompt read once (h263)
    used, _, scores = note.message.partition(" Not read: ")
    # the `messages` copy is said apart with why, not offered a mapping either (helper 187's walk)
    assert used == "Not used: prompt_id (an id of the rows: metadata, neither shown nor trained)."
    assert scores.startswith("score_chosen, score_rejected (scores: the studio reads none, and no field of the")
    assert "with `chosen` as the better answer" in scores and "map" not in scores.replace("the mapping", "")

    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (line,) = [c.value for c in at.caption if "Not used:" in c.value]
    assert "Not used: prompt_id (an id of the rows: metadata, neither shown nor trained). Not read: " in line
    assert "score_rejected (map one" not in line


def test_a_json_pairs_messages_copy_is_unmapped_and_the_warning_says_why(tmp_path):
    """The box read `messages -> messages` above a warning that `messages` is ignored: the pair's conversations are
    what is read, so the box is (none) and the warning says why."""
    path = write_jsonl(tmp_path / "prefs.jsonl", pair_rows())
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {f: at.selectbox(key=f"data_map_{f}").value for f in ("prompt", "chosen", "rejected", "messages")} == {
        "prompt": "prompt",
        "chosen": "chosen",
        "rejected": "rejected",
        "messages": NONE,
    }
    (warning,) = [w.value for w in at.warning if "`messages`" in w.value]
    assert (
        "ignored field: `messages` in 3 rows; it is not read, as a pair's conversations are its `chosen` and "
        "`rejected` (a `messages` beside them is often a copy of the chosen one), so it is neither shown nor trained"
    ) in warning
    assert {m.label: m.value for m in at.metric}["Valid rows"] == "3"


def test_a_rejected_conversation_without_the_chosen_ones_system_turn_is_refused_naming_it(tmp_path):
    system, ask = turn("system", "Answer in one word."), turn("user", "Colour of the sky?")
    rows = [
        {"chosen": [system, ask, turn("assistant", "Blue.")], "rejected": [ask, turn("assistant", "Green.")]},
        {"chosen": [ask, turn("assistant", "Blue.")], "rejected": [system, ask, turn("assistant", "Red.")]},
        {
            "chosen": [system, ask, turn("assistant", "Blue.")],
            "rejected": [turn("system", "Be verbose."), ask, turn("assistant", "Well...")],
        },
        {"chosen": [ask, turn("assistant", "Blue.")], "rejected": [turn("user", "Other?"), turn("assistant", "No.")]},
    ]
    result = load_file(write_jsonl(tmp_path / "sys.jsonl", [*rows, pair_rows(1)[0]]))
    said = [e.message for e in result.errors]
    assert said[0].endswith(
        "share no opening turns, so the prompt cannot be found: chosen opens with a system turn that rejected lacks. "
        "Give both the same system turn (or neither), as both answer the same conversation"
    )
    assert ": rejected opens with a system turn that chosen lacks. Give both the same system turn" in said[1]
    assert ": their system turns differ (the first turn of each). Give both the same system turn" in said[2]
    assert said[3].endswith(  # no system turn: how a pair holds its prompt (helper 235)
        "share no opening turns, so the prompt cannot be found: start both with the same prompt turns (the same "
        "question), or put the prompt in a `prompt` field and only each answer in `chosen` and `rejected`"
    )
