"""Past one device, without starting processes: the torchrun command line, which process writes what, what a
machine's GPUs refuse before launch (with the setting and the fix), and the Trainer arguments FSDP adds. The runs
themselves (DDP, two machines, FSDP on CPU with gloo) are in tests/test_ddp.py."""

from __future__ import annotations

import pytest

from ftlib import distributed
from ftlib.config import RunConfig
from ftlib.distributed import Topology


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({}, []),
        ({"nproc": 4}, ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "4"]),
        (
            {"nproc": 2, "nnodes": 3, "node_rank": 2, "rdzv_endpoint": "gpu-a.lan:29400"},
            [
                *("-m", "torch.distributed.run", "--nnodes", "3", "--node-rank", "2"),
                *("--master-addr", "gpu-a.lan", "--master-port", "29400", "--nproc-per-node", "2"),
            ],
        ),
        # Two machines of one process each still need torchrun: it is what makes them meet.
        (
            {"nnodes": 2, "node_rank": 0, "rdzv_endpoint": "[fd00::1]:29500"},
            [
                *("-m", "torch.distributed.run", "--nnodes", "2", "--node-rank", "0"),
                *("--master-addr", "fd00::1", "--master-port", "29500", "--nproc-per-node", "1"),
            ],
        ),
    ],
)
def test_the_launcher_starts_one_process_per_gpu_and_joins_the_other_machines(settings, expected):
    assert distributed.launcher(RunConfig(**settings)) == expected
    assert distributed.launcher(RunConfig(**settings).to_dict()) == expected  # what a run folder stores
    assert distributed.world_size(RunConfig(**settings)) == settings.get("nproc", 1) * settings.get("nnodes", 1)


def test_a_run_folder_of_an_older_version_still_launches_one_process():
    assert distributed.launcher({"nproc": 1, "method": "lora"}) == []  # no nnodes, node_rank, rdzv_endpoint
    assert distributed.starting_message({"nproc": 2}) == "Starting."


# (torchrun's variables, the run folder's node_rank) -> (writes metrics and model, writes the folder's status)
WRITERS = [
    ({}, 0, (True, True)),  # one process alone
    ({"RANK": "1", "LOCAL_RANK": "1", "GROUP_RANK": "0", "WORLD_SIZE": "2"}, 0, (False, False)),  # 2nd GPU
    ({"RANK": "2", "LOCAL_RANK": "0", "GROUP_RANK": "1", "WORLD_SIZE": "4"}, 1, (False, True)),  # machine 1's folder
    ({"RANK": "2", "LOCAL_RANK": "0", "GROUP_RANK": "1", "WORLD_SIZE": "4"}, 0, (False, False)),  # machine 0's folder
    ({"RANK": "3", "LOCAL_RANK": "1", "GROUP_RANK": "1", "WORLD_SIZE": "4"}, 1, (False, False)),
]


@pytest.mark.parametrize("env, folder_node, expected", WRITERS)
def test_global_rank_zero_keeps_the_results_and_each_machine_its_own_status(monkeypatch, env, folder_node, expected):
    for name in ("RANK", "LOCAL_RANK", "GROUP_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    where = Topology.current()
    assert (where.is_main, where.owns(folder_node)) == expected
    # Without FSDP each machine also saves checkpoints and the model into its own folder (and only into its own).
    config = RunConfig(nnodes=2, node_rank=folder_node, rdzv_endpoint="10.0.0.1:29500")
    assert distributed.trainer_kwargs(config).get("save_on_each_node", False) == (where.node_rank == folder_node)
    assert "save_on_each_node" not in distributed.trainer_kwargs(
        RunConfig(method="full", nnodes=2, node_rank=folder_node, rdzv_endpoint="10.0.0.1:29500", sharding="fsdp")
    )  # FSDP's whole model exists on global rank 0 only


# (settings, GPUs on this machine, the refusal's words; None = it can run). The machine has 4 CPU cores.
REFUSALS = [
    ({"device": "auto", "nproc": 2}, 0, None),  # no GPU: processes on the CPU (gloo)
    ({"device": "cpu", "nproc": 4}, 2, None),
    # A cold review: 64 processes on 2 cores ran with a warning and made no step in 4 minutes.
    ({"device": "cpu", "nproc": 5}, 2, "`nproc` is 5 but the run trains on the CPU, and this machine has 4 cores"),
    ({"device": "auto", "nproc": 8}, 0, "so set nproc to 4 or fewer"),
    ({"device": "auto", "nproc": 2}, 2, None),
    ({"device": "auto", "nproc": 4}, 2, "`nproc` is 4 but this machine has 2 GPUs: one process trains on each GPU"),
    ({"device": "cuda", "nproc": 2}, 1, "so set nproc to 1 or fewer"),
    ({"device": "cuda"}, 0, "`device` is cuda but this machine has no GPU that torch can use: use device cpu"),
]


@pytest.mark.parametrize("settings, gpus, words", REFUSALS)
def test_what_this_machines_gpus_cannot_run_is_refused_with_the_fix(settings, gpus, words):
    refused = distributed.refusals(RunConfig(**settings), gpus=gpus, cores=4)
    if words is None:
        assert refused == []
    else:
        assert len(refused) == 1 and words in refused[0]


def test_preflight_refuses_more_processes_than_gpus_before_anything_starts(monkeypatch, smol_tokenizer):
    from ftlib import run_preflight

    monkeypatch.setattr(distributed, "gpu_count", lambda: 2)
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}] * 2
    report = run_preflight.preflight(RunConfig(nproc=8), tokenizer=smol_tokenizer, rows=(rows, []))
    assert not report.ok and "`nproc` is 8 but this machine has 2 GPUs" in report.errors[0]
    assert run_preflight.preflight(RunConfig(nproc=2), tokenizer=smol_tokenizer, rows=(rows, [])).ok


@pytest.mark.parametrize(
    "settings, gpus, warned",
    [
        ({"device": "auto", "nproc": 2}, 0, "this machine has no GPU"),
        ({"device": "cpu", "nproc": 2, "method": "full"}, 2, "device is cpu"),
        ({"device": "auto", "nproc": 2}, 2, None),  # two GPUs: one process each
        ({"device": "cpu", "nproc": 1}, 0, None),
    ],
)
def test_several_processes_on_one_cpu_are_warned_before_the_run(monkeypatch, smol_tokenizer, settings, gpus, warned):
    """`--nproc 2` on a machine without a GPU started two CPU processes sharing two cores without a word, under a
    help that spoke of GPUs only."""
    from ftlib import run_preflight

    monkeypatch.setattr(distributed, "gpu_count", lambda: gpus)
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}] * 2
    report = run_preflight.preflight(RunConfig(**settings), tokenizer=smol_tokenizer, rows=(rows, []))
    said = [w for w in report.warnings if w.startswith("nproc is")]
    assert report.ok  # a warning, not a refusal: it is how a multi-GPU setup is tried on a laptop
    if warned is None:
        assert said == []
    else:
        assert len(said) == 1 and warned in said[0] and "slower than one process" in said[0]
        assert "16 in all" in said[0]  # 8 rows a process, two processes: the per-process batch said


@pytest.mark.parametrize(
    "settings, env, gpus, threads",
    [
        ({"nproc": 2, "device": "cpu"}, {}, 0, "4"),  # 8 cores, nothing set: half each
        ({"nproc": 2, "device": "auto"}, {"OMP_NUM_THREADS": "6"}, 0, "3"),  # FTLIB_THREADS' budget, split
        ({"nproc": 3, "device": "cpu"}, {"OMP_NUM_THREADS": "2"}, 0, "1"),  # never 0
        ({"nproc": 2, "device": "auto"}, {}, 2, None),  # GPUs: torchrun's own setting
        ({"nproc": 1, "device": "cpu"}, {"OMP_NUM_THREADS": "6"}, 0, "6"),  # one process keeps the budget
    ],
)
def test_each_cpu_process_gets_its_share_of_the_threads(settings, env, gpus, threads):
    out = distributed.cpu_threads(RunConfig(**settings).to_dict(), dict(env), cores=8, gpus=gpus)
    assert out.get("OMP_NUM_THREADS") == threads


def test_fsdp_arguments_reach_accelerate_and_gradient_checkpointing_becomes_fsdps_own(tmp_path):
    import torch

    from ftlib import training

    config = RunConfig(method="full", nproc=2, sharding="fsdp", gradient_checkpointing=True)
    args = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=False)
    plugin = args.fsdp_plugin_args
    assert args.fsdp and plugin["fsdp_version"] == 2 and plugin["state_dict_type"] == "FULL_STATE_DICT"
    # transformers refuses both at once; FSDP's own checkpointing avoids a second all-gather in the backward pass.
    assert plugin["activation_checkpointing"] is True and not args.gradient_checkpointing
    plain = training.trainer_arguments(RunConfig(nproc=2), tmp_path, "cpu", torch.float32, has_eval=False)
    assert not plain.fsdp and plain.fsdp_plugin_args is None


def test_the_trainer_class_changes_only_for_fsdp():
    class Base:
        pass

    assert distributed.trainer_class(Base, RunConfig()) is Base
    sharded = distributed.trainer_class(Base, RunConfig(method="full", nproc=2, sharding="fsdp"))
    assert issubclass(sharded, Base) and sharded.__name__ == "Base"


def test_sharding_applies_only_where_the_setting_does_and_4bit_on_an_auto_cpu_is_refused(tmp_path):
    """A cold review: a reward-model run with --sharding fsdp was warned that sharding is ignored, and sharded all the
    same; QLoRA with nproc 2 was refused with device cpu and ran with device auto on a machine without a GPU."""
    import torch

    from ftlib import training

    reward = RunConfig(method="reward", nproc=2, sharding="fsdp")
    assert not distributed.shards(reward) and distributed.trainer_class(dict, reward) is dict
    assert not training.trainer_arguments(reward, tmp_path, "cpu", torch.float32, has_eval=False).fsdp
    assert distributed.shards(RunConfig(method="full", nproc=2, sharding="fsdp"))
    qlora = RunConfig(method="qlora", nproc=2)  # device auto
    assert distributed.refusals(qlora, gpus=0) == [
        "`nproc` above 1 with 4-bit weights needs GPUs, and this machine has none: use nproc 1."
    ]
    assert distributed.refusals(RunConfig(method="lora", nproc=2), gpus=0) == []
    warning = distributed.cpu_process_warnings(RunConfig(method="full", nproc=2, sharding="fsdp"), gpus=0)[0]
    assert "each with its share of the model" in warning


def test_machines_of_one_run_must_agree_on_settings_and_rows_but_not_on_paths(tmp_path):
    """A cold review: two machines started with other datasets trained a mix of both and said "finished"; with other
    max steps one waited 30 minutes in a collective. Each machine's fingerprint (settings less what may differ per
    machine, and a hash of its kept rows) is compared at start (`agree_on_settings`, beside agree_on_checkpoint)."""
    both = {"nnodes": 2, "rdzv_endpoint": "10.0.0.1:29500"}
    for node in (0, 1):
        (tmp_path / f"m{node}" / "split").mkdir(parents=True)
        (tmp_path / f"m{node}" / "split" / "train.jsonl").write_text('{"text": "a"}\n')
    m0 = distributed.fingerprint(
        RunConfig(node_rank=0, model="/a/model", dataset="/a/d.jsonl", **both), tmp_path / "m0"
    )
    m1 = distributed.fingerprint(
        RunConfig(node_rank=1, model="/b/model", dataset="/b/d.jsonl", **both), tmp_path / "m1"
    )
    assert distributed.differences([m0, m1]) == []  # paths and the node rank are each machine's own
    other = distributed.fingerprint(RunConfig(node_rank=1, batch_size=4, max_steps=8, **both), tmp_path / "m1")
    assert distributed.differences([m0, other]) == [
        "process 1: max_steps 8 (process 0: 0), batch_size 4 (process 0: 8)"
    ]
    (tmp_path / "m1" / "split" / "train.jsonl").write_text('{"text": "b"}\n')
    m1 = distributed.fingerprint(RunConfig(node_rank=1, **both), tmp_path / "m1")
    assert distributed.differences([m0, m1]) == ["process 1: other training rows"]
