"""`python -m ftlib evaluate RUN` keeps its result with the run where it measured what the Evaluate page measures,
under the key the page would use (`ftlib.eval_results`): the page then shows it, saying when it was measured. A
measurement the page could not have made (another adapter, template or data, an answer length its slider does not
offer, a reward model's pairs in other batches than the page's) is not kept; a workspace this account may only read
keeps nothing and says nothing, and the output is the same either way."""

from __future__ import annotations

import json

import pytest

from ftlib import eval_results as K
from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests import test_pages_evaluate_kept_scores as S
from tests.test_pages_evaluate_kept_scores import kept_kinds, measured_again_said, metrics, open_page

# The page tests' runs (fixtures found by their names here; the model and adapters are tests/conftest.py's).
reward_run, grpo_run = S.reward_run, S.grpo_run

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
    {"messages": [{"role": "user", "content": "Count to three."}, {"role": "assistant", "content": "One, two."}]},
    {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]},
]


@pytest.fixture
def sft_run(varied_dir, adapter_template):
    workspace.save_split("colours", CONVERSATIONS[:1], CONVERSATIONS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    return make_run("20260101-000000-lora-colours", config, adapter=adapter_template)


def cli(capsys, *argv) -> tuple[str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out, out.err


def test_the_clis_held_out_evaluation_is_shown_on_the_page(capsys, sft_run, varied_dir):
    """An operator evaluated a run from a terminal; the page then said "Press Evaluate" as if nothing was measured."""
    agg = json.loads(cli(capsys, "evaluate", sft_run.id, "--json")[0])
    assert kept_kinds(sft_run) == ["heldout"]
    at = open_page(varied_dir)  # its boxes at their defaults: all 3 rows, 64 new tokens, 8 rows a batch
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert not any("Press **Evaluate**" in i.value for i in at.info)
    shown = metrics(at)
    assert (shown["Base loss"], shown["Tuned loss"]) == (f"{agg['base_loss']:.3f}", f"{agg['tuned_loss']:.3f}")
    table = at.dataframe[0].value
    assert list(table["tuned_output"]) == [row["tuned_output"] for row in agg["per_row"]]
    assert measured_again_said(at, "Evaluate")
    assert at.get("plotly_chart")  # the per-token view, scored again with the page's models from the kept rows


def test_the_clis_grpo_evaluation_is_shown_on_the_page(capsys, grpo_run, varied_dir):
    agg = json.loads(cli(capsys, "evaluate", grpo_run.id, "--json")[0])  # 8 new tokens: the run's, as on the page
    assert kept_kinds(grpo_run) == ["answers"]
    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    shown = metrics(at)
    assert (shown["Base reward"], shown["Tuned reward"]) == (f"{agg['base_reward']:.3f}", f"{agg['tuned_reward']:.3f}")
    assert measured_again_said(at, "Answer and score")


def test_a_reward_models_scores_are_kept_by_default_and_only_in_the_pages_batches(capsys, reward_run, varied_dir):
    """A cold walk: `evaluate RUN` of a reward model kept nothing: --batch-size defaulted to 8 while the page scores
    pairs in batches of RewardModel's default (16), and a batch's padding can move a score's last digits, so that is
    another key. Left out, it now means "as the page measures"; an explicit 8 still means 8 (and is not kept)."""
    cli(capsys, "evaluate", reward_run.id, "--json", "--batch-size", "8")
    assert not (reward_run.path / K.KEPT_DIR).exists()
    agg = json.loads(cli(capsys, "evaluate", reward_run.id, "--json")[0])
    assert kept_kinds(reward_run) == ["pairs"]
    (record,) = (reward_run.path / K.KEPT_DIR).iterdir()
    assert json.loads(record.read_text(encoding="utf-8"))["key"]["batch_size"] == K.PAIRS_BATCH
    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert metrics(at)["Mean margin"] == f"{agg['mean_reward_margin']:+.3f}"
    assert measured_again_said(at, "Score the pairs")


def test_the_batch_size_help_names_the_pages_batches(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert f"a reward model's pairs in batches of {K.PAIRS_BATCH}, other runs' rows in batches of 8" in helped


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-new-tokens", "10"],  # the page's slider moves by 8
        ["--template", "chatml"],
        ["--data", "colours"],  # a saved split's name: its test rows, but the page evaluates the run's split
    ],
)
def test_what_the_page_could_not_have_measured_is_not_kept(capsys, sft_run, argv):
    cli(capsys, "evaluate", sft_run.id, "--json", "--limit", "1", *argv)
    assert not (sft_run.path / K.KEPT_DIR).exists()


def test_a_workspace_this_account_may_only_read_keeps_nothing_says_nothing_and_prints_the_same(
    capsys, sft_run, monkeypatch
):
    argv = ["evaluate", sft_run.id, "--json", "--limit", "2", "--max-new-tokens", "8"]
    kept = cli(capsys, *argv)
    (record,) = (sft_run.path / K.KEPT_DIR).iterdir()
    record.unlink()

    def refuse(files, hint=""):
        raise PermissionError(13, "Permission denied", str(next(iter(files))))

    monkeypatch.setattr(workspace, "write_files", refuse)
    assert cli(capsys, *argv) == kept  # stdout and stderr alike
    assert list((sft_run.path / K.KEPT_DIR).iterdir()) == []
