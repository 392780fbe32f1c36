"""How fast this server writes a Compare grid, for the time a grid will take, said before it runs: the rate the last
finished grid measured in this process (any session's: one server, one device), else a coarse range for the device.

    remember("cpu", "default", 17.3)    # a finished grid's tokens/s (`grid_rate`)
    measured("cpu", "default")          # 17.3; None before any grid of that base model finished on this server
    grid_work(8, 512, prefill_tokens=120)   # 4111.0: what the grid decodes, in decoded tokens
    DEFAULT_TOKENS_PER_S["cpu"]         # (120.0, 14.0): a quiet 2-core CPU, a loaded one (BENCHMARKS.md)

A rate is a grid's answers, each counted to its longest one's length (`grid_rate`: an answer that ended early stays
in the batch), over the seconds from the grid's start to its end (its prefills included), so `grid_work` counts a
prompt's tokens at a fraction of a decoded one's cost.

`EvalTally` and `EvalPace` do the same for an evaluation (`ftlib.evaluate`): its progress as it runs (items done,
tokens written), and the pace of a finished one, which estimates the next by batches and decoding steps.

Not known here: how a grid is decoded (`ftlib.sampling`, `ftlib.modelset`), nor how a page words the estimate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_LOCK = threading.Lock()
_MEASURED: dict[tuple[str, str], float] = {}

# Tokens/s of the default model (SmolLM2-135M) writing the benchmark's grid (4 settings x 2 models, 64 new tokens, a
# 46-token prompt; BENCHMARKS.md "Sampling"): 4.23 s for 512 tokens on a quiet 2-thread CPU (about 120 tokens/s), and
# 35.7 s on a loaded one-thread machine (about 14 tokens/s). A shared server lies anywhere between, or below, so a page
# says a range, roughly, until the server has measured its own grid. No default for a GPU: its grid takes seconds.
DEFAULT_TOKENS_PER_S: dict[str, tuple[float, float]] = {"cpu": (120.0, 14.0)}

# A prompt's tokens go through the model in one forward each (the prefill), batched: far cheaper per token than a
# decoded token's forward. BENCHMARKS.md "Sampling": sharing the prefill of 6 of 8 rows (276 prompt tokens) saved
# about 2% of a 21 s run, ~0.4 s, so a prompt token costs about an eighth of a token the grid decodes (8 rows a step).
PREFILL_COST = 1 / 8

# A grid writing fewer tokens than this is not taken as the server's speed (pages/5_Compare.py remembers a rate from
# this on, and its note before a first grid says so): the prompts' forward weighs on so few tokens' time, so their
# tokens/s says little of a longer grid's.
MIN_TOKENS = 32


def remember(device: str, model: str, tokens_per_s: float) -> None:
    """Keep a finished grid's rate (`grid_rate`'s tokens per second, prefills included) as this server's, for `device`
    ("cpu", "cuda") and the base `model` it ran (the model box's value: a larger model writes slower); the last one
    wins, so a server that became busier is soon said so. Thread-safe (sessions of one server run in threads). A rate
    that is not positive is ignored."""
    if tokens_per_s and tokens_per_s > 0:
        with _LOCK:
            _MEASURED[(device, model)] = float(tokens_per_s)


def measured(device: str, model: str) -> float | None:
    """The last grid's rate on this server for `device` and base `model` (`remember`), in tokens/s; None before
    any such grid finished."""
    with _LOCK:
        return _MEASURED.get((device, model))


def forget() -> None:
    """Drop every measured rate (tests; a server restart does the same)."""
    with _LOCK:
        _MEASURED.clear()


def grid_rate(lengths: list[int], elapsed_s: float, loops: list[list[int]] | None = None) -> float | None:
    """A finished grid's speed as `grid_work` counts work: each of its answers (`lengths`, tokens each wrote) counted
    to the longest one's length, over `elapsed_s`, in tokens/s; None for a grid that wrote nothing. An answer that
    ended early stays in the batch until the last one ends (`ftlib.sampling.generate_stream`), so its steps took time
    too: tokens written over seconds understated the speed (a walk: 160 tokens in 41 s, 3.9 tokens/s, said a grid of
    6 x 96 tokens would take 2 min 28 s; it took 32 s). `loops`: the positions in `lengths` of each decoding loop
    (`ftlib.modelset.rows_by_model`: the base and its adapters one, each full fine-tune its own), each counted to its
    own longest answer, as each loop stops at its own; None: one loop.

    >>> grid_rate([12, 15, 70], 7.0)
    30.0
    >>> grid_rate([10, 4, 60, 2], 10.0, loops=[[0, 1], [2, 3]])  # 2 x 10 + 2 x 60 decoded, not 4 x 60
    14.0
    """
    groups = [[lengths[i] for i in loop] for loop in loops] if loops else [list(lengths)]
    work = sum(len(group) * max(group, default=0) for group in groups)
    return work / elapsed_s if work and elapsed_s > 0 else None


def grid_work(answers: int, max_new_tokens: int, prefill_tokens: int = 0) -> float:
    """The most a grid decodes, in decoded tokens: `answers` x `max_new_tokens` (an answer that stops early only
    makes it less), plus its prompts' tokens (`prefill_tokens`: each model's prompt once, shared by its settings) at
    `PREFILL_COST` each. Divide by a rate in tokens/s for seconds.

    >>> grid_work(8, 512, prefill_tokens=120)
    4111.0
    """
    return answers * max_new_tokens + prefill_tokens * PREFILL_COST


@dataclass
class EvalTally:
    """Where an evaluation (`ftlib.evaluate.evaluate`) stands, and what its work took, updated by it as it goes: a
    page's progress reads it while it runs, and a finished one is the pace of the next one's estimate (`EvalPace`).

    `items` of all to answer and score (`done` scored so far); `tokens` the answers have written (both models');
    `steps` decoding steps run (a loop runs to its longest answer) in `decode_s` seconds, in `loops` loops of
    `batches` batches (a batch runs one loop per model: two where the tuned model is a full fine-tune apart from
    the base), `limit_loops` of those with an answer cut at `max_new_tokens`; the `done` items scored in `score_s`."""

    items: int = 0
    max_new_tokens: int = 0
    batch_size: int = 1
    done: int = 0
    tokens: int = 0
    steps: int = 0
    decode_s: float = 0.0
    batches: int = 0
    loops: int = 0
    limit_loops: int = 0
    score_s: float = 0.0

    def pace(self, busy_s: float | None = None) -> EvalPace | None:
        """This evaluation's pace (None before a loop and an item were both timed, or for rows only scored).
        `busy_s`: its own seconds (`jobs.BackgroundJob.busy_s`): where less than the loops' (turns lent to a training
        run inside them), both parts are scaled down to it; where more (its rows prepared), the rest is the items'."""
        if not (self.steps and self.loops and self.done):
            return None
        timed = self.decode_s + self.score_s
        share = min(1.0, busy_s / timed) if busy_s and timed else 1.0
        rest = max(0.0, busy_s - timed) if busy_s else 0.0
        return EvalPace(
            step_s=self.decode_s * share / self.steps,
            score_s=(self.score_s * share + rest) / self.done,
            steps_per_loop=self.steps / self.loops,
            max_new_tokens=self.max_new_tokens,
            limited=self.limit_loops / self.loops,
            loops_per_batch=self.loops / max(self.batches, 1),
        )


@dataclass(frozen=True)
class EvalPace:
    """How fast an evaluation went: `step_s` seconds a decoding step of a loop (its models' answers of a batch's rows
    together), `score_s` seconds an item scored by both models, `steps_per_loop` steps its loops ran (to each one's
    longest answer) at its `max_new_tokens`, `limited` the share of its loops that ran to that limit,
    `loops_per_batch` loops a batch ran (2 where the tuned model was a full fine-tune apart from the base).

    Its estimate counts the loops an evaluation runs, not its rows: a batch of 8 rows decodes in about the time of
    a batch of 3 (its rows' steps run together), so a pace a row from 3 rows said 8 rows took 2.7 times as long as
    they did (helper 260). A loop that ended before the limit is taken to end there again under a higher one.

    >>> p = EvalPace(step_s=0.1, score_s=0.5, steps_per_loop=40, max_new_tokens=64, limited=0.0)
    >>> round(p.seconds(items=20, batch_size=8, max_new_tokens=64), 1)  # 3 loops x 40 steps x 0.1 + 20 x 0.5
    22.0
    >>> round(p.seconds(items=20, batch_size=8, max_new_tokens=32), 1)  # each loop cut at 32 steps
    19.6
    >>> round(EvalPace(0.1, 0.5, 40, 64, 0.0, loops_per_batch=2).seconds(20, 8, 64), 1)  # a full fine-tune's 6 loops
    34.0
    """

    step_s: float
    score_s: float
    steps_per_loop: float
    max_new_tokens: int
    limited: float
    loops_per_batch: float = 1.0

    def loops(self, items: int, batch_size: int) -> float:
        """The decoding loops `items` things answered `batch_size` to a batch run, at this pace's loops a batch."""
        return -(-int(items) // max(int(batch_size), 1)) * self.loops_per_batch

    def seconds(self, items: int, batch_size: int, max_new_tokens: int) -> float:
        """About how long `items` things answered and scored take, `batch_size` to a batch, at `max_new_tokens`."""
        # loops cut at the old limit reach the new one; the others end where they ended, within it
        ended = min(self.steps_per_loop, max_new_tokens)
        steps = self.limited * max_new_tokens + (1 - self.limited) * ended
        return self.loops(items, batch_size) * steps * self.step_s + int(items) * self.score_s
