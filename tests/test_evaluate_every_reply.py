"""Evaluate can answer a conversation at every reply, so its loss is measured as Train's held-out loss counts it.

"Answer at" offered the last reply or the first: a held-out tool-calling row (system, user, the assistant's call, the
tool's result, the assistant's reply) was scored on one reply, while the run's default mask policy (`all_assistant`)
trains, and Train's held-out loss counts, both. `answer_at="every"` makes each reply an item of its own (the
conversation up to it the prompt, the reply the reference), listed as "row 1, reply 2"; its tokens together are the
tokens `all_assistant` labels, so the token-weighted loss is that of the whole row scored in one forward.
"""

from __future__ import annotations

import json

import pytest

from ftlib import eval_results as K
from ftlib import evaluate as E
from ftlib.eval_stats import replies_note
from ftlib.loss_words import evaluate_measured_over, train_heldout_note
from ftlib.references import Reference, check_answer_at, nth_reply, reply_numbers
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_evaluate_tools import PAIR, ROW

PLAIN = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}
PLAIN_PAIR = {"prompt": "Say yes.", "chosen": "Yes!", "rejected": "No."}
CHAT = {  # two replies in words, no tools, no system prompt
    "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green."},
    ]
}


def test_each_reply_is_an_item_with_the_conversation_before_it():
    assert reply_numbers(ROW, "every") == [1, 2] and reply_numbers(ROW, "last") == [None]
    assert reply_numbers(PLAIN, "every") == [1]
    assert reply_numbers(PAIR, "every") == [None] and reply_numbers({"text": "Hi there"}, "every") == [None]
    assert reply_numbers({"messages": [{"role": "user", "content": "Hi"}]}, "every") == [None]  # no reference: once
    assert nth_reply(ROW["messages"], 1) == ROW["messages"][:3]  # the system prompt and the question, then the call
    assert nth_reply(ROW["messages"], 2) == ROW["messages"]
    with pytest.raises(E.EvalError, match="has 2 replies, so it has no reply 3"):
        nth_reply(ROW["messages"], 3)


def test_every_reply_scores_the_tokens_training_scores(model_set, monkeypatch):
    tokenizer = model_set.tokenizer
    template = get_template("hermes", tokenizer)
    asked = []
    real = E.generate_with_set

    def recording(ms, rows, **kwargs):
        asked.extend(tokenizer.decode(list(r.input_ids)) for r in rows[::2])  # the base's prompt of each item
        return real(ms, rows, **kwargs)

    monkeypatch.setattr(E, "generate_with_set", recording)
    every = E.evaluate(
        model_set, [ROW, CHAT], model_set.names[1], max_new_tokens=2, template=template, answer_at="every"
    )
    assert [r.item for r in every.rows] == [(0, 1), (0, 2), (1, 1), (1, 2)] and not every.skipped
    # Each item asked with the conversation before its reply, the system prompt in each; the call asked without
    # the tool's result, the answer after it.
    assert all("concise weather assistant" in prompt for prompt in asked[:2])
    assert "sleet" not in asked[0] and "sleet" in asked[1]
    assert "Another?" not in asked[2] and "Blue." in asked[3]
    assert [r.reference for r in every.rows] == [
        'get_weather_zq({"city": "Oslo"})',
        "It is 4 °C with sleet in Oslo.",
        "Blue.",
        "Green.",
    ]
    # The first and the last reply are scored as "first" and "last" score them.
    first = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template, answer_at="first")
    last = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template)
    for mine, theirs in ((every.rows[0], first.rows[0]), (every.rows[1], last.rows[0])):
        assert (mine.tokens, mine.base_output, mine.tuned_output) == (
            theirs.tokens,
            theirs.base_output,
            theirs.tuned_output,
        )
        assert mine.base_loss == pytest.approx(theirs.base_loss, rel=1e-4)
    # Together the items' tokens are the tokens `all_assistant` labels in each row, and their token-weighted loss the
    # loss of each whole row scored once with those labels: what Train's held-out loss counts.
    whole_nll, whole_tokens = 0.0, 0
    for index, row in enumerate([ROW, CHAT]):
        enc = encode_row(row, tokenizer, template, "all_assistant")
        trained = [lab for lab in enc.labels if lab != IGNORE_INDEX]
        items = [
            E.row_reference(row, tokenizer, template, "every", r.reply)[1] for r in every.rows if r.index == index
        ]
        assert [lab for ref in items for lab in ref.labels if lab != IGNORE_INDEX] == trained
        ref = Reference(list(enc.input_ids), list(enc.labels), [t.text for t in enc.tokens])
        losses = E.losses_with_set(model_set, ref, [None])[0]
        whole_nll, whole_tokens = whole_nll + sum(losses), whole_tokens + len(losses)
    assert every.aggregates()["tokens"] == whole_tokens
    assert every.base_token_loss == pytest.approx(whole_nll / whole_tokens, rel=1e-4)
    # The per-token view of an item scores that reply only.
    view = E.token_losses(model_set, ROW, model_set.names[1], template=template, answer_at="every", reply=1)
    assert sum(view.scored) == every.rows[0].tokens


def test_a_conversation_of_one_reply_is_evaluated_as_at_its_last(model_set):
    name = model_set.names[1]
    every = E.evaluate(model_set, [PLAIN, PLAIN_PAIR], name, max_new_tokens=3, answer_at="every")
    last = E.evaluate(model_set, [PLAIN, PLAIN_PAIR], name, max_new_tokens=3)
    assert not every.skipped
    assert [r.reply for r in every.rows] == [1, None]  # a pair has one answer: no reply number
    for mine, theirs in zip(every.rows, last.rows, strict=True):
        assert {k: v for k, v in mine.as_dict().items() if k != "reply"} == pytest.approx(theirs.as_dict())
    assert "reply" not in last.rows[0].as_dict()  # the default's rows and CSV as they were
    assert every.aggregates()["rows"] == 2 and every.aggregates()["replies"] == 2
    assert "replies" not in last.aggregates()


def test_how_sure_pairs_replies_and_says_they_are_not_independent(model_set):
    result = E.evaluate(model_set, [CHAT, PLAIN], model_set.names[1], max_new_tokens=2, answer_at="every")
    said = result.how_sure()
    assert " of 3 replies" in said[0]  # its notes in the same line
    assert "not independent" in said[0] and "3 replies of 2 conversations" in said[0]
    assert result.change_stats().n == 3  # paired per reply
    assert replies_note(E.evaluate(model_set, [PLAIN], model_set.names[1], max_new_tokens=2).rows) == ""
    csv = result.to_csv().splitlines()
    assert csv[0].startswith("index,reply,prompt") and csv[1].startswith("0,1,") and csv[2].startswith("0,2,")


def test_a_reply_past_the_max_length_is_skipped_alone(model_set):
    tokenizer = model_set.tokenizer
    first = E.row_reference(CHAT, tokenizer, "tokenizer", "every", 1)[1]
    cut = len(first.input_ids) + 2  # the first reply whole, the second begins past the cut
    result = E.evaluate(model_set, [CHAT], model_set.names[1], max_new_tokens=2, max_length=cut, answer_at="every")
    assert [r.item for r in result.rows] == [(0, 1)]
    assert len(result.skipped) == 1 and result.skipped[0][0] == 0
    assert result.skipped[0][1].startswith("reply 2: its reference answer begins after the run's max length")


def test_kept_results_name_every_reply_and_old_records_still_load(model_set, tmp_path):
    common = dict(model="m", rows=[ROW], limit=1, max_new_tokens=64, batch_size=8, template="t", template_source="")
    last = K.heldout_key(tmp_path, max_length=None, **common)
    every = K.heldout_key(tmp_path, max_length=None, answer_at="every", **common)
    assert every["answer_at"] == "every" and "answer_at" not in last
    K.keep(tmp_path, every, {"x": 1})
    assert K.find(tmp_path, last) is None and K.find(tmp_path, every).value == {"x": 1}
    result = E.evaluate(model_set, [CHAT], model_set.names[1], max_new_tokens=2, answer_at="every")
    back = K.result_from_record(json.loads(json.dumps(K.result_record(result))))
    assert back.answer_at == "every" and [r.item for r in back.rows] == [(0, 1), (0, 2)]
    old = K.result_record(E.evaluate(model_set, [PLAIN], model_set.names[1], max_new_tokens=2))
    for row in old["rows"]:
        row.pop("reply")  # a record kept before replies were numbered
    assert [r.item for r in K.result_from_record(old).rows] == [(0, None)]


def test_the_loss_words_say_what_every_reply_is_over():
    from types import SimpleNamespace as R

    items = [R(index=0, reply=n, tokens=4, is_text=False, is_pair=False) for n in (1, 2)]
    assert "the 2 replies of the 1 held-out row (8 tokens" in evaluate_measured_over(items, "every")
    same = train_heldout_note([CHAT], "all_assistant", "every", 1)
    assert same.startswith("Train's held-out loss scores the same tokens") and "differs" not in same
    other = train_heldout_note([CHAT], "last_assistant", "every", 1)
    assert "counts only the last reply, the one the run trains, not every reply" in other


def test_every_reply_is_refused_where_it_cannot_apply():
    check_answer_at("every", "references", [ROW])
    check_answer_at("last", "pairs", [PAIR])
    with pytest.raises(E.EvalError, match="--answer-at every .* a reward model's run is measured on its held-out"):
        check_answer_at("every", "pairs", [PAIR])
    with pytest.raises(E.EvalError, match="GRPO run's prompts are measured by its rewards"):
        check_answer_at("every", "rewards", [{"prompt": "Hi"}])
    with pytest.raises(E.EvalError, match="none of the 2 rows is a conversation"):
        check_answer_at("every", "references", [PAIR, {"text": "Hello there"}])


def test_the_cli_evaluates_every_reply(capsys, varied_dir, adapter_template, tmp_path):
    from ftlib import workspace
    from ftlib.cli import main

    data = tmp_path / "weather.jsonl"
    workspace.write_jsonl(data, [ROW, PLAIN])
    argv = ["evaluate", "--model", str(varied_dir), "--adapter", str(adapter_template), "--data", str(data)]
    argv += ["--template", "hermes", "--max-new-tokens", "2", "--json", "--answer-at", "every"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    agg = json.loads(out)
    assert [(r["row"], r["reply"], r["where"]) for r in agg["per_row"]] == [
        (1, 1, "line 1"),
        (1, 2, "line 1"),
        (2, 1, "line 2"),
    ]
    assert (agg["rows"], agg["replies"]) == (2, 3)
    assert "the 3 replies of the 2 rows of weather.jsonl" in err  # a --data file's rows, not held-out ones
    pairs = tmp_path / "pairs.jsonl"
    workspace.write_jsonl(pairs, [PAIR])
    argv[argv.index(str(data))] = str(pairs)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error: --answer-at every" in err and "none of the 1 rows is a conversation" in err


def test_the_evaluate_page_evaluates_every_reply(varied_dir, adapter_template):
    """The page offers "every reply", lists each item as row N, reply M, and keeps the result under its own key."""
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import evaluate, open_page

    workspace.save_split("weather", [PLAIN], [ROW, PLAIN], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    run = make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    at = open_page(varied_dir)
    box = next(r for r in at.radio if r.label == "Answer at")
    assert box.options[-1] == "every reply"
    box.set_value("every").run()
    at = evaluate(at, rows=2, max_new=8)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    result = at.session_state["evaluate_job"].result
    assert result.answer_at == "every" and [r.item for r in result.rows] == [(0, 1), (0, 2), (1, 1)]
    captions = " ".join(c.value for c in at.caption)
    assert "Held-out row 1, reply 2 · " in captions and "3 replies of 2 conversations" in captions
    assert "the 3 replies of the 2 held-out rows" in captions and "scores the same tokens" in captions
    closer = next(m for m in at.metric if m.label == "Closer to the reference")
    assert closer.help.startswith("Share of the 3 replies whose reference answer")
    picker = next(s for s in at.selectbox if s.label == "Row")
    assert [o.split(":")[0] for o in picker.options] == ["1, reply 1", "1, reply 2", "2, reply 1"]
    picker.set_value((0, 2)).run()
    assert not at.exception, at.exception
    assert sum(at.session_state["evaluate_job"].token_views[(0, 2)].scored) == result.rows[1].tokens
    table = at.dataframe[0].value
    assert list(table["reply"]) == [1, 2, 1]
    kept = [json.loads(p.read_text()) for p in (run.path / K.KEPT_DIR).iterdir()]
    assert [k["key"].get("answer_at") for k in kept] == ["every"]


def test_compare_answers_one_reply_so_offers_no_every(varied_dir, adapter_template):
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_compare import open_page

    workspace.save_split("weather", [ROW], [ROW], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert list(at.radio(key="compare_answer_at").options) == ["the last reply (default)", "the first reply"]
