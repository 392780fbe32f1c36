"""A process that takes the device lease, for the cross-process tests in tests/test_lease.py.

    python -m tests.lease_worker LOG MODE [ARG]

Every event is one line appended to LOG (O_APPEND, so lines of several processes never mix): `<pid> <event>`.
Modes:
- `sections N`: hold the CPU and do N short sections, each opened by a safe point (`checkpoint`); logs `+` and
  `-` around each. Waits with its first section until someone else is in line, so turns must be taken.
- `hold FILE`: take the CPU as a training run named `run-x`, log `held`, keep it until FILE exists.
- `wait`: wait for the CPU, logging every `WaitState` as `state <json>`, then `acquired`, and let go.
Imports no torch: the lease is files and locks.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ftlib import lease


def log(path: Path, event: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{os.getpid()} {event}\n".encode())
    finally:
        os.close(fd)


def main(argv: list[str]) -> int:
    path, mode, arg = Path(argv[0]), argv[1], argv[2] if len(argv) > 2 else ""
    if mode == "sections":
        with lease.hold("cpu", "test", f"sections {os.getpid()}") as held:
            deadline = time.monotonic() + 120
            while not lease.waiting("cpu") and time.monotonic() < deadline:
                time.sleep(0.01)
            for _ in range(int(arg)):
                held.checkpoint()
                log(path, "+")
                time.sleep(0.005)
                log(path, "-")
            log(path, f"handovers {held.handovers}")
    elif mode == "hold":
        # A machine of a multi-machine run names its run by its own id; LEASE_GROUP is what its machines share.
        with lease.hold("cpu", "training", "run-x", group=os.environ.get("LEASE_GROUP", "")):
            log(path, "held")
            while not Path(arg).exists():
                time.sleep(0.02)
    elif mode == "wait":
        on_wait = lambda state: log(path, "state " + json.dumps(state and {**vars(state), "message": state.message}))  # noqa: E731
        with lease.hold("cpu", "generation", f"waiter {os.getpid()}", on_wait=on_wait):
            log(path, "acquired")
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
