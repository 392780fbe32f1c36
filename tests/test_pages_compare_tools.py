"""AppTest: Compare and Evaluate ask a tool-calling test row with its tools, as training showed them (walk 8A #1),
and name the template as Tokens and Train do ("The model's own template", not the CLI's `tokenizer`: walk 8A #14).

The tiny model with a random LoRA adapter in a finished run trained with the built-in `hermes` template (ChatML that
writes the tools into the system turn); the reference for what the model must read is training's own rendering
(`ftlib.tokens.encode_row`), up to the last assistant turn.
"""

from __future__ import annotations

from ftlib import workspace
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.testing import make_run
from ftlib.tokens import encode_row
from tests.test_evaluate_tools import ROW
from tests.test_pages_compare import TEST_ROWS, button, open_page, run_until_done, without_chat_template

SCHEMA = "The city, e.g. Oslo"  # in the tool's schema only: shown where the tools are, nowhere else


# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 2
ADAPTER_SEED = 9


def tool_run(varied_dir, adapter_template, template: str = "hermes"):
    workspace.save_split("weather", [ROW], [TEST_ROWS[0], ROW], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": template, "method": "lora"}
    return make_run("20260105-000000-lora-weather", config, adapter=adapter_template).path


def training_prompt(model_dir, template: str = "hermes") -> tuple[str, list[int]]:
    """Training's rendering of ROW up to its last assistant turn (text, ids)."""
    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer(str(model_dir))
    enc = encode_row(ROW, tokenizer, get_template(template, tokenizer), "last_assistant")
    first = next(i for i, label in enumerate(enc.labels) if label != IGNORE_INDEX)
    return tokenizer.decode(enc.input_ids[:first]), list(enc.input_ids[:first])


def test_compare_shows_and_asks_a_tool_rows_prompt_with_its_tools(varied_dir, adapter_template):
    tool_run(varied_dir, adapter_template)
    text, ids = training_prompt(varied_dir)
    assert SCHEMA in text
    at = open_page("pages/5_Compare.py", varied_dir)
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(1).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    (seen,) = [e for e in at.expander if e.label.startswith("What the model sees")]
    assert seen.label == f"What the model sees ({len(ids)} tokens, chat template: ChatML + tools (Hermes))"
    # Training's prompt, tools included, its closing line breaks drawn as ↵ (st.code would drop the last one).
    assert seen.code[0].value == text.rstrip("\n") + "↵" * (len(text) - len(text.rstrip("\n")))
    assert text.endswith("\n") and seen.code[0].value.endswith("↵")
    # Generated from those ids: what the grid was asked with.
    next(m for m in at.multiselect if m.label.startswith("Decoding settings")).set_value(["greedy"]).run()
    button(at, "Generate").click()
    run_until_done(at.run(), "compare_job")
    asked = {row.input_ids for row in at.session_state["compare_job"].rows}
    assert asked == {tuple(ids)}


def test_compare_scores_a_tool_rows_answers_with_its_tools(varied_dir, adapter_template, monkeypatch):
    """A reward model trained on rows with tools reads them when it scores the grid's answers (a gap left by the
    tools change of ftlib.rewards: the page passed the turns only)."""
    from ftlib import rewards
    from ui import alignment_view

    asked = []

    class Recording:
        def score(self, prompt, responses, tools=None):
            asked.append(tools)
            return [0.0] * len(responses)

    monkeypatch.setattr(rewards, "reward_runs", lambda: ["rm"])
    monkeypatch.setattr(alignment_view, "_reward_model", lambda run_id: Recording())
    tool_run(varied_dir, adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(1).run()
    next(m for m in at.multiselect if m.label.startswith("Decoding settings")).set_value(["greedy"]).run()
    button(at, "Generate").click()
    run_until_done(at.run(), "compare_job")
    at.button(key="compare_score").click().run()
    assert not at.exception, at.exception
    assert asked == [ROW["tools"]]


def test_evaluate_asks_a_tool_row_with_its_tools_and_names_the_template(varied_dir, adapter_template):
    tool_run(varied_dir, adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert any(c.value.endswith("· chat template: ChatML + tools (Hermes)") for c in at.caption)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert list(at.dataframe[0].value["reference"]) == ["Blue.", "It is 4 °C with sleet in Oslo."]
    whole = next(e for e in at.expander if e.label.startswith("The whole prompt the models read"))
    assert [c.value for c in whole.caption] == ["With the row's tools, as training showed them: get_weather_zq"]


def test_compare_and_evaluate_call_the_models_own_template_as_tokens_and_train_do(varied_dir, adapter_template):
    tool_run(varied_dir, adapter_template, template="tokenizer")
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    (seen,) = [e.label for e in at.expander if e.label.startswith("What the model sees")]
    assert seen.endswith("tokens, chat template: The model's own template)") and "tokenizer" not in seen
    at = open_page("pages/6_Evaluate.py", varied_dir)
    (facts,) = [c.value for c in at.caption if c.value.startswith("Base model")]
    assert facts.endswith("· chat template: The model's own template") and "tokenizer" not in facts


def test_a_model_without_a_template_writes_a_tool_row_in_one_that_keeps_its_tools(varied_dir, tmp_path):
    """A review: for a model without a chat template the Compare page's built-in picker started on ChatML, which
    writes no tool schemas or calls: a test row's tools were left out unsaid. Such a row starts on Hermes; a
    template picked that leaves them out is warned; the pick is kept across pages."""
    bare = without_chat_template(varied_dir, tmp_path / "bare")
    workspace.save_split("weather", [ROW], [TEST_ROWS[0], ROW], {"format": "messages"})
    at = open_page("pages/5_Compare.py", bare)
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(1).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.selectbox(key="compare_template_tools").value == "hermes"  # its own box: ChatML stays for the others
    (seen,) = [e for e in at.expander if e.label.startswith("What the model sees")]
    assert SCHEMA in seen.code[0].value and not [w for w in at.warning if "writes no tool schemas" in w.value]
    at.selectbox(key="compare_template_tools").set_value("chatml").run()
    (said,) = [w.value for w in at.warning if "writes no tool schemas" in w.value]
    assert said.startswith("ChatML writes no tool schemas or calls: this row's are left out of the prompt.")
    at.switch_page("pages/1_Data.py").run()
    at.switch_page("pages/5_Compare.py").run()
    assert at.selectbox(key="compare_template_tools").value == "chatml"  # kept across a visit to another page
