"""What fine-tuning cost, beside what it gained: forgetting on general prompts, and how varied the answers stay.

    cost = tuning_cost(model_set, tuned="my-run")     # base vs tuned on samples/general_prompts.jsonl
    cost.forgetting.base_loss, cost.forgetting.tuned_loss
    cost.diversity.base, cost.diversity.tuned         # distinct word pairs over sampled answers, 0..1
    cost.sentences()                                  # one plain sentence for each

Forgetting: a fine-tuned model gets better at its task and may get worse at everything else ("catastrophic
forgetting"). We measure it as the mean loss (nats per token, lower is better) of plain reference answers to a
small shipped set of everyday questions unrelated to any training sample, under the base and the tuned model:
the same scoring as the Evaluate page's held-out rows (`ftlib.evaluate.losses_with_set`).

Diversity: tuning on one style narrows what a model says (the "instruction-following tax"). For each of a few of
the same questions we sample several answers from each model (the same seeds for both) and count distinct word
pairs: the number of different adjacent word pairs over all of a question's answers divided by how many pairs
they hold (distinct-2, Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation
Models", taken per question so it measures how alike the answers to one question are), averaged over questions.
1.0 = no pair repeats; answers that say the same thing every time score low.

A rise in the everyday loss is graded relative to the base model's loss (`grade`: under 5% small, 5-20%
noticeable, over 20% large; `GRADE_HELP` says so on the page), and the advice fits the run that made the tuned model
(`TunedWith`: its method, learning rate, steps, LoRA rank, beta): a LoRA run is never told to use LoRA.

How long it takes (`cost_work`, `estimated_seconds`): on a CPU the sampling dominates (minutes: each round of answers
is `max_new_tokens` decoding steps). Progress is reported after every question scored and every round of answers,
weighted by forward passes, so a page can say the time so far and left; a measure that ran to its end records this
server's pace (seconds per forward pass, per device), from which the next one is estimated before it starts.

Not known here: loading models (modelset.py), decoding (sampling.py), drawing (the Evaluate page).
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ftlib.demo_data import general_rows
from ftlib.errors import UserError
from ftlib.evaluate import EvalError, conversation, encode_reference, losses_with_set
from ftlib.jobs import BackgroundJob
from ftlib.methods import BETA_METHODS, SFT_METHODS, default_learning_rate
from ftlib.modelset import generate_with_set
from ftlib.overfitting import plain_number
from ftlib.rundir import RunDir
from ftlib.sampling import DecodingSetting, GenRow, render_prompt

# Sampled answers for diversity: plain temperature-1 sampling, the model's own distribution.
SAMPLING = DecodingSetting(temperature=1.0, name="temperature 1")
# A loss change below this (nats per token) reads as "about the same": a few hundredths is what reordering the
# prompts or another seed moves it by.
SAME_LOSS = 0.05
SAME_DIVERSITY = 0.03
# How the sentences name the base model unless told its name (a base the studio fine-tuned goes by its short name,
# "r7/merged", as the Evaluate page's numbers name it: one model, one name).
BASE_MODEL = "the base model"

# A rise of the everyday loss, relative to the base model's: up to 5% is small (the usual price), up to 20%
# noticeable, more is large. Chosen by hand, not measured: the words say how much, the numbers stay beside them.
GRADES = ((0.05, "small"), (0.20, "noticeable"))


def grade_help(base_name: str = BASE_MODEL) -> str:
    """The tuned loss's help text: how its rise over `base_name`'s is graded ("r7/merged" for a base the studio
    fine-tuned, as the page's numbers name it).

    >>> grade_help("r7/merged").split(":")[0]
    "How much the tuned model's everyday loss rose, compared with r7/merged's"
    """
    return (
        f"How much the tuned model's everyday loss rose, compared with {base_name}'s: under 5% is a small rise (the "
        "usual price of fine-tuning), 5-20% noticeable, over 20% large. A fall means nothing was forgotten there."
    )


GRADE_HELP = grade_help()

_WORD = re.compile(r"\w+(?:'\w+)?")


def word_pairs(text: str) -> list[tuple[str, str]]:
    """The adjacent word pairs of `text`, lower-cased (punctuation and spacing ignored).

    >>> word_pairs("The cat sat. The cat!")
    [('the', 'cat'), ('cat', 'sat'), ('sat', 'the'), ('the', 'cat')]
    """
    words = _WORD.findall(text.lower())
    return list(zip(words, words[1:], strict=False))


def distinct_pairs(texts: Sequence[str]) -> float | None:
    """Distinct-2 over `texts` together: different word pairs / all word pairs (None when there are none).

    >>> distinct_pairs(["a b c", "a b d"])  # (a,b) twice, (b,c), (b,d): 3 different of 4
    0.75
    """
    pairs = [p for text in texts for p in word_pairs(text)]
    return len(set(pairs)) / len(pairs) if pairs else None


def grade(relative: float) -> str:
    """A rise of the everyday loss in words, from `relative` = (tuned - base) / base: "small" under 5%,
    "noticeable" from 5% to 20%, "large" above (see `GRADES`).

    >>> grade(0.03), grade(0.12), grade(0.32)
    ('small', 'noticeable', 'large')
    """
    return next((word for limit, word in GRADES if relative < limit), "large")


@dataclass
class TunedWith:
    """The settings of the run behind the tuned model that the forgetting advice depends on."""

    method: str  # lora, qlora, full, dpo, reward, kto, grpo
    tuning: str  # how its weights were trained: lora, qlora or full
    learning_rate: float  # the one it used (its method's proven default when the config left it empty)
    steps: int = 0  # optimizer steps trained; 0 = not known
    lora_r: int = 16
    beta: float = 0.1

    @property
    def adapter(self) -> bool:
        return self.tuning in ("lora", "qlora")

    @property
    def usual_rate(self) -> float:
        return default_learning_rate(self.method, self.tuning)

    @classmethod
    def from_config(cls, config, steps: int = 0) -> TunedWith:
        """From an `ftlib.config.RunConfig` (and the steps it trained)."""
        tuning = config.method if config.method in SFT_METHODS else config.tuning
        rate = config.learning_rate or default_learning_rate(config.method, tuning)
        return cls(config.method, tuning, rate, steps, config.lora_r, config.beta)

    @classmethod
    def from_run(cls, run_dir) -> TunedWith | None:
        """From a run folder's config.json and its last logged step; None when it has no readable config."""
        run = RunDir(run_dir)
        try:
            return cls.from_config(run.config(), run.summary().step)
        except (OSError, UserError):  # no config, or one this version cannot read: the advice stays generic
            return None

    def remedies(self) -> list[str]:
        """What would forget less, fitted to this run, most direct first."""
        steps = f"fewer steps (this run trained {self.steps})" if self.steps else "fewer steps or epochs"
        rate, usual = plain_number(self.learning_rate), self.usual_rate
        if self.learning_rate > usual * 1.5:
            lower = f"a lower learning rate (this run used {rate}, above the usual {plain_number(usual)})"
        else:
            lower = f"a lower learning rate (this run used {rate}; try {plain_number(self.learning_rate / 2)})"
        out = [steps, lower]
        if self.adapter and self.lora_r > 4:
            out.append(f"a lower LoRA rank (this run used {self.lora_r}; try {self.lora_r // 2})")
        if not self.adapter:
            out.append("LoRA instead of full fine-tuning (it changes far fewer weights)")
        if self.method in BETA_METHODS:
            out.append(f"a higher beta (this run used {self.beta:g}; higher keeps the model closer to the base)")
        out.append("some everyday conversations mixed into your training data")
        return out


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + ", or " + items[-1]


@dataclass
class Forgetting:
    """Base vs tuned on the reference answers of the general prompts (token-weighted mean loss, nats)."""

    base_loss: float
    tuned_loss: float
    rows: int
    tokens: int
    per_row: list[tuple[str, float, float]] = field(default_factory=list)  # (question, base loss, tuned loss)

    @property
    def change(self) -> float:
        return self.tuned_loss - self.base_loss

    @property
    def relative_change(self) -> float:
        """The change as a share of the base model's loss (0.32 = 32% higher)."""
        return self.change / self.base_loss if self.base_loss > 0 else 0.0

    def grade(self) -> str | None:
        """ "small", "noticeable" or "large" for a rise (see `grade`); None when the loss did not rise."""
        return grade(self.relative_change) if self.change > SAME_LOSS else None

    def sentence(self, run: TunedWith | None = None, base_name: str = BASE_MODEL) -> str:
        """One plain sentence: how much the model forgot, graded, and what to change, fitted to `run` when given.
        `base_name`: what to call the base model ("r7/merged"; default "the base model")."""
        numbers = f"(loss {self.base_loss:.2f} → {self.tuned_loss:.2f}, lower is better)"
        words = self.grade()
        if words:
            said = (
                f"On {self.rows} everyday questions unrelated to your data, the tuned model finds plain answers less "
                f"likely than {base_name} did {numbers}: a {words} rise ({self.relative_change:+.0%}). It has "
                "forgotten some of how it used to answer."
            )
            if words == "small":
                return said + " A small rise is the usual price of fine-tuning; nothing needs changing."
            remedies = (
                run.remedies() if run else ["fewer steps", "a lower learning rate", "LoRA instead of full fine-tuning"]
            )
            if words == "large":
                return said + f" To keep more of what it knew, train again with {_joined(remedies)}."
            return said + f" If it must stay good at everyday questions, try {_joined(remedies)}."
        if self.change < -SAME_LOSS:
            return (
                f"On {self.rows} everyday questions unrelated to your data, the tuned model finds plain answers more "
                f"likely than {base_name} did {numbers}: nothing was forgotten there."
            )
        return (
            f"On {self.rows} everyday questions unrelated to your data, both models find plain answers about as "
            f"likely {numbers}: fine-tuning cost little of what the model could already do."
        )


@dataclass
class Diversity:
    """Distinct word pairs (0..1) over `samples` sampled answers per question, averaged over questions."""

    base: float
    tuned: float
    questions: int
    samples: int
    answers: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # (question, base, tuned)

    def sentence(self, base_name: str = BASE_MODEL) -> str:
        """One plain sentence: whether the tuned model's answers vary less, more or as much as those of the base
        model, called `base_name` ("r7/merged"; default "the base model"), with the shares."""
        numbers = (
            f"{self.base:.0%} of the word pairs differ for {base_name}, {self.tuned:.0%} for the tuned one, over "
            f"{self.samples} sampled answers to each of {self.questions} questions"
        )
        if self.tuned < self.base - SAME_DIVERSITY:
            return (
                f"The tuned model's answers are more alike than {base_name}'s ({numbers}): it says the same "
                "things more often. Some sameness is what teaching a style means; much less variety means it "
                "repeats itself."
            )
        if self.tuned > self.base + SAME_DIVERSITY:
            # Not a win in itself: sampled noise (a model tuned too hard, or too briefly) has the most distinct pairs.
            return (
                f"The tuned model's answers vary more than {base_name}'s ({numbers}). More variety is not better "
                "in itself: answers that wander off the question or into noise vary most: read the sampled answers."
            )
        return (
            f"Both models vary their answers about as much from one sample to the next ({numbers}). This compares "
            "different answers to the same question; it does not see a line repeated within one answer."
        )


@dataclass
class TuningCost:
    """What `tuning_cost` returns: base vs tuned `forgetting` (everyday loss, nats/token) and `diversity` (0..1)."""

    forgetting: Forgetting
    diversity: Diversity

    def sentences(self, run: TunedWith | None = None, base_name: str = BASE_MODEL) -> list[str]:
        """The forgetting and the variety sentence (see `Forgetting.sentence`, `Diversity.sentence`)."""
        return [self.forgetting.sentence(run, base_name), self.diversity.sentence(base_name)]


def forgetting(
    model_set,
    tuned: str,
    rows: Sequence[dict] | None = None,
    template: str = "tokenizer",
    cancel=None,
    before: Callable[[int], None] | None = None,
) -> Forgetting:
    """Mean loss of the reference answers of `rows` (default: the shipped general prompts) under the base and
    `tuned` (an adapter's or full fine-tune's name in `model_set`), weighted by tokens. `before(i)`: called before
    row i (from 0) is scored. EvalError when no row has a reference answer."""
    rows = general_rows() if rows is None else list(rows)
    totals, tokens, per_row = [0.0, 0.0], 0, []
    for i, row in enumerate(rows):
        if cancel and cancel():
            break
        if before:
            before(i)
        messages = conversation(row)
        ref = encode_reference(messages, model_set.tokenizer, template)
        base, tuned_losses = losses_with_set(model_set, ref, [None, tuned])
        totals[0] += sum(base)
        totals[1] += sum(tuned_losses)
        tokens += len(base)
        per_row.append((messages[-2]["content"], sum(base) / len(base), sum(tuned_losses) / len(tuned_losses)))
    if not tokens:
        raise EvalError("No general prompt could be scored.")
    return Forgetting(totals[0] / tokens, totals[1] / tokens, len(per_row), tokens, per_row)


def diversity(
    model_set,
    tuned: str,
    prompts: Sequence[list[dict]],
    samples: int = 4,
    max_new_tokens: int = 40,
    seed: int = 0,
    template: str = "tokenizer",
    setting: DecodingSetting = SAMPLING,
    cancel=None,
    before: Callable[[int], None] | None = None,
) -> Diversity:
    """Sample `samples` answers per prompt (message lists ending with the user turn) from the base and `tuned`,
    one batched decoding loop per seed (seed, seed + 1, ...: both models draw with the same seeds), and score each
    model's distinct word pairs per prompt, averaged over prompts. `before(k)`: called before round k (from 0)."""
    ids = [tuple(render_prompt(model_set.tokenizer, p, template=template)[1]) for p in prompts]
    base_answers: list[list[str]] = [[] for _ in prompts]
    tuned_answers: list[list[str]] = [[] for _ in prompts]
    for k in range(samples):
        if cancel and cancel():
            break
        if before:
            before(k)
        rows = [GenRow(i, setting, m) for i in ids for m in (None, tuned)]
        results = generate_with_set(model_set, rows, max_new_tokens=max_new_tokens, seed=seed + k, top_alternatives=0)
        for j in range(len(prompts)):
            base_answers[j].append(results[2 * j].text)
            tuned_answers[j].append(results[2 * j + 1].text)

    def mean(per_prompt: list[list[str]]) -> float:
        scores = [s for s in (distinct_pairs(answers) for answers in per_prompt) if s is not None]
        return sum(scores) / len(scores) if scores else 0.0

    questions = [p[-1]["content"] for p in prompts]
    return Diversity(
        base=mean(base_answers),
        tuned=mean(tuned_answers),
        questions=len(prompts),
        samples=samples,
        answers=list(zip(questions, base_answers, tuned_answers, strict=True)),
    )


def cost_work(rows: int, questions: int, samples: int, max_new_tokens: int) -> int:
    """The work of `tuning_cost`, in forward passes: one per everyday question scored (both models in one), and
    `max_new_tokens` decoding steps per round of sampled answers (all `questions`, both models, in one batch), for
    `samples` rounds. What its progress and `estimated_seconds` are weighted by.

    >>> cost_work(24, 8, 4, 40)
    184
    """
    return int(rows) + int(samples) * int(max_new_tokens)


_PACE: dict[str, float] = {}  # device -> seconds per forward pass (`cost_work`) of this server's last full measure


def record_pace(device: str, seconds: float, work: int) -> None:
    """Remember how fast a measure that ran to its end went on `device` (this process: the server's)."""
    if work > 0 and seconds > 0:
        _PACE.pop(str(device), None)  # re-inserted last: "the device measured last" is the newest key
        _PACE[str(device)] = seconds / work


def estimated_seconds(
    device: str | None = None, *, rows: int, questions: int, samples: int, max_new_tokens: int
) -> float | None:
    """About how long `tuning_cost` with these settings takes, at the pace of this server's last measure on `device`
    (None: on the device measured last); None when none has been measured here yet."""
    if not _PACE:
        return None
    pace = _PACE.get(str(device)) if device is not None else list(_PACE.values())[-1]
    return None if pace is None else pace * cost_work(rows, questions, samples, max_new_tokens)


def tuning_cost(
    model_set,
    tuned: str,
    template: str = "tokenizer",
    questions: int = 8,
    samples: int = 4,
    max_new_tokens: int = 40,
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    cancel=None,
) -> TuningCost:
    """Forgetting on every shipped general prompt, diversity on the first `questions` of them. `progress(message,
    fraction)`: before each question scored and each round of answers, the fraction of the work (`cost_work`) done."""
    report = progress or (lambda message, fraction: None)
    rows = general_rows()
    total = cost_work(len(rows), questions, samples, max_new_tokens)

    def scoring(i: int) -> None:
        report(f"Scoring everyday questions with both models: {i + 1} of {len(rows)}", i / total)

    def sampling(k: int) -> None:
        said = f"Sampling {samples} answers to {questions} questions from both models: round {k + 1} of {samples}"
        report(f"{said} ({max_new_tokens} tokens each)", (len(rows) + k * max_new_tokens) / total)

    lost = forgetting(model_set, tuned, rows, template=template, cancel=cancel, before=scoring)
    prompts = [conversation(r)[:-1] for r in rows[:questions]]
    varied = diversity(
        model_set, tuned, prompts, samples, max_new_tokens, seed, template, cancel=cancel, before=sampling
    )
    report("Done", 1.0)
    return TuningCost(lost, varied)


# What `tuning_cost` measures with unless told otherwise (its own defaults, read from it).
DEFAULTS = {
    name: inspect.signature(tuning_cost).parameters[name].default
    for name in ("questions", "samples", "max_new_tokens")
}


class CostJob(BackgroundJob):
    """`tuning_cost` in a daemon thread with progress and cancel, for the Evaluate page."""

    thread_name = "ftlib-tuning-cost"
    kind = "evaluation"

    def __init__(self, model_set, tuned: str, label: str = "measuring what fine-tuning cost", **kwargs):
        super().__init__(label, device=model_set.device)  # takes turns on the device with training and others
        self.model_set, self.tuned, self.kwargs = model_set, tuned, kwargs
        self.message, self.fraction = "Starting", 0.0
        self.result: TuningCost | None = None

    def _progress(self, message: str, fraction: float) -> None:
        self.message, self.fraction = message, fraction

    def work(self) -> None:
        began = time.monotonic()
        self.result = tuning_cost(
            self.model_set, self.tuned, progress=self._progress, cancel=lambda: self.cancelled, **self.kwargs
        )
        if not self.cancelled:  # this server's pace, for the next measure's estimate (`estimated_seconds`)
            settings = {k: self.kwargs.get(k, DEFAULTS[k]) for k in ("questions", "samples", "max_new_tokens")}
            work = cost_work(len(general_rows()), **settings)
            record_pace(self.model_set.device, time.monotonic() - began, work)


__all__ = [
    "BASE_MODEL",
    "DEFAULTS",
    "SAMPLING",
    "GRADE_HELP",
    "grade_help",
    "GRADES",
    "CostJob",
    "Diversity",
    "Forgetting",
    "TunedWith",
    "TuningCost",
    "cost_work",
    "distinct_pairs",
    "diversity",
    "estimated_seconds",
    "forgetting",
    "grade",
    "record_pace",
    "tuning_cost",
    "word_pairs",
]
