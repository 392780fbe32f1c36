"""A container's CPU quota and the process's affinity bound the threads torch runs (ftlib.cpu_quota, and
ftlib.sharing.process_env, which turns them into OMP_NUM_THREADS before torch loads). The cgroup and CPU topology
files are fakes in tmp_path, laid out and worded as the kernel writes them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ftlib import cpu_quota, sharing

# (id, files under the cgroup root, /proc/self/cgroup's text, expected CPUs)
V2 = "0::/\n"
V1 = "12:cpu,cpuacct:/\n11:cpuset:/\n0::/\n"
QUOTAS = [
    ("v2-no-quota", {"cpu.max": "max 100000\n"}, V2, None),
    ("v2-two-cpus", {"cpu.max": "200000 100000\n"}, V2, 2),
    ("v2-one-and-a-half-rounds-up", {"cpu.max": "150000 100000\n"}, V2, 2),
    ("v2-a-tenth-is-still-one", {"cpu.max": "10000 100000\n"}, V2, 1),
    ("v2-malformed", {"cpu.max": "two cpus\n"}, V2, None),
    ("v2-one-word", {"cpu.max": "200000\n"}, V2, None),
    ("v2-empty", {"cpu.max": ""}, V2, None),
    ("v2-zero-period", {"cpu.max": "200000 0\n"}, V2, None),
    ("v1-three-cpus", {"cpu,cpuacct/cpu.cfs_quota_us": "3000\n", "cpu,cpuacct/cpu.cfs_period_us": "1000\n"}, V1, 3),
    ("v1-cpu-mount", {"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, V1, 1),
    ("v1-none", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, V1, None),
    ("v1-malformed", {"cpu/cpu.cfs_quota_us": "lots\n", "cpu/cpu.cfs_period_us": "100000\n"}, V1, None),
    ("v1-no-period", {"cpu/cpu.cfs_quota_us": "200000\n"}, V1, None),
    ("no-files", {}, V2, None),
    ("no-membership", {"cpu.max": "400000 100000\n"}, "", 4),
    # A systemd service (CPUQuota=200%): the limit is on its own cgroup, not on the mount's root.
    (
        "v2-systemd-service",
        {"cpu.max": "max 100000\n", "system.slice/ftlib.service/cpu.max": "200000 100000\n"},
        "0::/system.slice/ftlib.service\n",
        2,
    ),
    # A parent's quota bounds every cgroup under it: the smallest counts.
    (
        "v2-parent-smaller",
        {"team.slice/cpu.max": "300000 100000\n", "team.slice/ftlib.service/cpu.max": "800000 100000\n"},
        "0::/team.slice/ftlib.service\n",
        3,
    ),
    # cgroup v1 in a container: /proc names the host's path, the mount shows the container's own cgroup as its root.
    (
        "v1-container-host-path",
        {"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"},
        "4:cpu,cpuacct:/docker/3f2a9c\n",
        2,
    ),
]


def write_tree(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.mark.parametrize("files, membership, expected", [c[1:] for c in QUOTAS], ids=[c[0] for c in QUOTAS])
def test_the_cgroup_quota_in_cpus(tmp_path, files, membership, expected):
    write_tree(tmp_path, files)
    assert cpu_quota.quota_cpus(tmp_path, membership=membership) == expected


def fake_cpus(root, cores: int, threads: int = 1):
    """A /sys/devices/system/cpu of `cores` cores with `threads` hyper-threads each, numbered as Linux does on x86
    (core c's threads: c, c + cores, ...)."""
    total = cores * threads
    (root / "online").parent.mkdir(parents=True, exist_ok=True)
    (root / "online").write_text(f"0-{total - 1}\n")
    for cpu in range(total):
        siblings = ",".join(str(cpu % cores + t * cores) for t in range(threads))
        topology = root / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "core_cpus_list").write_text(siblings + "\n")
    return root


def test_physical_cores_count_hyper_threads_once(tmp_path):
    sys_cpus = fake_cpus(tmp_path / "cpu", cores=4, threads=2)
    assert cpu_quota.physical_cores(None, sys_cpus) == 4
    assert cpu_quota.physical_cores({0, 4}, sys_cpus) == 1  # both threads of core 0
    assert cpu_quota.physical_cores({0, 1, 2}, sys_cpus) == 3
    assert cpu_quota.physical_cores({9}, sys_cpus) == 1  # no topology for it: a core of its own


# (id, cgroup files, cores, hyper-threads, affinity (None: every CPU), expected budget)
BUDGETS = [
    ("64-cores-quota-2", {"cpu.max": "200000 100000\n"}, 64, 1, None, 2),
    ("no-quota-every-cpu", {"cpu.max": "max 100000\n"}, 64, 1, None, None),
    ("no-files-every-cpu", {}, 8, 2, None, None),
    ("quota-above-the-cores", {"cpu.max": "1600000 100000\n"}, 8, 1, None, None),
    ("quota-equals-the-cores", {"cpu.max": "800000 100000\n"}, 8, 1, None, None),
    ("affinity-3-cpus", {}, 64, 1, {0, 1, 2}, 3),
    ("affinity-one-core-two-threads", {}, 8, 2, {0, 8}, 1),
    ("affinity-below-quota", {"cpu.max": "400000 100000\n"}, 64, 1, {5, 6}, 2),
    ("quota-below-affinity", {"cpu.max": "100000 100000\n"}, 64, 1, {5, 6, 7}, 1),
]


@pytest.mark.parametrize(
    "files, cores, threads, cpus, expected", [c[1:] for c in BUDGETS], ids=[c[0] for c in BUDGETS]
)
def test_the_thread_budget_is_the_quota_or_the_affinity_when_below_torchs_cores(
    tmp_path, files, cores, threads, cpus, expected
):
    write_tree(tmp_path / "cgroup", files)
    sys_cpus = fake_cpus(tmp_path / "cpu", cores, threads)
    every = range(cores * threads)
    budget = cpu_quota.thread_budget(tmp_path / "cgroup", cpus=every if cpus is None else cpus, sys_cpus=sys_cpus,
                                     membership=V2)  # fmt: skip
    assert budget == expected


def test_process_env_gives_torch_the_quotas_budget_unless_the_user_set_one():
    two = lambda: 2  # noqa: E731 (a container limited to 2 CPUs)
    marker = sharing.DEFAULTED
    assert sharing.process_env({}, budget=two) == {"OMP_NUM_THREADS": "2", marker: "OMP_NUM_THREADS"}
    assert sharing.process_env({}, budget=lambda: None) == {}  # no quota: torch's own default
    # What the user set always wins: FTLIB_THREADS, or OpenMP's and MKL's own settings (torch reads both).
    assert sharing.process_env({"FTLIB_THREADS": "5"}, budget=two) == {"FTLIB_THREADS": "5", "OMP_NUM_THREADS": "5"}
    assert sharing.process_env({"OMP_NUM_THREADS": "7"}, budget=two) == {"OMP_NUM_THREADS": "7"}
    assert sharing.process_env({"MKL_NUM_THREADS": "6"}, budget=two) == {"MKL_NUM_THREADS": "6"}
    # With the lease off, beside the passive waits.
    off = sharing.process_env({"FTLIB_LEASE": "0"}, budget=two)
    assert off["OMP_NUM_THREADS"] == "2" and off[marker] == "KMP_BLOCKTIME,OMP_NUM_THREADS,OMP_WAIT_POLICY"
    assert sharing.process_env(dict(off), budget=two) == off  # twice (the CLI's, then the launcher's): the same


def test_a_child_works_out_the_budget_again_not_taking_its_parents_for_the_users():
    """The server sets OMP_NUM_THREADS in its own environment, which the runs it launches inherit: a child whose
    budget differs (FTLIB_THREADS recorded with the run, another quota) must not keep the server's as the user's."""
    parent = sharing.process_env({}, budget=lambda: 2)
    assert sharing.process_env(dict(parent), budget=lambda: 3)["OMP_NUM_THREADS"] == "3"
    assert sharing.process_env(dict(parent), budget=lambda: None) == {}
    child = sharing.process_env(dict(parent) | {"FTLIB_THREADS": "4"}, budget=lambda: 2)
    assert child == {"FTLIB_THREADS": "4", "OMP_NUM_THREADS": "4"}


def _torch_threads(env: dict) -> int:
    code = "import torch; print(torch.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(len(cpu_quota.affinity()) < 2, reason="one CPU: torch runs one thread anyway")
def test_torch_runs_the_budget_and_no_fewer_threads_than_its_default_without_a_quota():
    """What torch itself does with the environment process_env gives it (a subprocess: torch reads it as it loads),
    and that this machine's budget never lowers torch's own default where there is no quota."""
    bare = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "FTLIB_THREADS")}
    assert _torch_threads(sharing.process_env(dict(bare), budget=lambda: 1)) == 1
    default = _torch_threads(bare)
    budget = cpu_quota.thread_budget()
    assert budget is None or budget <= default


@pytest.mark.parametrize("entry", ["serve", "app"])
def test_the_server_process_gets_the_budget_before_torch_loads(entry):
    """Generation (Compare, Evaluate) runs in the server's own process: its entry point (serve.py, or app.py under
    `streamlit run app.py`) must set the budget before anything imports torch, which reads OMP_NUM_THREADS once, as
    it loads (a finder records OMP_NUM_THREADS when torch is first imported). Outside a Streamlit server app.py runs
    in Streamlit's bare mode."""
    from pathlib import Path

    code = (
        "import os, sys\n"
        "from ftlib import cpu_quota\n"
        "cpu_quota.thread_budget = lambda: 1  # a container limited to 1 CPU\n"
        "seen = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' and not seen:\n"
        "            seen.append(os.environ.get('OMP_NUM_THREADS'))\n"
        "sys.meta_path.insert(0, Spy())\n"
        f"import {entry}\n"
        "assert seen in ([], ['1']), f'torch loaded with OMP_NUM_THREADS={seen}'\n"
        "assert os.environ.get('OMP_NUM_THREADS') == '1', os.environ.get('OMP_NUM_THREADS')\n"
    )
    bare = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "FTLIB_THREADS")}
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=bare | {"FTLIB_WARM_UP": "0"},
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
