"""A raw-text run evaluated as it trained: every token of each held-out text is the reference (`ftlib.text_eval`),
scored under the base and under base+adapter as transformers scores a causal LM with labels = input ids; nothing
is answered. The engine, `evaluate RUN --json` and the Evaluate page."""

from __future__ import annotations

import json
import math

import pytest
import torch

from ftlib import evaluate as E
from ftlib import modelset as M
from ftlib import workspace
from ftlib.cli import main
from ftlib.models import load_model, load_tokenizer
from ftlib.testing import make_run

TEXTS = [
    {"text": "The river bends twice before it reaches the old mill by the bridge."},
    {"text": "Bread rises slowly in a cold kitchen; give it the whole night."},
]
TRAIN = [{"text": f"Line {n} of a plain text file, trained on every token."} for n in range(4)]
CHAT = {"messages": [{"role": "user", "content": "Name a river."}, {"role": "assistant", "content": "The Nile."}]}


# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 1
ADAPTER_SEED = 7


def hand_losses(model, tokenizer, texts) -> list[tuple[float, int]]:
    """(mean token loss, tokens scored) of each text as transformers computes a causal LM's loss: the text's tokens
    and the eos, labels = input ids (the model shifts them, so the first token is never predicted)."""
    out = []
    for text in texts:
        ids = torch.tensor([tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]])
        with torch.no_grad():
            out.append((float(model(input_ids=ids, labels=ids).loss), ids.shape[1] - 1))
    return out


def test_a_text_rows_loss_is_transformers_loss_of_the_whole_text_under_base_and_adapter(varied_dir, adapter_template):
    from peft import PeftModel

    model_set = M.load_model_set(str(varied_dir), [adapter_template.parent], device="cpu")
    result = E.evaluate(model_set, [*TEXTS, CHAT], model_set.tuned[0], max_new_tokens=4, batch_size=2)
    tokenizer = load_tokenizer(str(varied_dir))
    base = hand_losses(load_model(str(varied_dir), device="cpu").eval(), tokenizer, [r["text"] for r in TEXTS])
    tuned_model = PeftModel.from_pretrained(load_model(str(varied_dir), device="cpu"), str(adapter_template)).eval()
    tuned = hand_losses(tuned_model, tokenizer, [r["text"] for r in TEXTS])
    text_rows, chat_row = result.rows[:2], result.rows[2]
    for row, (base_loss, n), (tuned_loss, _) in zip(text_rows, base, tuned, strict=True):
        assert row.tokens == n
        assert row.base_loss == pytest.approx(base_loss, abs=1e-4)
        assert row.tuned_loss == pytest.approx(tuned_loss, abs=1e-4)
        assert abs(row.tuned_loss - row.base_loss) > 1e-3  # the adapter changes the numbers: no pass by accident
        assert row.is_text and row.base_output is None and row.tuned_output is None and row.prompt == ""
    assert [r.reference for r in text_rows] == [r["text"] for r in TEXTS]
    # The conversation beside them is still answered by both models.
    assert not chat_row.is_text and isinstance(chat_row.tuned_output, str) and chat_row.prompt == "Name a river."
    agg = result.aggregates()
    assert agg["text_rows"] == 2 and agg["rows"] == 3
    # The per-token view of a text row: every token but the first, the same losses as the row's.
    view = E.token_losses(model_set, TEXTS[0], model_set.tuned[0])
    assert view.scored[0] is False and sum(view.scored) == text_rows[0].tokens
    scored = [v for v in view.losses[model_set.tuned[0]] if v is not None]
    assert sum(scored) / len(scored) == pytest.approx(text_rows[0].tuned_loss, abs=1e-5)


def test_text_rows_are_measurable_before_any_model_loads():
    E.check_references(TEXTS)  # no error: a text row's every token is its reference
    with pytest.raises(E.EvalError, match="text row|reference"):
        E.check_references([{"prompt": [{"role": "user", "content": "Hi"}]}])


@pytest.fixture
def text_run(varied_dir, adapter_template):
    workspace.save_split("texts", TRAIN, TEXTS)
    return make_run(
        "20260101-000000-lora-texts", {"model": str(varied_dir), "dataset": "texts"}, adapter=adapter_template
    )


def test_the_cli_evaluates_a_text_run_on_every_token_of_its_held_out_texts(capsys, text_run, varied_dir):
    code = main(["evaluate", text_run.id, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    agg = json.loads(out.out)
    assert agg["rows"] == 2 and agg["text_rows"] == 2 and agg["skipped"] == 0
    assert (
        math.isfinite(agg["base_loss"]) and math.isfinite(agg["tuned_loss"]) and agg["base_loss"] != agg["tuned_loss"]
    )
    rows = agg["per_row"]
    assert [r["reference"] for r in rows] == [t["text"] for t in TEXTS]
    assert all(r["base_output"] is None and r["tuned_output"] is None for r in rows)
    assert "note: Text rows have no prompt and no answer" in out.err  # stdout stays one JSON object
    code = main(["evaluate", text_run.id])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "text rows (scored on every token, not answered): 2\n" in out.out and "no answers are generated" in out.out


def test_the_evaluate_page_scores_a_text_run_as_the_cli_does(capsys, text_run, varied_dir):
    from tests.test_pages_compare import button, open_page, run_until_done

    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("Text has no prompt, so no answers are generated" in c.value for c in at.caption)
    assert not [s for s in at.slider if s.label == "Max new tokens per answer"]  # nothing is answered: no length
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    shown = {m.label: m.value for m in at.metric}
    assert "per token of the held-out texts" in next(m for m in at.metric if m.label == "Base loss").help
    assert main(["evaluate", text_run.id, "--json"]) == 0
    agg = json.loads(capsys.readouterr().out)
    assert (shown["Base loss"], shown["Tuned loss"]) == (f"{agg['base_loss']:.3f}", f"{agg['tuned_loss']:.3f}")
    assert not [h for h in at.subheader if h.value == "Side by side"]  # no answers to set side by side
    assert not at.warning  # no "answers show nothing" for rows that were never answered
    assert any("Every token of the text is scored" in c.value for c in at.caption)  # the heatmap's note
    assert len(at.get("plotly_chart")) == 1
