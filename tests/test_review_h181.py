"""Helper 181's review of the newest commits: each test fails before its fix."""

from __future__ import annotations

import json
import threading

import pytest

from ftlib.run_thinking import reply_thinking, trained_thinking
from ftlib.templates import get_template
from tests.test_thinking_evaluate import plain_run, thinking_adapter, thinking_model  # noqa: F401 (fixtures)
from tests.test_walk_h177 import AGAIN, ASK, CALL, LATER, QWEN3, RESULT, SAY


@pytest.mark.parametrize("policy", ["last_assistant", "completion_only"])
@pytest.mark.parametrize("messages", [[ASK, SAY, AGAIN, LATER], [ASK, CALL, RESULT, SAY]], ids=["chat", "tool-call"])
def test_a_run_that_trains_the_last_reply_alone_starts_where_that_reply_follows(tmp_path, policy, messages):
    """62f16f3 read a conversation's thinking state off every reply (Qwen3 writes the empty block before the last
    only, so an earlier reply follows the bare prompt: on). A run whose mask policy trains the last reply alone was
    never taught the earlier ones: it learned its one trained reply after the empty block (off), and started on it
    was asked in a shape its training never taught."""
    template = get_template("custom", source=QWEN3)
    assert reply_thinking(template, {"messages": messages}) is True  # every reply trained (the default policy)
    assert reply_thinking(template, {"messages": messages}, every_reply=False) is False
    split = tmp_path / "split"
    split.mkdir()
    (split / "train.jsonl").write_text(json.dumps({"messages": messages}) + "\n", encoding="utf-8")
    (split / "meta.json").write_text("{}", encoding="utf-8")  # a saved split's folder
    run = tmp_path / "run"
    run.mkdir()
    for mask_policy, expected in ((policy, False), ("all_assistant", True)):
        config = {"dataset": str(split), "mask_policy": mask_policy, "template": "custom"}
        (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
        assert trained_thinking(run, template) is expected, mask_policy


def test_a_session_following_anothers_evaluation_does_not_stop_it_to_start_its_own(
    varied_dir, adapter_template, monkeypatch
):
    """e829b7e: a new session on a run follows the evaluation another session started (a reload, or a teammate's
    tab). Pressing Evaluate there with other choices cancelled the followed evaluation, as a session cancels its own
    before starting the next: a second tab stopped the first tab's evaluation, whose page then said it stopped early.
    The session's new evaluation waits its turn instead, and the followed one runs to its end (and is kept)."""
    from ftlib import evaluate as E
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_evaluate_tools import ROW
    from tests.test_pages_evaluate_kept import button, open_page

    plain = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}
    workspace.save_split("weather", [plain], [ROW, plain], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    release, measure, started = threading.Event(), E.evaluate, []

    def held(*args, **kwargs):  # each evaluation runs until the test lets it end
        started.append(kwargs["answer_at"])
        assert release.wait(timeout=300)
        return measure(*args, **kwargs)

    monkeypatch.setattr(E, "evaluate", held)
    first = open_page(varied_dir)
    next(r for r in first.radio if r.label == "Answer at").set_value("first").run()
    button(first, "Evaluate").click().run()
    running = first.session_state["evaluate_job"]

    second = open_page(varied_dir)  # another tab: it follows the running evaluation
    assert second.session_state["evaluate_job"] is running
    next(r for r in second.radio if r.label == "Answer at").set_value("last").run()
    button(second, "Evaluate").click().run()
    assert not second.exception, second.exception
    own = second.session_state["evaluate_job"]
    assert own is not running and not running.cancelled  # the first tab's evaluation goes on
    release.set()
    assert running.wait(timeout=300) and own.wait(timeout=300)
    assert sorted(started) == ["first", "last"] and running.error is None and running.result is not None


def test_sample_says_no_thinking_setting_of_a_model_whose_template_has_no_switch(capsys, plain_run):  # noqa: F811
    """2199bca's headings and --json say the thinking setting each model answered with; given `--thinking on` beside
    a run whose chat template has no switch (22dc396: "asked as without --thinking", in a warning), they said
    "thinking on" of that run too, the setting it was not asked with."""
    from ftlib.cli import main
    from ftlib.testing import make_run

    config = json.loads((plain_run.path / "config.json").read_text(encoding="utf-8"))
    chatml = make_run(
        "20260101-000001-lora-chatml", {**config, "template": "chatml"}, adapter=plain_run.path / "adapter"
    )
    argv = ["sample", "--adapter", plain_run.id, "--adapter", chatml.id, "--prompt", "Hi", "--max-new-tokens", "2"]
    assert main([*argv, "--thinking", "on", "--json"]) == 0
    said = {r["model"]: r.get("thinking") for r in json.loads(capsys.readouterr().out)["results"]}
    assert said == {"base": "on", plain_run.id: "on", chatml.id: None}, said
