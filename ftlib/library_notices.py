"""Library notices kept out of a run's log for the one call that raises them, where the studio does what they report.

- `tokens_aligned_quietly`: transformers' "The tokenizer has new PAD/BOS/EOS tokens that differ from the model config
  and generation config..." (`Trainer.train` -> `trainer_utils.align_special_tokens`), said on nearly every run of a
  model whose config.json names other pad/bos/eos ids than its tokenizer (a config with no pad id, Qwen's; an eos the
  tokenizer changed). True, and nothing to act on here: the studio pads, samples and writes the result's eos ids from
  the tokenizer itself (`training`, `sampling`, `stops.write_eos`; a reward model's pad id, `rewards`), so the config
  taking the tokenizer's ids is what a run wants.
"""

from __future__ import annotations

import contextlib
import logging

# (logger, the message's start), matched exactly: any other message of that logger still comes through.
ALIGNED_TOKENS_NOTICE = ("transformers.trainer_utils", "The tokenizer has new PAD/BOS/EOS tokens that differ")


@contextlib.contextmanager
def tokens_aligned_quietly():
    """Within the block, transformers' notice that it aligned the model's pad/bos/eos ids with the tokenizer's
    (`ALIGNED_TOKENS_NOTICE`) is dropped; the filter is removed on leaving it, so the notice comes through elsewhere.
    The alignment itself still happens."""
    name, start = ALIGNED_TOKENS_NOTICE
    logger = logging.getLogger(name)

    def keep(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(start)

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


__all__ = ["ALIGNED_TOKENS_NOTICE", "tokens_aligned_quietly"]
