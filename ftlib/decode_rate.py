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
tokens written), and the pace of a finished one, which estimates the next by batches and decoding steps and splits
its progress bar between answering and scoring (`EvalPace.answer_share`; `remember_eval`, `eval_pace`: this server's
last one on a device).

Not known here: how a grid is decoded (`ftlib.sampling`, `ftlib.modelset`), nor how a page words the estimate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

_LOCK = threading.Lock()
_MEASURED: dict[tuple[str, str], float] = {}
_EVAL_PACES: dict[str, EvalPace] = {}  # the last finished evaluation's pace, by device

# The share of an evaluation's time its answers take, the rest its items scored, before any has been timed on the
# device (`EvalPace.answer_share` after): how far its bar moves while it answers. 8 rows of the default model on a
# loaded 2-core CPU: 21.0 s answering, 3.2 s scoring (helper 260); 54-72% on a loaded one-thread one (helper 268).
ANSWERING = 0.85

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
    """Drop every measured rate and evaluation pace (tests; a server restart does the same)."""
    with _LOCK:
        _MEASURED.clear()
        _EVAL_PACES.clear()


def remember_eval(device: str, pace: EvalPace | None) -> None:
    """Keep a finished evaluation's pace (`EvalTally.pace`) as this server's last on `device` ("cpu", "cuda:0"), for
    the next one's progress bar (`eval_pace`); None (nothing timed) keeps the one before. Thread-safe."""
    if pace is not None:
        with _LOCK:
            _EVAL_PACES[device] = pace


def eval_pace(device: str) -> EvalPace | None:
    """The pace `remember_eval` kept last for `device`; None before any evaluation there finished."""
    with _LOCK:
        return _EVAL_PACES.get(device)


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


# A loop's decoding step with more answers in it takes longer (every answer is a row of each product), but by how much
# depends on the machine: the real default model on a loaded one-thread CPU took 1.3 to 2.2 times as long a step for
# 16 answers as for 6 (helper 268, 32 new tokens, 5 measures), about as long for 3 rows as for 8 on a quiet two-thread
# one (helper 260). Where an evaluation timed loops of one width only, a step is taken as this share fixed, the rest
# by answer (16 answers: 1.67 times 6's).
STEP_FIXED = 0.6


@dataclass
class EvalTally:
    """Where an evaluation (`ftlib.evaluate.evaluate`) stands, and what its work took, updated by it as it goes: a
    page's progress reads it while it runs, and a finished one is the pace of the next one's estimate (`EvalPace`).

    `items` of all to answer and score (`done` scored so far); `tokens` the answers have written (both models');
    `steps` decoding steps run (a loop runs to its longest answer) in `decode_s` seconds, in `loops` loops of
    `batches` batches (a batch runs one loop per model: two where the tuned model is a full fine-tune apart from
    the base), `limit_loops` of those with an answer cut at `max_new_tokens`; the `done` items scored in `score_s`.
    `spans`: each loop's (answers in it, steps, seconds of its first step, seconds of the others) (`batch_timed`);
    `once_s`: seconds of one-time work inside them (`cpu_decode.probe_seconds`), left out of both."""

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
    spans: list[tuple[int, int, float, float]] = field(default_factory=list)
    once_s: float = 0.0

    def batch_timed(self, loops: list[tuple[int, int, bool]], began: float, stamps: list[float], once_s: float = 0.0):
        """Count a batch's decoding: `loops` (answers, steps, whether one was cut at `max_new_tokens`) in the order
        they ran, `began` the clock before the first, `stamps` the clock after each step (every loop's, in turn), in
        seconds; `once_s` of one-time work in its first step (the oneDNN speed check of a process's first one).

        >>> t = EvalTally()
        >>> t.batch_timed([(6, 3, True), (6, 2, False)], 10.0, [12.5, 13.0, 13.5, 15.0, 15.5], once_s=1.0)
        >>> t.spans, (t.steps, t.loops, t.limit_loops, t.decode_s, t.once_s)
        ([(6, 3, 1.5, 1.0), (6, 2, 1.5, 0.5)], (5, 2, 1, 4.5, 1.0))
        """
        at, last = 0, began
        for k, (answers, steps, _) in enumerate(loops):
            mine = stamps[at : at + steps]  # a loop of no step (nothing to answer) times nothing
            if mine:
                first = mine[0] - last - (once_s if k == 0 else 0.0)  # the prompts read (the prefill) and a token
                self.spans.append((int(answers), len(mine), max(first, 0.0), mine[-1] - mine[0]))
                last = mine[-1]
            at += steps
        self.steps, self.batches, self.loops = self.steps + len(stamps), self.batches + 1, self.loops + len(loops)
        self.limit_loops += sum(bool(cut) for *_, cut in loops)
        self.decode_s += max((stamps[-1] if stamps else began) - began - once_s, 0.0)
        self.once_s += once_s

    def pace(self, busy_s: float | None = None) -> EvalPace | None:
        """This evaluation's pace (None before a loop and an item were both timed, or for rows only scored).
        `busy_s`: its own seconds (`jobs.BackgroundJob.busy_s`): where less than the loops' (turns lent to a training
        run inside them), both parts are scaled down to it; where more (its rows prepared), the rest is the items'.
        A loop's first step (its prompts read) is kept apart, by answer, where `spans` timed it, and a step's time by
        the answers in its loop: fitted where loops of two widths or more were timed, else `STEP_FIXED`."""
        if not (self.steps and self.loops and self.done):
            return None
        timed = self.decode_s + self.score_s
        busy_s = max(busy_s - self.once_s, 0.0) if busy_s else busy_s  # one-time work is no pace of the next one
        share = min(1.0, busy_s / timed) if busy_s and timed else 1.0
        rest = max(0.0, busy_s - timed) if busy_s else 0.0
        step_s, answers, per_answer, first_s = self.decode_s * share / self.steps, 0.0, 0.0, 0.0
        later = [(w, n - 1, r * share) for w, n, _, r in self.spans if n > 1]
        if later:
            first_s = sum(f for *_, f, _ in self.spans) * share / sum(w for w, *_ in self.spans)
            step_s, answers, per_answer = _step_line(later)
        return EvalPace(
            step_s=step_s,
            score_s=(self.score_s * share + rest) / self.done,
            steps_per_loop=self.steps / self.loops,
            max_new_tokens=self.max_new_tokens,
            limited=self.limit_loops / self.loops,
            loops_per_batch=self.loops / max(self.batches, 1),
            answers=answers,
            per_answer=per_answer,
            first_s=first_s,
        )


def _step_line(loops: list[tuple[int, int, float]]) -> tuple[float, float, float]:
    """(seconds a step at the mean width, that width in answers, seconds a step per answer more) of loops' (answers,
    steps, seconds) after their first step: a least-squares line of a step's seconds in its answers, weighted by
    steps, never falling with more answers; one width: `STEP_FIXED` of it fixed.

    >>> _step_line([(6, 10, 3.0), (16, 10, 6.0)])  # 0.3 s at 6 answers, 0.6 s at 16
    (0.45, 11.0, 0.03)
    >>> _step_line([(6, 10, 3.0)])
    (0.3, 6.0, 0.02)
    """
    steps = sum(n for _, n, _ in loops)
    width = sum(w * n for w, n, _ in loops) / steps
    mean = sum(s for *_, s in loops) / steps
    spread = sum(n * (w - width) ** 2 for w, n, _ in loops)
    if spread > 1e-9:
        slope = sum(n * (w - width) * (s / n - mean) for w, n, s in loops) / spread
        slope = min(max(slope, 0.0), mean / width)  # neither falling nor below nothing at no answer
    else:
        slope = mean * (1 - STEP_FIXED) / width
    return round(mean, 12), width, round(slope, 12)


@dataclass(frozen=True)
class EvalPace:
    """How fast an evaluation went: `step_s` seconds a decoding step of a loop (its models' answers of a batch's rows
    together), `score_s` seconds an item scored by both models, `steps_per_loop` steps its loops ran (to each one's
    longest answer) at its `max_new_tokens`, `limited` the share of its loops that ran to that limit,
    `loops_per_batch` loops a batch ran (2 where the tuned model was a full fine-tune apart from the base).
    Where its loops' steps were timed apart (`EvalTally.spans`): `step_s` is a step after a loop's first at
    `answers` answers in it, `per_answer` seconds a step more for each answer more, and `first_s` a loop's first step
    (its prompts read) an answer in it; `answers` 0: not known, a step `step_s` whatever the loop.

    Its estimate counts the loops an evaluation runs, not its rows: a batch of 8 rows decodes in about the time of
    a batch of 3 on a quiet CPU (its rows' steps run together), so a pace a row from 3 rows said 8 rows took 2.7 times
    as long as they did (helper 260); on a loaded one it took twice as long, the prompts' prefill most (helper 268),
    so each loop's steps and prefill are counted at its own answers (the last batch's fewer).
    A loop that ended before the limit is taken to end there again under a higher one.

    >>> p = EvalPace(step_s=0.1, score_s=0.5, steps_per_loop=40, max_new_tokens=64, limited=0.0)
    >>> round(p.seconds(items=20, batch_size=8, max_new_tokens=64), 1)  # 3 loops x 40 steps x 0.1 + 20 x 0.5
    22.0
    >>> round(p.seconds(items=20, batch_size=8, max_new_tokens=32), 1)  # each loop cut at 32 steps
    19.6
    >>> round(EvalPace(0.1, 0.5, 40, 64, 0.0, loops_per_batch=2).seconds(20, 8, 64), 1)  # a full fine-tune's 6 loops
    34.0
    >>> w = EvalPace(0.1, 0.5, 40, 64, 0.0, answers=16, per_answer=0.005, first_s=0.2)
    >>> round(w.seconds(items=20, batch_size=8, max_new_tokens=64), 1)  # 2 x (16 x .2 + 39 x .1) + 8 x .2 + 39 x .06
    28.1
    """

    step_s: float
    score_s: float
    steps_per_loop: float
    max_new_tokens: int
    limited: float
    loops_per_batch: float = 1.0
    answers: float = 0.0
    per_answer: float = 0.0
    first_s: float = 0.0

    def loops(self, items: int, batch_size: int) -> float:
        """The decoding loops `items` things answered `batch_size` to a batch run, at this pace's loops a batch."""
        return -(-int(items) // max(int(batch_size), 1)) * self.loops_per_batch

    def loop_s(self, answers: float, steps: float) -> float:
        """Seconds a loop of `answers` answers takes for `steps` decoding steps, its first (the prefill) included."""
        step = self.step_s + self.per_answer * (answers - self.answers) if self.answers else self.step_s
        if not self.first_s:
            return steps * max(step, 0.0)
        return self.first_s * answers + max(steps - 1, 0.0) * max(step, 0.0)

    def seconds(self, items: int, batch_size: int, max_new_tokens: int) -> float:
        """About how long `items` things answered and scored take, `batch_size` to a batch, at `max_new_tokens`."""
        # loops cut at the old limit reach the new one; the others end where they ended, within it
        ended = min(self.steps_per_loop, max_new_tokens)
        steps = self.limited * max_new_tokens + (1 - self.limited) * ended
        items, size = int(items), max(int(batch_size), 1)
        full, left = divmod(items, size)
        loops = self.loops_per_batch
        # each batch's rows answered by both models: one loop of 2 answers a row, or a loop a model of 1
        batches = ((full, size), (1, left))
        decode = sum(count * loops * self.loop_s(2 * rows / loops, steps) for count, rows in batches if rows)
        return decode + items * self.score_s

    def answer_share(self, items: int, batch_size: int, max_new_tokens: int) -> float:
        """The share (0-1) of an evaluation's time (`seconds`) its answers take at this pace, the rest its `items`
        scored: how far its bar moves while it answers, so that the bar moves as its time does. Helper 268 measured
        scoring at 28-46% of an evaluation where the bar gave it 15% (`ANSWERING`, also the share where nothing was
        timed), so the bar ran ahead while answering and the time left it said was short.

        >>> round(EvalPace(0.1, 1.6, 40, 64, 0.0).answer_share(items=6, batch_size=8, max_new_tokens=64), 2)
        0.29
        """
        total = self.seconds(items, batch_size, max_new_tokens)
        scoring = int(items) * self.score_s
        return (total - scoring) / total if total > 0 else ANSWERING
