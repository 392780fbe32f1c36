"""A chat template's thinking switch (Qwen3's `enable_thinking`) on Evaluate, and each run's default as it trained.

Qwen3's template writes an empty `<think>\\n\\n</think>\\n\\n` before the final reply of a row without reasoning, so
a run trained on such rows was taught after the thinking-off prompt: `sample`, `evaluate`, Compare and Evaluate start
there for it (`ftlib.run_thinking`), and at thinking on for a run trained on rows with reasoning. `evaluate
--thinking` is refused before any model loads for a template without the switch, and a kept result's key holds the
setting, so a result is never shown for the other one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import eval_results as K
from ftlib import workspace
from ftlib.cli import main
from ftlib.run_thinking import reply_thinking, start_for, trained_thinking
from ftlib.templates import get_template, render
from ftlib.testing import make_random_adapter, make_run
from ui.evaluate_choices import differing_choices

ROOT = Path(__file__).resolve().parents[1]

# Written for these tests in the shape of Qwen3's: the final reply opens with its reasoning block, empty without
# reasoning; the generation prompt writes that empty block only when told not to think.
QWEN3_STYLE = (
    "{%- for m in messages %}{%- if m.role == 'assistant' %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if loop.last %}{{- '<think>\\n' + (m.reasoning_content or '') + '\\n</think>\\n\\n' }}{%- endif %}"
    "{{- m.content + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}{%- endif %}"
)


def chat(question: str, answer: str, reasoning: str = "") -> dict:
    reply = {"role": "assistant", "content": answer, **({"reasoning": reasoning} if reasoning else {})}
    return {"messages": [{"role": "user", "content": question}, reply]}


PLAIN = [chat("Name a colour.", "Blue."), chat("Count to two.", "One, two."), chat("Say yes.", "Yes!")]
REASONED = [chat(r["messages"][0]["content"], r["messages"][1]["content"], "Think it over.") for r in PLAIN]


@pytest.fixture(scope="module")
def thinking_model(varied_dir, tmp_path_factory) -> Path:
    """The varied tiny model with QWEN3_STYLE as its own chat template."""
    from transformers import AutoTokenizer

    target = tmp_path_factory.mktemp("qwen3-style-model")
    shutil.copytree(varied_dir, target, dirs_exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(target)
    tokenizer.chat_template = QWEN3_STYLE
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="module")
def thinking_adapter(thinking_model, tmp_path_factory) -> Path:
    return make_random_adapter(str(thinking_model), tmp_path_factory.mktemp("adapter") / "adapter", seed=5, b_std=0.5)


def a_run(name: str, model: Path, adapter: Path, train: list[dict]):
    """A finished run of `model` on a saved split `name`: `train` its training rows, PLAIN its held-out rows."""
    workspace.save_split(name, train, PLAIN, {"format": "messages"})
    config = {"model": str(model), "dataset": name, "template": "tokenizer", "method": "lora"}
    return make_run(f"20260101-000000-lora-{name}", config, adapter=adapter)


@pytest.fixture
def plain_run(thinking_model, thinking_adapter):
    return a_run("plain", thinking_model, thinking_adapter, PLAIN)


@pytest.fixture
def reasoned_run(thinking_model, thinking_adapter):
    return a_run("reasoned", thinking_model, thinking_adapter, REASONED)


def test_the_trained_state_is_the_prompt_the_rows_reply_follows():
    template = get_template("custom", source=QWEN3_STYLE)
    whole = render(template, PLAIN[0]["messages"])
    assert "<|im_start|>assistant\n<think>\n\n</think>\n\nBlue." in whole  # the empty block training wrote
    assert reply_thinking(template, PLAIN[0]) is False
    assert reply_thinking(template, REASONED[0]) is True
    assert reply_thinking(template, {"text": "Just text."}) is None  # no reply: says nothing
    assert reply_thinking(get_template("chatml"), PLAIN[0]) is None  # no switch
    qwen3 = get_template("custom", source=(ROOT / "tests/fixtures/templates/qwen3.jinja").read_text(encoding="utf-8"))
    assert (reply_thinking(qwen3, PLAIN[1]), reply_thinking(qwen3, REASONED[1])) == (False, True)


def test_a_run_on_rows_without_reasoning_starts_off_and_one_with_it_on(plain_run, reasoned_run, thinking_model):
    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer(str(thinking_model))
    template = get_template("tokenizer", tokenizer)
    assert (trained_thinking(plain_run.path, template), trained_thinking(reasoned_run.path, template)) == (False, True)
    assert start_for(plain_run.adapter_dir, tokenizer) is False  # an adapter folder names its run
    assert start_for(reasoned_run.path, tokenizer) is True
    assert start_for(None, tokenizer) is True  # the base alone: the template's own default


def test_evaluate_refuses_thinking_for_a_template_without_the_switch(capsys, varied_dir, adapter_template, no_model):
    run = a_run("colours", varied_dir, adapter_template, PLAIN)
    code = main(["evaluate", run.id, "--thinking", "on"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        "error: --thinking on: the chat template tokenizer (the model's own) has no thinking switch (it does not "
        "read enable_thinking); drop --thinking."
    ]


def kept_keys(run) -> list[dict]:
    folder = run.path / K.KEPT_DIR
    return [json.loads(p.read_text(encoding="utf-8"))["key"] for p in sorted(folder.glob("heldout-*.json"))]


def answers(capsys, *argv) -> list[str]:
    code = main(["evaluate", *argv, "--json", "--max-new-tokens", "8"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return [r["tuned_output"] for r in json.loads(out.out)["per_row"]]


def test_evaluate_asks_as_the_run_trained_and_keeps_each_setting_apart(capsys, plain_run):
    left_out = answers(capsys, plain_run.id)
    assert [k["thinking"] for k in kept_keys(plain_run)] == [False]  # as it trained: off
    assert answers(capsys, plain_run.id, "--thinking", "off") == left_out  # the same key, measured again
    assert len(kept_keys(plain_run)) == 1
    answers(capsys, plain_run.id, "--thinking", "on")
    on, off = sorted(kept_keys(plain_run), key=lambda k: not k["thinking"])
    assert (on["thinking"], off["thinking"]) == (True, False)
    assert K.find(plain_run.path, on) is not None and K.find(plain_run.path, off) is not None
    assert K.outside_boxes(on) == K.outside_boxes(off)  # only the switch differs: a box brings the other back
    assert differing_choices(on, off) == ["with thinking on, not off"]
    # A template without the switch names none: a key made before the switch existed is found as it was.
    common = {"model": "m", "rows": [], "limit": 1, "max_new_tokens": 8, "batch_size": 8, "template": "tokenizer"}
    common |= {"template_source": "", "max_length": None}
    assert "thinking" not in K.heldout_key(plain_run.adapter_dir, **common)
    assert K.heldout_key(plain_run.adapter_dir, **common, thinking=False)["thinking"] is False


def test_evaluate_refuses_thinking_for_a_reward_models_pairs(capsys, varied_dir, reward_adapter, no_model):
    ask, good, bad = PLAIN[0]["messages"][:1], PLAIN[0]["messages"][1:], PLAIN[1]["messages"][1:]
    pair = {"prompt": ask, "chosen": good, "rejected": bad}
    workspace.save_split("pairs", [pair], [pair])
    config = {"method": "reward", "model": str(varied_dir), "dataset": "pairs", "max_length": 256}
    run = make_run("20260101-000000-reward-pairs", config, adapter=reward_adapter)
    assert main(["evaluate", run.id, "--thinking", "off"]) == 2
    assert "--thinking off is for answers scored against reference answers, not for a reward model" in (
        capsys.readouterr().err
    )


def open_evaluate(model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page("pages/6_Evaluate.py").run()


def test_evaluates_toggle_starts_as_the_run_trained_and_only_for_a_template_with_the_switch(
    plain_run, thinking_model, varied_dir, adapter_template
):
    at = open_evaluate(thinking_model)
    assert not at.exception, at.exception
    toggle = next(t for t in at.toggle if t.label == "Thinking")
    assert toggle.value is False  # as the run trained, not the template's default (on)
    said = " ".join(c.value for c in at.caption)
    assert "Starts off: as run" in said and "trained (its training replies follow the empty reasoning block)" in said
    next(s for s in at.slider if s.label == "Max new tokens per answer").set_value(8).run()
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(1).run()
    next(b for b in at.button if b.label == "Evaluate").click()
    at.run()
    job = at.session_state["evaluate_job"]
    assert job.wait(timeout=300)
    assert job.kwargs["thinking"] is False and job.kept_key["thinking"] is False
    at.run()
    toggle = next(t for t in at.toggle if t.label == "Thinking")
    toggle.set_value(True).run()
    assert not at.exception, at.exception
    said = " ".join(c.value for c in at.caption)
    assert "with thinking off, not on" in said  # the result kept for off is named, not shown as on's
    shutil.rmtree(plain_run.path)

    a_run("colours", varied_dir, adapter_template, PLAIN)  # SmolLM2's template: no switch, no toggle
    at = open_evaluate(varied_dir)
    assert not at.exception, at.exception
    assert not [t for t in at.toggle if t.label == "Thinking"]


def test_sample_asks_each_run_as_it_trained(capsys, plain_run):
    def prompts(*thinking) -> list[list[int]]:
        argv = ["sample", "--adapter", plain_run.id, "--prompt", "Hi", "--max-new-tokens", "4", "--json", *thinking]
        code = main(argv)
        out = capsys.readouterr()
        assert code == 0, out.err
        return [[t["id"] for t in r["tokens"]] for r in json.loads(out.out)["results"]]

    left_out = prompts()
    assert left_out == prompts("--thinking", "off")  # the base beside the run follows it
    assert left_out != prompts("--thinking", "on")  # the template's own default: another prompt, other answers


def test_compare_asks_a_run_as_it_trained(plain_run, thinking_model):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(thinking_model)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([plain_run.id]).run()
    assert not at.exception, at.exception
    assert next(r for r in at.radio if r.label == "Thinking").value == "trained"
    said = " ".join(c.value for c in at.caption)
    assert (
        "Asked with thinking off: the base model (as the first run, so base and first run answer one prompt); "
        "run **lora · plain · "
        in said
        and "(as it trained: its training replies follow the empty" in said
    )
    shown = {e.label: e.code[0].value for e in at.expander if e.label.startswith("What the model sees")}
    off = [label for label, text in shown.items() if text.endswith("<|im_start|>assistant\n<think>\n\n</think>↵↵")]
    assert len(off) == 1 and "thinking off" in off[0], shown  # the run; the base at the template's default (on)


def test_a_tokenizer_that_does_not_read_draws_no_toggle_and_no_error(monkeypatch):
    """The page reads the run's template for the toggle before anything is pressed: a model folder gone since must
    leave the page as it was (pressing Evaluate says why), not end it in a traceback."""
    from types import SimpleNamespace

    from ui import evaluate_choices as C

    def gone(model):
        raise OSError(2, "No such file or directory", model)

    monkeypatch.setattr(C, "cached_tokenizer", gone)
    C._trained_start.clear()
    info = SimpleNamespace(model="/models/gone", template="tokenizer", template_source="")
    assert C.thinking_choice(None, info, "/runs/gone", ("v",), "r1", "evaluate_thinking_r1") is None


def test_compare_reads_a_runs_trained_state_once_per_version_of_its_files(plain_run, thinking_model, monkeypatch):
    """Compare rendered up to 16 training rows of the run on every rerun to start its toggle; now once per version of
    the run's files (`ui.prompt_input.trained_thinking_of`)."""
    from ftlib import run_thinking

    calls = []
    real = run_thinking.run_start
    monkeypatch.setattr(run_thinking, "run_start", lambda *a: calls.append(a) or real(*a))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(thinking_model)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([plain_run.id]).run()
    at.run()
    at.run()
    assert not at.exception and next(r for r in at.radio if r.label == "Thinking").value == "trained"
    assert "; run **lora · plain · " in " ".join(c.value for c in at.caption)
    assert len(calls) == 1
