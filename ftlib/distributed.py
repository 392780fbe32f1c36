"""Past one device: the torchrun command line, which process writes what, and the FSDP settings of a run.

    launcher(config)            # [] (one process) or torchrun's arguments: ["-m", "torch.distributed.run", ...]
    Topology.current()          # this process's rank, local rank, machine (node) rank and world size
    trainer_kwargs(config)      # fsdp / fsdp_config / save_on_each_node for the Trainer's arguments
    refusals(config)            # what this machine cannot run (more processes than GPUs, ...), said before launch
    gpu_count()                 # GPUs torch sees here (0 on a CPU machine)

How a run spreads (torchrun, https://docs.pytorch.org/docs/stable/elastic/run.html): `nproc` processes per
machine, one per GPU; with `nnodes` machines each one starts the same run with its own `node_rank`, and they meet
at `rdzv_endpoint` (machine 0's HOST:PORT, torchrun's static rendezvous: `--master-addr/--master-port`). Every
process runs `python -m ftlib.worker RUN_DIR`. With `sharding: none` each process holds the whole model and the
gradients are averaged (DDP); with `sharding: fsdp` the weights, gradients and optimizer state are split across all
processes and each block is gathered whole only while it computes (PyTorch FSDP2 through the HF Trainer's
`fsdp`/`fsdp_config`, i.e. accelerate; Zhao et al. 2023, "PyTorch FSDP").

Who writes what: global rank 0 (machine 0, local rank 0) writes the metrics, the checkpoints and the trained model;
the local rank 0 of the machine a run folder was created for (its config's `node_rank`) writes that folder's
status, so every machine's run list shows the run and how it ended. Without FSDP, each machine also keeps its own
checkpoints and model (`save_on_each_node`), so each can resume from its own disk.

accelerate shards only on accelerators. On CPU (the gloo tests, CPU clusters) `trainer_class` marks the trainer's
accelerate state FSDP once it is built: torch's FSDP2 itself runs on CPU device meshes. Not known here: how a
trainer is built (training.py), the queue (runs.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ftlib.errors import UserError, plural
from ftlib.process_settings import LORA_SFT_TWO_PROCESSES_ON_CPU, OTHER_METHODS_TWO_PROCESSES_ON_CPU


class ResumeError(UserError):
    """The processes of a run disagree: they would resume from different checkpoints, or train with other settings or
    rows (`agree_on_settings`); the message says which and what to do."""


def _value(config, name: str, default):
    """A setting from a RunConfig or from its dict (run folders store dicts; old ones lack the newer settings)."""
    if isinstance(config, dict):
        value = config.get(name, default)
        return default if value is None or value == "" else value
    return getattr(config, name)


def world_size(config) -> int:
    """How many processes train the run: processes per machine times machines."""
    return int(_value(config, "nproc", 1)) * int(_value(config, "nnodes", 1))


def launcher(config) -> list[str]:
    """What comes between `python` and `-m ftlib.worker RUN_DIR`: nothing for one process, else torchrun's arguments.

    >>> launcher({"nproc": 1})
    []
    >>> launcher({"nproc": 2})[2:]
    ['--standalone', '--nproc-per-node', '2']
    >>> " ".join(launcher({"nproc": 1, "nnodes": 2, "node_rank": 1, "rdzv_endpoint": "10.0.0.1:29500"})[2:])
    '--nnodes 2 --node-rank 1 --master-addr 10.0.0.1 --master-port 29500 --nproc-per-node 1'
    """
    nproc, nnodes = int(_value(config, "nproc", 1)), int(_value(config, "nnodes", 1))
    if nnodes > 1:
        # A static rendezvous: machine `node_rank` of `nnodes`, machine 0 serves the rendezvous at the endpoint.
        host, _, port = str(_value(config, "rdzv_endpoint", "")).strip().rpartition(":")  # checked by RunConfig
        where = ["--nnodes", str(nnodes), "--node-rank", str(int(_value(config, "node_rank", 0)))]
        where += ["--master-addr", host.strip("[]"), "--master-port", port]
    elif nproc > 1:
        where = ["--standalone"]  # one machine: torchrun picks a free port
    else:
        return []
    return ["-m", "torch.distributed.run", *where, "--nproc-per-node", str(nproc)]


def rendezvous_group(config) -> str:
    """What every machine of a multi-machine run shares, and no other run at the same time: where they meet
    (`rdzv_endpoint`). "" for a run on one machine.

    >>> rendezvous_group({"nnodes": 2, "rdzv_endpoint": "10.0.0.1:29500"}), rendezvous_group({"nnodes": 1})
    ('rendezvous 10.0.0.1:29500', '')
    """
    if int(_value(config, "nnodes", 1)) <= 1:
        return ""
    return f"rendezvous {str(_value(config, 'rdzv_endpoint', '')).strip()}"


def starting_message(config) -> str:
    """What a run's status says while its processes start (several machines wait for each other first)."""
    nnodes = int(_value(config, "nnodes", 1))
    if nnodes > 1:
        return (
            f"Starting as machine {int(_value(config, 'node_rank', 0))} of {nnodes}: waiting until every machine "
            f"has joined at {_value(config, 'rdzv_endpoint', '')}."
        )
    return "Starting."


@dataclass(frozen=True)
class Topology:
    """Where this process sits in a run, from the variables torchrun sets (one process alone: all zeros, size 1)."""

    rank: int = 0  # among every process of the run
    local_rank: int = 0  # among this machine's processes (its GPU)
    node_rank: int = 0  # this machine's number
    world_size: int = 1

    @classmethod
    def current(cls) -> Topology:
        env = os.environ
        return cls(
            rank=int(env.get("RANK", 0)),
            local_rank=int(env.get("LOCAL_RANK", 0)),
            node_rank=int(env.get("GROUP_RANK", 0)),
            world_size=int(env.get("WORLD_SIZE", 1)),
        )

    @property
    def is_main(self) -> bool:
        """Global rank 0: writes the metrics, the checkpoints and the trained model."""
        return self.rank == 0

    def owns(self, node_rank: int) -> bool:
        """Whether this process writes the status of a run folder created for machine `node_rank`."""
        return self.local_rank == 0 and self.node_rank == int(node_rank)


# Set by the launcher for a one-process run on a GPU (`one_gpu`): the GPU as the server numbers it ("cuda:1"), which
# the run's process sees alone, as cuda:0; the run takes its turns on the device lease under this name.
GPU_ENV = "FTLIB_GPU"


def device_for_process(config) -> str:
    """The device this process trains on: under torchrun each process of a machine owns the GPU of its local rank
    (4-bit weights are placed as they load, so this is where they go); a one-process run on a GPU sees that GPU alone
    (`one_gpu`), as cuda:0."""
    from ftlib.models import pick_device

    if os.environ.get(GPU_ENV) and config.device != "cpu":
        return "cuda:0"
    device = pick_device(None if config.device == "auto" else config.device)
    local_rank = os.environ.get("LOCAL_RANK")
    if device.startswith("cuda") and local_rank is not None:
        device = f"cuda:{int(local_rank)}"
    return device


def one_gpu(config, env: dict, gpus: int | None = None) -> dict:
    """A one-process run on a GPU sees that GPU alone: `CUDA_VISIBLE_DEVICES` in `env` (the launcher's; through any
    mask it already holds) names GPU N of `cuda:N` (GPU 0 for `cuda` and `auto`), and `GPU_ENV` the GPU as the server
    numbers it; returns `env`. Why: the HF Trainer given every GPU trains on cuda:0 whatever `cuda:N` says (two runs
    queued on cuda:0 and cuda:1 shared GPU 0; a QLoRA run on cuda:1 was refused by accelerate), and wraps the model
    in DataParallel over all of them (each step then trains batch x GPUs rows, and the per-module fused forwards stay
    bound to GPU 0's copy). Several processes (torchrun: one per GPU) and CPU runs: `env` unchanged.

    >>> one_gpu({"device": "cuda:1", "nproc": 1}, {"CUDA_VISIBLE_DEVICES": "2,3"}, gpus=2)
    {'CUDA_VISIBLE_DEVICES': '3', 'FTLIB_GPU': 'cuda:1'}
    >>> one_gpu({"device": "auto", "nproc": 1}, {}, gpus=4), one_gpu({"device": "auto", "nproc": 1}, {}, gpus=0)
    ({'CUDA_VISIBLE_DEVICES': '0', 'FTLIB_GPU': 'cuda:0'}, {})
    """
    device, nproc = str(_value(config, "device", "auto")), int(_value(config, "nproc", 1))
    gpus = gpu_count() if gpus is None else gpus
    if nproc != 1 or device == "cpu" or gpus == 0:
        return env
    index = int(device.split(":", 1)[1]) if device.startswith("cuda:") else 0
    mask = [d.strip() for d in env.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    env["CUDA_VISIBLE_DEVICES"] = mask[index] if index < len(mask) else str(index)
    env[GPU_ENV] = f"cuda:{index}"
    return env


def shards(config) -> bool:
    """Whether the run is sharded with FSDP: `sharding` fsdp where the setting applies (its `when`: not a reward model,
    KTO or GRPO, which the CLI then warns it ignores; it was applied all the same)."""
    from ftlib.config import field_specs

    return config.sharding == "fsdp" and field_specs()["sharding"].applies(config.to_dict())


def trainer_kwargs(config) -> dict:
    """The TrainingArguments a run's sharding and machine count add (complete: nothing is patched later).

    FSDP: `fsdp=True` with FSDP2, blocks wrapped by the model's `_no_split_modules`, a full state dict on save (a
    checkpoint or model that `from_pretrained` loads), gradient checkpointing as FSDP's own activation checkpointing
    (transformers refuses both at once). Several machines without FSDP: each machine saves its own checkpoints.
    """
    if shards(config):
        return {
            "fsdp": True,
            "fsdp_config": {
                "version": 2,
                "state_dict_type": "FULL_STATE_DICT",
                "reshard_after_forward": True,
                "activation_checkpointing": bool(config.gradient_checkpointing),
            },
        }
    if config.nnodes > 1 and Topology.current().node_rank == config.node_rank:
        # FSDP's full state dict exists on global rank 0 only, so this is for DDP runs.
        return {"save_on_each_node": True}
    return {}


def gpu_count() -> int:
    """How many GPUs torch can use on this machine (0 on a CPU machine)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def asks_gpus(config) -> bool:
    """Whether `refusals` asks torch how many GPUs this machine has for `config` (a `cuda` device, or `auto` with
    several processes); for any other every count gives the same answer, and torch is not imported.

    >>> from types import SimpleNamespace as C
    >>> [asks_gpus(C(device=d, nproc=n)) for d, n in (("cuda:1", 1), ("auto", 1), ("auto", 2), ("cpu", 4))]
    [True, False, True, False]
    """
    device = str(config.device)
    return device.startswith("cuda") or device == "auto" and config.nproc > 1


def refusals(config, gpus: int | None = None, cores: int | None = None) -> list[str]:
    """What this machine cannot run of `config`'s processes, each with the setting and the fix ([] when it can).

    `gpus`: GPUs here (default: `gpu_count()`, asked only where a setting makes the answer depend on it: a `cuda`
    device, or `auto` with several processes; `cpu`, and `auto` with one process, run on whatever is here, so torch is
    not imported for them: `train` refused a DPO run on chat rows 2-3 s later for it); `cores`: the CPU cores this
    process may use (default: `cpu_cores()`). Settings that are wrong anywhere are refused by RunConfig itself.
    """
    device = str(config.device)
    gpus = gpus if gpus is not None else gpu_count() if asks_gpus(config) else 0
    on_gpu = device.startswith("cuda") or (device == "auto" and gpus > 0)
    if not on_gpu:
        # RunConfig refuses device cpu; auto without a GPU is the CPU as well (a cold review: it ran).
        if config.nproc > 1 and config.uses_4bit:
            return ["`nproc` above 1 with 4-bit weights needs GPUs, and this machine has none: use nproc 1."]
        cores = cpu_cores() if cores is None else cores
        if config.nproc > cores:  # 64 processes on 2 cores, each with its copy of the model: no step in 4 minutes
            return [
                f"`nproc` is {config.nproc} but the run trains on the CPU, and this machine has "
                f"{plural(cores, 'core')} for it: each process needs a core of its own (and holds its own copy of the "
                f"model), so set nproc to {cores} or fewer (on a CPU one process is the fastest for most methods)."
            ]
        return []
    if gpus == 0:
        return [f"`device` is {device} but this machine has no GPU that torch can use: use device cpu or auto."]
    if device.startswith("cuda:") and int(device.split(":", 1)[1]) >= gpus:
        return [f"`device` is {device} but this machine has {plural(gpus, 'GPU')}, numbered from cuda:0."]
    if config.nproc > gpus:
        return [
            f"`nproc` is {config.nproc} but this machine has {plural(gpus, 'GPU')}: one process "
            f"trains on each GPU, so set nproc to {gpus} or fewer."
        ]
    return []


def trains_on_cpu(config, gpus: int | None = None) -> bool:
    """Whether the run's processes train on this machine's CPU (`device` cpu, or auto without a GPU)."""
    device = str(_value(config, "device", "auto"))
    if device == "cpu":
        return True
    return device == "auto" and (gpu_count() if gpus is None else gpus) == 0


def cpu_threads(config, env: dict, cores: int | None = None, gpus: int | None = None) -> dict:
    """Give each process of a several-process CPU run its share of the thread budget, as `OMP_NUM_THREADS` in `env`
    (the launcher's environment, which torchrun hands to every process); return `env`.

    The budget is `OMP_NUM_THREADS` when already set there (ftlib.sharing puts `FTLIB_THREADS` in it), else `cores`
    (default: the cores this process may run on); each process gets budget // nproc, at least 1. Without this, torchrun
    gives each process 1 thread (wasting cores on a big machine) or every process the whole budget (oversubscribed:
    their OpenMP threads wait for each other). One process, or processes on GPUs: `env` unchanged.
    """
    nproc = int(_value(config, "nproc", 1))
    if nproc <= 1 or not trains_on_cpu(config, gpus):
        return env
    budget = str(env.get("OMP_NUM_THREADS", "")).strip()
    total = int(budget) if budget.isdigit() and int(budget) > 0 else (cores or cpu_cores())
    env["OMP_NUM_THREADS"] = str(max(1, total // nproc))
    return env


def cpu_cores() -> int:
    """The CPUs this process may run on: its affinity (all of the machine's where that is not known), at most its
    container's CPU quota (`cpu_quota.quota_cpus`): in a container limited to 2 CPUs of a 64-core host the affinity
    still names all 64, and 8 processes passed the nproc check to share 2 CPUs' time."""
    from ftlib import cpu_quota

    quota = cpu_quota.quota_cpus()
    return min(len(cpu_quota.affinity()), quota) if quota else len(cpu_quota.affinity())


def cpu_process_warnings(config, gpus: int | None = None) -> list[str]:
    """A warning when several processes would train on the CPU ([] for one process, or on GPUs): they split its
    cores (`cpu_threads`), each holds its own copy of the model, and on the CPUs measured the run is little faster
    than one process for LoRA SFT, if at all (slower for the other methods). Useful to try a multi-GPU setup; not a
    speed-up.

    Measured on 2 cores (BENCHMARKS.md, "The studio's own runs, and several processes on one CPU", 2026-12-01):
    2 processes x 4 rows against 1 x 8, one epoch, the same rows: LoRA SFT 0.91-1.05x, LoRA DPO 0.53x and full
    fine-tuning 0.55x the tokens/s of one process (the last two without the bf16 products, which fastpath gives single
    processes only). TRL's trainers, whose single process leaves more of the cores idle, gained 1.09-1.36x from the
    same split. On an Intel Xeon with AMX (2026-12-06, "A fifth kind of CPU"), where the small operations around the
    products dominate, LoRA SFT's two processes were 1.10-1.13x one, at 1.7x its memory.

    >>> from ftlib.config import RunConfig
    >>> cpu_process_warnings(RunConfig(nproc=2), gpus=0)[0].split(":")[0]
    'nproc is 2 and the run trains on the CPU (this machine has no GPU)'
    """
    if config.nproc <= 1:  # one process: no GPU count asked (it imports torch)
        return []
    gpus = gpu_count() if gpus is None else gpus
    if not trains_on_cpu(config, gpus):
        return []
    why = "this machine has no GPU" if gpus == 0 else "device is cpu"
    rows = config.batch_size * config.grad_accum
    return [
        f"nproc is {config.nproc} and the run trains on the CPU ({why}): {config.nproc} processes split its cores, "
        f"each with {'its share' if shards(config) else 'its own copy'} of the model and {rows} rows per step "
        f"({rows * config.nproc} in all). That is little faster than one process for LoRA SFT, if at all, and "
        f"slower than one process for DPO and full fine-tuning (on the two kinds of 2-core CPU measured: "
        f"{LORA_SFT_TWO_PROCESSES_ON_CPU} and {OTHER_METHODS_TWO_PROCESSES_ON_CPU}). Use it to try a multi-GPU setup; "
        "set nproc to 1 for speed."
    ]


def trainer_class(base: type, config) -> type:
    """`base` (a transformers Trainer class), or for an FSDP run a subclass whose accelerator also shards on CPU."""
    if not shards(config):
        return base

    class Sharded(base):
        def create_accelerator_and_postprocess(self):
            super().create_accelerator_and_postprocess()
            _shard_on_cpu(self)

    Sharded.__name__ = Sharded.__qualname__ = base.__name__
    return Sharded


def _shard_on_cpu(trainer) -> None:
    """Turn a CPU trainer's data-parallel accelerate state into FSDP2 (on GPUs accelerate already did)."""
    from accelerate.state import PartialState
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    state = trainer.accelerator.state
    if state.distributed_type != DistributedType.MULTI_CPU or trainer.args.fsdp_plugin_args is None:
        return
    # Every `AcceleratorState()` copies PartialState's type again, so both say FSDP.
    PartialState._shared_state["distributed_type"] = DistributedType.FSDP
    state.distributed_type = DistributedType.FSDP
    state.fsdp_plugin = FullyShardedDataParallelPlugin(**trainer.args.fsdp_plugin_args)
    trainer.is_fsdp_enabled = True


def agree_on_checkpoint(checkpoint) -> None:
    """ResumeError on every process unless all of them resume from the same checkpoint (each machine reads its own
    run folder; one without the checkpoint would start over while the others continue, and all would hang)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return
    names: list = [None] * dist.get_world_size()
    dist.all_gather_object(names, checkpoint.name if checkpoint is not None else None)
    if len(set(names)) == 1:
        return
    found = ", ".join(f"process {rank}: {name or 'no checkpoint'}" for rank, name in enumerate(names))
    raise ResumeError(
        f"The processes of this run would resume from different checkpoints ({found}). Every machine reads the "
        "checkpoint from its own run folder: copy the newest checkpoint folder of machine 0's run into the run folder "
        "on every machine, then resume on each."
    )


def close_process_group() -> None:
    """Destroy the torch.distributed process group this process joined (the Trainer's, under torchrun), if any, before
    the interpreter exits: a gloo group left to the exit can abort a process there ("terminate called without an
    active exception", SIGABRT; seen once in 12 CI runs of a two-process CPU run), so torchrun reports a finished run
    as failed. torch's own advice is to call `destroy_process_group` at the end. Never raises; imports nothing new."""
    import sys

    dist = sys.modules.get("torch.distributed")
    if dist is None:  # never imported: no group
        return
    try:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
    except Exception:  # noqa: BLE001 (the run's result is written already; an exit is no place to fail)
        pass


# What may differ between the machines of one run: where each one keeps things, and which machine it is.
_PER_MACHINE = ("node_rank", "device", "name", "dataset", "model", "template_source")


def fingerprint(config, run_dir) -> dict:
    """What every machine of a run must agree on: its settings (less `_PER_MACHINE`: paths and names may differ) and
    a hash of the rows it trains (its own kept split; "" when it has none)."""
    import hashlib

    kept = Path(run_dir) / "split" / "train.jsonl"
    rows = hashlib.sha256(kept.read_bytes()).hexdigest()[:16] if kept.is_file() else ""
    settings = {k: v for k, v in config.to_dict().items() if k not in _PER_MACHINE}
    return {"settings": settings, "rows": rows}


def differences(prints: list[dict]) -> list[str]:
    """How each machine's `fingerprint` differs from the first process's, in words; [] when all agree.

    >>> a = {"settings": {"batch_size": 2, "seed": 0}, "rows": "ab"}
    >>> differences([a, {"settings": {"batch_size": 4, "seed": 0}, "rows": "cd"}])
    ['process 1: batch_size 4 (process 0: 2), other training rows']
    """
    first, out = prints[0], []
    for rank, other in enumerate(prints[1:], start=1):
        said = [
            f"{k} {other['settings'].get(k)!r} (process 0: {v!r})".replace("'", "")
            for k, v in first["settings"].items()
            if other["settings"].get(k) != v
        ]
        if other["rows"] != first["rows"]:
            said.append("other training rows")
        if said:
            out.append(f"process {rank}: {', '.join(said)}")
    return out


def agree_on_settings(config, run_dir) -> None:
    """UserError on every process unless the machines of a run train with the same settings and rows (each machine
    reads its own config and data: with other rows they trained a mix silently; with other max steps one waited for
    the others in a collective for 30 minutes). Only for runs on several machines: one machine's processes share
    one run folder."""
    import torch.distributed as dist

    if config.nnodes <= 1 or not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return
    prints: list = [None] * dist.get_world_size()
    dist.all_gather_object(prints, fingerprint(config, run_dir))
    found = differences(prints)
    if found:
        raise ResumeError(
            f"The machines of this run were started with different settings or data ({'; '.join(found)}). Start "
            "`train` again on every machine with the same config and the same data file."
        )


__all__ = [
    "ResumeError",
    "Topology",
    "agree_on_checkpoint",
    "close_process_group",
    "agree_on_settings",
    "differences",
    "fingerprint",
    "device_for_process",
    "gpu_count",
    "launcher",
    "refusals",
    "rendezvous_group",
    "starting_message",
    "trainer_class",
    "trainer_kwargs",
    "world_size",
]
