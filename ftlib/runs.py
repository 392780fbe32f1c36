"""Training runs on disk: the registry, the queue, launching, stopping, resuming and exporting.

Every run is a folder under `workspace.runs_dir()` named like `20261123-091500-lora-chat_style`:

    config.json     the RunConfig                      status.json   state, pid, phase, message, timings
    metrics.jsonl   one line per step / evaluation     train.log     everything the process printed
    checkpoints/    the latest checkpoint (resume)     adapter/ or model/   the result (safetensors)
    STOP            present while a stop is requested  merged/       the adapter merged into the base (export)

States: queued -> running -> finished | failed | interrupted; `stopping` while a stop is in progress. One run
is active per device; the others wait in order. The queue advances when a run ends (the training process starts
the next one) and whenever anything lists runs (`list_runs` reconciles first: a run whose process died is
marked failed or interrupted, with its last log lines). Queue decisions happen under a file lock, so two
browser tabs or CLI calls starting runs at the same moment both get queued and nothing is corrupted.

All state is on disk: a browser refresh, a second tab or an app restart sees every run as it was.
Not known here: what training does (training.py) and how metrics are written (metrics.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from ftlib import sharing, workspace
from ftlib.errors import UserError
from ftlib.metrics import METRICS_FILE, STOP_FILE, read_metrics

STATES = ("queued", "running", "stopping", "finished", "failed", "interrupted")
ACTIVE = ("running", "stopping")
DONE = ("finished", "failed", "interrupted")
STATUS_FILE = "status.json"
CONFIG_FILE = "config.json"
LOG_FILE = "train.log"
_QUEUE_LOCK = ".queue.lock"
_ROOT = Path(__file__).resolve().parents[1]
# Processes this Python process started, so their exit is reaped (a dead child otherwise lingers as a zombie
# that still answers kill(pid, 0)).
_CHILDREN: dict[int, subprocess.Popen] = {}


class RunError(UserError):
    """A run operation that cannot be done (unknown id, wrong state); the message says why."""


# ---------------------------------------------------------------------------------------------------------------
# Files and locks
# ---------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_dir(run_id: str) -> Path:
    """The folder of an existing run; RunError when there is none."""
    name = workspace.safe_name(run_id, default="")
    path = workspace.runs_dir() / name
    if not name or name != run_id or not (path / CONFIG_FILE).is_file():
        raise RunError(f"There is no run '{run_id}'. `python -m ftlib runs list` shows the runs.")
    return path


def read_status(path: Path) -> dict:
    try:
        return json.loads((Path(path) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def update_status(path: Path, **fields) -> dict:
    """Merge fields into status.json atomically, under the run's own lock (the runner and the UI both write)."""
    path = Path(path)
    with _locked(path / ".status.lock"):
        status = read_status(path)
        status.update(fields)
        status["updated"] = time.time()
        workspace.atomic_write_text(path / STATUS_FILE, json.dumps(status, indent=1))
    return status


def read_config(path: Path) -> dict:
    try:
        return json.loads((Path(path) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def log_tail(path: Path, lines: int = 20) -> list[str]:
    """The last non-empty lines of the run's log."""
    log = Path(path) / LOG_FILE
    if not log.is_file():
        return []
    with open(log, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 64_000))
        text = handle.read().decode("utf-8", errors="replace")
    # tqdm-style carriage returns put many updates on one line; keep the last of each.
    out = [line.rsplit("\r", 1)[-1].rstrip() for line in text.splitlines()]
    return [line for line in out if line.strip()][-lines:]


# ---------------------------------------------------------------------------------------------------------------
# Creating and queueing
# ---------------------------------------------------------------------------------------------------------------


def _device_key(device: str) -> str:
    if device in ("", "auto", None):
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:
            return "cpu"
    return device


def _conflict(a: str, b: str) -> bool:
    # `cuda` means "the GPUs" and blocks every `cuda:N`; `cuda:0` and `cuda:1` can run side by side.
    if a == b:
        return True
    return (a == "cuda" and b.startswith("cuda")) or (b == "cuda" and a.startswith("cuda"))


def _new_id(config) -> str:
    stem = config.name or Path(str(config.dataset)).stem or "run"
    base = workspace.safe_name(f"{time.strftime('%Y%m%d-%H%M%S')}-{config.method}-{stem}", default="run")[:80]
    candidate, n = base, 2
    while (workspace.runs_dir() / candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def create_run(config) -> str:
    """Write a new run folder in state `queued` and return its id (does not start it)."""
    from ftlib.training import RunConfig

    if isinstance(config, dict):
        config = RunConfig.from_dict(config)
    root = workspace.runs_dir()
    with _locked(root / _QUEUE_LOCK):
        run_id = _new_id(config)
        path = root / run_id
        path.mkdir(parents=True)
        try:
            workspace.atomic_write_text(path / CONFIG_FILE, json.dumps(config.to_dict(), indent=1))
            update_status(
                path,
                id=run_id,
                state="queued",
                created=time.time(),
                queued_at=time.time_ns(),
                device=_device_key(config.device),
                method=config.method,
                tuning=config.tuning,
                message="Waiting for its turn.",
            )
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)  # e.g. a full disk: no half-made run left in the list
            raise
    return run_id


def submit(config) -> str:
    """Queue a run and start it if its device is free; return the run id."""
    run_id = create_run(config)
    advance()
    return run_id


def _launch_command(path: Path, nproc: int) -> list[str]:
    if nproc > 1:
        # torchrun runs the very same entry point once per process (DDP); --standalone picks a free port.
        return [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            str(nproc),
            "-m",
            "ftlib.training",
            str(path),
        ]
    return [sys.executable, "-m", "ftlib.training", str(path)]


def _launch(path: Path) -> None:
    config = read_config(path)
    # Written before the process exists, so no other caller can launch this run twice.
    update_status(
        path, state="running", phase="starting", started=time.time(), pid=None, message="Starting.", ended=None
    )
    env = dict(os.environ)
    env["FTLIB_WORKSPACE"] = str(workspace.workspace_dir())
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    sharing.process_env(env)  # issue 17: idle OpenMP threads sleep; FTLIB_THREADS
    with open(path / LOG_FILE, "ab") as log:
        # A new session: the run outlives the browser tab, the Streamlit server and the CLI that started it.
        proc = subprocess.Popen(
            _launch_command(path, int(config.get("nproc", 1) or 1)),
            cwd=str(_ROOT),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    update_status(path, pid=proc.pid)


def _all_run_dirs() -> list[Path]:
    return sorted(p for p in workspace.runs_dir().iterdir() if (p / CONFIG_FILE).is_file())


def advance() -> list[str]:
    """Start the oldest queued run on every free device; return the ids started."""
    started = []
    root = workspace.runs_dir()
    with _locked(root / _QUEUE_LOCK):
        _reconcile_unlocked()
        statuses = [(p, read_status(p)) for p in _all_run_dirs()]
        busy = [s.get("device", "cpu") for _, s in statuses if s.get("state") in ACTIVE]
        queued = sorted((s.get("queued_at", 0), p.name, p, s) for p, s in statuses if s.get("state") == "queued")
        for _, name, path, status in queued:
            device = status.get("device", "cpu")
            if any(_conflict(device, other) for other in busy):
                continue
            _launch(path)
            busy.append(device)
            started.append(name)
    return started


# ---------------------------------------------------------------------------------------------------------------
# Noticing dead processes
# ---------------------------------------------------------------------------------------------------------------


def _reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]


def _alive(pid: int | None, path: Path) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            if state in ("Z", "X"):
                return False
            # A recycled pid belongs to some other program: ours has the run folder on its command line.
            return str(path) in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return False
    return True


def _reconcile_unlocked() -> None:
    _reap()
    for path in _all_run_dirs():
        status = read_status(path)
        if status.get("state") not in ACTIVE:
            continue
        pid = status.get("pid")
        if pid is None and time.time() - float(status.get("started") or 0) < 60:
            continue  # being launched right now
        if _alive(pid, path):
            continue
        status = read_status(path)  # it may have written its final state just before exiting
        if status.get("state") not in ACTIVE:
            continue
        tail = log_tail(path)
        from ftlib.training import last_checkpoint

        checkpoint = last_checkpoint(path)
        crashed = any("Traceback" in line for line in tail) or any(
            line.startswith(("Error", "RuntimeError")) for line in tail
        )
        where = (
            f"Resume continues from {checkpoint.name}."
            if checkpoint
            else "No checkpoint was saved yet; resume starts from the beginning."
        )
        if crashed:
            last = tail[-1] if tail else "no log"
            state, message = "failed", f"The training process crashed: {last} {where}"
        else:
            state, message = (
                "interrupted",
                (
                    "The training process ended unexpectedly (killed, out of memory, or "
                    f"the machine restarted). {where}"
                ),
            )
        update_status(
            path,
            state=state,
            phase="",
            message=message,
            error=message if crashed else None,
            ended=time.time(),
            log_tail=tail,
        )


def reconcile() -> None:
    """Mark runs whose process died as failed/interrupted (with their last log lines)."""
    with _locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked()


# ---------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------


def summary(path: Path) -> dict:
    """One row of the runs table: state, method, dataset, progress, losses, timings."""
    status, config = read_status(path), read_config(path)
    metrics = read_metrics(path)
    train = [m for m in metrics if m.get("kind") == "train"]
    evals = [m for m in metrics if m.get("kind") == "eval"]
    state = status.get("state", "unknown")
    step = train[-1]["step"] if train else int(status.get("step") or 0)
    max_steps = int(status.get("max_steps") or 0)
    elapsed = train[-1]["elapsed"] if train else 0.0
    started, ended = status.get("started"), status.get("ended")
    if started:
        duration = (ended if ended and state in DONE else time.time()) - started
    else:
        duration = 0.0
    eta = None
    if state in ACTIVE and step and max_steps and elapsed:
        eta = elapsed / step * (max_steps - step)
    method = config.get("method", status.get("method", "?"))
    if method == "dpo":
        method = f"dpo ({config.get('dpo_tuning', 'lora')})"
    return {
        "id": path.name,
        "name": config.get("name", ""),
        "state": state,
        "phase": status.get("phase", ""),
        "method": method,
        "model": config.get("model", ""),
        "dataset": config.get("dataset", ""),
        "device": status.get("device", ""),
        "created": status.get("created"),
        "started": started,
        "ended": ended,
        "duration_s": round(max(duration, 0.0), 1),
        "step": step,
        "max_steps": max_steps,
        "progress": min(1.0, step / max_steps) if max_steps else (1.0 if state == "finished" else 0.0),
        "eta_s": round(eta, 1) if eta is not None else None,
        "train_loss": train[-1].get("loss") if train else None,
        "eval_loss": evals[-1].get("eval_loss") if evals else None,
        "reward_accuracy": train[-1].get("reward_accuracy") if train else None,
        "message": status.get("message", ""),
        "output": status.get("output"),
        "log_tail": status.get("log_tail") or ([] if state not in ("failed", "interrupted") else log_tail(path)),
        "resumable": state in ("failed", "interrupted"),
    }


def list_runs(refresh: bool = True) -> list[dict]:
    """Every run, newest first. With `refresh`, dead processes are noticed and the queue advances first."""
    if refresh:
        advance()
    rows = [summary(p) for p in _all_run_dirs()]
    return sorted(rows, key=lambda r: r.get("created") or 0, reverse=True)


def get(run_id: str) -> dict:
    """Summary plus config and metrics of one run."""
    path = run_dir(run_id)
    info = summary(path)
    info["config"] = read_config(path)
    info["metrics"] = read_metrics(path)
    info["path"] = str(path)
    return info


def active_runs() -> list[dict]:
    return [r for r in list_runs() if r["state"] in ("queued",) + ACTIVE]


# ---------------------------------------------------------------------------------------------------------------
# Stop, resume, wait, delete
# ---------------------------------------------------------------------------------------------------------------


def stop(run_id: str) -> dict:
    """Ask a run to stop: a queued run leaves the queue; a running one saves a checkpoint and ends `interrupted`."""
    path = run_dir(run_id)
    with _locked(workspace.runs_dir() / _QUEUE_LOCK):
        state = read_status(path).get("state")
        if state == "queued":
            return update_status(
                path,
                state="interrupted",
                message="Removed from the queue before it started. Resume puts it back in the queue.",
                ended=time.time(),
            )
        if state in ACTIVE:
            (path / STOP_FILE).write_text(str(time.time()))
            return update_status(path, state="stopping", message="Stopping: saving a checkpoint after this step.")
    raise RunError(f"Run '{run_id}' is {state}; there is nothing to stop.")


def resume(run_id: str) -> dict:
    """Queue a stopped, killed or failed run again; it continues from its last checkpoint with optimizer state."""
    path = run_dir(run_id)
    from ftlib.training import last_checkpoint

    with _locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked()
        state = read_status(path).get("state")
        if state not in ("interrupted", "failed"):
            raise RunError(f"Run '{run_id}' is {state}; only interrupted or failed runs can be resumed.")
        (path / STOP_FILE).unlink(missing_ok=True)
        checkpoint = last_checkpoint(path)
        where = f"from {checkpoint.name}" if checkpoint else "from the beginning (no checkpoint yet)"
        status = update_status(
            path,
            state="queued",
            resume=True,
            queued_at=time.time_ns(),
            ended=None,
            error=None,
            log_tail=None,
            message=f"Waiting to resume {where}.",
        )
    advance()
    return status


def wait(run_id: str, timeout: float | None = None, poll: float = 1.0, on_poll=None) -> dict:
    """Block until the run is finished, failed or interrupted (or `timeout` seconds pass); return its summary."""
    path = run_dir(run_id)
    deadline = None if timeout is None else time.time() + timeout
    while True:
        advance()
        info = summary(path)
        if on_poll is not None:
            on_poll(info)
        if info["state"] in DONE or (deadline is not None and time.time() > deadline):
            return info
        time.sleep(poll)


def delete(run_id: str) -> None:
    """Remove a run folder (refused while it is active)."""
    path = run_dir(run_id)
    if read_status(path).get("state") in ACTIVE:
        raise RunError(f"Run '{run_id}' is still running; stop it before deleting it.")
    shutil.rmtree(path)


def install_stop_signal(path: Path) -> None:
    """In the training process: SIGTERM asks for a graceful stop (a STOP file) instead of dying mid-step."""

    def handler(signum, frame):  # noqa: ARG001
        stop_file = Path(path) / STOP_FILE
        if stop_file.exists():
            raise KeyboardInterrupt  # a second SIGTERM: stop now
        stop_file.write_text(str(time.time()))

    signal.signal(signal.SIGTERM, handler)


# ---------------------------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------------------------


def export_adapter(run_id: str) -> Path:
    """The run's LoRA adapter folder (PEFT format, safetensors), loadable with `PeftModel.from_pretrained`."""
    path = run_dir(run_id)
    adapter = path / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        if (path / "model" / "config.json").is_file():
            raise RunError(f"Run '{run_id}' fine-tuned every weight, so it has no adapter: export the full model.")
        raise RunError(f"Run '{run_id}' has no adapter yet: it is {read_status(path).get('state')}.")
    return adapter


def export_merged(run_id: str) -> Path:
    """A full model folder (safetensors + tokenizer) loadable with plain `AutoModelForCausalLM.from_pretrained`.

    Full fine-tuning already produced one; for adapters the base model is loaded in its full precision (also for
    QLoRA) and the adapter is merged into it once, cached as `merged/`.
    """
    path = run_dir(run_id)
    if (path / "model" / "config.json").is_file():
        return path / "model"
    adapter = export_adapter(run_id)
    target = path / "merged"
    if (target / "config.json").is_file():
        return target
    from peft import PeftModel
    from transformers import AutoTokenizer

    from ftlib.models import load_model

    config = read_config(path)
    base = load_model(
        config.get("model", "default"),
        device="cpu",
        dtype=None if config.get("dtype", "auto") == "auto" else config["dtype"],
    )
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    needed = sum(p.numel() * p.element_size() for p in merged.state_dict().values())
    workspace.check_free_space(path, needed, "the merged model")
    tmp = path / "merged.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    with workspace.partial_output(tmp, target):  # a failed save leaves no half model behind
        merged.save_pretrained(str(tmp), safe_serialization=True)
        AutoTokenizer.from_pretrained(str(adapter)).save_pretrained(str(tmp))  # saved with the adapter at the end
    tmp.rename(target)
    return target


def zip_folder(folder: Path) -> Path:
    """A zip of `folder` next to it (rebuilt when the folder is newer), for downloads."""
    folder = Path(folder)
    archive = folder.parent / "exports" / f"{folder.parent.name}-{folder.name}.zip"
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0)
    if archive.is_file() and archive.stat().st_mtime >= newest:
        return archive
    archive.parent.mkdir(exist_ok=True)
    # Safetensors hardly compress: the zip is about the folder's size.
    workspace.check_free_space(
        archive.parent, sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()), f"the zip of {folder.name}"
    )
    partial = str(archive.with_suffix("")) + ".partial"
    with workspace.partial_output(Path(partial + ".zip"), archive):
        base = shutil.make_archive(partial, "zip", root_dir=folder)
    os.replace(base, archive)
    return archive


__all__ = [
    "ACTIVE",
    "DONE",
    "METRICS_FILE",
    "STATES",
    "RunError",
    "active_runs",
    "advance",
    "create_run",
    "delete",
    "export_adapter",
    "export_merged",
    "get",
    "list_runs",
    "log_tail",
    "read_config",
    "read_status",
    "reconcile",
    "resume",
    "run_dir",
    "stop",
    "submit",
    "summary",
    "update_status",
    "wait",
    "zip_folder",
]
