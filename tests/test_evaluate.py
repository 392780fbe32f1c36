"""ftlib.evaluate against references: transformers' own loss with labels, PEFT single-adapter generation."""

from __future__ import annotations

import csv
import io
import math

import pytest
import torch

from ftlib import evaluate as E
from ftlib import modelset as M
from ftlib import sampling as S
from ftlib.models import load_model
from ftlib.testing import make_run

ROWS = [
    {
        "messages": [
            {"role": "user", "content": "Say hi to the team."},
            {"role": "assistant", "content": "Hello team, good morning!"},
        ]
    },
    {
        "messages": [
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Thanks"},
            {"role": "assistant", "content": "De rien."},
            {"role": "user", "content": "Bye"},
            {"role": "assistant", "content": "Au revoir, à bientôt."},
        ]
    },
    {"messages": [{"role": "user", "content": "No answer here"}]},  # skipped: no reference
    {
        "prompt": [{"role": "user", "content": "Pick a colour"}],
        "chosen": [{"role": "assistant", "content": "Blue."}],
        "rejected": [{"role": "assistant", "content": "No."}],
    },
]


# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 1
ADAPTER_SEED = 4


@pytest.fixture(scope="module")
def tuned_reference(varied_dir, adapter_template):
    """PEFT's ordinary single-adapter model on a fresh base: the reference for the mixed batch."""
    from peft import PeftModel

    return PeftModel.from_pretrained(load_model(str(varied_dir), device="cpu"), str(adapter_template)).eval()


@pytest.fixture(scope="module")
def result(model_set):
    name = model_set.names[1]
    return E.evaluate(model_set, ROWS, name, max_new_tokens=8, batch_size=2)


def test_reference_tokens_are_the_last_answer_and_its_end_of_turn(model_set):
    tok = model_set.tokenizer
    ref = E.encode_reference(E.conversation(ROWS[1]), tok)
    scored = [i for i, lab in enumerate(ref.labels) if lab != -100]
    assert scored == list(range(scored[0], scored[-1] + 1))  # one contiguous span
    assert tok.decode([ref.input_ids[i] for i in scored]) == "Au revoir, à bientôt.<|im_end|>"
    assert [ref.labels[i] for i in scored] == [ref.input_ids[i] for i in scored]
    assert len(ref.token_texts) == len(ref.input_ids)


@pytest.mark.parametrize(
    "row, message",
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "does not end with an assistant"),
        ({"messages": [{"role": "assistant", "content": "x"}]}, "no prompt"),
        ({"text": "x"}, "no reference answer"),
    ],
)
def test_rows_without_a_reference_are_explained(row, message):
    with pytest.raises(E.EvalError, match=message):
        E.conversation(row)


def test_per_token_losses_match_transformers_loss(model_set, varied_dir, tuned_reference):
    tok, name = model_set.tokenizer, model_set.names[1]
    base_ref = load_model(str(varied_dir), device="cpu").eval()
    for row in (ROWS[0], ROWS[1], ROWS[3]):
        ref = E.encode_reference(E.conversation(row), tok)
        base_l, tuned_l = E.reference_token_losses(model_set.model, ref, [None, name])
        ids, labels = torch.tensor([ref.input_ids]), torch.tensor([ref.labels])
        with torch.no_grad():
            expected_base = base_ref(input_ids=ids, labels=labels).loss.item()
            expected_tuned = tuned_reference(input_ids=ids, labels=labels).loss.item()
        assert len(base_l) == sum(lab != -100 for lab in ref.labels)
        assert sum(base_l) / len(base_l) == pytest.approx(expected_base, rel=1e-4)
        assert sum(tuned_l) / len(tuned_l) == pytest.approx(expected_tuned, rel=1e-4)
        assert abs(expected_tuned - expected_base) > 1e-3  # the adapter really changes the scores


def test_evaluate_outputs_equal_separate_greedy_generation(result, model_set, varied_dir, tuned_reference):
    tok = model_set.tokenizer
    base_ref = load_model(str(varied_dir), device="cpu").eval()
    assert [r.index for r in result.rows] == [0, 1, 3]
    assert [i for i, _ in result.skipped] == [2] and "assistant" in result.skipped[0][1]
    for r in result.rows:
        messages = E.conversation(ROWS[r.index])
        ids = torch.tensor([S.render_prompt(tok, messages[:-1])[1]])
        outs = []
        for model in (base_ref, tuned_reference):
            gen = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=False,
                max_new_tokens=8,
                eos_token_id=sorted(S.stop_token_ids(tok, model)),
                pad_token_id=2,
            )
            outs.append(tok.decode([t for t in gen[0, ids.shape[1] :].tolist() if t != 2]))
        assert (r.base_output, r.tuned_output) == tuple(outs)
        assert r.reference == messages[-1]["content"]
    assert result.rows[0].base_output != result.rows[0].tuned_output


def test_a_full_fine_tune_is_evaluated_as_the_model_alone(result, model_set, varied_dir, varied_model):
    """A full fine-tune runs in its own loop: its answers and losses are the standalone model's, the base side is
    the same as with an adapter."""
    import shutil

    run = varied_model(6).parent / "full-eval-run"
    if not run.exists():
        shutil.copytree(varied_model(6), run / "model")
    full_set = M.load_model_set(str(varied_dir), [run], device="cpu")
    assert full_set.tuned == ["full-eval-run"] and not full_set.adapters
    job = E.EvalJob(full_set, ROWS, "full-eval-run", max_new_tokens=8, batch_size=2).start()
    assert job.wait(timeout=120) and job.error is None
    full = job.result
    alone = load_model(str(varied_model(6)), device="cpu").eval()
    tok = full_set.tokenizer
    for with_adapter, r in zip(result.rows, full.rows, strict=True):
        assert (r.base_output, r.base_loss) == (with_adapter.base_output, pytest.approx(with_adapter.base_loss))
        messages = E.conversation(ROWS[r.index])
        _, ids = S.render_prompt(tok, messages[:-1])
        assert r.tuned_output == S.generate(alone, tok, [S.GenRow(tuple(ids))], max_new_tokens=8)[0].text
        losses = E.reference_token_losses(alone, E.encode_reference(messages, tok), [None])[0]
        assert r.tuned_loss == pytest.approx(sum(losses) / len(losses))
    assert full.rows[0].tuned_output != full.rows[0].base_output
    view = E.token_losses(full_set, ROWS[0], "full-eval-run")
    assert list(view.losses) == ["base", "full-eval-run"]
    assert [v for v in view.losses["full-eval-run"] if v is not None] == pytest.approx(
        E.reference_token_losses(alone, E.encode_reference(E.conversation(ROWS[0]), tok), [None])[0]
    )


def test_aggregates_are_token_weighted(result):
    agg = result.aggregates()
    rows = result.rows
    tokens = sum(r.tokens for r in rows)
    assert agg["rows"] == 3 and agg["skipped"] == 1 and agg["tokens"] == tokens
    assert agg["base_loss"] == pytest.approx(sum(r.base_loss * r.tokens for r in rows) / tokens)
    assert agg["tuned_perplexity"] == pytest.approx(math.exp(agg["tuned_loss"]))
    assert agg["loss_change"] == pytest.approx(agg["tuned_loss"] - agg["base_loss"])
    assert agg["rows_improved"] == pytest.approx(sum(r.tuned_loss < r.base_loss for r in rows) / 3)
    best, worst = result.best_and_worst(2)
    changes = sorted(r.loss_change for r in rows)
    assert [r.loss_change for r in best] == changes[:2] and [r.loss_change for r in worst] == changes[::-1][:2]


def test_a_pair_scores_its_rejected_answer_and_says_which_answer_each_model_prefers(
    result, model_set, varied_dir, tuned_reference
):
    """The rejected answer's summed log-probability equals transformers' own loss with labels (times the scored
    tokens), under the base and the tuned model; the preferences and DPO's margin follow from the four sums."""
    pair = next(r for r in result.rows if r.index == 3)
    assert pair.is_pair and not any(r.is_pair for r in result.rows if r.index != 3)
    base_ref = load_model(str(varied_dir), device="cpu").eval()
    sums = {}
    for side, answer in (("chosen", ROWS[3]["chosen"]), ("rejected", ROWS[3]["rejected"])):
        ref = E.encode_reference(ROWS[3]["prompt"] + answer, model_set.tokenizer)
        ids, labels = torch.tensor([ref.input_ids]), torch.tensor([ref.labels])
        n = sum(lab != -100 for lab in ref.labels)
        with torch.no_grad():  # loss = mean NLL over the labelled tokens: log p = -loss * n
            sums[side] = [-m(input_ids=ids, labels=labels).loss.item() * n for m in (base_ref, tuned_reference)]
    assert pair.base_rejected_logp == pytest.approx(sums["rejected"][0], rel=1e-4)
    assert pair.tuned_rejected_logp == pytest.approx(sums["rejected"][1], rel=1e-4)
    assert pair.base_prefers_chosen == (sums["chosen"][0] > sums["rejected"][0])
    assert pair.tuned_prefers_chosen == (sums["chosen"][1] > sums["rejected"][1])
    margin = (sums["chosen"][1] - sums["chosen"][0]) - (sums["rejected"][1] - sums["rejected"][0])
    assert pair.reward_margin == pytest.approx(margin, rel=1e-3, abs=1e-4) and abs(margin) > 1e-3
    agg = result.aggregates()
    assert agg["pairs"] == 1 and agg["reward_accuracy"] == float(margin > 0)
    assert agg["tuned_prefers_chosen"] == float(pair.tuned_prefers_chosen)
    assert agg["mean_reward_margin"] == pytest.approx(pair.reward_margin)
    parsed = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert float(parsed[2]["reward_margin"]) == pytest.approx(margin, rel=1e-3, abs=1e-4)
    assert parsed[0]["reward_margin"] == ""  # a conversation has no pair


def test_conversations_alone_have_no_pair_measures(model_set):
    only_chats = E.evaluate(model_set, ROWS[:2], model_set.names[1], max_new_tokens=2)
    assert only_chats.aggregates()["pairs"] == 0 and "reward_accuracy" not in only_chats.aggregates()
    assert "reward_margin" not in only_chats.to_csv().splitlines()[0]


def test_csv_export_round_trips(result):
    parsed = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(parsed) == 3
    assert parsed[1]["reference"] == "Au revoir, à bientôt."
    assert float(parsed[0]["tuned_loss"]) == pytest.approx(result.rows[0].tuned_loss)
    assert set(parsed[0]) >= {"prompt", "base_output", "tuned_output", "base_perplexity", "loss_change"}


def test_token_losses_align_with_tokens(model_set):
    name = model_set.names[1]
    view = E.token_losses(model_set, ROWS[0], name)
    assert len(view.tokens) == len(view.scored) == len(view.losses["base"]) == len(view.losses[name])
    scored_text = "".join(t for t, s in zip(view.tokens, view.scored, strict=True) if s)
    assert scored_text == "Hello team, good morning!<|im_end|>"
    assert all((v is None) != s for v, s in zip(view.losses[name], view.scored, strict=True))


def test_evaluate_refuses_what_cannot_work(model_set):
    with pytest.raises(E.EvalError, match="with a tuned model"):
        E.evaluate(model_set, ROWS, tuned="")
    with pytest.raises(E.EvalError, match="test split is empty"):
        E.evaluate(model_set, [], tuned=model_set.names[1])
    with pytest.raises(E.EvalError, match="The only test row cannot be evaluated"):
        E.evaluate(model_set, [ROWS[2]], tuned=model_set.names[1])


def test_progress_and_cancel(model_set):
    seen = []
    res = E.evaluate(
        model_set,
        ROWS,
        model_set.names[1],
        max_new_tokens=2,
        batch_size=1,
        progress=lambda m, f: seen.append(f),
        cancel=lambda: len(seen) >= 2,
    )
    assert len(res.rows) == 2  # cancelled before the third batch
    assert seen == sorted(seen)


def test_run_info_reads_the_training_config(tmp_path):
    from ftlib import workspace

    workspace.save_split("demo", ROWS[:1], ROWS[1:2])
    run = make_run("run", {"dataset": "demo", "template": "chatml"}, root=tmp_path).path
    info = E.run_info(run)
    assert (info.model, info.template, info.test_rows) == ("default", "chatml", ROWS[1:2])
    with pytest.raises(E.EvalError, match="no config.json"):
        E.run_info(tmp_path)


def test_eval_job_runs_in_the_background_with_the_same_result(model_set, result):
    job = E.EvalJob(model_set, ROWS, model_set.names[1], max_new_tokens=8, batch_size=2).start()
    assert job.wait(timeout=120) and job.error is None and job.fraction == 1.0
    assert [r.as_dict() for r in job.result.rows] == [r.as_dict() for r in result.rows]
    failing = E.EvalJob(model_set, [], model_set.names[1]).start()
    assert failing.wait(timeout=60) and "test split is empty" in failing.error


def test_a_held_out_row_whose_tool_call_the_template_drops_is_skipped_with_the_reason(model_set, tmp_path):
    """Walk 3: Evaluate scored and answered a held-out tool-calling row with its call left out (an empty assistant
    turn, then the tool result). Evaluating a run, that row is skipped as training refuses it, with the reason the
    page lists under "rows skipped"; a template that writes tool calls scores it."""
    from ftlib import workspace
    from tests.test_training import sharegpt_tool_rows

    rows = sharegpt_tool_rows(tmp_path, plain=3)  # the last one calls get_weather for Oslo
    workspace.save_split("tools-held-out", rows[:2], rows[2:])
    run = make_run("tools-run", {"dataset": "tools-held-out", "template": "tokenizer"}, root=tmp_path).path
    info = E.run_info(run)
    name = model_set.names[1]
    job = E.EvalJob(model_set, info.test_rows, name, max_new_tokens=4, template=info.template).start()
    assert job.wait(timeout=120) and job.error is None
    assert [r.index for r in job.result.rows] == [0]
    ((index, why),) = job.result.skipped
    assert (
        index == 1
        and "leaves out the tool calls of message 2 (an assistant reply)" in why
        and "'ChatML + tools (Hermes)' (--template hermes)" in why
    )
    assert "the row is skipped" in why and job.result.aggregates()["skipped"] == 1
    scored = E.evaluate(model_set, info.test_rows, name, max_new_tokens=4, template="hermes")
    assert [r.index for r in scored.rows] == [0, 1] and not scored.skipped
    assert scored.rows[1].reference == "It is 4 °C with sleet in Oslo."


def test_references_are_cut_at_the_runs_max_length_as_training_cut_its_rows(
    model_set, varied_dir, tuned_reference, capsys
):
    """A row longer than the run's max length is scored on the tokens training kept (the trainer's own encoder, cut
    there), the losses those of transformers on the cut ids; a row whose answer begins past it is skipped, and said;
    the CLI's report says which rows were cut."""
    from types import SimpleNamespace

    from ftlib.commands.evaluate import _report
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    weather = " ".join(["The weather stays mild and dry all week."] * 6)
    rows = [
        ROWS[0],  # short: uncut
        {"messages": [{"role": "user", "content": "Describe the week."}, {"role": "assistant", "content": weather}]},
        {"messages": [{"role": "user", "content": weather}, {"role": "assistant", "content": "Fine."}]},
        {  # a pair whose chosen answer fits and whose rejected one is cut: counted among the rows cut
            "prompt": [{"role": "user", "content": "Describe the week."}],
            "chosen": [{"role": "assistant", "content": "Mild."}],
            "rejected": [{"role": "assistant", "content": weather}],
        },
    ]
    tok = model_set.tokenizer
    whole = [E.encode_reference(r["messages"], tok) for r in rows[:3]]
    answer_starts = [next(i for i, lab in enumerate(ref.labels) if lab != -100) for ref in whole]
    max_length = max(len(whole[0].input_ids), answer_starts[1] + 5)
    assert len(whole[1].input_ids) > max_length and answer_starts[2] >= max_length  # the rows' shapes hold

    result = E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=2, max_length=max_length)
    assert result.cut == [1, 3] and result.aggregates()["cut_rows"] == 2
    assert [i for i, _ in result.skipped] == [2] and "begins after the run's max length" in result.skipped[0][1]
    trained = encode_row(rows[1], tok, get_template("tokenizer", tok), "last_assistant", max_length)
    cut_row = next(r for r in result.rows if r.index == 1)
    assert cut_row.tokens == sum(lab != -100 for lab in trained.labels) < sum(lab != -100 for lab in whole[1].labels)
    ids, labels = torch.tensor([trained.input_ids]), torch.tensor([trained.labels])
    with torch.no_grad():
        base_loss = load_model(str(varied_dir), device="cpu").eval()(input_ids=ids, labels=labels).loss.item()
        tuned_loss = tuned_reference(input_ids=ids, labels=labels).loss.item()
    assert cut_row.base_loss == pytest.approx(base_loss, rel=1e-4)
    assert cut_row.tuned_loss == pytest.approx(tuned_loss, rel=1e-4)
    view = E.token_losses(model_set, rows[1], model_set.names[1], max_length=max_length)  # the page's per-token view
    assert len(view.tokens) == max_length and sum(view.scored) == cut_row.tokens
    assert sum(v for v in view.losses["base"] if v is not None) / cut_row.tokens == pytest.approx(cut_row.base_loss)
    uncut = E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=2)
    assert uncut.cut == [] and not uncut.skipped and uncut.cut_note() == ""
    # Only rows whose answer begins past the cut: the dead end names the max length that keeps them (a walk).
    with pytest.raises(
        E.EvalError, match=rf"begins after .* A run with a max length of {len(whole[2].input_ids)} tok"
    ):
        E.evaluate(model_set, rows[2:3], model_set.names[1], max_new_tokens=2, max_length=max_length)
    pair = {  # both answers past the cut: the longer, rejected one sets the length, as the pre-run report says
        "prompt": [{"role": "user", "content": weather}],
        "chosen": [{"role": "assistant", "content": "Fine."}],
        "rejected": [{"role": "assistant", "content": weather}],
    }
    longest = len(E.encode_reference(pair["prompt"] + pair["rejected"], tok).input_ids)
    with pytest.raises(E.EvalError, match=rf"A run with a max length of {longest} tokens keeps it whole\."):
        E.evaluate(model_set, [pair], model_set.names[1], max_new_tokens=2, max_length=max_length)

    _report(SimpleNamespace(json=False, csv=None), result, "m", "tokenizer")
    out = capsys.readouterr().out
    assert f"note: Rows 2, 4 were scored on the first {max_length} tokens only: the run's max length" in out
    assert "rows cut at the run's max length: 2" in out
    pair = next(r for r in result.rows if r.index == 3)
    rejected = E.encode_reference(rows[3]["prompt"] + rows[3]["rejected"], tok)
    assert len(rejected.input_ids) > max_length
    cut_rejected = rejected.cut(max_length)[0]
    ids, labels = torch.tensor([cut_rejected.input_ids]), torch.tensor([cut_rejected.labels])
    n = sum(lab != -100 for lab in cut_rejected.labels)
    with torch.no_grad():  # its summed log-probability is of the tokens training kept
        logp = -load_model(str(varied_dir), device="cpu").eval()(input_ids=ids, labels=labels).loss.item() * n
    assert pair.base_rejected_logp == pytest.approx(logp, rel=1e-4)
