"""What a run writes is readable by the rest of README's group-shared workspace (umask 002), safetensors' too."""

from __future__ import annotations

import os
import stat

from ftlib import runs
from ftlib.worker import execute
from tests.test_runs import real_config


def test_a_runs_checkpoints_and_adapter_are_readable_as_the_umask_allows_not_safetensors_0600(
    tiny_model_dir, tmp_path
):
    """An operator's review: safetensors writes its files 0600 whatever the umask, so in README's group-shared
    workspace a teammate's account could not resume another's run from its checkpoint ("each account can then
    stop, resume and queue the others' runs"), nor load its adapter in Compare, Evaluate or `sample`."""
    run_id = runs.create_run(real_config(tiny_model_dir, tmp_path, max_steps=2, eval_every=0, save_every=1))
    run = runs.find(run_id)
    old = os.umask(0o002)
    try:
        assert execute(run.path) == "finished"
    finally:
        os.umask(old)
    weights = sorted(run.path.rglob("*.safetensors"))
    assert {p.parent.name for p in weights} >= {"adapter", "checkpoint-2"}
    for path in weights:
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path  # group and others read, as 0664 would


def test_readable_adds_only_the_umasks_read_bits_to_a_runs_files_and_sets_a_built_folders_exactly(tmp_path):
    """`readable` on a run's own files adds read (and a folder's search) bits as the umask allows, at any depth,
    keeping what is there (an owner's execute bit, a file already group-writable); `exact` (a folder this process
    built) sets the umask's modes, no more and no less."""
    from ftlib.file_modes import readable

    def build(root):
        (root / "sub" / "deep").mkdir(parents=True)
        modes = {
            root / "sub": 0o700,
            root / "sub" / "deep": 0o700,
            root / "sub" / "deep" / "w.safetensors": 0o600,
            root / "run.sh": 0o700,
            root / "shared.json": 0o666,
        }
        for path, mode in modes.items():
            if not path.exists():
                path.touch()
            os.chmod(path, mode)
        os.chmod(root, 0o700)
        return root

    def modes(root):
        return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in (root, *root.rglob("*"))}

    old = os.umask(0o022)
    try:
        readable(build(tmp_path / "run"))
        readable(build(tmp_path / "built"), exact=True)
    finally:
        os.umask(old)
    assert modes(tmp_path / "run") == {
        ".": 0o755,
        "sub": 0o755,
        "sub/deep": 0o755,
        "sub/deep/w.safetensors": 0o644,
        "run.sh": 0o744,
        "shared.json": 0o666,
    }
    assert modes(tmp_path / "built") == {
        ".": 0o755,
        "sub": 0o755,
        "sub/deep": 0o755,
        "sub/deep/w.safetensors": 0o644,
        "run.sh": 0o644,
        "shared.json": 0o644,
    }
