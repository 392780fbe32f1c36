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


def test_a_kto_runs_held_out_rewards_and_margin_are_over_answers_not_batches(tiny_model_dir, tmp_path):
    """5 held-out answers (3 good, 2 bad) in batches of 2: TRL averages each batch's mean reward of its good answers
    and of its bad ones, and its margin is the mean of each batch's difference from the batches holding both labels
    (one here): the Train chart's held-out margin read 0.0115 where the same answers in one batch read 0.0047, and
    Evaluate, which says the held-out rewards are beta times its per-answer mean changes, could not match it. Logged
    by answer, batches of 2 give what one batch of all 5 gives."""
    import pytest

    from ftlib.training import build_trainer
    from tests.test_alignment_pinned import KTO_ROWS
    from tests.test_training import tiny_config
    from tests.test_walk_h115 import batched_and_whole

    held_out = [KTO_ROWS[i] for i in (0, 2, 4, 1, 3)]  # good, good, good, bad, bad
    trainer = build_trainer(
        tiny_config(tiny_model_dir, method="kto", batch_size=2), tmp_path, rows=(KTO_ROWS[6:], held_out)
    ).trainer
    assert [b["label"].tolist() for b in trainer.get_eval_dataloader()] == [[True, True], [True, False], [False]]
    in_twos, in_one = batched_and_whole(trainer, 5)
    assert in_one["eval_rewards/margins"] != pytest.approx(0, abs=1e-6)
    for key in ("eval_rewards/margins", "eval_rewards/chosen", "eval_rewards/rejected", "eval_logps/chosen"):
        assert in_twos[key] == pytest.approx(in_one[key], rel=1e-4, abs=1e-6), key


def test_an_unread_feedback_column_of_thumbs_is_told_to_be_mapped_as_the_label_not_turned_into_one():
    """Since f21b85b a chat export's thumbs_up/thumbs_down are read as good/bad labels as written, but the warning on
    such a column left unread still said to turn it into a 'label' column of true and false first. A 1-5 rating is
    still told to be made a label (test_walk_h109)."""
    from ftlib.data import load_bytes

    data = b"question,answer,feedback\n2+2?,4,thumbs_up\n2+2?,5,thumbs_down\nCapital of France?,Paris,Thumbs Up\n"
    result = load_bytes(data, "export.csv")
    assert result.format == "alpaca"
    (judged,) = [n.message for n in result.notices if "'feedback'" in n.message and not n.note]
    assert "Its values are good/bad labels as they are: map it as the label" in judged
    assert "`--map feedback=label` in the CLI" in judged and "turn it into" not in judged
    mapped = load_bytes(data, "export.csv", column_map={"label": "feedback"})  # what it says to do
    assert mapped.format == "unpaired_preference" and [r["label"] for r in mapped.rows] == [True, False, True]


def test_a_thumbs_column_the_warning_says_to_map_as_the_label_is_not_offered_another_field_too(tmp_path):
    """The lead's follow-up: beside the warning saying to map a `Thumbs Up` column as the label, the Data page's line
    of unused columns offered it `system` too ("Not used: Thumbs Up, ticket (to use one, map it to `system` ...)").
    The column the warning names is said there alone; the other unused column is still offered the free fields."""
    path = tmp_path / "export.csv"
    path.write_text("prompt,completion,Thumbs Up,ticket\nHi,Hello there,1,a\nHi,Go away,0,b\nBye,See you,1,c\n")
    at = with_path(data_page(), path)
    assert not at.exception, at.exception
    (unused,) = [c.value for c in at.caption if "Not used" in c.value]
    assert "ticket" in unused and "Thumbs Up" not in unused and "map it to `system`" in unused
    assert any("map it as the label" in w.value and "'Thumbs Up'" in w.value for w in at.warning)
