"""Helper 176's review of the session's commits: each test fails before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib.run_thinking import reply_thinking
from ftlib.templates import get_template, render

ROOT = Path(__file__).resolve().parents[1]
QWEN3 = (ROOT / "tests/fixtures/templates/qwen3.jinja").read_text(encoding="utf-8")
ASK = {"role": "user", "content": "Is it warm in Oslo?"}
SAY = {"role": "assistant", "content": "Mild, about 15 C."}
CALL = {
    "role": "assistant",
    "content": "",
    "tool_calls": [{"type": "function", "function": {"name": "weather", "arguments": {"city": "Oslo"}}}],
}

# Qwen3 writes the empty reasoning block only before a reply after the last question: a reply followed by a question
# nobody answered (a ShareGPT dump's end), or a call followed by its result, trained after the bare prompt (on).
AFTER_THE_REPLY = [
    ("unanswered-question", {"messages": [ASK, SAY, {"role": "user", "content": "And in June?"}]}, True),
    ("tool-result", {"messages": [ASK, CALL, {"role": "tool", "content": "15 C, sunny"}]}, True),
    ("reply-last", {"messages": [ASK, SAY]}, False),
]


@pytest.mark.parametrize("row,expected", [c[1:] for c in AFTER_THE_REPLY], ids=[c[0] for c in AFTER_THE_REPLY])
def test_the_trained_state_reads_the_row_whole_as_training_rendered_it(row, expected):
    template = get_template("custom", source=QWEN3)
    whole = render(template, row["messages"])  # what training rendered: the reply, then the turns after it
    off = render(template, [ASK], add_generation_prompt=True, thinking=False)
    assert whole.startswith(off) is not expected  # the sentinel: the empty block is (not) where the reply starts
    assert reply_thinking(template, row) is expected


def test_a_result_kept_before_the_thinking_toggle_is_not_said_to_come_back_with_the_boxes():
    """A result kept with no switch given (before the toggle, or by `evaluate` where the template's default did not
    read) is not found under either setting of the toggle: it was named "with other choices: set those above to see
    that result again", which no box does."""
    import time
    from types import SimpleNamespace

    from ui.evaluate_choices import other_choices_said

    kept = {"kind": "heldout", "limit": 3, "max_new_tokens": 64, "batch_size": 8}
    for toggle in (True, False):
        said = other_choices_said(None, {**kept, "thinking": toggle}, [SimpleNamespace(key=kept, at=time.time())])
        assert "set th" not in said and "own thinking setting" in said and "press **Evaluate**" in said, said
    # A toggle's other setting is one the boxes set: said as before.
    said = other_choices_said(
        None, {**kept, "thinking": True}, [SimpleNamespace(key={**kept, "thinking": False}, at=time.time())]
    )
    assert said.endswith("with thinking off, not on: set that above to see that result again.")


# A template with Qwen3's switch, written for these tests: the generation prompt writes the empty block when off.
SWITCHED = (
    "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)


def test_sample_thinking_beside_a_run_without_the_switch_is_said_not_refused(capsys):
    """`sample --adapter A --adapter B --thinking off`, A's template with the switch and B's without: B reads the
    prompt as before, as Compare's toggle leaves such a run ("... has no such switch: read as before"); the command
    was refused whole. Refused only where no template has the switch."""
    from ftlib.commands.sample import check_thinking
    from ftlib.errors import UserError
    from ftlib.testing import make_run

    base = {"model": "default", "dataset": "chats", "method": "lora"}
    switched = make_run("20260101-000000-lora-a", {**base, "template": "custom", "template_source": SWITCHED})
    plain = make_run("20260101-000001-lora-b", {**base, "template": "chatml"})
    check_thinking("off", None, [switched.path, plain.path], "default")
    assert capsys.readouterr().err.strip() == (
        "warning: --thinking off: the chat template chatml has no thinking switch (it does not read enable_thinking): "
        "the models reading the prompt in it are asked as without --thinking."
    )
    with pytest.raises(UserError, match="the chat template chatml has no thinking switch .*; drop --thinking"):
        check_thinking("on", None, [plain.path], "default")
    alpaca = make_run("20260101-000002-lora-c", {**base, "template": "alpaca"})
    with pytest.raises(UserError, match="the chat templates chatml and alpaca have no thinking switch \\(they"):
        check_thinking("on", None, [plain.path, alpaca.path], "default")


# The other way round: no reasoning unless switched on, when the generation prompt opens the block for the model.
QUIET = (
    "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking | default(false) %}{{- '<think>\\n' }}{%- endif %}{%- endif %}"
)


def test_compares_toggle_is_given_to_every_template_with_the_switch(varied_dir, adapter_template):
    """Two runs whose templates have the switch with other defaults (on, off): the toggle on asks both with thinking
    on. It gave nothing where the toggle stood at the first template's default, so the second was asked off. (Since
    helper 189 a choice of as each run trained, on or off: On and Off ask both so.)"""
    from streamlit.testing.v1 import AppTest

    from ftlib.testing import make_run

    base = {"model": str(varied_dir), "dataset": "no-such-split", "method": "lora", "template": "custom"}
    first = make_run("20260101-000000-lora-on", {**base, "template_source": SWITCHED}, adapter=adapter_template)
    second = make_run("20260101-000001-lora-off", {**base, "template_source": QUIET}, adapter=adapter_template)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([first.id, second.id]).run()
    assert not at.exception, at.exception
    for on in (True, False):
        next(r for r in at.radio if r.label == "Thinking").set_value("on" if on else "off").run()
        assert not at.exception, at.exception
        shown = {c.value.rsplit("<|im_start|>", 1)[-1] for c in at.code if "<|im_start|>assistant" in c.value}
        # Each prompt as the choice says: SWITCHED writes the empty block when off, QUIET opens the block when on.
        expected = {"assistant↵", "assistant\n<think>↵"} if on else {"assistant↵", "assistant\n<think>\n\n</think>↵↵"}
        assert shown == expected, shown
