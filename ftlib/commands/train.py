"""`python -m ftlib train CONFIG.(yaml|json)`: queue one run, follow it to the end and print its progress.

    python -m ftlib train run.yaml                        # prints the run's log until it ends
    python -m ftlib train run.yaml --set epochs=1 --set learning_rate=2e-3
    python -m ftlib train run.yaml --detach               # queue it and print the run id

The run goes through the same queue as the browser's runs (one active run per device) and lives in its own run
directory; Ctrl-C asks it to stop gracefully (it saves a checkpoint; `runs resume ID` continues it).
Exit code: 0 finished, 1 failed, 3 interrupted.
"""

from __future__ import annotations

import json
import sys
import time


def register(sub) -> None:
    p = sub.add_parser("train", help="run one training run to completion (SFT full/LoRA/QLoRA or DPO)")
    p.add_argument("config", help="a run config file (.yaml, .yml or .json); see `ftlib.training.RunConfig`")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting (YAML value syntax), e.g. --set epochs=1",
    )
    p.add_argument("--detach", action="store_true", help="queue the run and return at once")
    p.add_argument("--json", action="store_true", help="print the final run summary as JSON")
    p.set_defaults(handler=_train)


def _overrides(pairs: list[str]) -> dict:
    import yaml

    from ftlib.errors import UserError

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set needs KEY=VALUE (got '{pair}').")
        key, value = pair.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def load_config(path: str, overrides: list[str]):
    from ftlib.training import RunConfig

    base = RunConfig.from_file(path).to_dict()
    base.update(_overrides(overrides))
    return RunConfig.from_dict(base)


def follow(run_id: str, out=sys.stdout, poll: float = 1.0) -> dict:
    """Print the run's new log lines until it ends; Ctrl-C asks for a graceful stop. Returns its summary."""
    from ftlib import runs

    path = runs.run_dir(run_id)
    log = path / runs.LOG_FILE
    offset, stopping, last_state = 0, False, None
    while True:
        try:
            info = runs.wait(run_id, timeout=0)
            if info["state"] != last_state:
                print(f"[{run_id}] {info['state']}: {info['message']}", file=out, flush=True)
                last_state = info["state"]
            if log.is_file():
                with open(log, encoding="utf-8", errors="replace") as handle:
                    handle.seek(offset)
                    chunk = handle.read()
                    offset = handle.tell()
                for line in chunk.splitlines():
                    if line.startswith("[") or "Error" in line or "Traceback" in line:
                        print(line, file=out, flush=True)  # our progress lines and errors, not library noise
            if info["state"] in runs.DONE:
                return info
            time.sleep(poll)
        except KeyboardInterrupt:
            if stopping:
                raise
            stopping = True
            print(f"[{run_id}] stopping (saving a checkpoint); Ctrl-C again to leave it running", file=out, flush=True)
            try:
                runs.stop(run_id)
            except runs.RunError:
                pass


def _train(args) -> int:
    from ftlib import runs

    config = load_config(args.config, args.set)
    run_id = runs.submit(config)
    if args.detach:
        print(run_id)
        return 0
    print(f"run {run_id} in {runs.run_dir(run_id)}", flush=True)
    info = follow(run_id)
    if args.json:
        print(json.dumps({k: v for k, v in info.items() if k != "log_tail"}))
    else:
        loss = info.get("train_loss")
        print(
            f"[{run_id}] {info['state']} after {info['duration_s']:.0f}s, step {info['step']}/{info['max_steps']}"
            + (f", last loss {loss:.4f}" if loss is not None else "")
        )
        if info["state"] == "failed":
            print(f"error: {info['message']}", file=sys.stderr)
            for line in info.get("log_tail") or []:
                print(f"  | {line}", file=sys.stderr)
    return {"finished": 0, "failed": 1, "interrupted": 3}.get(info["state"], 1)
