"""Helper 277's review of recent commits: what it found and fixed.

d61ab71a: the Train page's checks say where a setting the form folds away sits (under More settings). A check
naming a setting this page does not draw at all (the held-out share, which a saved split fixes) must not send the
user to a box that is not there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_a_check_naming_a_setting_the_train_page_hides_sends_no_one_to_more_settings(tiny_model_dir):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Tell me about city {i}."},
                {"role": "assistant", "content": "It is old."},
            ]
        }
        for i in range(12)
    ]
    workspace.save_split("no-test-h277", rows, [])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    at.number_input(key="train_early_stopping_patience").set_value(2).run()
    assert not at.exception, at.exception
    (said,) = [w.value for w in at.warning if w.value.startswith("Early stopping is on")]
    # The held-out share is the split's own on this page (its box is not drawn), so no pointer to a box
    assert "under **More settings**" not in said, said


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftlib", *argv], capture_output=True, text=True, timeout=300)


def test_batch_names_a_field_nothing_reads_as_train_and_tokens_do(tmp_path, tiny_model_dir):
    """52b754be made train, tokens, data pair and evaluate say a field nothing reads alike; `batch FILE` said
    nothing of a misspelt key (`sorce`), whose text no run reads, nor of a table's spare column."""
    turns = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"messages": turns, "sorce": "web"}) + "\n" for _ in range(4)))
    said = _run("batch", str(data), "--model", str(tiny_model_dir))
    assert said.returncode == 0, said.stderr
    assert "`sorce` in 4 rows" in said.stderr, said.stderr
    table = tmp_path / "qa.csv"
    table.write_text("prompt,completion,source\n" + "".join(f"Q{i}?,A{i}.,web\n" for i in range(4)))
    said = _run("batch", str(table), "--model", str(tiny_model_dir))
    assert said.returncode == 0, said.stderr
    assert "note: Not used: source (--map COLUMN=FIELD to use one)." in said.stderr, said.stderr
