"""A run config's checks across its settings: the combinations that cannot train, each refused in one sentence that
names the settings and the fix.

    check_combinations(config, ConfigError)   # raises ConfigError(sentence) at the first problem; None when it fits

`RunConfig.__post_init__` calls it once every field has been read and checked alone (`fields.check_limits`). The
checks of one concern stay with that concern and are called from here: a method's settings
(`methods.method_setting_problem`) and GRPO's rewards (`methods.check_rewards`), the loss
(`loss_types.loss_setting_problem`), devices, processes and machines (`process_settings.process_setting_problem`).
Stdlib only (the config's layer). Not known here: the model, the machine's devices and the run's rows
(`ftlib.run_preflight` checks those before a launch).

One warning lives here too, said before a launch, not refused: DPO or KTO with LoRA at the default learning rate for
more than one pass (`alignment_rate_warnings`; `ftlib.run_preflight` counts the passes over the rows). And the one
rule of a run's name (`run_name`: one line, at most `MAX_RUN_NAME` characters), which `runs rename` applies too.
"""

from __future__ import annotations

import re
import unicodedata

from ftlib.loss_types import loss_setting_problem
from ftlib.methods import METHOD_NAMES, PACKING_METHODS, check_rewards, method_setting_problem
from ftlib.process_settings import process_setting_problem


def check_combinations(config, error: type[Exception]) -> None:
    """Raise `error` naming the first combination of `config`'s settings that cannot train (a custom template without
    its text, nothing to train, a test size between whole rows, no LoRA targets, a packing strategy without packing,
    then each concern's own checks); return None when they all fit. `config`: a RunConfig whose fields are read."""
    if config.template == "custom" and not str(config.template_source).strip():
        raise error(
            "`template` is custom but `template_source` is empty: paste the Jinja template text "
            "(`--template-file FILE` in the CLI), or pick a named template such as `tokenizer` or `chatml`."
        )
    if not str(config.model).strip():
        raise error("`model` is empty: use `default` or a model folder.")
    if config.epochs <= 0 and config.max_steps <= 0:
        raise error(
            "Epochs (`epochs`) is 0 and no Max steps (`max_steps`) is set: the run would train nothing. Set "
            "Epochs above 0, or Max steps to stop after that many optimizer steps."
        )
    if config.test_size is not None and config.test_size >= 1 and not float(config.test_size).is_integer():
        raise error(
            f"`test_size` must be a share below 1 (e.g. 0.1) or a whole number of rows (e.g. 20), not "
            f"{config.test_size:g}; 0 holds out nothing."
        )
    targets = config.lora_targets
    # `lora_targets: 5` in a YAML is no list: a TypeError traceback from the loop below, not this refusal
    if not targets or not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise error(
            "`lora_targets` must list layer names such as q_proj, v_proj, or `all-linear` "
            f"(got {config.lora_targets!r})."
        )
    if problem := method_setting_problem(config) or loss_setting_problem(config):
        raise error(problem)
    if config.method == "grpo":
        check_rewards(config.rewards, error)
    if problem := process_setting_problem(config):  # devices, processes, machines, sharding
        raise error(problem)
    if config.packing_strategy != "bfd" and config.method not in PACKING_METHODS:
        raise error(
            f"`packing_strategy` {config.packing_strategy} applies only when an SFT run (lora, qlora, full) packs; "
            f"{config.method} never packs: leave packing_strategy at bfd."
        )
    if config.packing_strategy != "bfd" and not config.packing:
        raise error(
            f"`packing_strategy` {config.packing_strategy} says what packing does with a row longer than the max "
            "length, but packing is off: turn packing on (--packing), or leave packing_strategy at bfd."
        )


# DPO and KTO with LoRA past one epoch (BENCHMARKS.md, "The DPO and KTO LoRA learning rate", SmolLM2-135M, 64 pairs):
# at 1e-3 (their default) a second epoch broke answers the first had right (DPO: "The capital of Spain is Spain", the
# chosen answers' loss 2.30 -> 2.74; KTO: answers' first word cut) while held-out reward accuracy still rose (DPO
# 14 -> 15 of 16, KTO 13 -> 14), so no number on the page showed it; at 2e-4 two epochs stayed fluent (DPO 13/16,
# KTO 12/16). One epoch at 1e-3 was the best of the three rates, so the default alone is not warned. Rates between
# 2e-4 and 1e-3 were not measured: only 1e-3 and above are warned.
ALIGNMENT_RISKY_LR = 1e-3
ALIGNMENT_SAFER_LR = 2e-4
ALIGNMENT_BROKE = {
    "dpo": "broke facts the first epoch had right and made the chosen answers less likely",
    "kto": "garbled answers (their first word cut)",
}


MAX_RUN_NAME = 100  # characters (`name_length`'s): a name is a label in a picker and a table cell, not a note
# Format characters a name is written with, not marks hidden in it: the joiners of emoji (a pirate flag, a family)
# and of Persian and Indic words (U+200D, U+200C), a subdivision flag's tags (U+E0020-U+E007F after U+1F3F4)
_WRITTEN = re.compile("[\u200c\u200d\U000e0020-\U000e007f]")


def name_length(name: str) -> int:
    """A name's length as the browser counts a box's characters (its `maxlength`, Streamlit's `max_chars`): in UTF-16
    units, where an emoji or another character outside the Basic Multilingual Plane is two. So the Train page's Run
    name box and the Rename box stop where `run_name` refuses, for an emoji name too: counting code points, the rule
    took 100 emoji and the box stopped at 50.

    >>> name_length("pirate v2"), name_length("🦜" * 3), name_length("海盗")
    (9, 6, 2)
    """
    return len(name.encode("utf-16-le")) // 2


# Methods people ask for by another field's name, each with the offered one nearest to it (`method_name`).
_NOT_OFFERED = {
    "sft": "SFT is the default: --method lora (or qlora, full)",
    "ppo": "PPO is not offered (it trains a value model beside the policy): the nearest is --method grpo, online RL "
    "scored by reward functions",
    "orpo": "ORPO is not offered: the nearest is --method dpo, which learns from the same chosen/rejected pairs",
    "simpo": "SimPO is not offered: the nearest is --method dpo --dpo-loss-type sigmoid_norm (DPO on per-token "
    "averages, as SimPO scores answers)",
}


def method_name(method: str, offered: tuple[str, ...], error: type[Exception]) -> None:
    """Raise `error` when `method` (lower-cased) is a known method the studio does not offer under that name (sft,
    ppo, orpo, simpo), naming the offered method nearest to it; None otherwise (the field's own check then refuses
    any other unknown name with the list of `offered`).

    >>> method_name("lora", ("lora",), ValueError)
    >>> method_name("sft", ("lora", "qlora", "full"), ValueError)
    Traceback (most recent call last):
    ...
    ValueError: `method` is sft: SFT is the default: --method lora (or qlora, full).
    """
    if method in _NOT_OFFERED and method not in offered:
        raise error(f"`method` is {method}: {_NOT_OFFERED[method]}.")


def run_name(name: str, error: type[Exception]) -> str:
    """`name` as a run keeps it (spaces around it dropped; "" for none), or `error` saying what is wrong with it and
    the fix: a line break or another control character (a tab, an invisible mark), more than `MAX_RUN_NAME`
    characters as a browser's box counts them (`name_length`: an emoji is two). The one rule of a run's name:
    `train --name`, a config's `name`, the Train page's Run name box (`RunConfig.__post_init__`) and `runs rename`
    (`run_rename.check_name`, which refuses an empty one too).

    >>> run_name("  pirate v2 ", ValueError)
    'pirate v2'
    >>> run_name("two\\nlines", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: A run's name is one line: this one has a line break or another control character (a tab, an ...
    """
    name = str(name).strip()
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and not _WRITTEN.match(c) for c in name):
        raise error(
            "A run's name is one line: this one has a line break or another control character (a tab, an invisible "
            "mark). Type it again on one line."
        )
    if (length := name_length(name)) > MAX_RUN_NAME:
        # Counted as the page's box counts them: said so where an emoji (two) makes the count differ from what is seen.
        counted = "" if length == len(name) else ", an emoji counting as two"
        raise error(
            f"A run's name is at most {MAX_RUN_NAME} characters (this one has {length}{counted}): it labels the run "
            "in pickers and tables. Give a shorter one."
        )
    return name


def alignment_rate_warnings(config, passes: float) -> list[str]:
    """Before launch: DPO or KTO with LoRA or QLoRA at a learning rate of at least `ALIGNMENT_RISKY_LR` (their default)
    for more than one pass over the training rows (`passes`: epochs, or max steps over the steps of a pass:
    `overfitting.passes`), in plain words with the fix; [] otherwise. Measured with LoRA on SmolLM2-135M
    (BENCHMARKS.md, "The DPO and KTO LoRA learning rate"). `config`: a RunConfig.

    >>> class C: method, tuning, learning_rate, max_steps = "dpo", "lora", 1e-3, 0
    >>> alignment_rate_warnings(C, 2)[0][:56]
    'DPO with LoRA at learning rate 0.001 for 2 epochs: measu'
    >>> alignment_rate_warnings(C, 1), alignment_rate_warnings(C, 1.5) != []
    ([], True)
    """
    rate = config.learning_rate
    broke = ALIGNMENT_BROKE.get(config.method)
    if broke is None or config.tuning not in ("lora", "qlora") or rate is None or rate < ALIGNMENT_RISKY_LR:
        return []
    if passes <= 1:
        return []
    name, tuning = METHOD_NAMES.get(config.method, config.method), METHOD_NAMES.get(config.tuning, config.tuning)
    epochs, one = f"{round(passes, 1):g} epochs", "1 epoch"
    if config.max_steps > 0:  # max steps decide the length, not epochs
        epochs = f"{config.max_steps} max steps ({epochs})"
        one = f"at most {max(1, int(config.max_steps / passes))} max steps (1 epoch)"
    return [
        f"{name} with {tuning} at learning rate {rate:g} for {epochs}: measured on the default model (BENCHMARKS.md), "
        f"a second epoch at 0.001 {broke}, while the held-out reward accuracy still rose, so the charts would not "
        f"show it. Train {one}, or lower the learning rate to {ALIGNMENT_SAFER_LR:g} to train longer (two epochs "
        f"at {ALIGNMENT_SAFER_LR:g} stayed fluent)."
    ]


__all__ = ["MAX_RUN_NAME", "alignment_rate_warnings", "check_combinations", "method_name", "name_length", "run_name"]
