"""Evaluate's changes in nats said in plain words where they are shown: a KTO run's good and bad answers, a preference
run's margin (helper 202's walk: "nats" unexplained)."""

from __future__ import annotations


def test_the_kto_view_says_what_a_nat_is_where_it_shows_changes_in_nats():
    """Evaluate's KTO part gave every change in "nats" and never said what one is. Its caption now says it once, in
    plain words, with the one number a reader can hold on to (+0.69 nats: twice as likely)."""
    from streamlit.testing.v1 import AppTest

    def draw() -> None:
        from ftlib.kto_eval import LabelledAnswer, LabelShift
        from ui.kto_eval_view import labels_section

        labels_section(LabelShift([LabelledAnswer(0, True, 3, -6.0, -5.31), LabelledAnswer(1, False, 4, -7.0, -9.0)]))

    at = AppTest.from_function(draw).run()
    assert not at.exception, at.exception
    assert [m.proto.delta for m in at.metric] == ["+0.69 nats (mean)", "-2.00 nats (mean)"]
    (caption,) = [c.value for c in at.caption if "nats" in c.value]
    assert "nats, the natural-log units of probability: +0.69 nats is twice as likely, -0.69 half as likely" in caption


def test_evaluates_pairs_say_what_their_margins_nats_are(varied_dir, adapter_template):
    from tests.test_pages_compare import evaluated_dpo_pairs

    at = evaluated_dpo_pairs(varied_dir, adapter_template)
    moved = next(m for m in at.metric if m.label == "Moved toward the chosen answer")
    assert "nats; the Train page's reward margin is beta x it" in moved.proto.help  # the margin, in nats
    assert "Nats are the natural-log units of probability: a margin of +0.69 nats means tuning made the chosen " in (
        moved.proto.help
    )
