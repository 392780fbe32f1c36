"""The Train, Compare and Evaluate pages (AppTest) beside run folders a crash or a hand damaged (cold review 20):
each page draws, and the Train page names the damaged file of the run picked, with what to do and the buttons to
do it."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
STEPS = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": float(s)} for s in range(1, 5)]
# Each stopped all three pages with a traceback ("'list' object has no attribute 'get'", UnicodeDecodeError).
DAMAGED = {
    "r-status-list": ("status.json", b"[]"),
    "r-status-bytes": ("status.json", b"\xff\xfe\x00"),
    "r-metrics-list": ("metrics.jsonl", b"[1, 2]\n"),
}


def page(path: str, model_dir, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run().switch_page(path).run()


def damaged_runs(model_dir) -> None:
    make_run("r-good", {"model": str(model_dir), "dataset": "chat_style", "max_steps": 4}, metrics=STEPS, step=4)
    for run_id, (file, data) in DAMAGED.items():
        run = make_run(run_id, {"model": str(model_dir), "dataset": "chat_style", "max_steps": 4}, metrics=STEPS)
        path = run.path / file
        path.write_bytes(path.read_bytes() + data if file == "metrics.jsonl" else data)


def test_train_compare_and_evaluate_draw_beside_damaged_runs(tiny_model_dir):
    damaged_runs(tiny_model_dir)
    for path in ("pages/4_Train.py", "pages/5_Compare.py", "pages/6_Evaluate.py"):
        at = page(path, tiny_model_dir)
        assert not at.exception, (path, [e.value for e in at.exception])


def test_the_train_page_names_a_damaged_file_and_offers_resume_and_delete(tiny_model_dir):
    damaged_runs(tiny_model_dir)
    at = page("pages/4_Train.py", tiny_model_dir, train_selected="r-status-list")
    assert not at.exception, [e.value for e in at.exception]
    heading = next(m.value for m in at.markdown if m.value.startswith("####"))
    assert heading.endswith("`r-status-list` — no readable status")
    warned = [w.value for w in at.warning]
    assert any(w.startswith("status.json holds a JSON list, not an object: the run's state is lost.") for w in warned)
    assert {"resume_r-status-list", "delete_ask_r-status-list"} <= {b.key for b in at.button}
    at.session_state["train_selected"] = "r-metrics-list"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(w.value.startswith("metrics.jsonl has 1 damaged line") for w in at.warning)
