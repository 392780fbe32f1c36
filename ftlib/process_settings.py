"""Which combinations of a run's process settings cannot work: devices, processes, machines, sharding.

    process_setting_problem(config)   # None, or one sentence naming the settings and the fix

`RunConfig` refuses a config with the sentence at construction; how the processes are then started, and what this
machine's GPUs can run, is `ftlib.distributed`'s. Stdlib only (the config's layer): not known here are the
machine's devices and the run's rows.
"""

from __future__ import annotations

# LoRA SFT's tokens/s with 2 processes on a 2-core CPU against 1 process's: 0.91-1.05x on AMD EPYC cores
# (BENCHMARKS.md, "Data parallel on 2 cores" and the method table below it), 1.10-1.13x on an AMX Xeon ("A fifth kind
# of CPU"); LoRA DPO's and full fine-tuning's 0.53x and 0.55x on the AMD cores. The nproc field's help, the warning
# before a launch (ftlib.distributed.cpu_process_warnings) and the Train page's time estimate
# (ftlib.run_time.processes_words) say these: here, in the config's layer, so the config can read them too.
LORA_SFT_TWO_PROCESSES_ON_CPU = "0.91-1.13x"
OTHER_METHODS_TWO_PROCESSES_ON_CPU = "0.5x"


def process_setting_problem(config) -> str | None:
    """Why `config`'s device, nproc, nnodes, node_rank, rdzv_endpoint and sharding cannot train together, or None.

    >>> from types import SimpleNamespace as S
    >>> process_setting_problem(S(device="cpu", nproc=2, nnodes=1, node_rank=0, rdzv_endpoint="", sharding="none",
    ...                           uses_4bit=True))[:40]
    '`nproc` above 1 with 4-bit weights needs'
    """
    if config.device not in ("auto", "cpu", "cuda") and not str(config.device).startswith("cuda:"):
        return f"`device` must be auto, cpu, cuda or cuda:N (got {config.device!r})."
    if config.uses_4bit and config.device == "cpu" and config.nproc > 1:
        return "`nproc` above 1 with 4-bit weights needs GPUs; use nproc 1 on CPU."
    if config.node_rank >= config.nnodes:
        return (
            f"`node_rank` must be below `nnodes` (machines are numbered 0 to {config.nnodes - 1}; got "
            f"{config.node_rank}): give each machine its own number."
        )
    host, _, port = config.rdzv_endpoint.strip().rpartition(":")
    if config.nnodes > 1 and not (host and port.isdigit() and 0 < int(port) < 65536):
        return (
            f"`rdzv_endpoint` must be HOST:PORT of machine 0 when nnodes is {config.nnodes}, e.g. 10.0.0.1:29500, "
            f"the same on every machine (got {config.rdzv_endpoint!r})."
        )
    if str(config.device).startswith("cuda:") and config.nproc > 1:
        return (
            f"`device` {config.device} pins one GPU but nproc {config.nproc} trains on one GPU per process: use "
            "device cuda (or auto) with several processes, or nproc 1."
        )
    if config.sharding == "fsdp" and config.uses_4bit:
        return (
            "`sharding` fsdp cannot split 4-bit (QLoRA) weights here: use the lora method (or tuning lora) with "
            "fsdp, or keep qlora with sharding none."
        )
    if config.sharding == "fsdp" and config.nproc * config.nnodes == 1:
        return (
            "`sharding` fsdp splits the model across processes, but there is one (nproc 1 on one machine): set "
            "nproc to the number of GPUs (2 or more), or use sharding none."
        )
    return None


__all__ = ["LORA_SFT_TWO_PROCESSES_ON_CPU", "OTHER_METHODS_TWO_PROCESSES_ON_CPU", "process_setting_problem"]
