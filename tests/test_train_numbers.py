"""A run records the tokens it trains beside those it reads (walk 9 F3): TRL logs only the tokens read."""

from __future__ import annotations

import json

from ftlib import runs
from ftlib.models import load_tokenizer
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from ftlib.worker import execute
from tests.test_training import SFT_ROWS, tiny_config


def test_a_run_records_the_tokens_it_trains_beside_those_it_reads(tiny_model_dir, tmp_path):
    """Over one pass of the rows, the trained tokens logged are the labels our encoder marks (not -100), counted
    independently of the trainer; the tokens read are every token of the rows, prompt and answer."""
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    # 8 rows, 2 a step: 4 steps are one pass over every row, whichever order they come in.
    config = tiny_config(tiny_model_dir, method="lora", max_steps=4, dataset=str(data), test_size=0)
    run_id = runs.create_run(config)
    assert execute(runs.find(run_id).path) == "finished"
    train = [r for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]

    tokenizer = load_tokenizer(str(tiny_model_dir))
    template = get_template(config.template, tokenizer)
    encoded = [encode_row(r, tokenizer, template, config.mask_policy, config.max_length) for r in SFT_ROWS]
    trained = sum(label != -100 for e in encoded for label in e.labels)
    read = sum(len(e.input_ids) for e in encoded)
    assert 0 < trained < read  # sentinel: the prompts are masked, so the two counts differ
    assert [r["step"] for r in train] == [1, 2, 3, 4]
    assert (train[-1]["trained_tokens"], train[-1]["tokens"]) == (trained, read)
    assert all(0 < r["trained_tokens_per_s"] < r["tokens_per_s"] for r in train)
