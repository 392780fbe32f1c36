"""`packing_strategy`: what packing does with a row longer than the max length (TRL's `SFTConfig.packing_strategy`).

"bfd" (TRL's default) cuts it there; "bfd_split" encodes it whole and lets TRL's packing split it into pieces of the
max length, so every token of a long document reaches a training row. A newcomer's raw-text run (documents far
longer than max_length) trained 35% of its file's tokens under "bfd".
"""

from __future__ import annotations

import json

import pytest
import torch

from ftlib.config import ConfigError, RunConfig
from ftlib.training import build_trainer
from tests.test_training import SFT_ROWS, tiny_config

WORDS = "river stone lantern harbour meadow copper violet thunder orchard glacier".split()
# Four documents of different lengths, three far past MAX (one more than three pieces), one short.
DOCS = [{"text": " ".join(WORDS[(i * k) % len(WORDS)] for k in range(n))} for i, n in enumerate((70, 9, 130, 45))]
MAX = 32


def split_config(model, **kw) -> RunConfig:
    base = dict(method="lora", packing=True, max_length=MAX, batch_size=2, epochs=1.0, max_steps=0, template="text")
    return tiny_config(model, **{**base, **kw})


def trained_in_rows(trainer) -> tuple[int, int]:
    """(input tokens, labels other than -100) over one epoch of the trainer's own dataloader."""
    tokens = trained = 0
    for batch in trainer.get_train_dataloader():
        # Packed rows come padding-free (one flattened row, no attention mask): every position is a real token.
        tokens += int(batch["attention_mask"].sum()) if "attention_mask" in batch else batch["input_ids"].numel()
        trained += int((batch["labels"] != -100).sum())
    return tokens, trained


def whole_documents(tokenizer) -> list:
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    return [encode_row(d, tokenizer, get_template("text", tokenizer), "everything", None) for d in DOCS]


def test_bfd_split_trains_every_token_of_every_document_and_bfd_cuts_them(tiny_model_dir, smol_tokenizer, tmp_path):
    docs = whole_documents(smol_tokenizer)
    assert sum(len(d.input_ids) > MAX for d in docs) == 3  # the documents are longer than the max length
    total = sum(len(d.input_ids) for d in docs)
    # Each piece's first token has nothing before it to be predicted from: the padding-free collator leaves its
    # label out (TRL: labels at position 0 are -100), one token a piece; every other token of every document trains.
    pieces = sum(-(-len(d.input_ids) // MAX) for d in docs)
    trained_whole = sum(sum(x != -100 for x in d.labels[1:]) for d in docs)
    split = build_trainer(split_config(tiny_model_dir, packing_strategy="bfd_split"), tmp_path / "s", rows=(DOCS, []))
    assert split.trainer.args.packing_strategy == "bfd_split"
    tokens, trained = trained_in_rows(split.trainer)
    assert tokens == total
    assert trained == trained_whole - (pieces - len(docs))
    cut = build_trainer(split_config(tiny_model_dir), tmp_path / "c", rows=(DOCS, []))
    assert cut.trainer.args.packing_strategy == "bfd"
    cut_tokens, cut_trained = trained_in_rows(cut.trainer)
    assert cut_tokens == sum(min(len(d.input_ids), MAX) for d in docs) < total
    assert cut_trained < trained / 2  # most of the long documents never trained


def test_the_cpu_fast_path_gives_trls_loss_on_a_bfd_split_batch(varied_model, tmp_path, monkeypatch):
    """The studio's CPU fast path (LM head over trained tokens only, attention over rows laid end to end) on a
    bfd_split batch, whose pieces of one document restart their positions, against TRL's own path
    (FTLIB_FAST_PATH=0) on the same batch: the same loss."""
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32 both ways: agreement to float rounding, not bf16's
    config = split_config(varied_model(6), packing_strategy="bfd_split", lora_dropout=0.0, max_steps=1)
    fast = build_trainer(config, tmp_path / "fast", rows=(DOCS, [])).trainer
    assert hasattr(fast.model.get_base_model(), "_ftlib_trl_forward")  # the studio's LM head (headloss) is on
    assert sum(map(len, fast.train_dataset["input_ids"])) == sum(
        len(d.input_ids) for d in whole_documents(fast.processing_class)
    )  # every document whole, in pieces
    batch = next(iter(fast.get_train_dataloader()))
    starts = (batch["position_ids"][0] == 0).nonzero().flatten().tolist()
    assert len(starts) >= 2 and batch["input_ids"].shape[0] == 1  # several pieces, one padding-free row
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain = build_trainer(config, tmp_path / "plain", rows=(DOCS, [])).trainer
    assert torch.equal(next(iter(plain.get_train_dataloader()))["input_ids"], batch["input_ids"])
    assert not hasattr(plain.model.get_base_model(), "_ftlib_trl_forward")  # TRL's own forward and loss
    fast.model.train(), plain.model.train()
    with torch.no_grad():
        mine = fast.compute_loss(fast.model, dict(batch))
        theirs = plain.compute_loss(plain.model, dict(batch))
    torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=0)


REFUSED = [
    ("a preference method", dict(method="dpo", packing_strategy="bfd_split"), "dpo never packs"),
    ("packing off", dict(method="lora", packing_strategy="bfd_split"), "packing is off: turn packing on"),
    ("an unknown strategy", dict(method="lora", packing=True, packing_strategy="wrapped"), "bfd, bfd_split"),
]


@pytest.mark.parametrize(("case", "settings", "said"), REFUSED, ids=[c for c, *_ in REFUSED])
def test_packing_strategy_is_refused_where_nothing_packs(case, settings, said):
    with pytest.raises(ConfigError, match="packing_strategy") as caught:
        RunConfig(**settings)
    assert said in str(caught.value)


def test_the_setting_is_shown_only_when_an_sft_run_packs():
    from ftlib.config import field_specs

    spec = field_specs()["packing_strategy"]
    assert spec.choices == ("bfd", "bfd_split") and spec.default == "bfd"
    assert spec.applies({"method": "lora", "packing": True})
    assert not spec.applies({"method": "lora", "packing": False})
    assert not spec.applies({"method": "dpo", "packing": True})
    assert RunConfig(method="lora", packing=True).cut_length == 384  # bfd: rows are cut at the max length
    assert RunConfig(method="lora", packing=True, packing_strategy="bfd_split").cut_length is None


def test_the_cli_flag_reaches_the_run_and_runs_show(tmp_path, monkeypatch, capsys, tiny_model_dir):
    from ftlib import runs
    from ftlib.cli import main

    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    monkeypatch.setattr(runs, "advance", lambda **_: [])  # queued, not launched
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--max-steps", "1", "--device", "cpu"]
    assert main([*argv, "--packing", "--packing-strategy", "bfd_split", "--max-length", "32", "--detach"]) == 0
    (run,) = runs.list_runs(refresh=False)
    assert runs.find(run.id).config().packing_strategy == "bfd_split"
    capsys.readouterr()
    assert main(["runs", "show", run.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["packing_strategy"] == "bfd_split"
    assert main([*argv, "--packing-strategy", "bfd_split", "--detach"]) == 2  # packing off: refused, one line
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "turn packing on" in err


def test_trains_cut_warning_names_bfd_split_for_documents_only(tiny_model_dir, smol_tokenizer):
    from ftlib.run_preflight import preflight

    config = split_config(tiny_model_dir, packing=False)
    (said,) = [w for w in preflight(config, rows=(DOCS, [])).warnings if "longer than the max length" in w]
    assert "3 training rows are longer than the max length of 32 tokens and cut" in said
    assert "packing_strategy bfd_split" in said and "--packing --packing-strategy bfd_split" in said
    split = split_config(tiny_model_dir, packing_strategy="bfd_split")
    report = preflight(split, rows=(DOCS, []))
    assert not [w for w in report.warnings if "longer than the max length" in w]  # nothing is cut
    assert report.tokens == sum(len(d.input_ids) for d in whole_documents(smol_tokenizer))  # what the estimate reads
    assert report.longest == MAX  # a packed row, not the longest document
    chats = [{"messages": [*r["messages"][:-1], {**r["messages"][-1], "content": "word " * 60}]} for r in SFT_ROWS]
    chat = tiny_config(tiny_model_dir, max_length=48)
    (said,) = [w for w in preflight(chat, rows=(chats, [])).warnings if "longer than the max length" in w]
    assert "bfd_split" not in said  # a split answer would lose its prompt: not offered for conversations


def test_the_train_page_offers_it_beside_packing_once_packing_is_on(tiny_model_dir):
    from ftlib import workspace
    from tests.test_pages_train import page

    workspace.save_split("documents", DOCS, DOCS[1:2])
    at = page(tiny_model_dir)
    assert not at.exception
    assert "train_packing_strategy" not in [s.key for s in at.selectbox]  # packing off: nothing to choose
    at.toggle(key="train_packing").set_value(True).run()
    box = at.selectbox(key="train_packing_strategy")
    assert box.value == "bfd" and box.options == [
        "bfd: cut it at the max length (TRL's default)",
        "bfd_split: split it into pieces, every token kept",
    ]
    assert any("bfd_split = split it into pieces" in c.value for c in at.caption)  # the help, under the box
    box.set_value("bfd_split").run()
    assert not at.exception and not at.error
    at.radio(key="train_method").set_value("full").run()  # another SFT method packs too
    assert at.selectbox(key="train_packing_strategy").value == "bfd_split"


def test_batch_counts_what_the_run_setting_packs(tmp_path, capsys, smol_tokenizer):
    """`ftlib batch --packing-strategy`: the packing row cuts the documents (bfd) or packs every token (bfd_split),
    the same split a run makes; its cut warning names the way out."""
    from ftlib.cli import main

    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    total = sum(len(d.input_ids) for d in whole_documents(smol_tokenizer))
    packed = {}
    for strategy in ("bfd", "bfd_split"):
        argv = ["batch", str(data), "--max-length", str(MAX), "--batch-size", "2", "--json"]
        assert main([*argv, "--packing-strategy", strategy]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["packing_strategy"] == strategy
        packed[strategy] = next(s for s in report["strategies"] if s["strategy"] == "packing")
        if strategy == "bfd":  # the documents cut, and the way out named
            (said,) = report["cut_warnings"]
            assert "--packing --packing-strategy bfd_split" in said
        else:  # a bfd_split run cuts none (tests/test_bfd_split_words.py)
            assert report["cut_warnings"] == [] and report["untrained_rows"] == []
    assert packed["bfd_split"]["real_tokens"] == total and packed["bfd_split"]["dropped_tokens"] == 0
    assert packed["bfd_split"]["truncated_examples"] == 0  # split, not cut
    assert packed["bfd"]["real_tokens"] + packed["bfd"]["dropped_tokens"] == total
    assert packed["bfd"]["truncated_examples"] == 3


def test_the_batches_page_packs_as_the_train_page_set_it(tiny_model_dir, smol_tokenizer):
    from ftlib import workspace
    from tests.test_pages_train import page

    workspace.save_split("documents", DOCS, DOCS[1:2])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_length").set_value(MAX).run()
    at.toggle(key="train_packing").set_value(True).run()
    at.selectbox(key="train_packing_strategy").set_value("bfd_split").run()
    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    assert any("splits a longer example into pieces of it, every token packed" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "strategy" in d.value.columns).set_index("strategy")
    total = sum(len(d.input_ids) for d in whole_documents(smol_tokenizer))
    assert table.loc["Packing", ["real tokens", "cut"]].tolist() == [total, 0]  # split, every token packed
    assert table.loc["Padding, shuffled", "cut"] > 0  # padding cuts them, as a run without packing does
    assert any("splits them into pieces instead" in i.value for i in at.info)  # the preview's rows: cut there
