"""A full disk while saving data: the save is refused with where and what to free, and nothing saved before is
lost or half-replaced. The fault is real: writes run under a file-size limit (RLIMIT_FSIZE), so they fail inside
the OS the way a full disk makes them fail (EFBIG instead of ENOSPC; both are handled alike)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.workspace import DiskFullError

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 64 * 1024  # bytes a file may grow to while the limit is on; the big dataset's split files are ~8x that


@contextlib.contextmanager
def file_size_limit(limit: int = LIMIT):
    """In this process: no file grows past `limit` bytes (SIGXFSZ ignored, so the write fails with EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def in_child_with_limit(limit: int = LIMIT):
    def apply():  # runs in the child before exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def chat_rows(n: int, tag: str = "") -> list[dict]:
    return [
        {
            "messages": [
                {"role": "user", "content": f"{tag}question {i} " + "x" * 150},
                {"role": "assistant", "content": f"{tag}answer {i} " + "y" * 150},
            ]
        }
        for i in range(n)
    ]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden temporary files included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# The train file too big; or the train file fits and the test file does not (a file-by-file save would have
# replaced the train file by then: a new train set beside the old test set).
@pytest.mark.parametrize("n_train, n_test, failing", [(2000, 200, "train.jsonl"), (10, 2000, "test.jsonl")])
def test_a_split_replaced_on_a_full_disk_stays_whole(n_train, n_test, failing):
    workspace.save_split("chats", chat_rows(8, "old "), chat_rows(2, "old "), {"source": "before"})
    before = snapshot(workspace.datasets_dir())
    with file_size_limit(), pytest.raises(DiskFullError) as caught:
        workspace.save_split("chats", chat_rows(n_train), chat_rows(n_test), {"source": "after"})
    message = str(caught.value)
    assert message.startswith(f"The disk is full while writing {workspace.datasets_dir() / 'chats' / failing}")
    assert str(workspace.workspace_dir()) in message and "FTLIB_WORKSPACE" in message
    assert "untouched" in message
    # The old train, test and meta files: byte for byte, and no temporary file left beside them.
    assert snapshot(workspace.datasets_dir()) == before
    assert workspace.load_split("chats")[2]["source"] == "before"


def test_a_new_split_on_a_full_disk_leaves_no_folder_behind():
    with file_size_limit(), pytest.raises(DiskFullError):
        workspace.save_split("fresh", chat_rows(2000), chat_rows(200))
    assert not (workspace.datasets_dir() / "fresh").exists()
    assert workspace.list_splits() == []


def test_an_upload_on_a_full_disk_is_not_kept_half_written():
    earlier = workspace.save_upload("earlier.jsonl", b'{"a": 1}\n')
    with file_size_limit(), pytest.raises(DiskFullError, match="The disk is full while writing .*big.jsonl"):
        workspace.save_upload("big.jsonl", b"z" * (LIMIT * 4))
    assert [p.name for p in workspace.uploads_dir().iterdir()] == [earlier.name]
    assert earlier.read_bytes() == b'{"a": 1}\n'


def test_the_data_page_reports_a_full_disk_and_keeps_the_earlier_split(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    workspace.save_split("big", chat_rows(4, "old "), chat_rows(1, "old "), {"source": "before"})
    before = snapshot(workspace.datasets_dir())
    data = tmp_path / "big.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in chat_rows(2000)))

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(data)).run()
    at.text_input(key="split_name").input("big").run()
    at.checkbox(key="split_replace_big").check().run()  # the Data page asks before replacing a saved split
    with file_size_limit():
        at.button(key="split_save").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Could not save the split: The disk is full while writing"), errors
    assert "FTLIB_WORKSPACE" in errors[0]
    assert not at.success
    assert snapshot(workspace.datasets_dir()) == before

    # Space freed: the same click saves it, in the same session (the app kept running).
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    train, test, meta = workspace.load_split("big")
    assert len(train) + len(test) == 2000 and meta["source"] != "before"


def test_the_cli_split_on_a_full_disk_exits_2_with_the_reason_and_keeps_the_old_files(tmp_path):
    data = tmp_path / "big.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in chat_rows(2000)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "train.jsonl").write_text("old train\n")
    (out / "test.jsonl").write_text("old test\n")
    (out / "meta.json").write_text("{}\n")  # an earlier split: a folder without one is refused before reading
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib", "data", "split", str(data), "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=in_child_with_limit(),
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"error: The disk is full while writing {out / 'train.jsonl'}"), proc.stderr
    assert "pick another --out folder" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(out) == {"test.jsonl": b"old test\n", "train.jsonl": b"old train\n", "meta.json": b"{}\n"}


@pytest.fixture
def finished_lora_run(tiny_model_dir, tmp_path) -> str:
    from ftlib import runs, worker
    from tests.test_training import SFT_ROWS, tiny_config

    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run_id = runs.create_run(tiny_config(tiny_model_dir, dataset=str(data)))
    assert worker.execute(runs.find(run_id).path) == "finished"
    return run_id


def test_exports_on_a_full_disk_leave_no_half_file_and_work_once_space_is_back(finished_lora_run):
    from ftlib import export, runs

    run = runs.find(finished_lora_run)
    path = run.path
    with file_size_limit(), pytest.raises(DiskFullError, match=f"while writing {path / 'merged'}"):
        export.export_merged(run)
    assert not (path / "merged").exists() and not (path / "merged.partial").exists()
    with file_size_limit(1024), pytest.raises(DiskFullError, match="adapter.zip"):
        export.zip_folder(export.export_adapter(run))
    assert list((path / "exports").iterdir()) == []  # no .partial.zip left to be mistaken for a download

    merged = export.export_merged(run)
    assert (merged / "config.json").is_file() and any(merged.glob("*.safetensors"))
    assert export.zip_folder(merged).stat().st_size > 0


def test_exports_are_refused_up_front_when_the_disk_has_too_little_room(finished_lora_run, monkeypatch):
    from ftlib import export, runs

    monkeypatch.setattr(workspace, "free_bytes", lambda folder: 10 * 2**20)
    run = runs.find(finished_lora_run)
    with pytest.raises(DiskFullError, match=r"the merged model needs about \d+ MiB, 10 MiB free"):
        export.export_merged(run)  # the tiny model's weights: ~13 MiB
    assert not (run.path / "merged").exists() and not (run.path / "merged.partial").exists()  # refused before writing


def test_the_train_page_says_why_a_download_failed(finished_lora_run, tiny_model_dir, monkeypatch):
    """Streamlit builds a download's file on another thread and only tells the browser "Failed to generate file";
    the page shows the reason on its next run. The buttons' callables are caught where Streamlit registers them."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    from ftlib import runs

    built: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        built[file_name] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = finished_lora_run
    at.run()
    assert not at.exception and not at.error
    run = finished_lora_run
    assert sorted(built) == [f"{run}-adapter.zip", f"{run}-merged.zip"]

    adapter_zip = built[f"{run}-adapter.zip"]()  # what a click on "Download the adapter" sends
    names = zipfile.ZipFile(io.BytesIO(adapter_zip)).namelist()
    assert "adapter_model.safetensors" in names and "adapter_config.json" in names

    with file_size_limit(), pytest.raises(DiskFullError):
        built[f"{run}-merged.zip"]()
    at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        f"The download could not be prepared: The disk is full while writing {runs.find(run).path / 'merged'}"
    ), errors
    at.run()
    assert not at.error  # said once


def test_a_run_that_cannot_be_written_is_not_left_half_made(tiny_model_dir, monkeypatch):
    from ftlib import runs
    from ftlib.rundir import RunDir
    from tests.test_training import tiny_config

    def full_disk(self, **fields):
        raise workspace.disk_full_error(self.status_file, "No space left on device", "Free space.")

    with monkeypatch.context() as patch:
        patch.setattr(RunDir, "update_status", full_disk)
        with pytest.raises(DiskFullError, match="The disk is full"):
            runs.create_run(tiny_config(tiny_model_dir, dataset="x.jsonl"))
    assert [p.name for p in workspace.runs_dir().iterdir() if p.is_dir()] == [] and runs.list_runs() == []


def test_a_checkpoint_torch_cannot_finish_writing_reads_as_a_full_disk(tmp_path):
    """A cold review: a checkpoint saved on a full disk ended with "RuntimeError: [enforce fail at
    inline_container.cc:672] . unexpected pos ..." (torch.save's zip writer raises no OSError), unnamed as a full disk.
    The fault is real: torch.save under a file-size limit."""
    import torch

    from ftlib.worker import friendly_error

    with file_size_limit(4096), pytest.raises(Exception) as caught:
        torch.save({"weights": torch.zeros(64, 64)}, tmp_path / "optimizer.pt")
    assert workspace.is_disk_full(caught.value), repr(caught.value)
    said = friendly_error(caught.value)
    assert said.startswith("The disk is full (") and "Then resume: the run continues from its last complete" in said
