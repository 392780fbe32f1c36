"""Helper 178: helper 174's browser walk reloaded the Evaluate page while an evaluation at the first reply ran. It came
back with Answer at on the last reply, nothing said to be running, and Evaluate ready to start the same evaluation
again. A new session on the run now follows the evaluation running for it (`ui.evaluate_choices.follow_running`): the
choices it was started with in the boxes, its progress, and no Evaluate to press for those choices; and Answer at and
Thinking are kept across sessions as the other boxes are (`ui.kept.ACROSS_PREFIXES`).
"""

from __future__ import annotations

import threading


def test_a_reload_while_an_evaluation_runs_shows_its_choices_and_progress_and_no_second_start(
    varied_dir, adapter_template, monkeypatch
):
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

    def held(*args, **kwargs):  # the evaluation runs until the test lets it end
        started.append(kwargs["answer_at"])
        assert release.wait(timeout=300)
        return measure(*args, **kwargs)

    monkeypatch.setattr(E, "evaluate", held)
    open_before = open_page(varied_dir)  # a teammate's tab on the run, its boxes drawn before the evaluation starts
    first = open_page(varied_dir)
    next(r for r in first.radio if r.label == "Answer at").set_value("first").run()
    button(first, "Evaluate").click().run()
    job = first.session_state["evaluate_job"]
    assert not job.done and job.kwargs["answer_at"] == "first"

    reloaded = open_page(varied_dir)  # a reload: a new session
    assert not reloaded.exception, reloaded.exception
    assert next(r for r in reloaded.radio if r.label == "Answer at").value == "first"  # not back at the last reply
    assert reloaded.session_state["evaluate_job"] is job  # followed, not a second one
    assert not any("Press **Evaluate**" in i.value for i in reloaded.info), [i.value for i in reloaded.info]
    assert button(reloaded, "Evaluate").disabled  # the same evaluation is running
    assert reloaded.get("progress"), "its progress is shown"
    # Answer at changed in the reloaded tab: another evaluation, which Evaluate may start; the running one stays shown.
    next(r for r in reloaded.radio if r.label == "Answer at").set_value("last").run()
    assert not button(reloaded, "Evaluate").disabled and reloaded.session_state["evaluate_job"] is job
    next(r for r in reloaded.radio if r.label == "Answer at").set_value("first").run()
    assert button(reloaded, "Evaluate").disabled

    # The tab open before: what is set in its boxes stays; pressing Evaluate with the same choices follows the running
    # evaluation, and starts no second one.
    assert next(r for r in open_before.radio if r.label == "Answer at").value == "last"
    next(r for r in open_before.radio if r.label == "Answer at").set_value("first").run()
    assert "evaluate_job" not in open_before.session_state
    button(open_before, "Evaluate").click().run()
    assert not open_before.exception, open_before.exception
    assert open_before.session_state["evaluate_job"] is job and button(open_before, "Evaluate").disabled

    release.set()
    assert job.wait(timeout=300)
    later = open_page(varied_dir)  # after it finished: the result kept at the first reply, Answer at as it was set
    assert not later.exception, later.exception
    assert next(r for r in later.radio if r.label == "Answer at").value == "first"
    assert later.session_state["evaluate_job"].kept_key["answer_at"] == "first"
    assert any(c.value.startswith("Measured on") for c in later.caption)
    assert started == ["first"]  # one evaluation, whichever tab pressed Evaluate
