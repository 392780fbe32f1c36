"""The Data page with a big file: the first load, then a click that changes the split (a rerun).

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_data_page [--rows 100000] [--copies 0]

Writes a JSONL file of `--rows` chat rows of its own words (a tenth with a tool call, a tenth with reasoning, one to
three exchanges each) into a temporary folder, `--copies` of them the same row over and over, opens it on the Data
page through Streamlit's AppTest (the page's own script, in this process) and times:

- `first load`: typing the path until the page is drawn (reading, checking, token lengths of a sample of rows);
- `rerun`: two changes of the test ratio, each a whole rerun of the page (what every click costs).

Prints one line per step with the seconds and the process's peak RSS. Needs the default model converted once
(`python -m ftlib models prepare default`): the page measures token lengths with its tokenizer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = "amber birch cedar dune ember fjord grove heath inlet juniper kelp lagoon meadow nectar orchard".split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def chat_row(i: int, rng: random.Random) -> dict:
    """One row in the shapes chat datasets publish: a system turn on some, tool calls, reasoning, several turns."""
    turns = [{"role": "system", "content": "You answer briefly."}] if i % 10 < 3 else []
    if i % 10 == 4:
        call = {"id": f"c{i}", "type": "function", "function": {"name": "tide", "arguments": json.dumps({"bay": i})}}
        turns += [
            {"role": "user", "content": f"Tide at bay {i}?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": json.dumps({"metres": i % 7})},
            {"role": "assistant", "content": sentence(rng, 12)},
        ]
        return {"messages": turns, "tools": [{"type": "function", "function": {"name": "tide", "parameters": {}}}]}
    if i % 10 == 5:
        reasoned = {"role": "assistant", "reasoning_content": sentence(rng, 40), "content": sentence(rng, 10)}
        return {"messages": [*turns, {"role": "user", "content": f"Q{i}: {sentence(rng, 8)}"}, reasoned]}
    for t in range(rng.randint(1, 3)):
        turns += [
            {"role": "user", "content": f"Q{i}.{t}: {sentence(rng, rng.randint(5, 30))}"},
            {"role": "assistant", "content": sentence(rng, rng.randint(10, 100))},
        ]
    return {"messages": turns}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=0, help="rows that are the same row over and over")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-data-page-"))
    os.environ["FTLIB_DATA_DIRS"] = str(folder)
    os.environ.setdefault("FTLIB_WORKSPACE", str(folder / "workspace"))
    rng = random.Random(7)
    path = folder / "chats.jsonl"
    same = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]})
    with path.open("w") as out:
        for i in range(args.rows):
            out.write((same if i < args.copies else json.dumps(chat_row(i, rng))) + "\n")
    print(f"{path.name}: {args.rows:,} rows ({args.copies:,} copies of one), {path.stat().st_size / 2**20:.0f} MiB")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()

    def step(label: str, change) -> None:
        start = time.perf_counter()
        change()
        failed = f" (failed: {at.exception[0].value})" if at.exception else ""
        print(f"{label:<12} {time.perf_counter() - start:6.2f} s   peak RSS {peak_mib():,.0f} MiB{failed}")

    step("first load", lambda: at.text_input(key="data_path").input(str(path)).run())
    for ratio in (0.2, 0.3):
        step("rerun", lambda ratio=ratio: at.number_input(key="split_ratio").set_value(ratio).run())


if __name__ == "__main__":
    main()
