"""A chat template's thinking switch (Qwen3's `enable_thinking`) when a prompt is rendered for generation: the engine
agrees with transformers' `apply_chat_template(..., enable_thinking=...)`, `sample --thinking` refuses a template
without the switch before any model loads, and Compare shows its "Thinking" choice only for a template with one."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import sampling as S
from ftlib.cli import main
from ftlib.model_prompts import render_prompts, thinking_default, thinking_writes
from ftlib.models import load_tokenizer
from ftlib.template_sandbox import template_variables
from ftlib.templates import BUILTIN_TEMPLATES, get_template, render

ROOT = Path(__file__).resolve().parents[1]

# Written for these tests in the shape of Qwen3's switch: thinking unless told not to, when an empty block is written.
THINKS_UNLESS_OFF = (
    "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)
# The other way round: no reasoning unless switched on, when the template opens the block for the model.
QUIET_UNLESS_ON = (
    "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking | default(false) %}{{- '<think>\\n' }}{%- endif %}{%- endif %}"
)
QWEN3 = (ROOT / "tests/fixtures/templates/qwen3.jinja").read_text(encoding="utf-8")
CHAT = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": "Is it warm in Oslo in May?"},
]


@pytest.fixture(scope="module")
def tokenizer(smol_tokenizer):
    return copy.deepcopy(smol_tokenizer)  # its chat template is set per test; the session's stays untouched


@pytest.mark.parametrize(
    "source", [THINKS_UNLESS_OFF, QUIET_UNLESS_ON, QWEN3], ids=["off-writes", "on-opens", "qwen3"]
)
@pytest.mark.parametrize("thinking", [None, True, False])
def test_a_prompt_rendered_with_the_switch_is_transformers_own(tokenizer, source, thinking):
    tokenizer.chat_template = source
    given = {} if thinking is None else {"enable_thinking": thinking}
    expected = tokenizer.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True, **given)
    text, ids = S.render_prompt(tokenizer, CHAT[1]["content"], system=CHAT[0]["content"], thinking=thinking)
    assert text == expected
    assert ids == tokenizer(expected, add_special_tokens=False)["input_ids"]
    custom = get_template("custom", tokenizer, source)  # the same text as a run's custom template
    assert S.render_text(tokenizer, CHAT, custom, add_generation_prompt=True, thinking=thinking) == expected
    # The sentinel: the switch changes this template's prompt one way or the other, so it was given, not dropped.
    other = tokenizer.apply_chat_template(
        CHAT, tokenize=False, add_generation_prompt=True, enable_thinking=not thinking
    )
    assert thinking is None or text != other


def test_nothing_is_given_unless_asked_and_a_name_only_set_is_no_switch():
    asks = get_template("custom", source="{{ enable_thinking is defined }}|{{ enable_thinking }}")
    assert render(asks, [{"role": "user", "content": "x"}]) == "False|"
    assert render(asks, [{"role": "user", "content": "x"}], thinking=False) == "True|False"
    assert asks.thinking_switch
    sets = "{% set enable_thinking = true %}{% for m in messages %}{{ m.content }}{% endfor %}{{ enable_thinking }}"
    assert not get_template("custom", source=sets).thinking_switch
    assert template_variables(sets) == {"messages"}


def test_the_switch_is_found_probed_and_absent_from_the_built_ins(tokenizer, smol_tokenizer):
    tokenizer.chat_template = QWEN3
    qwen3 = get_template("tokenizer", tokenizer)
    assert qwen3.thinking_switch
    assert (thinking_default(qwen3), thinking_writes(qwen3)) == (True, ("", "<think>\n\n</think>\n\n"))
    quiet = get_template("custom", source=QUIET_UNLESS_ON)
    assert (thinking_default(quiet), thinking_writes(quiet)) == (False, ("<think>\n", ""))
    without = [name for name in BUILTIN_TEMPLATES if get_template(name, smol_tokenizer).thinking_switch]
    assert without == []
    own = get_template("tokenizer", smol_tokenizer)
    assert not own.thinking_switch
    assert (thinking_default(own), thinking_writes(own)) == (None, ("", ""))


@pytest.fixture(scope="module")
def thinking_model(varied_dir, tmp_path_factory) -> Path:
    """The varied tiny model with a Qwen3-style chat template of its own."""
    from transformers import AutoTokenizer

    target = tmp_path_factory.mktemp("thinking-model")
    shutil.copytree(varied_dir, target, dirs_exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(target)
    tokenizer.chat_template = THINKS_UNLESS_OFF
    tokenizer.save_pretrained(target)
    return target


@pytest.mark.parametrize(
    ("extra", "which"),
    [((), "tokenizer (the model's own)"), (("--template", "chatml"), "chatml")],
    ids=["own", "chatml"],
)
def test_sample_refuses_thinking_for_a_template_without_the_switch(capsys, varied_dir, no_model, extra, which):
    code = main(["sample", "--model", str(varied_dir), "--prompt", "Hi", "--thinking", "off", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"error: --thinking off: the chat template {which} has no thinking switch (it does not read "
        "enable_thinking); drop --thinking."
    ]


def test_sample_answers_the_prompt_its_thinking_switch_writes(capsys, thinking_model):
    from ftlib import modelset as M

    def greedy_ids(*thinking) -> list[list[int]]:
        code = main(
            ["sample", "--model", str(thinking_model), "--prompt", "Hi", "--max-new-tokens", "6", "--json", *thinking]
        )
        out = capsys.readouterr()
        assert code == 0, out.err
        return [[t["id"] for t in r["tokens"]] for r in json.loads(out.out)["results"]]

    models = M.load_model_set(str(thinking_model), [], device="cpu")
    prompt = render_prompts(models, "Hi", thinking=False)["base"]
    assert prompt.text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    rows = S.grid_rows({"base": prompt.ids}, [S.GREEDY], [None])
    expected = [r.ids for r in M.generate_with_set(models, rows, max_new_tokens=6)]
    assert greedy_ids("--thinking", "off") == expected
    assert greedy_ids("--thinking", "on") == greedy_ids()  # on is this template's own default


def open_compare(model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page("pages/5_Compare.py").run()


def test_compare_shows_the_thinking_choice_only_for_a_template_with_the_switch(varied_dir, thinking_model):
    at = open_compare(varied_dir)
    assert not at.exception, at.exception
    assert not [r for r in at.radio if r.label == "Thinking"]  # SmolLM2's template has no switch

    at = open_compare(thinking_model)
    assert not at.exception, at.exception
    choice = next(r for r in at.radio if r.label == "Thinking")
    assert choice.value == "trained"  # no run chosen: the base at the template's own default, thinking
    assert choice.options == ["The template's default", "On", "Off"]
    said = " ".join(c.value for c in at.caption)
    assert "Off: the chat template writes `<think>\\n\\n</think>\\n\\n` where the answer starts" in said
    assert not any("</think>" in c.value for c in at.code)
    choice.set_value("off").run()
    assert not at.exception, at.exception
    shown = [c.value for c in at.code if "<|im_start|>assistant" in c.value]
    assert shown and all(c.endswith("<|im_start|>assistant\n<think>\n\n</think>↵↵") for c in shown)
    at.slider(key="compare_max_new").set_value(8)
    next(b for b in at.button if b.label == "Generate").click()
    at.run()
    job = at.session_state["compare_job"]
    assert job.wait(timeout=300)
    typed = at.text_area(key="compare_prompt").value
    tokenizer = load_tokenizer(str(thinking_model))
    assert {tuple(r.input_ids) for r in job.rows} == {tuple(S.render_prompt(tokenizer, typed, thinking=False)[1])}
