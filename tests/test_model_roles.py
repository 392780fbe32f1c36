"""A model's role: a sequence classifier (a merged reward model) is refused wherever text is written, and kept as a
classifier where a reward model trains; a QLoRA run's adapter is evaluated on the 4-bit base it trained on."""

from __future__ import annotations

import json

import pytest
import torch

from ftlib import evaluate as E
from ftlib import models, runs
from ftlib import modelset as M
from ftlib.config import RunConfig
from ftlib.models import ModelError
from ftlib.worker import execute


@pytest.fixture(scope="module")
def classifier_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model saved as a one-output LlamaForSequenceClassification (what `runs export --merged` writes for a
    reward run), with a sentinel score head."""
    from transformers import AutoModelForSequenceClassification

    target = tmp_path_factory.mktemp("merged-reward-model")
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1)
    with torch.no_grad():
        model.score.weight.fill_(0.125)
    model.save_pretrained(target)
    models.load_tokenizer(str(tiny_model_dir)).save_pretrained(target)
    return target


WRITES_TEXT = [
    pytest.param(lambda d: models.check_model(str(d), method="lora"), id="train-sft"),
    pytest.param(lambda d: models.check_model(str(d), method="grpo"), id="train-grpo-policy"),
    pytest.param(lambda d: models.load_model(str(d), device="cpu"), id="load-causal"),
    pytest.param(lambda d: M.load_model_set(str(d), [], device="cpu"), id="sample-compare-evaluate-base"),
]


@pytest.mark.parametrize("use", WRITES_TEXT)
def test_a_sequence_classifier_is_refused_where_text_is_written_saying_what_it_is_and_what_to_do(classifier_dir, use):
    with pytest.raises(ModelError) as refused:
        use(classifier_dir)
    message = str(refused.value)
    assert "LlamaForSequenceClassification" in message and "reward model" in message
    assert "python -m ftlib score" in message and "--rewards" in message and "--method reward" in message


def test_a_classifier_still_passes_where_no_use_is_known_and_a_causal_model_passes_everywhere(
    classifier_dir, tiny_model_dir
):
    assert models.check_model(str(classifier_dir)) == classifier_dir  # the sidebar's box: Train may pick reward
    for method in (None, "lora", "reward"):
        assert models.check_model(str(tiny_model_dir), method=method) == tiny_model_dir
    assert models.sequence_classifier(tiny_model_dir) is None


def test_a_run_on_a_classifier_is_refused_before_it_starts_on_the_train_page_and_in_the_cli(
    classifier_dir, tmp_path, capsys, no_training
):
    """The pre-launch report (the Train page's, before Start; `train`'s, before queueing) names the refusal."""
    from ftlib.cli import main
    from ftlib.run_preflight import preflight

    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}] * 4
    report = preflight(RunConfig(method="lora", model=str(classifier_dir)), rows=(rows, []))
    assert not report.ok and "is a reward model (LlamaForSequenceClassification" in report.errors[0]
    as_reward = preflight(RunConfig(method="reward", model=str(classifier_dir)), rows=(rows, []))
    assert as_reward.errors and not any("is a reward model (" in e for e in as_reward.errors)  # only the rows' kind
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["train", "--model", str(classifier_dir), "--dataset", str(data), "--max-steps", "1", "--detach"]) == 2
    assert "is a reward model (LlamaForSequenceClassification" in capsys.readouterr().err
    assert runs.list_runs(refresh=False) == []


def test_a_reward_run_from_a_classifier_loads_it_as_one_with_its_own_score_head(classifier_dir):
    assert models.check_model(str(classifier_dir), method="reward") == classifier_dir
    model = models.load_model(str(classifier_dir), device="cpu", score=True)
    assert type(model).__name__ == "LlamaForSequenceClassification"
    assert torch.all(model.score.weight == 0.125)  # the trained head, not a fresh one (a fresh one is random)


def test_a_classifier_with_several_outputs_is_refused_for_a_reward_run(classifier_dir, tmp_path):
    import shutil

    shutil.copytree(classifier_dir, tmp_path / "two", dirs_exist_ok=True)
    config = json.loads((tmp_path / "two" / "config.json").read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1"}
    (tmp_path / "two" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="2 outputs"):
        models.check_model(str(tmp_path / "two"), method="reward")


SFT_ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"It is {2 * i}, as {i} and {i} make {2 * i}."},
        ]
    }
    for i in range(1, 11)
]


def test_a_qlora_runs_evaluated_held_out_loss_is_its_own_final_held_out_loss(varied_model, tmp_path):
    """Training measured the adapter on the 4-bit base; evaluation must load that base (as the run quantized it), not
    the full-precision one, or it reports another model's loss."""
    base = varied_model(3)
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    config = RunConfig(
        method="qlora",
        model=str(base),
        dataset=str(data),
        max_steps=2,
        batch_size=2,
        max_length=128,
        learning_rate=3e-2,
        lora_r=8,
        lora_dropout=0.0,
        save_every=0,
        quant_type="fp4",  # not the default: the run's own settings must arrive
    )
    run_id = runs.create_run(config)
    run = runs.find(run_id)
    assert execute(run.path) == "finished"
    evals = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    own = [m["eval_loss"] for m in evals if "eval_loss" in m][-1]

    info = E.run_info(run.path)
    model_set = M.load_model_set(info.model, [run.path], device="cpu")
    assert any(type(m).__name__ == "Linear4bit" for m in model_set.model.modules())  # the base as it trained
    evaluated = E.evaluate(model_set, info.test_rows, model_set.tuned[0], max_new_tokens=1).aggregates()
    # Batched otherwise: float rounding, which the thread count changes (1.06e-4 apart with OMP_NUM_THREADS=1, under
    # 1e-4 with 2); the sentinel below stays more than 1e-3 apart.
    assert evaluated["tuned_loss"] == pytest.approx(own, rel=3e-4)

    # The sentinel: the same adapter on the full-precision base reads another loss, so the check above can fail.
    plain = M.attach_adapters(models.load_model(info.model, device="cpu").eval(), {"t": M.find_adapter(run.path)})
    full = M.ModelSet(model=plain, tokenizer=model_set.tokenizer, adapters={"t": M.find_adapter(run.path)})
    other = E.evaluate(full, info.test_rows, "t", max_new_tokens=1).aggregates()
    assert abs(other["tuned_loss"] - own) > 1e-3 * own


def test_a_reward_models_adapter_given_as_a_model_is_told_it_scores_not_that_it_should_be_merged(tmp_path):
    """A reviewer gave `--model runs/<reward run>/adapter` and was told to export the merged model and point there,
    which is then refused as a reward model: the advice went round in a circle. Said once, what it is for."""
    from ftlib.models import ModelError, resolve_model

    adapter = tmp_path / "rm-1" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA", "task_type": "SEQ_CLS"}')
    with pytest.raises(ModelError) as raised:
        resolve_model(str(adapter))
    said = str(raised.value)
    assert "is a reward model (an adapter with a score head" in said and "python -m ftlib score rm-1" in said
    assert "export the merged model" not in said
