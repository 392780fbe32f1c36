"""Helper 128's review of the previous session's data work: each test failed before its fix."""

from __future__ import annotations

import json

from tests.test_pages_data import _allowed_data_dirs, data_page, texts, with_path  # noqa: F401 (a fixture)


def test_an_alpaca_pairs_history_starts_mapped_and_stays_read_when_another_box_changes(tmp_path):
    """LLaMA-Factory's Alpaca-shaped pairs carry earlier turns in `history`, which reading them as pairs reads. The
    Data page started that box at (none) (FORMAT_FIELDS left `history` out of the pair formats, b535f5c), so mapping
    any other field (here the system prompt) passed `history` as not read: every prompt lost its earlier turns,
    unsaid."""
    rows = [
        {"instruction": f"And in {lang}?", "input": "", "chosen": good, "rejected": "Hola", "sys": "Be brief."}
        | {"history": [["Say hello.", "Hello."]]}
        for lang, good in (("French", "Bonjour"), ("German", "Hallo"))
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="data_map_history").value == "history"
    assert "Say hello." in texts(at)  # the first row's earlier turn, shown
    at.selectbox(key="data_map_system").set_value("sys").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Say hello." in texts(at) and "Be brief." in texts(at)  # the system prompt mapped, the history still read
