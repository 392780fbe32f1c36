"""Helper 177's walk with a Qwen3-style model: each test fails before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.run_thinking import reply_thinking
from ftlib.templates import get_template, render
from tests.test_thinking_evaluate import plain_run, thinking_adapter, thinking_model  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
QWEN3 = (ROOT / "tests/fixtures/templates/qwen3.jinja").read_text(encoding="utf-8")
ASK = {"role": "user", "content": "Is it raining in Lima?"}
CALL = {
    "role": "assistant",
    "content": "",
    "tool_calls": [{"type": "function", "function": {"name": "rain", "arguments": {"city": "Lima"}}}],
}
RESULT = {"role": "tool", "content": "no rain today"}
SAY = {"role": "assistant", "content": "No, it is dry in Lima today."}
AGAIN = {"role": "user", "content": "And tomorrow?"}
LATER = {"role": "assistant", "content": "Dry again."}

# Qwen3 writes the empty reasoning block only before the last reply: the replies before it (a tool call, an earlier
# answer) were trained after the bare prompt (on). A run on such rows asked one question (Compare, `sample`) is asked
# for the call: started off, it was asked in a shape it never saw, and a tiny run answered '<think>' over and over
# where with thinking on it wrote the call.
EVERY_REPLY = [
    ("call-then-answer", [ASK, CALL, RESULT, SAY], True),
    ("two-answers", [ASK, SAY, AGAIN, LATER], True),
    ("one-answer", [ASK, SAY], False),
]


@pytest.mark.parametrize("messages,expected", [c[1:] for c in EVERY_REPLY], ids=[c[0] for c in EVERY_REPLY])
def test_the_trained_state_is_the_prompt_every_reply_follows(messages, expected):
    template = get_template("custom", source=QWEN3)
    whole = render(template, messages)
    first_off = render(template, messages[:1], add_generation_prompt=True, thinking=False)
    assert whole.startswith(first_off) is not expected  # the first reply follows the empty block only in one-answer
    assert reply_thinking(template, {"messages": messages}) is expected


def test_a_run_that_starts_on_is_not_said_to_have_reasoned():
    """A run starts on where its replies follow the bare prompt: rows with reasoning, but also a tool call before the
    answer or rows without any reasoning at all; the caption said 'its training replies follow their reasoning' of
    a tool-calling run that had none."""
    from ui.compare_view import thinking_caption

    said = thinking_caption(("", "<think>\n\n</think>\n\n"), True, [], (True, "r7"))
    assert said.endswith(
        "Starts on: as run r7 trained (its training replies follow the prompt with no empty reasoning block)."
    )
    off = thinking_caption(("", "<think>\n\n</think>\n\n"), True, [], (False, "r7"))
    assert off.endswith("(its training replies follow the empty reasoning block).")


def test_the_readme_says_a_model_folder_is_given_by_its_path(tmp_path, monkeypatch):
    """A model folder in $FTLIB_HOME/models typed by its name alone is read as a hub id and refused, the refusal
    giving its path (1d88d41); the README said `--model` took 'its name when it is in `$FTLIB_HOME/models`'."""
    from ftlib.models import ModelError, resolve_model

    monkeypatch.setenv("FTLIB_HOME", str(tmp_path))
    monkeypatch.delenv("FTLIB_ALLOW_HUB", raising=False)
    folder = tmp_path / "models" / "qwenish"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match=f"A model folder of that name is at {folder}: give that path as the model"):
        resolve_model("qwenish")
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "or its name when it is in `$FTLIB_HOME/models`" not in readme
    assert (
        "its name alone is read as a hub id, and the refusal gives the path of a folder of that name there" in readme
    )


def test_evaluate_says_the_thinking_setting_it_answered_with(capsys, plain_run):  # noqa: F811
    """Left out, `--thinking` is chosen as the run trained (off here), and nothing said which: the answers of a run
    that trained on the empty block and one asked with thinking on differ, and the text and --json named neither."""
    import json

    assert main(["evaluate", plain_run.id, "--json", "--max-new-tokens", "4"]) == 0
    assert json.loads(capsys.readouterr().out)["thinking"] == "off"
    assert main(["evaluate", plain_run.id, "--thinking", "on", "--max-new-tokens", "4"]) == 0
    assert "\nthinking: on\n" in capsys.readouterr().out


def test_sample_says_the_thinking_setting_each_model_answered_with(capsys, plain_run):  # noqa: F811
    """`sample` without --thinking asks each run as it trained (off here, the base as the run), and said nothing of it;
    a user saw one run's '<think>' loop and could not tell which prompt had asked for it."""
    import json

    argv = ["sample", "--adapter", plain_run.id, "--prompt", "Hi", "--max-new-tokens", "2"]
    assert main([*argv, "--json"]) == 0
    assert [r["thinking"] for r in json.loads(capsys.readouterr().out)["results"]] == ["off", "off"]
    assert main([*argv, "--thinking", "on"]) == 0
    headings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("=== ")]
    assert len(headings) == 2 and all(line.endswith(", thinking on)") for line in headings), headings
