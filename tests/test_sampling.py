"""ftlib.sampling against references: transformers' generate and logits warpers, PEFT's single-adapter models.

The tiny model's weights are re-drawn with a large spread so that its greedy outputs vary from token to
token (a freshly initialised tiny Llama repeats one token, which would let a broken loop pass).
"""

from __future__ import annotations

import json
import re

import pytest
import torch
from transformers import (
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from ftlib import modelset as M
from ftlib import next_token as N
from ftlib import sampling as S
from ftlib.models import load_model, load_tokenizer
from ftlib.testing import make_random_adapter, make_run

PROMPTS = ["Tell me a story about a dragon.", "Hi", "What is 2 + 2? Answer briefly, please, and explain."]
SAMPLED = [
    S.DecodingSetting(temperature=0.7),
    S.DecodingSetting(temperature=1.3, top_k=40),
    S.DecodingSetting(temperature=0.9, top_p=0.8),
    S.DecodingSetting(temperature=1.0, top_k=25, top_p=0.95),
    S.DecodingSetting(temperature=1.2, min_p=0.1),
    S.DecodingSetting(temperature=0.9, top_p=0.9, min_p=0.05, repetition_penalty=1.3),
]


# The seed of this module's `varied_dir` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 0


@pytest.fixture(scope="module")
def tok(varied_dir):
    return load_tokenizer(str(varied_dir))


@pytest.fixture(scope="module")
def base(varied_dir):
    return load_model(str(varied_dir), device="cpu").eval()


@pytest.fixture(scope="module")
def runs(varied_dir, tmp_path_factory):
    """Two finished-run-like directories, each with a random LoRA adapter under adapter/."""
    root = tmp_path_factory.mktemp("runs")
    for i, name in enumerate(("alpha", "beta"), start=1):
        make_random_adapter(str(varied_dir), root / name / "adapter", seed=i, b_std=0.5)
    return root


@pytest.fixture(scope="module")
def model_set(varied_dir, runs):
    return M.load_model_set(str(varied_dir), [runs / "alpha", runs / "beta"], device="cpu")


def _ids(tok, text):
    return tuple(S.render_prompt(tok, text)[1])


def _reference(model, ids, setting, seed, max_new_tokens, stop=(2,)):
    """transformers' own generate for one prompt: greedy, or sampled from the row's seed."""
    x = torch.tensor([list(ids)])
    kwargs = (
        {"do_sample": False}
        if setting.greedy
        else {
            # top_k=0 is "off" in transformers too; without it generate would apply its default top_k=50.
            "do_sample": True,
            "temperature": setting.temperature,
            "top_k": setting.top_k,
            "top_p": setting.top_p,
            "min_p": setting.min_p or None,
        }
    )
    if setting.repetition_penalty != 1:
        kwargs["repetition_penalty"] = setting.repetition_penalty
    torch.manual_seed(S.row_seed(seed, setting))
    out = model.generate(
        input_ids=x,
        attention_mask=torch.ones_like(x),
        max_new_tokens=max_new_tokens,
        eos_token_id=list(stop),
        pad_token_id=2,
        **kwargs,
    )
    ids_out = out[0, x.shape[1] :].tolist()
    for j, t in enumerate(ids_out):  # generate pads finished rows; keep up to and with the stop token
        if t in stop:
            return ids_out[: j + 1]
    return ids_out


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": -0.5}, "temperature must be"),
        ({"temperature": float("nan")}, "temperature must be"),
        ({"top_k": -1}, "top_k must be"),
        ({"top_k": 2.5}, "top_k must be"),
        ({"top_p": 0.0}, "top_p must be above 0"),
        ({"top_p": 1.5}, "top_p must be above 0"),
        ({"temperature": 0, "top_p": 0.9}, "temperature 0 means greedy"),
        ({"temperature": 0, "top_k": 5}, "temperature 0 means greedy"),
        ({"temperature": 0, "min_p": 0.1}, "temperature 0 means greedy"),
        ({"min_p": -0.1}, "min_p must be"),
        ({"min_p": 1.0}, "min_p must be"),
        ({"repetition_penalty": 0.0}, "repetition_penalty must be above 0"),
        ({"repetition_penalty": 11}, "repetition_penalty must be above 0"),
        ({"repetition_penalty": float("nan")}, "repetition_penalty must be"),
    ],
)
def test_invalid_settings_name_the_field(kwargs, message):
    with pytest.raises(S.SamplingError, match=message):
        S.DecodingSetting(**kwargs)


@pytest.mark.parametrize(
    "text, temperature, top_k, top_p",
    [
        ("greedy", 0.0, 0, 1.0),
        ("temperature=0", 0.0, 0, 1.0),
        ("temperature=0.8,top_p=0.9", 0.8, 0, 0.9),
        ("t=1.3, k=40", 1.3, 40, 1.0),
        ("balanced", 0.7, 0, 0.9),
    ],
)
def test_parse_setting(text, temperature, top_k, top_p):
    s = S.parse_setting(text)
    assert (s.temperature, s.top_k, s.top_p) == (temperature, top_k, top_p)
    assert s.greedy == (temperature == 0)


@pytest.mark.parametrize(
    "text, message",
    [
        ("temperature=hot", "is not a number"),
        ("beam=4", "temperature, top_k, top_p, min_p, repetition_penalty"),
        ("t=0,min_p=0.1", "no effect"),
        ("top_p", "key=value"),
        ("", "Empty decoding setting"),
        ("balanced,t=0,top_p=0.9", "no effect"),  # the user's own filter on a greedy setting is still refused
        ("temperature=0.8 top_p=0.9", "Separate them with commas"),  # a cold review: "'0.8 top_p=0.9' is not a number"
        ("temperature=0.8;top_p=0.9", "Separate them with commas"),
    ],
)
def test_parse_setting_errors(text, message):
    with pytest.raises(S.SamplingError, match=message):
        S.parse_setting(text)


@pytest.mark.parametrize("value", [0, S.MAX_NEW_TOKENS + 1, 2.0, "64", True])
def test_max_new_tokens_outside_whole_numbers_from_1_is_refused(value):
    """True was taken as 1 token (a bool is an int to Python)."""
    with pytest.raises(S.SamplingError, match="max_new_tokens must be a whole number"):
        S.check_max_new_tokens(value)


def test_a_preset_made_greedy_drops_its_own_filters():
    """A cold review: `balanced,temperature=0` was refused for a top_p the user never typed (the preset's)."""
    assert S.parse_setting("balanced,temperature=0").as_dict() == S.parse_setting("greedy").as_dict() | {
        "name": "balanced,temperature=0"
    }


@pytest.mark.parametrize(
    "text, key",
    [
        ("t=0.8,minp=0.05", "temperature=0.8,min_p=0.05"),
        ("repeat_penalty=1.2", "temperature=1,repetition_penalty=1.2"),
        ("temperature=0,rep_penalty=1.15", "temperature=0,repetition_penalty=1.15"),
        ("temperature=0.7,top_k=40,top_p=0.9,min_p=0.02,repetition_penalty=0.9", None),
    ],
)
def test_min_p_and_repetition_penalty_settings_read_and_round_trip(text, key):
    """A setting's key is read back into the same values (the seed is made from it), and a greedy one with a
    repetition penalty stays greedy: the penalty applies before the argmax, as in `generate`."""
    setting = S.parse_setting(text)
    assert setting.key == (key or text)
    assert S.parse_setting(setting.key).as_dict() == {**setting.as_dict(), "name": setting.key}
    assert setting.greedy == text.startswith("temperature=0,")


def test_row_seed_is_stable_and_ignores_the_display_name():
    a = S.DecodingSetting(temperature=0.8, top_p=0.9)
    # A fixed value: a switch to Python's salted hash() would break reproducibility across processes.
    assert S.row_seed(0, a) == 914791377
    assert S.row_seed(0, S.DecodingSetting(temperature=0.8, top_p=0.9, name="mine")) == S.row_seed(0, a)
    assert S.row_seed(1, a) != S.row_seed(0, a)
    assert S.row_seed(0, S.DecodingSetting(temperature=0.8)) != S.row_seed(0, a)
    # min-p and the repetition penalty left at "off" keep every older setting's key, and so its samples.
    assert S.DecodingSetting(temperature=0.8, top_p=0.9, min_p=0.0, repetition_penalty=1.0).key == a.key
    assert S.row_seed(0, S.DecodingSetting(temperature=0.8, top_p=0.9, min_p=0.05)) != S.row_seed(0, a)


# ---------------------------------------------------------------- logits processing vs transformers


def _transformers_process(row_logits, temperature, top_k, top_p, min_p=0.0):
    scores = row_logits[None].clone()
    if temperature != 1.0:
        scores = TemperatureLogitsWarper(temperature)(None, scores)
    if top_k:
        scores = TopKLogitsWarper(top_k)(None, scores)
    if top_p < 1.0:
        scores = TopPLogitsWarper(top_p)(None, scores)
    if min_p:
        scores = MinPLogitsWarper(min_p)(None, scores)
    return scores[0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_process_logits_matches_transformers_warpers_row_by_row(seed):
    gen = torch.Generator().manual_seed(seed)
    rows, vocab = 8, 300
    logits = torch.randn(rows, vocab, generator=gen) * 3
    logits[:, 10:14] = logits[:, 10:11]  # ties: top-k keeps every token tied with the k-th
    temps = [0.5, 1.0, 1.7, 0.8, 1.0, 2.5, 0.3, 1.0]
    ks = [0, 5, 0, 12, 300, 1, 40, 0]
    ps = [1.0, 1.0, 0.9, 0.5, 0.99, 1.0, 0.7, 1.0]
    ours = S.process_logits(logits, torch.tensor(temps), torch.tensor(ks), torch.tensor(ps))
    for i in range(rows):
        ref = _transformers_process(logits[i], temps[i], ks[i], ps[i])
        assert torch.equal(torch.isinf(ours[i]), torch.isinf(ref)), f"row {i}: different kept sets"
        kept = torch.isfinite(ref)
        torch.testing.assert_close(ours[i][kept], ref[kept])
    kept_counts = torch.isfinite(ours).sum(-1)
    assert kept_counts[0] == vocab and kept_counts[5] == 1 and 0 < kept_counts[3] <= 12

    # min-p after the others, per row (0 = off), against MinPLogitsWarper.
    mins = [0.0, 0.2, 0.05, 0.5, 0.1, 0.3, 0.0, 0.9]
    ours = S.process_logits(logits, torch.tensor(temps), torch.tensor(ks), torch.tensor(ps), torch.tensor(mins))
    for i in range(rows):
        ref = _transformers_process(logits[i], temps[i], ks[i], ps[i], mins[i])
        assert torch.equal(torch.isinf(ours[i]), torch.isinf(ref)), f"row {i}: different kept sets under min-p"
        torch.testing.assert_close(ours[i][torch.isfinite(ref)], ref[torch.isfinite(ref)])
    assert torch.isfinite(ours).sum(-1)[2] < kept_counts[2]  # min-p removed some of what top-p kept


def test_repetition_penalty_matches_transformers_processor():
    gen = torch.Generator().manual_seed(4)
    logits = torch.randn(3, 50, generator=gen) * 3
    history = torch.tensor([[1, 5, 5, 7, 30], [2, 2, 2, 2, 2], [0, 49, 10, 11, 12]])
    seen = torch.zeros(3, 50, dtype=torch.bool).scatter_(1, history, True)
    for penalty in (1.3, 0.7):
        ref = RepetitionPenaltyLogitsProcessor(penalty)(history, logits.clone())
        torch.testing.assert_close(S.penalize_repeats(logits, seen, penalty), ref)
    ours = S.penalize_repeats(logits, seen, torch.tensor([1.5, 1.0, 2.0]))  # per row; 1 is off
    assert torch.equal(ours[1], logits[1]) and not torch.equal(ours[0], logits[0])
    assert bool((ours[0][seen[0]] < logits[0][seen[0]]).all())  # a penalty > 1 makes every seen token less likely


def test_next_token_view_reports_each_filter(tok):
    gen = torch.Generator().manual_seed(7)
    logits = torch.randn(len(tok), generator=gen) * 4
    setting = S.DecodingSetting(temperature=0.7, top_k=10, top_p=0.6)
    view = N.next_token_view(logits, tok, setting, top_n=30)
    probs = logits.softmax(-1)
    assert view.rows[0].id == int(logits.argmax())
    assert view.kept_after_top_k == 10
    assert 1 <= view.kept_after_top_p < 10
    final = S.process_logits(logits[None], 0.7, 10, 0.6)[0].softmax(-1)
    for r in view.rows:
        assert r.prob == pytest.approx(float(probs[r.id]), rel=1e-5)
        assert r.prob_temperature == pytest.approx(float((logits / 0.7).softmax(-1)[r.id]), rel=1e-5)
        assert r.final_prob == pytest.approx(float(final[r.id]), rel=1e-5, abs=1e-12)
        assert r.kept_top_p <= r.kept_top_k  # top-p only removes what top-k kept
    assert sum(r.final_prob for r in view.rows) == pytest.approx(1.0, rel=1e-5)
    assert sum(r.kept_top_k for r in view.rows) == 10
    greedy = N.next_token_view(logits, tok, S.GREEDY, top_n=5)
    assert greedy.kept_after_top_p == 1 and greedy.rows[0].final_prob == 1.0
    assert all(r.final_prob == 0.0 for r in greedy.rows[1:])


# ---------------------------------------------------------------- generation vs transformers' generate


def test_greedy_rows_equal_generate_token_for_token(tok, base):
    # Prompts of different lengths share a left-padded batch with sampled rows beside them.
    rows = [S.GenRow(_ids(tok, p), s) for p in PROMPTS for s in (S.GREEDY, SAMPLED[0])]
    results = S.generate(base, tok, rows, max_new_tokens=12, seed=0, stop_ids={2})
    for r in results:
        if r.row.setting.greedy:
            ref = _reference(base, r.row.input_ids, r.row.setting, 0, 12)
            assert len(set(ref)) > 6  # the varied model does not just repeat itself
            assert r.ids == ref


@pytest.mark.parametrize("penalty", [0.5, 1.5])
def test_greedy_rows_with_a_repetition_penalty_equal_generate(tok, base, penalty):
    """The penalty applies to greedy decoding too, over the prompt's tokens and the answer's so far, never to the
    left padding a shorter prompt gets in the batch. Below 1 it favours seen tokens: the varied model, which never
    picks a token twice, then takes some again, so a loop that ignored the penalty could not pass."""
    penalized = S.DecodingSetting(temperature=0, repetition_penalty=penalty)
    rows = [S.GenRow(_ids(tok, p), s) for p in PROMPTS for s in (penalized, S.GREEDY, SAMPLED[-1])]
    results = S.generate(base, tok, rows, max_new_tokens=12, seed=0, stop_ids={2})
    plain = {r.row.input_ids: r.ids for r in results if r.row.setting == S.GREEDY}
    changed = 0
    for r in results:
        if r.row.setting == penalized:
            assert r.ids == _reference(base, r.row.input_ids, penalized, 0, 12)
            changed += r.ids != plain[r.row.input_ids]
    if penalty < 1:
        assert changed


def test_next_token_view_applies_the_penalty_to_the_prompt_and_min_p_last(tok):
    gen = torch.Generator().manual_seed(8)
    logits = torch.randn(len(tok), generator=gen) * 4
    prompt = torch.topk(logits, 3).indices.tolist()  # the three most likely tokens are in the prompt
    setting = S.DecodingSetting(temperature=0.8, top_p=0.95, min_p=0.1, repetition_penalty=2.0)
    view = N.next_token_view(logits, tok, setting, prompt, top_n=40)
    seen = torch.zeros(1, len(tok), dtype=torch.bool)
    seen[0, prompt] = True
    scores = S.process_logits(S.penalize_repeats(logits[None], seen, 2.0), 0.8, 0, 0.95, 0.1)[0]
    final = scores.softmax(-1)
    for r in view.rows:
        assert r.final_prob == pytest.approx(float(final[r.id]), rel=1e-5, abs=1e-12)
        assert r.repeated == (r.id in prompt) and r.kept_min_p == bool(torch.isfinite(scores[r.id]))
        assert r.kept_min_p <= r.kept_top_p <= r.kept_top_k
    assert view.kept_after_min_p == int(torch.isfinite(scores).sum()) < view.kept_after_top_p
    assert view.rows[0].id == prompt[0] and view.rows[0].final_prob < float(logits.softmax(-1)[prompt[0]])


@pytest.mark.parametrize("setting", SAMPLED, ids=lambda s: s.key)
def test_sampled_row_equals_generate_with_the_row_seed(tok, base, setting):
    ids = _ids(tok, PROMPTS[0])
    ours = S.generate(base, tok, [S.GenRow(ids, setting)], max_new_tokens=10, seed=5, stop_ids={2})[0]
    assert ours.ids == _reference(base, ids, setting, 5, 10)


def test_same_seed_same_sample_independent_of_batch_neighbours(tok, base):
    ids = _ids(tok, PROMPTS[0])
    row = S.GenRow(ids, SAMPLED[1])
    alone = S.generate(base, tok, [row], max_new_tokens=10, seed=11)[0].ids
    again = S.generate(base, tok, [row], max_new_tokens=10, seed=11)[0].ids
    crowd = [S.GenRow(_ids(tok, PROMPTS[2]), SAMPLED[0]), row, S.GenRow(_ids(tok, PROMPTS[1]), SAMPLED[2])]
    in_batch = S.generate(base, tok, crowd, max_new_tokens=10, seed=11)[1].ids
    other_seed = S.generate(base, tok, [row], max_new_tokens=10, seed=12)[0].ids
    assert alone == again == in_batch
    assert other_seed != alone


def test_rows_stop_at_their_stop_token(tok, base):
    ids = _ids(tok, PROMPTS[0])
    free = S.generate(base, tok, [S.GenRow(ids)], max_new_tokens=10, stop_ids=set())[0]
    assert free.finish_reason == "length" and len(free.ids) == 10
    stop = free.ids[3]
    other = S.GenRow(_ids(tok, PROMPTS[1]))
    res = S.generate(base, tok, [S.GenRow(ids), other], max_new_tokens=10, stop_ids={stop})
    assert res[0].ids == free.ids[:4] == _reference(base, ids, S.GREEDY, 0, 10, stop=(stop,))
    assert res[0].finish_reason == "stop" and res[0].tokens[-1].stop
    assert res[0].tokens[-1].text == ""  # the stop token is not part of the reply's text
    assert res[0].text == tok.decode(free.ids[:3])


def test_token_probabilities_and_alternatives_match_a_full_forward(tok, base):
    ids = _ids(tok, PROMPTS[2])
    r = S.generate(base, tok, [S.GenRow(ids)], max_new_tokens=6, stop_ids=set(), top_alternatives=4)[0]
    full = torch.tensor([list(ids) + r.ids[:-1]])
    with torch.no_grad():
        probs = base(full).logits[0, len(ids) - 1 :].softmax(-1)
    for step, info in enumerate(r.tokens):
        assert info.prob == pytest.approx(float(probs[step, info.id]), rel=1e-4)
        assert info.sample_prob == 1.0
        assert len(info.alternatives) == 4
        assert info.alternatives[0][1] == pytest.approx(info.prob)  # greedy took the most likely token
        assert info.alternatives[0][0] == info.piece == S.token_text(tok, info.id)  # named as its alternatives are
        assert [p for _, p in info.alternatives] == sorted((p for _, p in info.alternatives), reverse=True)


def test_sampled_token_sample_prob_is_from_the_filtered_distribution(tok, base):
    setting = S.DecodingSetting(temperature=1.0, top_k=3)
    r = S.generate(base, tok, [S.GenRow(_ids(tok, PROMPTS[0]), setting)], max_new_tokens=8, stop_ids=set())[0]
    for info in r.tokens:
        top3 = sum(p for _, p in info.alternatives[:3])
        assert info.sample_prob == pytest.approx(info.prob / top3, rel=1e-4)


def test_stream_yields_one_token_per_running_row_per_step(tok, base):
    rows = [S.GenRow(_ids(tok, p)) for p in PROMPTS]
    first = S.generate(base, tok, rows[:1], max_new_tokens=8, stop_ids=set())[0]
    stops = {first.ids[2]}  # row 0 stops at step 3, the others run to the limit
    steps = list(S.generate_stream(base, tok, rows, max_new_tokens=8, stop_ids=stops))
    assert len(steps) == 8
    assert [i for i, _ in steps[0]] == [0, 1, 2]
    assert all(0 not in [i for i, _ in events] for events in steps[3:])


def test_a_suspended_or_closed_stream_leaves_its_callers_grad_mode_alone(tok, base):
    # Grad mode belongs to the thread: a stream that held inference mode across its yields left its caller in it.
    import torch

    stream = S.generate_stream(base, tok, [S.GenRow(_ids(tok, PROMPTS[0]))], max_new_tokens=8, stop_ids=set())
    next(stream)
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
    with torch.no_grad():
        next(stream)
        stream.close()
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_detokenizer_holds_back_half_characters(tok):
    text = "naïve café 日本語 🙂 done"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > len(text.split())  # several byte-level pieces
    detok = S._Detokenizer(tok)
    pieces = [detok.push(i) for i in ids]
    assert "".join(pieces) == text
    assert not any("\ufffd" in p for p in pieces)


# ---------------------------------------------------------------- mixed adapters vs PEFT's single-adapter models


def test_mixed_adapter_batch_equals_separate_runs(tok, varied_dir, runs, model_set):
    from peft import PeftModel

    ids = _ids(tok, PROMPTS[0])
    settings = [S.GREEDY, SAMPLED[2]]
    rows = S.grid_rows(ids, settings, ["base", "alpha", "beta"])
    assert len(rows) == 6 and model_set.names == ["base", "alpha", "beta"]
    results = {
        (r.row.adapter, r.row.setting): r.ids
        for r in S.generate(model_set.model, model_set.tokenizer, rows, max_new_tokens=10, seed=3)
    }
    for adapter in (None, "alpha", "beta"):
        fresh = load_model(str(varied_dir), device="cpu").eval()
        ref_model = fresh if adapter is None else PeftModel.from_pretrained(fresh, str(runs / adapter / "adapter"))
        for s in settings:
            assert results[(adapter, s)] == _reference(ref_model.eval(), ids, s, 3, 10)
    # The adapters really change the model (else this test could not fail).
    assert results[("alpha", S.GREEDY)] != results[(None, S.GREEDY)] != results[("beta", S.GREEDY)]


def test_unknown_adapter_and_adapter_on_plain_model_are_refused(tok, base, model_set):
    ids = _ids(tok, "Hi")
    with pytest.raises(S.SamplingError, match="Unknown adapter"):
        S.generate(model_set.model, tok, [S.GenRow(ids, adapter="gamma")], max_new_tokens=2)
    with pytest.raises(S.SamplingError, match="no adapters loaded"):
        S.generate(base, tok, [S.GenRow(ids, adapter="alpha")], max_new_tokens=2)


def test_find_adapter_layouts(runs, tmp_path):
    adapter = runs / "alpha" / "adapter"
    assert M.find_adapter(adapter) == adapter
    assert M.find_adapter(runs / "alpha") == adapter
    final = tmp_path / "run2" / "final"
    final.mkdir(parents=True)
    (final / "adapter_config.json").write_text("{}")
    (final / "adapter_model.safetensors").write_bytes(b"")
    assert M.find_adapter(tmp_path / "run2") == final
    other = tmp_path / "run3" / "lora-out"
    other.mkdir(parents=True)
    (other / "adapter_config.json").write_text("{}")
    (other / "adapter_model.safetensors").write_bytes(b"")
    (tmp_path / "run3" / "checkpoint-10").mkdir()
    (tmp_path / "run3" / "checkpoint-10" / "adapter_config.json").write_text("{}")
    assert M.find_adapter(tmp_path / "run3") == other  # checkpoints are not the final adapter
    (tmp_path / "empty").mkdir()
    with pytest.raises(S.SamplingError, match="Is the run finished"):
        M.find_adapter(tmp_path / "empty")
    with pytest.raises(S.SamplingError, match="not a directory"):
        M.find_adapter(tmp_path / "missing")


def test_a_pickled_adapter_is_refused_before_anything_unpickles_it(varied_dir, tmp_path, monkeypatch):
    """An adapter saved as adapter_model.bin (PEFT reads it with torch.load) is never loaded: the message says
    why and how to convert it."""
    import pickle

    import peft.utils.save_and_load as peft_io
    from safetensors.torch import load_file

    folder = tmp_path / "pickled"
    make_random_adapter(str(varied_dir), folder, seed=3)
    assert M.load_model_set(str(varied_dir), [folder], device="cpu").tuned == ["pickled"]  # safetensors: loads
    weights = load_file(str(folder / "adapter_model.safetensors"))
    (folder / "adapter_model.safetensors").unlink()
    with open(folder / "adapter_model.bin", "wb") as handle:
        pickle.dump(weights, handle)

    def unpickled(*args, **kwargs):
        raise AssertionError("an adapter was unpickled")

    monkeypatch.setattr(peft_io, "torch_load", unpickled)
    with pytest.raises(S.SamplingError, match=r"only pickled weights \(adapter_model.bin\).*safetensors only"):
        M.find_adapter(folder)
    with pytest.raises(S.SamplingError, match="only pickled weights"):
        M.load_model_set(str(varied_dir), [folder], device="cpu")
    with pytest.raises(S.SamplingError, match="only pickled weights"):
        M.find_tuned(tmp_path)  # a run folder holding it is refused too, not passed over for something else


def test_list_run_adapters_finds_finished_runs(runs, tmp_path):
    root = tmp_path / "runs"
    for name, state in (("done", "finished"), ("going", "running"), ("legacy", None)):
        make_run(name, {"template": "chatml"}, state=state, adapter=runs / "alpha" / "adapter", root=root)
    (root / "no-adapter").mkdir()
    found = {r.name: r for r in M.list_run_adapters(root)}
    # A run with no readable state is not offered as finished (a damaged status.json: runs list says what to do).
    assert sorted(found) == ["done"]
    assert found["done"].path == root / "done" / "adapter"
    assert (found["done"].model, found["done"].template) == ("default", "chatml")


@pytest.fixture(scope="module")
def full_run(varied_model, tmp_path_factory):
    """A finished full fine-tune as the Train page leaves it: runs/<id>/model with config, safetensors, tokenizer."""
    config = {"template": "chatml", "method": "full"}
    return make_run("fullft", config, model=varied_model(5), root=tmp_path_factory.mktemp("full-runs")).path


def test_full_fine_tunes_are_found_and_listed_beside_adapters(runs, full_run, tmp_path):
    import shutil

    assert M.find_tuned(full_run) == (full_run / "model", True)
    assert M.find_tuned(full_run / "model") == (full_run / "model", True)
    assert M.find_tuned(runs / "alpha") == (runs / "alpha" / "adapter", False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(S.SamplingError, match="Nor is there a full fine-tuned model"):
        M.find_tuned(tmp_path / "empty")
    root = tmp_path / "runs"
    shutil.copytree(full_run, root / "fullft")
    shutil.copytree(runs / "alpha", root / "lora")
    (root / "lora" / "status.json").write_text('{"state": "finished"}')  # a finished run's, with its settings
    (root / "lora" / "config.json").write_text('{"dataset": "d"}')
    found = {r.name: r for r in M.list_run_adapters(root)}
    assert (found["fullft"].full, found["fullft"].path, found["fullft"].template) == (
        True,
        root / "fullft" / "model",
        "chatml",
    )
    assert (found["lora"].full, found["lora"].path) == (False, root / "lora" / "adapter")


def test_a_full_fine_tune_decodes_in_its_own_loop_exactly_as_it_would_alone(
    tok, varied_dir, runs, full_run, varied_model
):
    model_set = M.load_model_set(str(varied_dir), [runs / "alpha", full_run], device="cpu")
    assert model_set.names == ["base", "alpha", "fullft"] and model_set.tuned == ["alpha", "fullft"]
    rows = S.grid_rows(_ids(tok, PROMPTS[0]), [S.GREEDY, SAMPLED[2]], model_set.names)
    alone = load_model(str(varied_model(5)), device="cpu").eval()
    expected = S.generate(model_set.model, tok, rows[:4], max_new_tokens=8, seed=3) + S.generate(
        alone, tok, [S.GenRow(r.input_ids, r.setting) for r in rows[4:]], max_new_tokens=8, seed=3
    )
    assert expected[4].ids != expected[0].ids  # the full fine-tune really is another model

    job = M.GenerationJob(model_set, rows, max_new_tokens=8, seed=3).start()
    assert job.wait(timeout=120) and job.error is None
    assert [[t.id for t in row] for row in job.snapshot()] == [r.ids for r in expected]
    results = M.generate_with_set(model_set, rows, max_new_tokens=8, seed=3)
    assert [r.ids for r in results] == [r.ids for r in expected]
    assert [r.row.adapter for r in results] == [None, None, "alpha", "alpha", "fullft", "fullft"]

    lm, adapter = model_set.route("fullft")
    assert adapter is None and lm is model_set.full_models["fullft"]
    assert torch.equal(
        N.next_token_logits(lm, rows[0].input_ids, adapter), N.next_token_logits(alone, rows[0].input_ids)
    )
    assert model_set.route("base") == (model_set.model, None)
    assert model_set.route("alpha") == (model_set.model, "alpha")


def test_a_full_fine_tune_that_cannot_load_is_explained(varied_dir, tmp_path):
    broken = tmp_path / "broken" / "model"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{}")
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(S.SamplingError, match="The model of 'broken' .* is damaged: model.safetensors is not a safe"):
        M.load_model_set(str(varied_dir), [broken.parent], device="cpu")  # refused before anything loads
    (broken / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")  # whole, but no weights
    with pytest.raises(S.SamplingError, match="Could not load the fine-tuned model 'broken'"):
        M.load_model_set(str(varied_dir), [broken.parent], device="cpu")  # transformers' refusal, said as ours
    # A sharded model missing a shard (a copy cut short): named before anything loads.
    (broken / "model.safetensors").unlink()
    index = {
        "metadata": {},
        "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"},
    }
    (broken / "model.safetensors.index.json").write_text(json.dumps(index))
    (broken / "model-00001-of-00002.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(S.SamplingError, match="is damaged: model-00002-of-00002.safetensors is missing"):
        M.load_model_set(str(varied_dir), [broken.parent], device="cpu")


# ---------------------------------------------------------------- prompts


def test_render_prompt_matches_the_tokenizer_template_without_double_bos(tok):
    messages = [{"role": "system", "content": "Be short."}, {"role": "user", "content": "Hi there"}]
    text, ids = S.render_prompt(tok, messages)
    ref = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert text == ref and text.endswith("<|im_start|>assistant\n")
    assert ids == tok(ref, add_special_tokens=False)["input_ids"]
    assert ids[0] == tok.convert_tokens_to_ids("<|im_start|>") and ids[1] != ids[0]
    with pytest.raises(S.SamplingError, match="must end with a user"):
        S.render_prompt(tok, [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])


def test_max_new_tokens_is_validated(tok, base):
    with pytest.raises(S.SamplingError, match="max_new_tokens"):
        S.generate(base, tok, [S.GenRow(_ids(tok, "Hi"))], max_new_tokens=0)


# ---------------------------------------------------------------- background job (what the page polls)


def test_generation_job_collects_the_same_tokens_and_can_be_cancelled(tok, model_set):
    rows = S.grid_rows(_ids(tok, PROMPTS[1]), [S.GREEDY, SAMPLED[3]], ["base", "alpha"])
    job = M.GenerationJob(model_set, rows, max_new_tokens=6, seed=2).start()
    assert job.wait(timeout=60) and job.error is None
    expected = S.generate(model_set.model, tok, rows, max_new_tokens=6, seed=2)
    assert [[t.id for t in row] for row in job.snapshot()] == [r.ids for r in expected]
    assert [job.finish_reason(i) for i in range(4)] == [r.finish_reason for r in expected]

    long = M.GenerationJob(model_set, rows[:1], max_new_tokens=S.MAX_NEW_TOKENS).start()
    long.cancel()
    assert long.wait(timeout=60)
    assert len(long.tokens[0]) < S.MAX_NEW_TOKENS and long.finish_reason(0) in ("cancelled", "stop")


def test_generation_job_reports_errors_instead_of_dying(tok, model_set):
    job = M.GenerationJob(model_set, [S.GenRow(_ids(tok, "Hi"), adapter="nope")]).start()
    assert job.wait(timeout=60)
    assert "Unknown adapter" in job.error


def test_a_preset_takes_changes_after_it():
    """A cold review: `--setting 'greedy,repetition_penalty=1.2'` was refused; a preset then changes is read."""
    setting = S.parse_setting("greedy,repetition_penalty=1.2")
    assert (
        setting.greedy
        and setting.key == "temperature=0,repetition_penalty=1.2"
        and setting.label == ("greedy,repetition_penalty=1.2")
    )
    assert S.parse_setting("creative, top_k=40").key == "temperature=1,top_k=40,top_p=0.95"
    with pytest.raises(S.SamplingError, match="would have no effect"):
        S.parse_setting("greedy,top_p=0.9")
    with pytest.raises(S.SamplingError, match="'1.5' is not a whole number"):
        S.parse_setting("top_k=1.5")


def test_the_next_token_view_refuses_a_prompt_past_the_context_as_the_grid_does(base):
    """A cold review: a 9,031-token prompt was refused by the grid and read by the next-token view, from positions
    the model never saw."""
    limit = base.config.max_position_embeddings
    assert N.next_token_logits(base, [1] * (limit - 1)).shape[0] == base.config.vocab_size  # room for one: read
    with pytest.raises(S.SamplingError, match=f"over the model's context of {limit} tokens"):
        N.next_token_logits(base, [1] * limit)


def test_detokenizer_decodes_a_long_answer_in_pieces_of_bounded_work(tok):
    """A review: every token decoded the row's whole answer again (20 ms a step for 32 rows at 1,024 tokens). The
    pieces still add up to the whole text; each decode reads a few ids."""
    text = "Gödel's café served 日本語 tea 🙂 at noon. " * 40
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > 400
    lengths = []

    class Counting:
        def decode(self, some, **kwargs):
            lengths.append(len(some))
            return tok.decode(some, **kwargs)

    detok = S._Detokenizer(Counting())
    pieces = [detok.push(i) for i in ids[:-1]]
    pieces.append(detok.push(ids[-1]) + detok.flush())
    assert "".join(pieces) == tok.decode(ids, clean_up_tokenization_spaces=False) == text
    assert not any("\ufffd" in p for p in pieces)
    assert max(lengths) <= 8, max(lengths)


def test_detokenizer_keeps_the_spaces_a_sentencepiece_style_tokenizer_strips_at_the_start():
    """Llama and Mistral tokenizers mark a word's space with "▁" and strip the space at the start of what they
    decode: decoding a few ids on their own would glue the words; each piece is decoded after its context."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    spm = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    spm.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    spm.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    bytes_ = [f"<0x{i:02X}>" for i in range(256)]
    spm.train_from_iterator(
        ["the cat sat on the mat with a hat", "hello world the end"] * 50,
        trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", *bytes_]),
    )
    tok = PreTrainedTokenizerFast(tokenizer_object=spm)
    text = "the cat sat on the mat é 日 hello world"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    detok = S._Detokenizer(tok)
    pieces = [detok.push(i) for i in ids]
    assert "".join(pieces) + detok.flush() == text == tok.decode(ids, clean_up_tokenization_spaces=False)
    assert " cat" in pieces and " hello" in pieces


def test_a_token_holding_part_of_a_character_is_named_by_its_bytes(smol_tokenizer):
    """Decoded alone, each byte piece of a split emoji or CJK character read '\\ufffd' (every candidate in Compare's
    card and next-token table alike, and alike the replacement character's own token). Each piece names its bytes
    (`<0xF0><0x9F>`), whole characters stay text, and the pieces of a row give its bytes back exactly."""
    text = "Hi 👋🏽 你好 é\ufffd"
    ids = smol_tokenizer.encode(text, add_special_tokens=False)
    pieces = [S.token_text(smol_tokenizer, i) for i in ids]
    assert "<0xF0><0x9F>" in pieces and "é" in "".join(pieces)
    assert pieces.count("\ufffd") == 1  # the replacement character's own token, and only it
    parts = re.split(r"<0x([0-9A-F]{2})>", "".join(pieces))  # text, a byte's hex, text, ...
    raw = b"".join(bytes.fromhex(p) if i % 2 else p.encode() for i, p in enumerate(parts))
    assert raw == text.encode()
