"""Helper 249's sweep: transformers' "The tokenizer has new PAD/BOS/EOS tokens that differ from the model config..."
leaked into nearly every run of a model whose config names other pad/eos ids than its tokenizer; the studio pads,
samples and writes the result's eos ids from the tokenizer itself, so the notice is kept out of the run's output,
for the training call alone."""

from __future__ import annotations

import io
import json
import logging
import shutil

from ftlib import workspace
from ftlib.library_notices import ALIGNED_TOKENS_NOTICE, tokens_aligned_quietly
from ftlib.testing import make_run
from ftlib.worker import execute

NOTICE = ALIGNED_TOKENS_NOTICE[1]
CHATS = [
    {"messages": [{"role": "user", "content": f"Spell {w}."}, {"role": "assistant", "content": " ".join(w)}]}
    for w in ("river", "stone", "cloud", "maple", "otter", "lemon", "brick", "piano")
]


def _other_pad(tiny_model_dir, tmp_path):
    """The tiny model with config.json and generation_config.json naming eos (and pad) id 0 (`<|endoftext|>`), where
    its tokenizer ends with and pads with `<|im_end|>` (2): a base model's config beside an instruct tokenizer."""
    folder = tmp_path / "other-pad"
    shutil.copytree(tiny_model_dir, folder)
    for name in ("config.json", "generation_config.json"):
        path = folder / name
        path.write_text(json.dumps(json.loads(path.read_text()) | {"eos_token_id": 0, "pad_token_id": 0}))
    return folder


def test_a_run_of_a_model_with_other_pad_ids_carries_no_raw_notice(tiny_model_dir, tmp_path):
    """What transformers logs during a run (to stderr through its own handler on the "transformers" logger; read here
    by a handler beside it) holds no "The tokenizer has new PAD/BOS/EOS tokens" notice; the sentinel: this model makes
    transformers say it outside the run."""
    import transformers
    from transformers.trainer_utils import align_special_tokens

    said, heard = transformers.utils.logging.get_verbosity(), io.StringIO()
    handler = logging.StreamHandler(heard)
    transformers.utils.logging.set_verbosity_warning()  # as a run has it (the tests' conftest says errors alone)
    logging.getLogger("transformers").addHandler(handler)
    try:
        model = _other_pad(tiny_model_dir, tmp_path)
        loaded = transformers.AutoModelForCausalLM.from_pretrained(model)
        align_special_tokens(loaded, transformers.AutoTokenizer.from_pretrained(model))
        assert NOTICE in heard.getvalue()  # the notice a run printed before
        assert loaded.config.eos_token_id == 2  # aligned
        heard.seek(0), heard.truncate()
        workspace.save_split("spell", CHATS, [], {})
        settings = {"model": str(model), "dataset": "spell", "max_steps": 1, "batch_size": 2, "max_length": 128}
        run = make_run("pads", settings | {"device": "cpu", "save_every": 0}, state="running")
        assert execute(run.path) == "finished", run.read_status()
        assert NOTICE not in heard.getvalue()
    finally:
        logging.getLogger("transformers").removeHandler(handler)
        transformers.utils.logging.set_verbosity(said)


def test_the_filter_is_scoped_to_its_block(caplog):
    """Only that notice, only within the block: another message of the logger, and the notice after it, come
    through."""
    logger = logging.getLogger(ALIGNED_TOKENS_NOTICE[0])
    kept = list(logger.filters)
    with caplog.at_level(logging.WARNING, logger=ALIGNED_TOKENS_NOTICE[0]):
        logger.propagate, was = True, logger.propagate
        try:
            with tokens_aligned_quietly():
                logger.warning(f"{NOTICE} from the model config. Updated tokens: {{'pad_token_id': 2}}.")
                logger.warning("Something else")
            logger.warning(f"{NOTICE} again")
        finally:
            logger.propagate = was
    assert [r.getMessage() for r in caplog.records] == ["Something else", f"{NOTICE} again"]
    assert logger.filters == kept
