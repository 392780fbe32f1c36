"""Evaluate can answer a conversation at its first reply, not only its last (a newcomer's walk, a demo).

A held-out tool-calling row (user, the assistant's tool call, the tool's result, the assistant's reply) was always
asked at its last reply: the call and its result were already in the prompt, so what the run learned (to call the
tool) was never tested, and the base's answer read `<tool_response>...`. `answer_at="first"` asks the first question
and scores the first reply (the call, as the template writes it, training's own tokens); the default is unchanged,
and the choice is part of the kept result's key (`ftlib.eval_results.heldout_key`) and the CLI's `--answer-at`.
"""

from __future__ import annotations

import json

import pytest

from ftlib import eval_results as K
from ftlib import evaluate as E
from ftlib.references import answered_at, several_replies
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_evaluate_tools import ROW


def first_reply_training_tokens(tokenizer, template) -> list[int]:
    """The ids training labels in ROW's first reply (its `all_assistant` encoding, up to the tool's turn)."""
    enc = encode_row(ROW, tokenizer, template, "all_assistant")
    result_at = "".join(t.text for t in enc.tokens).index('{"temp_c"')  # the tool's result: after the first reply
    ids, end = [], 0
    for token, label in zip(enc.tokens, enc.labels, strict=True):
        end += len(token.text)
        if label != IGNORE_INDEX and end <= result_at:
            ids.append(label)
    return ids


def test_answered_at_keeps_the_conversation_up_to_the_reply_chosen():
    messages = ROW["messages"]
    assert answered_at(messages) == messages and answered_at(messages, "last") == messages
    assert answered_at(messages, "first") == messages[:3]  # system, user, the assistant's call
    assert several_replies([ROW, {"messages": messages[:3]}]) == 1
    with pytest.raises(E.EvalError, match="Unknown reply to answer 'middle'"):
        answered_at(messages, "middle")


def test_evaluate_at_the_first_reply_asks_the_question_and_scores_the_call(model_set, monkeypatch):
    tokenizer = model_set.tokenizer
    template = get_template("hermes", tokenizer)
    asked = []
    real = E.generate_with_set

    def recording(ms, rows, **kwargs):
        asked.extend(tokenizer.decode(list(r.input_ids)) for r in rows)
        return real(ms, rows, **kwargs)

    monkeypatch.setattr(E, "generate_with_set", recording)
    last = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template)
    assert "sleet" in asked[0]  # the default, unchanged: the tool's result is in the prompt
    asked.clear()
    first = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template, answer_at="first")
    assert not first.skipped and first.answer_at == "first"
    assert asked and all("sleet" not in prompt and "Oslo?" in prompt for prompt in asked)
    assert first.rows[0].reference == 'get_weather_zq({"city": "Oslo"})'
    # Scored on the tokens training labels in the first reply: loss and answer compare like with like.
    trained = first_reply_training_tokens(tokenizer, template)
    ref = E.row_reference(ROW, tokenizer, template, "first")[1]
    assert [lab for lab in ref.labels if lab != IGNORE_INDEX] == trained
    assert first.rows[0].tokens == len(trained) != last.rows[0].tokens
    view = E.token_losses(model_set, ROW, model_set.names[1], template=template, answer_at="first")
    assert sum(view.scored) == len(trained)
    # A kept result says which reply it answered.
    assert K.result_from_record(K.result_record(first)).answer_at == "first"
    with pytest.raises(E.EvalError, match="Unknown reply"):
        E.evaluate(model_set, [ROW], model_set.names[1], template=template, answer_at="middle")


def test_the_kept_results_key_names_the_reply_answered(tmp_path):
    common = dict(
        model="m", rows=[ROW], limit=1, max_new_tokens=64, batch_size=8, template="hermes", template_source=""
    )
    last = K.heldout_key(tmp_path, max_length=None, **common)
    assert "answer_at" not in last  # a result kept before the choice existed is found as it was
    assert last == K.heldout_key(tmp_path, max_length=None, answer_at="last", **common)
    first = K.heldout_key(tmp_path, max_length=None, answer_at="first", **common)
    assert first["answer_at"] == "first"
    K.keep(tmp_path, first, {"x": 1})
    assert K.find(tmp_path, last) is None and K.find(tmp_path, first).value == {"x": 1}
    # The page's box brings it back (another choice of a box), and it is no result of an earlier layout.
    assert [k.key for k in K.others(tmp_path, last)] == [first]
    assert K.earlier_layout(tmp_path, last) == 0


def test_the_cli_evaluates_at_the_first_reply(capsys, model_set, varied_dir, adapter_template, tmp_path):
    from ftlib import workspace
    from ftlib.cli import main

    data = tmp_path / "weather.jsonl"
    workspace.write_jsonl(data, [ROW])
    argv = ["evaluate", "--model", str(varied_dir), "--adapter", str(adapter_template), "--data", str(data)]
    argv += ["--template", "hermes", "--max-new-tokens", "2", "--json"]
    assert main([*argv, "--answer-at", "first"]) == 0
    agg = json.loads(capsys.readouterr().out)
    trained = first_reply_training_tokens(model_set.tokenizer, get_template("hermes", model_set.tokenizer))
    assert agg["tokens"] == len(trained)
    assert agg["per_row"][0]["reference"] == 'get_weather_zq({"city": "Oslo"})'


def test_the_evaluate_page_offers_the_first_reply_and_keeps_the_choice(varied_dir, adapter_template):
    """The page draws "Answer at" for rows with several replies; at the first, the result and its kept key say so."""
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import evaluate, open_page

    plain = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}
    workspace.save_split("weather", [plain], [ROW, plain], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    run = make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    at = open_page(varied_dir)
    box = next(r for r in at.radio if r.label == "Answer at")
    assert box.value == "last"  # the default, unchanged
    box.set_value("first").run()
    at = evaluate(at, rows=2, max_new=8)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    result = at.session_state["evaluate_job"].result
    assert result.answer_at == "first"
    assert result.rows[0].reference == 'get_weather_zq({"city": "Oslo"})'
    kept = [json.loads(p.read_text()) for p in (run.path / K.KEPT_DIR).iterdir()]
    assert [k["key"].get("answer_at") for k in kept] == ["first"]


def test_compares_picked_held_out_row_can_be_asked_at_its_first_reply(varied_dir, adapter_template):
    """Compare's held-out prompt picker (ui/prompt_input.py) offers the same choice for a row of several replies."""
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_compare import open_page

    workspace.save_split("weather", [ROW], [ROW], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    sees = [c.value for c in at.code]
    assert at.radio(key="compare_answer_at").value == "last" and any("sleet" in c for c in sees)
    at.radio(key="compare_answer_at").set_value("first").run()
    sees = [c.value for c in at.code]
    assert not at.exception and not any("sleet" in c for c in sees), sees
    assert any("get_weather_zq" in c and "Oslo" in c for c in sees)  # the reference: the call
