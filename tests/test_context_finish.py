"""An answer ended by the model's context is told apart from one cut at max new tokens (helper 73).

The decoding loop ran a row past its model's context (`max_position_embeddings`) whenever the prompt and
max_new_tokens together passed it: a rotary model wrote from positions it never saw, and the row then read
finish_reason "length", so GRPO's notes said "raise the max answer length", which cannot let it finish. A row now ends
where its prompt and answer fill the context, with finish_reason "context" (`sampling.FINISH_REASONS`), and the
readers of it (the reward preview's and the live table's notes and marks, Compare's card) name that limit.
"""

from __future__ import annotations

from html import escape

import pytest
import torch

from ftlib import sampling as S
from ftlib.models import load_model, load_tokenizer

WORDS = "one two three four five six seven eight nine ten eleven twelve"


@pytest.fixture(scope="module")
def tok(varied_dir):
    return load_tokenizer(str(varied_dir))


@pytest.fixture
def model(varied_dir):
    """The varied tiny Llama, loaded for each test: its context is set smaller per test (the config is its own)."""
    return load_model(str(varied_dir), device="cpu", dtype="float32").eval()


def _ids(tok, words: int) -> tuple[int, ...]:
    ids = tuple(tok(" ".join(WORDS.split()[:words]), add_special_tokens=False)["input_ids"])
    assert len(ids) == words  # one token a word with SmolLM2's tokenizer
    return ids


def test_a_row_the_context_ends_reads_context_and_a_row_at_max_new_tokens_length(tok, model):
    short, long, exact = _ids(tok, 3), _ids(tok, 9), _ids(tok, 6)
    rows = [S.GenRow(short), S.GenRow(long), S.GenRow(exact)]
    free = S.generate(model, tok, rows, max_new_tokens=6, stop_ids=set())  # the 2,048-token context: never reached
    assert [r.finish_reason for r in free] == ["length"] * 3
    model.config.max_position_embeddings = 12  # room: 9, 3 and 6 new tokens
    cut = S.generate(model, tok, rows, max_new_tokens=6, stop_ids=set())
    assert [len(r.ids) for r in cut] == [6, 3, 6]
    # The long row filled the context (9 + 3 = 12); the third got all it asked for, and the context is full too.
    assert [r.finish_reason for r in cut] == ["length", "context", "length"]
    assert cut[1].ids == free[1].ids[:3] and cut[0].ids == free[0].ids and cut[2].ids == free[2].ids
    assert cut[1].text == tok.decode(cut[1].ids)  # the text held back for a next token is given at the end
    assert all(f in S.FINISH_REASONS for f in (r.finish_reason for r in cut))


def test_a_stop_token_at_the_contexts_last_place_reads_stop(tok, model):
    ids = _ids(tok, 9)
    model.config.max_position_embeddings = 12
    free = S.generate(model, tok, [S.GenRow(ids)], max_new_tokens=6, stop_ids=set())[0]
    ended = S.generate(model, tok, [S.GenRow(ids)], max_new_tokens=6, stop_ids={free.ids[-1]})[0]
    assert ended.ids == free.ids and ended.finish_reason == "stop"


def test_the_stream_marks_each_rows_last_token_with_why_it_ended(tok, model):
    model.config.max_position_embeddings = 10
    rows = [S.GenRow(_ids(tok, 8)), S.GenRow(_ids(tok, 2))]  # room 2 and 8 (of 5 asked)
    seen: dict[int, list] = {0: [], 1: []}
    for events in S.generate_stream(model, tok, rows, max_new_tokens=5, stop_ids=set()):
        for i, info in events:
            seen[i].append(info)
    assert [len(seen[0]), len(seen[1])] == [2, 5]  # the first row is not yielded after its context is full
    assert [t.end for t in seen[0]] == ["", "context"] and [t.end for t in seen[1]] == ["", "", "", "", "length"]
    assert "end" not in seen[0][-1].as_dict()  # the sample command's JSON keeps its keys (finish_reason says it)


def test_a_prompt_that_fills_the_context_is_refused_naming_it(tok, model):
    model.config.max_position_embeddings = 9
    with pytest.raises(S.SamplingError, match=r"Row 1's prompt is 9 tokens: it fills the model's context of 9"):
        S.generate(model, tok, [S.GenRow(_ids(tok, 3)), S.GenRow(_ids(tok, 9))], max_new_tokens=4, stop_ids=set())


def test_a_model_with_learned_positions_decodes_beside_a_row_its_context_ended(tok):
    """GPT-2 looks each position up in a table of `n_positions` rows: a row the context ended, still fed (padded)
    beside the others, must not be given a position past the table (an IndexError before its position was held)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tok), n_positions=12, n_embd=32, n_layer=1, n_head=2)
    gpt2 = GPT2LMHeadModel(config).eval()
    assert S.context_window(gpt2) == 12  # GPT-2's n_positions, read as max_position_embeddings
    rows = [S.GenRow(_ids(tok, 10)), S.GenRow(_ids(tok, 2))]
    out = S.generate(gpt2, tok, rows, max_new_tokens=8, stop_ids=set())
    assert [(len(r.ids), r.finish_reason) for r in out] == [(2, "context"), (8, "length")]
    alone = S.generate(gpt2, tok, rows[1:], max_new_tokens=8, stop_ids=set())[0]
    assert out[1].ids == alone.ids  # the ended row's held position changed nothing for its neighbour


def test_context_window_is_none_where_a_config_names_none():
    class Model:
        config = type("Config", (), {"max_position_embeddings": None})()

    assert S.context_window(Model()) is None and S.context_window(object()) is None


# ---------------------------------------------------------------- GRPO: the reward preview, the run's log, its notes


def _prompt_lengths(model_dir, config, rows) -> list[int]:
    from ftlib.alignment import training_rows
    from ftlib.templates import get_template
    from ftlib.tokens import encode_rows

    tokenizer = load_tokenizer(str(model_dir))
    template = get_template(config.template, tokenizer=tokenizer)
    encoded = encode_rows(training_rows(rows, "grpo")[0], tokenizer, template, config.mask_policy, config.max_length)
    return [len(e.input_ids) for e in encoded]


GRPO_PROMPTS = [
    {"prompt": [{"role": "user", "content": "What is 2 + 2?"}]},
    {"prompt": [{"role": "user", "content": "What is 2 + 2? Say it in words, then in digits, then once more."}]},
]


def test_the_reward_preview_says_which_answers_the_context_cut(varied_model, monkeypatch):
    from ftlib.reward_preview import cut_note, preview_rewards
    from tests.test_grpo_cut_answers import _config, _stops

    model_dir = varied_model(3)
    config = _config(model_dir, grpo_max_new_tokens=4)
    short, long = _prompt_lengths(model_dir, config, GRPO_PROMPTS)
    assert long > short + 2
    model = load_model(str(model_dir), device="cpu")
    model.config.max_position_embeddings = long + 2  # the short prompt's answers reach 4 tokens, the long one's 2
    monkeypatch.setattr(S, "stop_token_ids", _stops("none"))
    rows = preview_rewards(model, load_tokenizer(str(model_dir)), config, GRPO_PROMPTS, prompts=2)
    assert [(r["at_limit"], r.get("at_context")) for r in rows] == [(True, None)] * 2 + [(True, True)] * 2
    note = cut_note(rows, 4, "above")
    assert note.startswith("✂ 2 of 4 answers stopped at the 4-token limit, not at their own end"), note
    assert "Raise **Max answer length (tokens)** above so the answers can finish." in note
    assert note.endswith(
        " 2 more stopped where the prompt and answer filled the model's context (“… [cut at the model's context]”): "
        "a longer answer length cannot let those finish; lower **Max length (tokens)** above so that every prompt "
        "leaves room for a whole answer (a longer prompt is then left out), or shorten those prompts."
    )
    only = cut_note(rows[2:], 4, "for the next run")
    assert only.startswith(
        "✂ 2 of 2 answers stopped where the prompt and answer filled the model's context, not at their own end "
        "(each ends “… [cut at the model's context]” in the table)."
    )
    assert "A longer **Max answer length (tokens)** cannot let them finish: lower **Max length (tokens)** for" in only
    assert "Raise" not in only


def test_a_grpo_run_logs_which_answers_the_context_cut(varied_model, tmp_path, monkeypatch):
    """The run's rollout logs `at_context` beside `at_limit`; completions.jsonl keeps both (the live table's)."""
    import json
    import shutil

    from ftlib.rundir import RunDir
    from ftlib.training import build_trainer
    from tests.test_grpo_cut_answers import _config, _stops

    model_dir = tmp_path / "small-context"
    shutil.copytree(varied_model(3), model_dir)
    config_file = model_dir / "config.json"
    config = _config(model_dir, grpo_max_new_tokens=4)
    short, long = _prompt_lengths(model_dir, config, GRPO_PROMPTS)
    config_file.write_text(json.dumps(json.loads(config_file.read_text()) | {"max_position_embeddings": long + 2}))
    monkeypatch.setattr(S, "stop_token_ids", _stops("none"))
    prepared = build_trainer(config, tmp_path / "run", rows=(GRPO_PROMPTS, []))
    prepared.trainer.train()
    step, rows = RunDir(tmp_path / "run").latest_completions()
    assert step == 1 and rows
    said = {(r["prompt"], r["at_limit"], r.get("at_context")) for r in rows}
    assert said <= {(p["prompt"][0]["content"], True, c) for p, c in zip(GRPO_PROMPTS, (None, True), strict=True)}
    assert {r["prompt"] for r in rows if r.get("at_context")} == {GRPO_PROMPTS[1]["prompt"][0]["content"]}


def test_a_flag_trl_logged_as_none_reads_as_unknown_not_as_not_cut():
    """TRL fills a column with None for the answers of a process that logged no value for it (`gather_object` of
    `[None] * len(prompts)`): `bool(None)` read those answers as "not cut"."""
    from ftlib.alignment import completion_rows
    from ftlib.reward_preview import cut_note

    logs = {
        "prompt": ['[{"role": "user", "content": "Hi"}]'] * 4,
        "completion": ["Hello", "Hel", "He", "Hey"],
        "rewards": {"r": [1.0, 0.0, 0.5, 1.0]},
        "advantages": [0.5, -0.5, 0.0, 0.5],
        "extra": {"at_limit": [False, True, None, True], "at_context": [False, False, None, True]},
    }
    rows = completion_rows(logs, {"r": 1.0})
    assert [(r.get("at_limit"), r.get("at_context")) for r in rows] == [
        (False, None),
        (True, None),
        (None, None),  # unknown: no flag at all, as a row written before flags were recorded
        (True, True),
    ]
    assert "at_limit" not in rows[2]
    note = cut_note(rows, 8, "for the next run")
    assert note.startswith("✂ 1 of 3 answers stopped at the 8-token limit")  # of the 3 known, not of 4
    assert " 1 more stopped where the prompt and answer filled the model's context" in note


# ---------------------------------------------------------------- the pages' words


def test_compares_card_and_job_name_the_context_as_the_limit(model_set):
    from ftlib import modelset as M
    from ui.compare_view import token_html

    cut = [S.TokenInfo(5, "Hi", 0.9, 1.0, []), S.TokenInfo(6, " there", 0.8, 1.0, [], end="context")]
    assert "… (the model's context is full)</span>" in token_html(cut, "context")
    assert "max new tokens" not in token_html(cut, "context")
    assert "… (max new tokens)</span>" in token_html(cut, "length")
    job = M.GenerationJob(model_set, [S.GenRow((1, 2, 3))] * 2, max_new_tokens=5)  # not started: its tokens set here
    job.tokens = [cut, cut[:1]]
    assert [job.finish_reason(0), job.finish_reason(1)] == ["context", ""]
    assert job.progress().finished == 1 and job.progress().max_tokens == 2 + 5  # the ended row counts what it wrote


# Two answers to one prompt: one finished, one the model's context cut.
ANSWERS = [
    {"prompt": "What is 1 + 1?", "answer": a, "regex": 1.0, "total": 1.0, "advantage": 0.0} | flags
    for a, flags in [("The sum is 2", {"at_limit": False}), ("The sum is", {"at_limit": True, "at_context": True})]
]


def test_the_live_table_marks_an_answer_the_context_cut(tiny_model_dir, monkeypatch):
    from tests.test_grpo_cut_answers import _run_with

    at, table, _ = _run_with(ANSWERS, "20261206-120000-grpo-context", tiny_model_dir, monkeypatch)
    assert list(table.value.columns) == ["prompt", "answer", "regex", "total", "advantage", "cut"]  # no at_context
    assert list(table.value["answer"]) == ["The sum is 2", "The sum is … [cut at the model's context]"]
    assert list(table.value["cut"]) == ["", "✂"]
    said = [w.value for w in at.warning if w.value.startswith("✂")]
    assert len(said) == 1 and said[0].startswith("✂ 1 of 2 answers stopped where the prompt and answer filled")
    assert "lower **Max length (tokens)** for the next run" in said[0] and "Raise" not in said[0]


def test_the_reward_preview_marks_an_answer_the_context_cut(tiny_model_dir, monkeypatch):
    from ftlib import reward_preview
    from tests.test_pages_alignment import _grpo_page

    monkeypatch.setattr(reward_preview, "preview_rewards", lambda *args, **kwargs: ANSWERS)
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "[0-9]"}]').run()
    at.button(key="grpo_preview_button").click().run()
    assert at.session_state["grpo_preview"][1].wait(timeout=120)
    at.run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if w.value.startswith("✂")]
    assert len(said) == 1 and "filled the model's context" in said[0]
    assert "lower **Max length (tokens)** above" in said[0]
    body = next(h.proto.body for h in at.get("html") if "<th>advantage</th>" in h.proto.body)
    assert escape("The sum is … [cut at the model's context]") in body and "at_context" not in body
