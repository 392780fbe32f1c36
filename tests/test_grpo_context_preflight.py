"""GRPO's prompts against the model's context, said before the run starts (helper 79).

Decoding now ends an answer where its prompt and it fill the model's context (finish_reason "context") and refuses a
prompt that already fills it (`sampling.generate_stream`'s SamplingError). The pre-flight left out GRPO prompts longer
than the max length only: with a max length at or above the context, a kept prompt of the context's length stopped the
run at the first step that sampled it, and prompts that left less room than the max answer length had their answers
cut at the context with nothing said before the run. Now the first is refused, naming the prompts, and the second
warned of, with the numbers and the fix (a lower max length; a longer max answer length cannot help).
"""

from __future__ import annotations

import json
import shutil

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.grpo_context import context_problems
from ftlib.run_preflight import preflight

# One word a token or so: prompts of clearly different lengths once the template has rendered them.
ROWS = [{"prompt": [{"role": "user", "content": " ".join(["word"] * k)}]} for k in (1, 5, 40, 3)]


@pytest.fixture
def short_model(tiny_model_dir, tmp_path):
    """`context(n)`: the tiny model's folder with its config.json's max_position_embeddings set to `n`."""
    target = shutil.copytree(tiny_model_dir, tmp_path / "short-context")

    def context(n: int) -> str:
        config = json.loads((target / "config.json").read_text())
        (target / "config.json").write_text(json.dumps({**config, "max_position_embeddings": n}))
        return str(target)

    return context


def grpo(model: str, **settings) -> RunConfig:
    given = {"max_length": 4096, "grpo_max_new_tokens": 16, "batch_size": 2, "grpo_group_size": 2, **settings}
    return RunConfig(model=model, dataset="x", method="grpo", rewards=[{"contains": "a"}], **given)


@pytest.fixture
def lengths(short_model, smol_tokenizer) -> list[int]:
    """Each of ROWS' prompts' tokens, as the run encodes it (the model's whole context of 2048: nothing said)."""
    config = grpo(short_model(2048))
    return [preflight(config, smol_tokenizer, rows=([row], [])).longest for row in ROWS]


def context_said(report) -> list[str]:
    return [m for m in report.errors + report.warnings if "context of" in m]


def test_a_kept_prompt_that_fills_the_context_is_refused_by_number_with_the_fix(short_model, smol_tokenizer, lengths):
    longest = max(lengths)
    assert lengths.index(longest) == 2 and sorted(lengths)[-2] < longest - 16  # only prompt 3 fills it
    config = grpo(short_model(longest))
    report = preflight(config, smol_tokenizer, rows=(ROWS, []))
    (said,) = [e for e in report.errors if "context" in e]  # GRPO's refusal alone, not the max length's too
    assert said.startswith(f"Training prompt 3 is {longest} tokens: it fills the model's whole context of {longest}")
    assert "leaving no room for an answer, so the run would stop where GRPO first asks for one" in said
    assert f"`max_length` 4096 lets it through: set `max_length` to {longest - 16} or less" in said
    # That fix keeps the run: prompt 3 is left out (said as ever), and no kept prompt's answer meets the context.
    fixed = preflight(grpo(config.model, max_length=longest - 16), smol_tokenizer, rows=(ROWS, []))
    assert fixed.ok and not context_said(fixed), fixed.errors
    assert "Training row 3 has a prompt longer than the max length" in " ".join(fixed.warnings)


def test_a_held_out_prompt_that_fills_the_context_is_refused_too(short_model, smol_tokenizer, lengths):
    """Evaluation answers the held-out prompts with the same decoding: one that fills the context stops it."""
    config = grpo(short_model(max(lengths)))
    report = preflight(config, smol_tokenizer, rows=(ROWS[:2] + ROWS[3:], [ROWS[0], ROWS[2]]))
    (said,) = [e for e in report.errors if "context" in e]
    assert said.startswith(f"Held-out prompt 2 is {max(lengths)} tokens: it fills the model's whole context")


def test_prompts_that_leave_less_room_than_the_answer_length_are_warned_of(short_model, smol_tokenizer, lengths):
    longest = max(lengths)
    config = grpo(short_model(longest + 5))  # prompt 3 leaves room for 5 of the 16 answer tokens
    report = preflight(config, smol_tokenizer, rows=(ROWS, ROWS[1:3]))
    assert report.ok, report.errors
    (said,) = context_said(report)
    assert said.startswith(
        f"1 of the 4 training prompts (prompt 3) and 1 of the 2 held-out prompts (prompt 2) are longer than "
        f"{longest - 11} tokens: with `grpo_max_new_tokens` 16, their answers are cut where the prompt and answer "
        f"fill the model's context of {longest + 5} tokens, not at 16 tokens (the longest prompt, {longest} tokens, "
        "leaves room for 5)."
    )
    assert f"A longer `grpo_max_new_tokens` cannot help: set `max_length` to {longest - 11} or less" in said
    # A longer answer length is cut the same; the fix named is what silences it.
    longer = preflight(grpo(config.model, grpo_max_new_tokens=64), smol_tokenizer, rows=(ROWS, []))
    assert context_said(longer)
    fixed = preflight(grpo(config.model, max_length=longest - 11), smol_tokenizer, rows=(ROWS, []))
    assert fixed.ok and not context_said(fixed)
    roomy = preflight(grpo(short_model(longest + 16)), smol_tokenizer, rows=(ROWS, ROWS))
    assert roomy.ok and not context_said(roomy)  # every prompt leaves room for all 16: nothing to say


def test_the_page_names_the_settings_by_their_boxes_labels(short_model, smol_tokenizer, lengths):
    from ui.labels import in_form_words

    report = preflight(grpo(short_model(max(lengths) + 5)), smol_tokenizer, rows=(ROWS, []))
    (said,) = context_said(report)
    shown = in_form_words(said)
    assert "A longer **Max answer length (tokens)** cannot help: set **Max length (tokens)** to" in shown


def test_an_answer_length_that_fills_the_context_alone_is_the_setting_to_lower():
    errors, warnings = context_problems(32, 4096, 40, [(1, 10), (2, 40)], [(1, 12)])
    (error,) = errors
    assert error.startswith("Training prompt 2 is 40 tokens: it fills the model's whole context of 32 tokens")
    assert "`grpo_max_new_tokens` 40 is the model's whole context or more: set it below 32" in error
    (warning,) = warnings
    assert warning.startswith("1 of the 2 training prompts (prompt 1) and the only held-out prompt (prompt 1) are")
    assert "(the longest prompt, 12 tokens, leaves room for 20)" in warning
    assert context_problems(None, 4096, 40, [(1, 5000)]) == ([], [])  # a model that names no context: nothing said


def test_train_refuses_such_a_prompt_in_one_error_line(tmp_path, capsys, short_model, lengths, no_training):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    model = short_model(max(lengths))
    args = ["train", "--method", "grpo", "--model", model, "--dataset", str(path), "--test-size", "0"]
    args += ["--max-length", "4096", "--grpo-max-new-tokens", "16", "--rewards", "[{contains: a}]", "--detach"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Training prompt 3 is ") and "whole context" in err[0], err
    assert runs.list_runs(refresh=False) == []


def test_what_is_said_is_what_the_rollout_meets(short_model, smol_tokenizer, lengths):
    """The prompts' ids are the rollout's own (`BatchedRollout` answers each encoding's input_ids): at a context of
    the longest prompt, decoding refuses it; at 5 more, its answer stops there, read "context"."""
    from ftlib import sampling
    from ftlib.models import load_model
    from ftlib.training import encode_for_training, run_template

    config = grpo(short_model(max(lengths)))
    encoded, _ = encode_for_training(ROWS, smol_tokenizer, run_template(config, smol_tokenizer), config)
    row = sampling.GenRow(tuple(encoded[2].input_ids))
    model = load_model(config.model, device="cpu", dtype="float32").eval()
    with pytest.raises(sampling.SamplingError, match="fills the model's context"):
        sampling.generate(model, smol_tokenizer, [row], max_new_tokens=16, stop_ids=set())
    model.config.max_position_embeddings = max(lengths) + 5
    (result,) = sampling.generate(model, smol_tokenizer, [row], max_new_tokens=16, stop_ids=set())
    assert (len(result.ids), result.finish_reason) == (5, "context")
