"""The sidebar's Model box refuses an adapter's folder and a reward model in the pages' words, the CLI in its own:
the box showed "(the Train page's downloads, or `python -m ftlib runs export RUN --merged`)" and a reward model's
`python -m ftlib score RUN`, `--rewards '[...]'` and `--method reward` (`ui.labels.model_box_words`)."""

from __future__ import annotations

import pytest

from ftlib.errors import UserError
from ftlib.models import check_model
from tests.test_pages_sidebar import box, errors, sidebar


@pytest.mark.parametrize(
    "which, page, cli",
    [
        ("adapter", "(the Train page's downloads) and point here", "`python -m ftlib runs export {run} --merged`"),
        (
            "reward",
            "Score answers with its run on the **Evaluate** page, use it as a GRPO reward (the Train page's "
            "**Rewards** box), or train a reward model from it (the Train page's **Method** box)",
            "`python -m ftlib score ",
        ),
    ],
)
def test_the_model_box_says_the_pages_ways(monkeypatch, adapter_template, reward_adapter, which, page, cli):
    folder = adapter_template if which == "adapter" else reward_adapter
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(folder.parent))
    with pytest.raises(UserError) as refused:
        check_model(str(folder))
    assert cli.format(run=folder.parent.name) in str(refused.value)  # the CLI's own words (`sample --model`)
    at = sidebar()
    box(at).set_value(str(folder)).run()
    [refusal] = errors(at)
    assert refusal.startswith(f"`{folder}` cannot be used: ") and page in refusal, refusal
    assert "python -m ftlib" not in refusal and "--" not in refusal, refusal


def test_the_train_pages_export_says_its_merged_download_for_gguf_not_the_cli(capsys, tiny_model_dir, tmp_path):
    """`export.gguf_refusal` of a run on another base than the default model: "(`python -m ftlib runs export ID
    --merged`)" on the page that has the merged model's button; `runs export --gguf` keeps it."""
    from ftlib import export
    from ftlib.testing import make_run
    from tests.test_page_reruns import open_page, save

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"\x08\0\0\0\0\0\0\0{}      ")
    save("tides")
    run = make_run("r-other-base", {"model": str(tiny_model_dir)}, adapter=adapter)
    assert f"(`python -m ftlib runs export {run.id} --merged`)" in export.gguf_refusal(run)  # the CLI's words
    at = open_page("pages/4_Train.py", tiny_model_dir)
    (said,) = [c.value for c in at.caption if c.value.startswith("No GGUF download: ")]
    assert "Export its merged model (**Download the merged model (.zip)** above) and convert" in said, said
    assert "python -m ftlib" not in said and "--merged" not in said, said  # llama.cpp's own --outtype stays


def test_a_reward_model_run_not_found_points_to_the_runs_below_not_runs_list(tiny_model_dir):
    """`rewards.reward_run`'s "give its run id or name (`python -m ftlib runs list`)", under the Rewards box."""
    from ftlib import workspace
    from tests.test_pages_alignment import PROMPT_ROWS
    from tests.test_pages_train import page

    workspace.save_split("pirate", PROMPT_ROWS[:8], PROMPT_ROWS[8:])
    at = page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"model": "nope"}]').run()
    (said,) = [e.value for e in at.error if "There is no run 'nope'" in e.value]
    assert said.endswith("give its run id or name (the **Runs** list below).") and "python -m" not in said, said
