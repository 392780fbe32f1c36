"""What the Evaluate page says about an evaluation at every reply (a cold walk: a tool-calling chat file, a 6-step LoRA
run, "Answer at" switched between the last, the first and every reply):

1. a kept result measured with other choices named every choice, the matching ones too, and not the one that differed
   (the reply answered): only the differing choices are named, "at the last reply, not the first";
2. the time said before the click counted rows, not the replies evaluated (9 replies of 3 rows said "About 1 min 4 s
   for 3 rows" and took 98 s); the pace kept is a reply's where replies were the items;
3. "How sure" said "too few rows to tell" beside an interval well clear of 0, and its mean per reply beside the
   token-weighted change under Tuned loss without saying which is which: the rule counts conversations (their replies
   are not independent draws), says so, and the two changes are named;
4. the reference showed a tool call as `get_weather({...})` beside answers writing `<tool_call>...</tool_call>`: it is
   shown as the template writes it, the data's form under it;
5. the heading of the reply after a tool result said "the prompt: What's the weather in Oslo?": it names the tool
   result the reply answers.
"""

from __future__ import annotations

import math

from ftlib import eval_results as K
from ftlib.evaluate import EvalResult, EvalRow
from tests.test_evaluate_tools import ROW

CALL_WRITTEN = '<tool_call>\n{"name": "get_weather_zq", "arguments": {"city": "Oslo"}}\n</tool_call>'
CHAT = {  # a second conversation of two replies, in words
    "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green."},
    ]
}


def _key(tmp_path, limit=3, **choices):
    common = dict(model="m", rows=[ROW] * limit, all_rows=[ROW] * 3, template="t", template_source="", max_length=None)
    return K.heldout_key(tmp_path, limit=limit, **({"max_new_tokens": 64, "batch_size": 8} | choices), **common)


def test_a_kept_result_names_only_the_choices_that_differ(tmp_path):
    from ui.evaluate_view import other_choices_said

    said = other_choices_said(_key(tmp_path), _key(tmp_path, answer_at="first"))
    assert said == (
        "This result was measured at the last reply, not the first: press **Evaluate** to measure with the choices "
        "above."
    )
    said = other_choices_said(_key(tmp_path, 2, answer_at="every", batch_size=4), _key(tmp_path, batch_size=4))
    assert said.startswith("This result was measured with 2 rows, not 3; at every reply, not the last: press")
    assert "max new tokens" not in said and "per batch" not in said  # those match: not named
    from ui.evaluate_choices import differing_choices

    assert differing_choices(_key(tmp_path, answer_at="first"), _key(tmp_path, answer_at="every")) == [
        "at the first reply, not at every reply"
    ]
    # No result shown, one kept with other choices: what to set to see it again, only what differs.
    assert K.keep(tmp_path, _key(tmp_path), {"x": 1}, now=100.0)
    current = _key(tmp_path, answer_at="first")
    said = other_choices_said(None, current, K.others(tmp_path, current))
    assert said.endswith("at the last reply, not the first: set that above to see that result again.")


def _item(index, reply, base, tuned, tokens):
    return EvalRow(index, "q", "a", "b", "t", base, tuned, tokens, reply=reply)


def test_how_sure_counts_conversations_at_every_reply_and_names_both_changes():
    from ftlib.eval_stats import paired_change

    # 6 replies of 3 conversations, every one lower by about 1 nat: well clear of 0, yet 3 independent draws.
    changes = [(0, 1, 2.0, 1.0, 4), (0, 2, 2.1, 1.0, 30), (1, 1, 2.0, 0.9, 4), (1, 2, 2.2, 1.2, 30)]
    changes += [(2, 1, 2.0, 1.0, 4), (2, 2, 2.1, 1.0, 30)]
    rows = [_item(*c) for c in changes]
    tokens = sum(c[4] for c in changes)
    base = sum(c[2] * c[4] for c in changes) / tokens
    tuned = sum(c[3] * c[4] for c in changes) / tokens
    result = EvalResult("tuned", rows, answer_at="every", base_token_loss=base, tuned_token_loss=tuned)
    stats = result.change_stats()
    # Not "clearly lower" from 6 replies of 3 conversations, and not "too few rows" with 6 replies and 3 rows.
    assert stats.high < 0 and stats.verdict == "too few conversations to tell"
    said = " ".join(result.how_sure())  # what the page and the CLI show
    assert "95% interval" in said and ": too few conversations to tell." in said and "too few rows" not in said
    assert "6 replies of 3 conversations" in said and "the verdict counts the conversations instead" in said
    assert (
        f"The mean change per reply, {stats.mean:+.3f}, counts each reply once; the change of the tuned loss, "
        f"{tuned - base:+.3f}, weighs every token alike" in said
    )
    assert math.isclose(result.aggregates()["loss_change"], tuned - base)
    assert result.how_sure() == [result.change_said()]  # the page's line is the CLI's
    # Five conversations decide by the interval; replies of one reply each count as rows.
    five = paired_change([2.0] * 10, [1.0, 1.1] * 5, groups=[0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    assert five.verdict == "clearly lower"
    assert paired_change([2.0] * 3, [1.0] * 3, groups=[0, 1, 2]).verdict == "too few rows to tell"
    # Answered at one reply: rows are the draws, as before, and no note on conversations.
    last = EvalResult(
        "tuned", [_item(i, None, 2.0, 1.0, 4) for i in range(3)], base_token_loss=2.0, tuned_token_loss=1.0
    )
    assert " ".join(last.how_sure()).endswith(
        ": too few rows to tell (the interval clears 0, but under 5 rows one odd row can decide it)."
    )


def test_the_time_counts_the_replies_evaluated_at_a_replys_pace():
    from ftlib.references import item_count
    from ui.evaluate_choices import evaluation_time_note

    rows = [ROW, CHAT, ROW]
    assert (item_count(rows, "every"), item_count(rows, "last"), item_count(rows, "first")) == (6, 3, 3)
    # The walk: 98 s for 9 replies of 3 rows is 10.9 s a reply; the next estimate at every reply says 98 s, and at
    # the last reply 3 replies' worth (under a minute: nothing said), not 3 rows at 32.7 s each.
    pace = (98.0 / 9, 64, "reply")
    said = evaluation_time_note(3, 64, pace, items=9)
    assert (
        said
        == "⏱ About 1 min 38 s for 9 replies of 3 rows, at the 10.9 s a reply of your last evaluation (64 new tokens)."
    )
    assert evaluation_time_note(3, 64, pace, items=3) is None
    assert "for 6 rows, at the 10.9 s a reply" in evaluation_time_note(6, 64, pace, items=6)
    assert "at the 2.0 s a row" in evaluation_time_note(40, 64, (2.0, 64))  # a session's pace kept before


def test_a_tool_call_reference_is_shown_as_the_template_writes_it(model_set):
    from ftlib.references import written_reply
    from ftlib.templates import get_template

    template = get_template("hermes", model_set.tokenizer)
    assert written_reply(ROW, model_set.tokenizer, template, "every", 1) == CALL_WRITTEN
    assert written_reply(ROW, model_set.tokenizer, "hermes", "first") == CALL_WRITTEN
    assert written_reply(ROW, model_set.tokenizer, template, "every", 2) is None  # words: the data's own
    assert written_reply({"text": "Hi there"}, model_set.tokenizer, template) is None


def _weather_page(varied_dir, adapter_template):
    """The Evaluate page on a Hermes run whose 3 held-out rows have 2 replies each (2 tool calls), at every reply."""
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import open_page

    workspace.save_split("weather", [CHAT], [ROW, CHAT, ROW], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    at = open_page(varied_dir)
    next(r for r in at.radio if r.label == "Answer at").set_value("every").run()
    return at


def test_the_page_times_the_replies_it_will_evaluate(varied_dir, adapter_template):
    at = _weather_page(varied_dir, adapter_template)
    at.session_state["evaluate_rate"] = (10.0, 8, "reply")  # this session's last evaluation: 10 s a reply
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(3).run()
    next(s for s in at.slider if s.label == "Max new tokens per answer").set_value(8).run()
    captions = " ".join(c.value for c in at.caption)
    assert "⏱ About 1 min 0 s for 6 replies of 3 rows, at the 10.0 s a reply" in captions


def test_the_page_says_what_each_reply_answers_and_how_sure_it_is(varied_dir, adapter_template):
    from tests.test_pages_evaluate_kept import evaluate

    at = evaluate(_weather_page(varied_dir, adapter_template), rows=3, max_new=8)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    job = at.session_state["evaluate_job"]
    assert at.session_state["evaluate_rate"] == ((job.ended_at - job.began) / 6, 8, "reply")  # a reply's pace
    captions = " ".join(c.value for c in at.caption)
    assert "Held-out row 1, reply 2 · the tool result" in captions  # the reply after the call answers its result
    assert "Held-out row 1, reply 1 · the prompt" in captions
    texts = [t.value for t in at.text]
    assert '{"temp_c": 4, "sky": "sleet"}' in texts
    assert CALL_WRITTEN in texts and 'get_weather_zq({"city": "Oslo"})' in texts  # as written, and as in the data
    assert "too few conversations to tell" in captions and "too few rows" not in captions

    next(r for r in at.radio if r.label == "Answer at").set_value("first").run()
    captions = " ".join(c.value for c in at.caption)
    assert "This result was measured at every reply, not the first: press **Evaluate**" in captions
