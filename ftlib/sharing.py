"""How the studio's processes share one machine: their environment and thread budget, a training run's turns on
the device lease (`ftlib.lease`), and where Compare and Evaluate load models when a training run needs the GPU.

- `process_env(env)`: what a torch process gets before torch loads: its thread budget from `FTLIB_THREADS` (unset:
  torch's default, every core, or fewer under a container's CPU quota or a narrower CPU affinity, `ftlib.cpu_quota`;
  with the lease a holder has the device to itself; a value that is no thread count is ignored, and said by
  `say_threads_warning`, as libgomp says an invalid `OMP_NUM_THREADS`), and, only with the lease off,
  passive OpenMP waits (idle threads sleep instead of spinning against the other process's). Set by the run
  launcher, `serve.py` and the CLI.
- `training_callback(label)`: the `TrainerCallback` that holds the run's device from the first step to the end
  and hands it over between optimizer steps to whoever waits.
- `print_waits()`: an `on_wait` for a terminal or a log (the CLI's `sample`/`evaluate`, the run's log).
- `inference_device(model, tuned)`: the GPU when its free memory covers the model and what the training runs on
  that GPU still need (`ftlib.memory.estimate` of their configs, less what their processes already hold), else
  the CPU, with the sentence that says why (`choose_device` is the decision alone, testable with any numbers).

Not known here: the lease's own rules (lease.py), how runs are queued (runs.py), Streamlit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from ftlib import cpu_quota, lease
from ftlib.distributed import GPU_ENV
from ftlib.errors import UserError
from ftlib.lease import Hold, WaitState, device_key

# OpenMP runtimes read these when torch loads: libgomp's OMP_WAIT_POLICY, Intel's KMP_BLOCKTIME.
PROCESS_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "KMP_BLOCKTIME": "0"}
# Which of PROCESS_ENV `process_env` added (not the user's own settings), so that a child with the lease on drops them.
DEFAULTED = "FTLIB_DEFAULTED_ENV"
# Room left on a GPU beyond the estimates (allocator slack, another session's grid): 512 MiB.
GPU_MARGIN = 512 * 1024**2
ACTIVE_STATES = ("queued", "running", "stopping")


def process_env(env: dict | None = None, budget: Callable[[], int | None] | None = None) -> dict:
    """A torch process's environment before torch loads (`env` defaults to this process's own, which only helps
    before torch is imported); returns it.

    Its thread budget `FTLIB_THREADS` becomes `OMP_NUM_THREADS` (torch's intra-op threads) when set. Unset, and
    neither `OMP_NUM_THREADS` nor `MKL_NUM_THREADS` set by the user, `budget()` (`cpu_quota.thread_budget`: a
    container's CPU quota or the CPUs of the process's affinity, when fewer than the cores torch would use; None
    otherwise) becomes it: dozens of threads fighting for the 2 CPUs of a quota run 10x slower and worse.

    With the lease off (`FTLIB_LEASE=0`), where a training run and a generating process compute at once,
    `PROCESS_ENV` is added (values already set are kept): idle OpenMP threads sleep at once instead of spinning
    against the other process's (issue 17's collapse, 0.04x). With the lease on (the default), heavy work takes turns
    and the holder computes alone: passive waits would only slow it (a LoRA SFT epoch 1.47x, a Compare grid 1.75x on
    2 cores, BENCHMARKS.md), so none are added. What this function added is named in `DEFAULTED` and worked out
    again in a child (a lease-on run launched by a lease-off server drops the passive waits; a run recomputes the
    quota's budget), never taken for the user's own setting, which is always kept."""
    env = os.environ if env is None else env
    for key in filter(None, env.pop(DEFAULTED, "").split(",")):
        env.pop(key, None)  # ours, not the user's: worked out again below
    added = set()
    if not _flag_on(env.get("FTLIB_LEASE", "")):
        added = {key for key in PROCESS_ENV if key not in env}
        env.update({key: PROCESS_ENV[key] for key in added})
    threads = thread_count(env.get("FTLIB_THREADS", ""))
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    elif not any(env.get(key, "").strip() for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")):
        # torch takes MKL_NUM_THREADS over OMP_NUM_THREADS (its MKL builds): either one set is the user's choice.
        quota = (budget or cpu_quota.thread_budget)()
        if quota:
            env["OMP_NUM_THREADS"] = str(quota)
            added.add("OMP_NUM_THREADS")
    if added:
        env[DEFAULTED] = ",".join(sorted(added))
    return env


def thread_count(value: str) -> int | None:
    """The thread count `value` (an `FTLIB_THREADS`) says: a whole number from 1 up, in ASCII digits, blanks around it
    ignored; None for anything else ("four", "0", "-2", "1.5", "²": OpenMP would not read them either).

    >>> [thread_count(v) for v in ("4", " 2 ", "0", "-2", "1.5", "four", "", "²")]
    [4, 2, None, None, None, None, None, None]
    """
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def threads_warning(env: Mapping[str, str] | None = None) -> str:
    """The sentence saying that `FTLIB_THREADS` in `env` (default this process's, as `process_env` left it) is not a
    thread count and what sets the threads instead: the user's own `OMP_NUM_THREADS` or `MKL_NUM_THREADS`, the CPUs
    a quota or an affinity allows (`cpu_quota.thread_budget`, named in `DEFAULTED`), or torch's default. "" when it
    is unset, blank or a thread count. libgomp goes on with its default after an invalid `OMP_NUM_THREADS` the same
    way, saying so once: a server or a run is not refused for it."""
    env = os.environ if env is None else env
    given = env.get("FTLIB_THREADS", "")
    if not given.strip() or thread_count(given) is not None:
        return ""
    shown = given if len(given) <= 40 else given[:40] + "..."
    ours = env.get(DEFAULTED, "").split(",")
    if (omp := env.get("OMP_NUM_THREADS", "").strip()) and "OMP_NUM_THREADS" in ours:
        instead = (
            f"the {omp} CPUs this process may use (its container's CPU quota or its CPU affinity) set the threads"
        )
    elif omp:
        instead = f"your own OMP_NUM_THREADS={omp} sets the threads"
    elif mkl := env.get("MKL_NUM_THREADS", "").strip():
        instead = f"your own MKL_NUM_THREADS={mkl} sets the threads"
    else:
        instead = "torch runs its default, one thread per physical core"
    return (
        f"FTLIB_THREADS={shown!r} is not a number of threads (a whole number from 1 up, e.g. FTLIB_THREADS=4), so it "
        f"is ignored: {instead}."
    )


_said: set[str] = set()  # the warnings this process has printed (`say_threads_warning`)


def say_threads_warning(prefix: str = "warning: ", stream: TextIO | None = None) -> str:
    """Print `threads_warning()` of this process's environment as one line after `prefix` on `stream` (stderr), once
    per process however often it is called (app.py runs again on every page); returns what was printed ("" for
    nothing). The CLI prints it as its other `warning:` lines, serve.py and app.py in the server's log."""
    said = threads_warning()
    if not said or said in _said:
        return ""
    _said.add(said)
    print(f"{prefix}{said}", file=stream or sys.stderr, flush=True)
    return said


def _flag_on(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off")


def training_callback(label: str = "", on_wait=None, group: str = ""):
    """A transformers `TrainerCallback` holding the training device (`args.device`) from the first step to the
    end of training, handing it over between optimizer steps to whoever waits (`Hold.checkpoint`), once the last
    step is logged, evaluated and saved.

    The wait before the first step is told on stdout (the run's log) unless `on_wait` is given. In a
    multi-process run sharing one CPU (DDP/FSDP on CPU) only each machine's first process holds it: the others
    stop at the next all-reduce anyway, and two holders would wait for each other forever. For the same reason a
    machine's first process stops waiting once the lease is held by this run itself (`group`, what its machines
    share: the rendezvous endpoint; or `label`, the run's id, which each machine's workspace names on its own, a
    second apart under load): "machines" of one run that share a lock folder (two on one host, or a mounted home
    folder) share one CPU lease, and the one holding it could not finish a step without the one waiting for it.
    """
    from transformers import TrainerCallback

    class LeaseCallback(TrainerCallback):
        def __init__(self) -> None:
            self.hold: Hold | None = None
            self.stepped = False  # the first step follows the wait of on_train_begin: no handover before it

        def on_train_begin(self, args, state, control, **kwargs):
            # A one-process GPU run sees its GPU alone, as cuda:0: its turns are taken under the server's name for it.
            device = device_key(os.environ.get(GPU_ENV) or args.device)
            if device.startswith("cuda") or args.local_process_index == 0:
                said = on_wait or print_waits("[ftlib] ", sys.stdout)
                machines = args.world_size > int(os.environ.get("LOCAL_WORLD_SIZE") or args.world_size)

                def ours() -> bool:  # another machine of this very run holds this lease (see above)
                    held = lease.holder(device)
                    same = (bool(group) and held.get("group") == group) or (bool(label) and held.get("label") == label)
                    return machines and same and held.get("pid") != os.getpid()

                self.hold = Hold(device, "training", label, on_wait=lambda s: None if ours() else said(s), group=group)
                self.hold.cancelled = ours
                try:
                    self.hold.acquire()
                except lease.Cancelled:
                    self.hold = None  # the run's other machine takes the turns for both
                    return control
                self.hold.on_wait = on_wait  # the log tells of the first wait, not of every turn given
            return control

        def on_step_begin(self, args, state, control, **kwargs):
            # Between two optimizer steps, at the start of the next one rather than the end of the last: the
            # Trainer logs, evaluates and saves after `on_step_end`, so a step handed over there would only show
            # (progress, metrics, GRPO's answers) once the run had the device back.
            if self.hold is not None and self.stepped:
                self.hold.checkpoint()
            self.stepped = True
            return control

        def on_train_end(self, args, state, control, **kwargs):
            if self.hold is not None:
                self.hold.release()
            return control

    return LeaseCallback()


def print_waits(prefix: str = "", stream=None) -> Callable[[WaitState | None], None]:
    """An `on_wait` for a terminal or a log: one line each time where the job stands changes (its position in line,
    who holds the device: kind and label), then "got the <device>, going on" once it holds the device after a
    line was printed. A job that takes turns (the CLI's `sample` and `evaluate` hand over at each safe point) waits
    again at every turn: waiting again for the same holder at the same position is no change and prints nothing,
    nor does a wait whose holder is not known yet (the holder file still names this job's own last turn) once a
    line was printed. Lines go to `stream` (stderr when None), each started with `prefix`.

    >>> import io
    >>> out, training = io.StringIO(), {"kind": "training", "label": "run-x", "pid": 7, "since": 1.0}
    >>> show = print_waits(stream=out)
    >>> for turn in range(3):  # the same job waits for the same run at each turn: said once
    ...     show(WaitState("cpu", 1, {**training, "since": float(turn)}))
    ...     show(WaitState("cpu", 2, {}))  # between turns: who holds is not known yet
    ...     show(None)
    >>> show(WaitState("cpu", 2, {"kind": "evaluation", "label": "evaluate"})); show(None)  # a change: said
    >>> print(out.getvalue().strip())
    Waiting for the training run `run-x` to pause: it lends the CPU after its current step.
    got the CPU, going on
    Waiting for a free slot on the CPU: position 2 in line (evaluate is using it).
    got the CPU, going on
    """
    said: list = [None]  # (device, position, kind, label) of the last line printed; None before the first
    shown: list[str | None] = [None]  # the device a line was printed for in the wait under way; None: none yet

    def show(state: WaitState | None) -> None:
        out = stream or sys.stderr
        if state is None:  # the device is this job's: said only where this wait printed a line
            if shown[0] is not None:
                print(f"{prefix}got the {lease.device_label(shown[0])}, going on", file=out, flush=True)
            shown[0] = None
            return
        if not state.holder and said[0] is not None:  # an unknown holder between turns is no news
            return
        # What the line says (`WaitState.message`), without reading the run's folder at every turn
        where = (state.device, state.position, state.holder.get("kind", ""), state.holder.get("label", ""))
        if where != said[0]:
            print(f"{prefix}{state.message}", file=out, flush=True)
            said[0], shown[0] = where, state.device

    return show


# ---------------------------------------------------------------------------------------------------------------
# Where inference goes on a GPU that training needs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where to load models for inference, and why ("" when there is nothing to say)."""

    device: str
    reason: str = ""


def _human(n: int) -> str:
    from ftlib.memory import human

    return human(n)


def choose_device(gpu: str, need: int, free: int, claims: Sequence[tuple[str, int | None]] = ()) -> Placement:
    """The GPU `gpu` if its `free` bytes cover `need` (the models to load) plus what training runs will still take
    there, else the CPU. `claims`: (run id, bytes the run will still take on this GPU, None when unknown) for its
    queued and running runs; one runs at a time per device, so the largest claim counts. All sizes in bytes.

    >>> choose_device("cuda:0", need=2 * 2**30, free=10 * 2**30).device
    'cuda:0'
    >>> choose_device("cuda:0", need=2 * 2**30, free=10 * 2**30, claims=[("run-a", 9 * 2**30)]).device
    'cpu'
    """
    unknown = [r for r, b in claims if b is None]
    if unknown:
        return Placement(
            "cpu",
            f"Models on the CPU, not {gpu}: training run `{unknown[0]}` uses it and how much memory it needs could "
            "not be estimated, so the studio leaves it the whole GPU.",
        )
    run, still = max(claims, key=lambda c: c[1], default=("", 0))
    still = max(still, 0)
    if free - still - GPU_MARGIN >= need:
        if not run:
            return Placement(gpu)
        return Placement(
            gpu,
            f"Models on {gpu}: its free memory ({_human(free)}) holds them ({_human(need)}) beside what training "
            f"run `{run}` still needs ({_human(still)}).",
        )
    if run:
        return Placement(
            "cpu",
            f"Models on the CPU, not {gpu}: training run `{run}` needs {_human(still)} more of its "
            f"{_human(free)} free memory, which leaves too little for them ({_human(need)}). Slower, but the run "
            "keeps the memory it needs; they go back to the GPU once it ends.",
        )
    return Placement(
        "cpu",
        f"Models on the CPU, not {gpu}: it has {_human(free)} free and they need about {_human(need)}.",
    )


def inference_bytes(
    model: str, tuned: Sequence[str | os.PathLike] = (), device: str = "cuda", base_loaded: bool = False
) -> int:
    """About what `ftlib.modelset.load_model_set(model, tuned)` takes on `device`: the base's weights in the dtype
    it loads in (`models.pick_dtype`: bf16 on a GPU with it, fp32 on CPU, on a GPU without native bf16 and for a
    small model, `precision.small_for_gpu`), once more per full fine-tune (adapters are small), plus a quarter for
    activations and the KV cache of a grid. `base_loaded`: the base is there already (`shared_base.SharedBases`
    shares it), so only the rest is counted."""
    from ftlib.memory import model_shape
    from ftlib.models import pick_dtype, weights_parameters
    from ftlib.modelset import find_tuned

    params = model_shape(model).params
    elem = 4 if device == "cpu" else pick_dtype(device, None, weights_parameters(model)).itemsize
    copies = 1 + sum(1 for path in tuned if find_tuned(path)[1])
    return int(params * elem * (copies * 1.25 - (1 if base_loaded else 0)))


def training_claims(gpu: str) -> list[tuple[str, int | None]]:
    """(run id, bytes still to take) for every queued or running run of the workspace on `gpu`: its memory
    estimate (`ftlib.memory.estimate`; None when it cannot be made) less what its processes hold there now (by
    `nvidia-smi`; 0 when unknown)."""
    from ftlib.config import RunConfig
    from ftlib.memory import estimate
    from ftlib.rundir import run_folders

    claims, held = [], None
    for folder in run_folders():
        status = folder.read_status()  # {} when damaged: one bad run folder must not stop every GPU run's start
        try:
            # its name aside: one saved before the name rule (`config_checks.run_name`) still trains and claims memory
            config = RunConfig.from_dict({**folder.read_config(), "name": ""})
        except (OSError, ValueError, UserError):  # unreadable, half written, or a config this version refuses
            continue
        run_device = device_key(status.get("device") or config.device)
        if status.get("state") not in ACTIVE_STATES or device_key(gpu) != run_device:
            continue
        if held is None:
            held = _gpu_memory_by_pid()
        try:
            need = estimate(config, device=device_key(gpu)).total
        except (OSError, UserError):  # e.g. a model folder gone since: assume the run needs the whole GPU
            claims.append((folder.id, None))
            continue
        claims.append((folder.id, max(0, need - _session_held(held, int(status.get("pid") or 0)))))
    return claims


def _session_held(held: dict[int, int], leader: int) -> int:
    """Bytes `held` ({pid: bytes}) by the processes of the session `leader` leads: a run's launch process leads it
    (ftlib.run_watch), its worker or torchrun's workers are members and hold the memory."""
    if not leader:
        return 0
    total = 0
    for pid, used in held.items():
        try:
            member = pid == leader or os.getpgid(pid) == leader
        except OSError:  # ended since nvidia-smi answered, or not ours to ask
            member = False
        total += used if member else 0
    return total


def _gpu_memory_by_pid() -> dict[int, int]:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    used: dict[int, int] = {}
    for line in out.splitlines():
        pid, _, mib = line.partition(",")
        if pid.strip().isdigit() and mib.strip().isdigit():
            used[int(pid)] = used.get(int(pid), 0) + int(mib) * 1024**2
    return used


def inference_device(
    model: str, tuned: Sequence[str | os.PathLike] = (), loaded: Callable[[str], bool] | None = None
) -> Placement:
    """Where Compare and Evaluate should load `model` with `tuned` (run or adapter folders): the CPU on a machine
    without a GPU; else GPU 0 unless the training runs there need its memory (see `choose_device`). `loaded(device)`:
    whether the base is loaded there already (`shared_base.SharedBases.has_base`): then only the rest must fit (a
    review: a 24 GB GPU holding a 7B base sent every set of runs to the CPU, a second copy of the base there)."""
    import torch

    if not torch.cuda.is_available():
        return Placement("cpu")
    gpu = "cuda:0"
    free, _total = torch.cuda.mem_get_info(0)
    need = inference_bytes(model, tuned, base_loaded=bool(loaded and loaded(gpu)))
    return choose_device(gpu, need, free, training_claims(gpu))
