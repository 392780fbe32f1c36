"""Edges of ftlib.cpu_quota that a mutation review found untested: a cgroup v1 service's own quota (its cpu line
beside a cpuset one), an older kernel's topology file, CPUs with no topology, and the kernel's CPU ranges. The cgroup
and CPU files are fakes in tmp_path, laid out and worded as the kernel writes them."""

from __future__ import annotations

import os

from ftlib import cpu_quota, sharing


def write_tree(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_cgroup_v1_services_own_quota_counts_and_cpuset_is_not_cpu(tmp_path):
    """On a cgroup v1 host a systemd service's CPUQuota= is on its own cgroup under the cpu mount; the cpuset line
    (listed after it, at the root) names another controller's cgroup, not the cpu one."""
    service = "cpu,cpuacct/system.slice/ftlib.service/"
    root = {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    write_tree(tmp_path, {**root, service + "cpu.cfs_quota_us": "200000\n", service + "cpu.cfs_period_us": "100000\n"})
    membership = "5:memory:/system.slice/ftlib.service\n4:cpu,cpuacct:/system.slice/ftlib.service\n3:cpuset:/\n"
    assert cpu_quota.quota_cpus(tmp_path, membership=membership) == 2


def test_cores_from_an_older_kernels_topology_and_cpus_without_one(tmp_path):
    """Kernels before 5.3 have no core_cpus_list, only thread_siblings_list: hyper-threads still count once. Two CPUs
    whose topology cannot be read are two cores, not one."""
    sys_cpus = tmp_path / "cpu"
    write_tree(sys_cpus, {"online": "0-3\n"})
    for cpu in range(4):  # 2 cores of 2 threads: core c's threads are c and c + 2
        write_tree(sys_cpus, {f"cpu{cpu}/topology/thread_siblings_list": f"{cpu % 2},{cpu % 2 + 2}\n"})
    assert cpu_quota.physical_cores(None, sys_cpus) == 2
    assert cpu_quota.physical_cores({0, 2}, sys_cpus) == 1
    assert cpu_quota.physical_cores({8, 9}, sys_cpus) == 2


def test_the_kernels_cpu_ranges_include_their_last_cpu(tmp_path):
    """ "0-3,6" is CPUs 0 to 3 and 6: 5 cores without hyper-threads, so an affinity of 4 of them is a budget of 4."""
    sys_cpus = tmp_path / "cpu"
    write_tree(sys_cpus, {"online": "0-3,6\n"})
    for cpu in (0, 1, 2, 3, 6):
        write_tree(sys_cpus, {f"cpu{cpu}/topology/core_cpus_list": f"{cpu}\n"})
    assert cpu_quota.physical_cores(None, sys_cpus) == 5
    assert cpu_quota.thread_budget(tmp_path / "cgroup", cpus={0, 1, 2, 3}, sys_cpus=sys_cpus, membership="0::/\n") == 4


def test_a_machine_with_no_cpu_files_counts_its_cpus(tmp_path):
    """Where /sys shows no CPU list (not Linux, a sandbox), the machine's cores are os.cpu_count(), not 1 (which
    would leave no quota below it)."""
    assert cpu_quota.physical_cores(None, tmp_path / "missing") == max(1, os.cpu_count() or 1)


def test_a_zero_thread_setting_is_no_setting():
    """FTLIB_THREADS=0 is not a thread count (OpenMP reads OMP_NUM_THREADS=0 as invalid): the quota's budget
    applies, as unset."""
    env = sharing.process_env({"FTLIB_THREADS": "0"}, budget=lambda: 2)
    assert env["OMP_NUM_THREADS"] == "2"
