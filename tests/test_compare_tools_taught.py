"""A run taught to call tools, asked a prompt without them, is said to be: `sample` warned (without --tools), Compare
said nothing, so a typed "Is it warm in Paris?" to a weather-tool run made up a temperature with no word why (helper
177's walk). Both read it from the run's own copy of its rows (`model_prompts.trained_with_tools`). And the same
walk's runs on a link to a model folder, hidden from Compare as another model's."""

from __future__ import annotations

from ftlib import workspace
from ftlib.model_prompts import trained_with_tools
from tests.test_evaluate_tools import ROW
from tests.test_pages_compare import TEST_ROWS, open_page
from tests.test_pages_compare_tools import tool_run

PLAIN = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}


def test_runs_whose_first_training_row_shows_tools_are_named(tmp_path):
    taught, plain, bare = tmp_path / "taught", tmp_path / "plain", tmp_path / "bare"
    workspace.keep_run_split(taught, [ROW, PLAIN], [], {})
    workspace.keep_run_split(plain, [PLAIN, ROW], [], {})  # the first row is read, as `sample` read it
    bare.mkdir()  # a folder with no copy of its rows: nothing to tell by
    (taught / "adapter").mkdir()
    assert ROW.get("tools")
    assert trained_with_tools([taught / "adapter", plain, bare]) == ["taught"]


def test_compare_warns_a_typed_prompt_reaches_a_tool_run_without_its_tools(varied_dir, adapter_template):
    run = tool_run(varied_dir, adapter_template)
    workspace.keep_run_split(run, [ROW], [TEST_ROWS[0], ROW], {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception
    (said,) = [w.value for w in at.warning if "trained on rows that show tools" in w.value]
    assert said.startswith(f"Run **{run.name}** trained on rows that show tools, but this prompt shows none")
    assert said.endswith("Pick from the test split a row with tools to ask with them.")
    # Asked with the tools (a test row that shows them): nothing to say.
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(1).run()
    assert not at.exception and not [w for w in at.warning if "trained on rows that show tools" in w.value]


def test_sample_warns_the_same_without_tools(tmp_path, capsys):
    from ftlib.commands.sample import warn_tools

    workspace.keep_run_split(tmp_path / "taught", [ROW], [], {})
    warn_tools({}, None, [tmp_path / "taught" / "adapter"])
    assert capsys.readouterr().err.startswith(
        "warning: the run taught trained on rows that show tools (`tools`), but this prompt shows none"
    )


def test_a_run_on_a_link_to_the_sidebars_model_folder_is_offered(varied_dir, adapter_template, tmp_path):
    """Runs trained on `/tmp/x/qwenish` (a link) were 'trained on another base model' while the sidebar held the
    folder it links to: the paths were compared as text (helper 177's walk)."""
    from ftlib.testing import make_run

    link = tmp_path / "linked-model"
    link.symlink_to(varied_dir, target_is_directory=True)
    workspace.save_split("weather", [ROW], [TEST_ROWS[0]], {"format": "messages"})
    config = {"model": str(link), "dataset": "weather", "template": "hermes", "method": "lora"}
    make_run("20260105-000000-lora-linked", config, adapter=adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception
    assert not [c for c in at.caption if "trained on another base model" in c.value]
    (picker,) = [m for m in at.multiselect if m.label == "Fine-tuned models"]
    assert len(picker.options) == 1 and "weather" in picker.options[0]  # the run, offered


def test_a_test_split_without_tool_rows_is_not_sent_looking_for_one(varied_dir, adapter_template):
    from ftlib.testing import make_run

    workspace.save_split("weather", [ROW], [TEST_ROWS[0]], {"format": "messages"})  # no held-out row shows tools
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    run = make_run("20260105-000000-lora-weather", config, adapter=adapter_template).path
    workspace.keep_run_split(run, [ROW], [TEST_ROWS[0]], {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)
    (said,) = [w.value for w in at.warning if "trained on rows that show tools" in w.value]
    assert said.endswith("may answer from memory instead. The test split has no row with tools to ask with them.")
