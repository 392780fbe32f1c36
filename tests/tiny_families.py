"""Tiny random models of the families users bring instead of the default (GPT-2, T5, BERT), saved as `save_pretrained`
writes them, with a byte-level BPE tokenizer of a few hundred tokens trained in-process: seconds each, no network.

    folder = tiny_family("gpt2", tmp_path / "gpt2")   # config.json, model.safetensors, tokenizer.json, ...

Each is saved the way its hub repository holds it where that matters here: GPT-2 with no chat template and no pad
token, its embeddings tied and Conv1D layers; T5 as `T5ForConditionalGeneration` (an encoder-decoder); BERT as
`BertForMaskedLM` (an encoder) with a config.json naming neither `is_decoder` nor `is_encoder_decoder`, as
bert-base-uncased's does.
"""

from __future__ import annotations

import json
from pathlib import Path

TEXT = [
    f"Row {i}: why do you salt pasta water? Ahoy! The salt seasons the pasta. Fair winds, matey! {i} plus {i}."
    for i in range(50)
]


def _tokenizer(specials: list[str], **kw):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=specials, initial_alphabet=alphabet)
    tok.train_from_iterator(TEXT, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **kw)


def tiny_family(family: str, target: Path) -> Path:
    """A tiny random model of `family` (gpt2, t5, bert, gemma3-vision) with its tokenizer, saved into `target`."""
    import torch
    import transformers as T

    torch.manual_seed(0)
    if family == "gpt2":
        tokenizer = _tokenizer(["<|endoftext|>"], bos_token="<|endoftext|>", eos_token="<|endoftext|>")
        config = T.GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=32, n_layer=2, n_head=4)
        model = T.GPT2LMHeadModel(config)
    elif family == "t5":
        tokenizer = _tokenizer(["<pad>", "</s>", "<unk>"], eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
        config = T.T5Config(vocab_size=len(tokenizer), d_model=32, d_ff=64, num_layers=2, num_heads=4, d_kv=8)
        model = T.T5ForConditionalGeneration(config)
    elif family == "bert":
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tokenizer = _tokenizer(specials, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")
        config = T.BertConfig(
            vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
        )
        model = T.BertForMaskedLM(config)
    elif family == "gemma3-vision":  # google/gemma-3-4b-it's shape: Gemma3ForConditionalGeneration, a SigLIP tower
        specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
        specials += ["<start_of_image>", "<end_of_image>", "<image_soft_token>"]
        tokenizer = _tokenizer(specials, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>")
        ids = tokenizer.convert_tokens_to_ids
        text = T.Gemma3TextConfig(
            vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=512,
        )  # fmt: skip
        vision = T.SiglipVisionConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4, image_size=32,
            patch_size=8,
        )  # fmt: skip
        config = T.Gemma3Config(
            text_config=text, vision_config=vision, mm_tokens_per_image=4, boi_token_index=ids("<start_of_image>"),
            eoi_token_index=ids("<end_of_image>"), image_token_index=ids("<image_soft_token>"),
        )  # fmt: skip
        model = T.Gemma3ForConditionalGeneration(config)
    else:
        raise ValueError(family)
    target = Path(target)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    if family == "bert":  # bert-base-uncased's config.json names neither (transformers' defaults: False)
        described = json.loads((target / "config.json").read_text())
        for key in ("is_decoder", "is_encoder_decoder"):
            described.pop(key, None)
        (target / "config.json").write_text(json.dumps(described))
    return target
