"""Time Compare's and Evaluate's run picker (`run_picker.run_choices`) with 100 runs in the workspace.

    FTLIB_HOME=/tmp/x OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_run_choices

85 finished runs, 10 failed, 3 interrupted, one running and one queued, three made each minute (their labels repeat,
so numbers are needed). Prints the first call and the median of 80 more (summaries kept by `kept_summary`), beside
`modelset.list_run_adapters`, which the page calls at each click too. Runs in a fresh temporary home and workspace.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # `--help`; no flags
    root = Path(tempfile.mkdtemp(prefix="bench-run-choices-"))
    os.environ["FTLIB_HOME"] = str(root / "home")
    os.environ["FTLIB_WORKSPACE"] = str(root / "ws")
    from ftlib import modelset
    from ftlib.run_picker import run_choices
    from ftlib.testing import make_run

    adapter = root / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"")
    now = time.time()
    steps = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": s} for s in range(1, 41)]
    config = {"model": "default", "dataset": "chat_style", "max_steps": 40}
    for i in range(100):
        created = now - 86400 + (i // 3) * 60 + i % 3  # three runs a minute
        name = f"r-{i:03}"
        if i < 85:
            make_run(name, config, adapter=adapter, metrics=steps, created=created, ended=created + 30)
        elif i < 98:
            state = "failed" if i < 95 else "interrupted"
            make_run(name, config, state=state, metrics=steps[:3], created=created, ended=created + 5)
        elif i < 99:
            make_run(name, config, state="running", metrics=steps[:3], created=created, started=now)
        else:
            make_run(name, config, state="queued", created=created, queued_at=now)
    adapters = modelset.list_run_adapters()

    def timed(call, times: int) -> list[float]:
        out = []
        for _ in range(times):
            start = time.perf_counter()
            call()
            out.append(time.perf_counter() - start)
        return out

    first = timed(lambda: run_choices(adapters), 1)[0]
    warm = timed(lambda: run_choices(adapters), 80)
    listing = timed(modelset.list_run_adapters, 10)
    print(
        f"{len(adapters)} finished of 100 runs: run_choices first {first * 1000:.1f} ms, then median "
        f"{statistics.median(warm) * 1000:.2f} ms (min {min(warm) * 1000:.2f}); list_run_adapters median "
        f"{statistics.median(listing) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
