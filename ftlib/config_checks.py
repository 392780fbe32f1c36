"""A run config's checks across its settings: the combinations that cannot train, each refused in one sentence that
names the settings and the fix.

    check_combinations(config, ConfigError)   # raises ConfigError(sentence) at the first problem; None when it fits

`RunConfig.__post_init__` calls it once every field has been read and checked alone (`fields.check_limits`). The
checks of one concern stay with that concern and are called from here: a method's settings
(`methods.method_setting_problem`) and GRPO's rewards (`methods.check_rewards`), the loss
(`loss_types.loss_setting_problem`), devices, processes and machines (`process_settings.process_setting_problem`).
Stdlib only (the config's layer). Not known here: the model, the machine's devices and the run's rows
(`ftlib.run_preflight` checks those before a launch).
"""

from __future__ import annotations

from ftlib.loss_types import loss_setting_problem
from ftlib.methods import PACKING_METHODS, check_rewards, method_setting_problem
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


__all__ = ["check_combinations"]
