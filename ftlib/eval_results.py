"""A finished evaluation kept with its run, so a reload, a second tab or a later visit shows it again.

    key = heldout_key(run.path, "adapter", model="default", rows=test_rows[:20], limit=20, max_new_tokens=64,
                      batch_size=8, template="tokenizer", template_source="", max_length=512)
    keep(run.path, key, result_record(result))       # <run>/evaluations/heldout-<digest>.json, written whole
    kept = find(run.path, key)                       # a Kept (its value and when it was measured), or None
    result_from_record(kept.value)                   # the EvalResult again

    job = KeptEvalJob(model_set, rows, adapter, run_dir=run.path, key=key, ...).start()   # kept once it ends
    job = KeptEvalJob.restored(run.path, key, rows, ...)   # a done job holding the kept result, or None

What is kept: the Evaluate page's held-out result (each row's prompt, reference, both answers and losses; the
aggregates are computed from them), what tuning cost (the everyday questions' losses and the sampled answers), a
reward model's scores of held-out pairs (`pairs_key`, `KeptPairsJob`) and a GRPO run's answers with their rewards
(`answers_key`, `KeptAnswersJob`), never tensors or per-token losses (the page scores a row's tokens again when it
is picked). A result is found only under the key it was measured with: everything that decides it (the held-out rows
themselves, by a hash of their JSON, so another split or source is another key; how many of them, the decoding length
and batch, the base model, the chat template and its text, the run's max length, a GRPO run's rewards, and the tuned
weights by each file's size and modification time, so a run trained further is measured again). The file repeats its
key, which is compared whole on reading.

How sure a kept result is (`ftlib.eval_stats`: the intervals and verdicts under its numbers) is not a field of its
record: it is computed again from the kept rows, deterministically (no random draw), so a reload shows what the
evaluation showed, and a record kept before those were shown shows them too.

The records live in the run's folder (`KEPT_DIR`), so deleting the run deletes them; at most `KEEP` of each kind per
run, the most recently measured. Keeping is best effort: an account that may only read the workspace, a full disk
or a value JSON cannot write keeps nothing and says nothing (`keep` returns False); a record that does not read
(cut short, not JSON, another key) is not found; one kept in an earlier layout is counted, for the page to say it
is not shown (`earlier_layout`). The CLI's `evaluate` of a run keeps its result the same way where
it measured what the page measures, under the key the page would use (`offered`: choices the page's boxes can make).

Not known here: measuring (evaluate.py, reward_eval.py, tuning_cost.py), Streamlit.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace

from ftlib import merged_sources, workspace
from ftlib.evaluate import EvalJob, EvalResult, EvalRow
from ftlib.kto_eval import LabelShift, label_shift, shift_from_record
from ftlib.reward_eval import AnswersJob, PairResult, PairScore, PairsJob, RewardedAnswers, RewardResult
from ftlib.rewards import RewardModel
from ftlib.tuning_cost import CostJob, Diversity, Forgetting, TuningCost, tuning_cost

KEPT_DIR = "evaluations"  # in a run's folder: one JSON file per kept result
KEEP = 4  # results of each kind kept per run, the most recently measured
VERSION = 1  # of the records' layout: a record of another version is another key
# What `ftlib.tuning_cost.tuning_cost` measures with when the page passes only the template: its own defaults, read
# from it (a default changed there is another key here).
COST_SETTINGS = {
    name: inspect.signature(tuning_cost).parameters[name].default
    for name in ("questions", "samples", "max_new_tokens", "seed")
}
# The batch a reward model scores the page's pairs in (`ftlib.reward_eval.PairsJob` leaves RewardModel's default).
PAIRS_BATCH = RewardModel.__dataclass_fields__["batch_size"].default
# What the Evaluate page's boxes can choose, per kind of result: a result measured with other choices (by the CLI) is
# not kept, since no box would bring it back and it would push out one that can.
BOX_RANGES = {
    "heldout": {"max_new_tokens": range(8, 257, 8), "batch_size": range(1, 33)},
    "answers": {"max_new_tokens": range(8, 257), "batch_size": range(1, 33)},
    "pairs": {"batch_size": range(PAIRS_BATCH, PAIRS_BATCH + 1)},
}


@dataclass
class Kept:
    """A kept result: its key, when it was measured (epoch seconds) and its record."""

    key: dict
    at: float
    value: dict


def digest(value) -> str:
    """A hash of `value` as canonical JSON (sorted keys), hex.

    >>> digest({"b": 1, "a": [2]}) == digest({"a": [2], "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def weights_stamp(folder: Path | str) -> dict[str, list[int]]:
    """{"weights/FILE": [bytes, mtime_ns]} of the weight files of a run's result (`adapter/` or `model/`), as
    `ftlib.merged_sources` stamps a merge's sources: a run trained further gets another stamp. Only weights: exports
    write generation_config.json and the base's name into those folders. {} when the folder does not read."""
    try:
        return merged_sources.file_stamps(Path(folder), "weights", ["*.safetensors", "*.bin"])
    except OSError:
        return {}


def heldout_key(
    tuned: Path | str,
    *,
    model: str,
    rows: Sequence[dict],
    limit: int,
    max_new_tokens: int,
    batch_size: int,
    template: str,
    template_source: str,
    max_length: int | None,
    all_rows: Sequence[dict] | None = None,
    answer_at: str = "last",
    split_long: bool = False,
    thinking: bool | None = None,
) -> dict:
    """What decides the Evaluate page's held-out result: `tuned` (the run's `adapter/` or `model/` folder), the base
    `model`, the held-out `rows` it evaluates (the first `limit` of the run's `all_rows`), the decoding length and
    batch (in bf16 a row's greedy answer can differ with the rows beside it), the chat template, the run's max
    length and which reply is answered (`answer_at`: named in the key unless it is the default "last", so a result
    kept before the choice existed is found as it was). The page's boxes set `BOX_CHOICES`; the rest is the run's
    and its split's (`split`: all the rows; `split_long`: a bfd_split run's, its longer rows scored in pieces).
    `thinking`: a template with a thinking switch's `enable_thinking` the answers were asked with (named only then:
    None for a template without one), so a result is never shown for the other setting."""
    return {
        **_rows_key("heldout", tuned, model, rows, limit, template, template_source, max_length, all_rows, split_long),
        "max_new_tokens": int(max_new_tokens),
        "batch_size": int(batch_size),
        **({} if answer_at == "last" else {"answer_at": str(answer_at)}),
        **({} if thinking is None else {"thinking": bool(thinking)}),
    }


def run_rows(info, limit: int) -> dict:
    """The key arguments a run decides (`ftlib.eval_runs` info: its base model, chat template, max length and held-out
    rows), the first `limit` of those rows measured: `heldout_key(folder, **run_rows(info, 20), ...)`."""
    rows = list(info.test_rows)
    return {
        "model": info.model,
        "rows": rows[:limit],
        "limit": limit,
        "template": info.template,
        "template_source": info.template_source,
        "max_length": info.max_length,
        "all_rows": rows,
        "split_long": bool(getattr(info, "split_long", False)),  # a bfd_split run: its longer rows scored in pieces
    }


def _rows_key(kind, tuned, model, rows, limit, template, template_source, max_length, all_rows, split=False) -> dict:
    """What decides any result on a run's held-out rows: the weights, base, rows, template and max length, and
    whether a longer row is scored in pieces of it (`split`, a bfd_split run's: named only then, so a key made before
    it was is found as it was, and a bfd_split run's result kept before, cut at the max length, is not)."""
    return {
        "kind": kind,
        "version": VERSION,
        "weights": weights_stamp(tuned),
        "model": str(model),
        "rows": digest(list(rows)),
        "split": digest(list(rows if all_rows is None else all_rows)),
        "limit": int(limit),
        "template": str(template),
        "template_source": digest(template_source or ""),
        "max_length": max_length,
        **({"split_long": True} if split else {}),
    }


def pairs_key(
    tuned: Path | str,
    *,
    model: str,
    rows: Sequence[dict],
    limit: int,
    template: str,
    template_source: str,
    max_length: int | None,
    all_rows: Sequence[dict] | None = None,
    batch_size: int = PAIRS_BATCH,
    split_long: bool = False,
) -> dict:
    """What decides a reward model's scores of the held-out pairs (`ftlib.reward_eval.evaluate_pairs`): its weights
    (`tuned`: its `adapter/` or `model/`), base, template and max length (the run's config), the first `limit` of
    `all_rows`, and the batch it scores them in (padding: a score's last digits)."""
    key = _rows_key("pairs", tuned, model, rows, limit, template, template_source, max_length, all_rows, split_long)
    return key | {"batch_size": int(batch_size)}


def answers_key(
    tuned: Path | str,
    *,
    model: str,
    rows: Sequence[dict],
    limit: int,
    max_new_tokens: int,
    batch_size: int,
    template: str,
    template_source: str,
    max_length: int | None,
    rewards: Sequence[dict],
    all_rows: Sequence[dict] | None = None,
    split_long: bool = False,
) -> dict:
    """What decides a GRPO run's answers and their rewards (`ftlib.reward_eval.evaluate_answers`): what decides a
    held-out result (`heldout_key`) and the run's `rewards` (their specs, as its config lists them)."""
    key = _rows_key("answers", tuned, model, rows, limit, template, template_source, max_length, all_rows, split_long)
    return key | {"max_new_tokens": int(max_new_tokens), "batch_size": int(batch_size), "rewards": digest(rewards)}


def offered(key: dict) -> bool:
    """Whether the Evaluate page's boxes can choose what `key` was measured with (`BOX_RANGES`).

    >>> offered({"kind": "heldout", "max_new_tokens": 64, "batch_size": 8})
    True
    >>> offered({"kind": "heldout", "max_new_tokens": 10, "batch_size": 8})
    False
    """
    return all(key.get(name) in choices for name, choices in BOX_RANGES.get(str(key.get("kind")), {}).items())


def cost_key(tuned: Path | str, *, model: str, template: str, template_source: str, prompts: Sequence[dict]) -> dict:
    """What decides what tuning cost (`ftlib.tuning_cost.tuning_cost` at `COST_SETTINGS`): the tuned weights, the base
    `model`, the chat template and the general `prompts` it is measured on."""
    return {
        "kind": "cost",
        "version": VERSION,
        "weights": weights_stamp(tuned),
        "model": str(model),
        "template": str(template),
        "template_source": digest(template_source or ""),
        "prompts": digest(list(prompts)),
        "settings": COST_SETTINGS,
    }


def _folder(run_dir: Path | str) -> Path:
    return Path(run_dir) / KEPT_DIR


def _path(run_dir: Path | str, key: dict) -> Path:
    return _folder(run_dir) / f"{key.get('kind', 'result')}-{digest(key)[:24]}.json"


def _read(path: Path) -> Kept | None:
    """The record in `path`, or None when it does not read as one (missing, cut short, not JSON, fields missing)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    key, at, value = record.get("key"), record.get("at"), record.get("value")
    if not isinstance(key, dict) or not isinstance(value, dict) or type(at) not in (int, float):
        return None
    return Kept(key, float(at), value)


def _kept(run_dir: Path | str, kind: str) -> list[tuple[Path, Kept]]:
    """The records of `kind` in the run's folder that read, most recently measured first."""
    found = []
    for path in _folder(run_dir).glob(f"{kind}-*.json"):
        if (kept := _read(path)) is not None and kept.key.get("kind") == kind:
            found.append((path, kept))
    return sorted(found, key=lambda item: item[1].at, reverse=True)


def find(run_dir: Path | str, key: dict) -> Kept | None:
    """The result kept in the run's folder under exactly `key` (compared whole, not by its hash), or None."""
    kept = _read(_path(run_dir, key))
    return kept if kept is not None and kept.key == json.loads(json.dumps(key)) else None


# What the Evaluate page's boxes choose (the rows evaluated follow from the limit); the rest of a key is the run's.
BOX_CHOICES = ("limit", "rows", "max_new_tokens", "batch_size", "answer_at", "thinking")


def outside_boxes(key: dict) -> dict:
    """`key` without what the page's boxes choose: equal for two results of the same weights, split and template."""
    return {k: v for k, v in json.loads(json.dumps(key)).items() if k not in BOX_CHOICES}


def others(run_dir: Path | str, key: dict) -> list[Kept]:
    """The results of `key`'s kind kept for the run under other choices of the page's boxes (`BOX_CHOICES`), the rest
    of the key the same, most recently measured first: the ones the boxes can bring back. Results of earlier
    weights, another split or template are not among them (no box brings them back)."""
    plain, same = json.loads(json.dumps(key)), outside_boxes(key)
    return [k for _, k in _kept(run_dir, str(key.get("kind"))) if k.key != plain and outside_boxes(k.key) == same]


def earlier_layout(run_dir: Path | str, key: dict) -> int:
    """How many results of `key`'s kind are kept for the run in a layout this version does not read (another
    `VERSION`, or other choices recorded: the first kept results had no `split`): never found, so the page says so
    rather than nothing."""
    names, version = set(json.loads(json.dumps(key))) - {"answer_at"}, key.get("version")  # named when not "last"
    kept = _kept(run_dir, str(key.get("kind")))
    return sum(k.key.get("version") != version or set(k.key) - {"answer_at"} != names for _, k in kept)


def keep(run_dir: Path | str, key: dict, value: dict, now: float | None = None) -> bool:
    """Write `value` under `key` into the run's folder (a temporary file renamed into place) and drop the records of
    its kind beyond the `KEEP` most recent. True when kept; False, silently, when it cannot be (an account that may
    only read the workspace, a full disk, a run deleted meanwhile, a value JSON cannot write)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():  # deleted while it was measured: no folder to bring back
        return False
    record = {"key": key, "at": time.time() if now is None else now, "value": value}
    try:
        text = json.dumps(record, ensure_ascii=False)
        before = run_dir.stat()
        made = not _folder(run_dir).exists()
        workspace.write_files({_path(run_dir, key): text})
        if made:  # a new entry in the run's folder moves its time, which orders the lists of runs "newest first"
            os.utime(run_dir, ns=(before.st_atime_ns, before.st_mtime_ns))
        for path, _ in _kept(run_dir, str(key.get("kind")))[KEEP:]:
            path.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        return False
    return True


def result_record(result: EvalResult | PairResult | RewardResult) -> dict:
    """A result as JSON can write it: an EvalResult's rows' prompts, references, answers and losses (no tensors); a
    PairResult's pairs and scores; a RewardResult's answers and each reward's scores."""
    return asdict(result)


def result_from_record(record: dict) -> EvalResult:
    """The EvalResult `result_record` wrote (KeyError, TypeError or ValueError when the record is not one)."""
    return EvalResult(
        adapter=str(record["adapter"]),
        rows=[EvalRow(**row) for row in record["rows"]],
        skipped=[(int(i), str(reason)) for i, reason in record.get("skipped", [])],
        cut=[int(i) for i in record.get("cut", [])],
        max_length=record.get("max_length"),
        answer_at=str(record.get("answer_at") or "last"),
        rewritten=[(int(i), None if r is None else int(r)) for i, r in record.get("rewritten", [])],
        base_token_loss=float(record["base_token_loss"]),
        tuned_token_loss=float(record["tuned_token_loss"]),
        max_new_tokens=record.get("max_new_tokens"),  # kept before it was: None, and each answer's cut unknown
        split_long=bool(record.get("split_long", False)),
        dtype=record.get("dtype"),  # kept before it was said: None, and no word on the precision
    )


def cost_record(cost: TuningCost) -> dict:
    """A TuningCost as JSON can write it: the losses per question and the sampled answers."""
    return asdict(cost)


def cost_from_record(record: dict) -> TuningCost:
    """The TuningCost `cost_record` wrote (KeyError, TypeError or ValueError when the record is not one)."""
    lost, varied = dict(record["forgetting"]), dict(record["diversity"])
    lost["per_row"] = [tuple(row) for row in lost.get("per_row", [])]
    varied["answers"] = [(q, list(base), list(tuned)) for q, base, tuned in varied.get("answers", [])]
    return TuningCost(Forgetting(**lost), Diversity(**varied))


def _skipped(record: dict) -> list[tuple[int, str]]:
    return [(int(i), str(reason)) for i, reason in record.get("skipped", [])]


def pairs_from_record(record: dict) -> PairResult:
    """The PairResult `result_record` wrote (KeyError, TypeError or ValueError when the record is not one)."""
    rows = [PairScore(**row) for row in record["rows"]]
    return PairResult(adapter=str(record["adapter"]), rows=rows, skipped=_skipped(record))


def answers_from_record(record: dict) -> RewardResult:
    """The RewardResult `result_record` wrote (KeyError, TypeError or ValueError when the record is not one)."""
    return RewardResult(
        adapter=str(record["adapter"]),
        rewards=[str(name) for name in record["rewards"]],
        rows=[RewardedAnswers(**row) for row in record["rows"]],
        skipped=_skipped(record),
        weights=dict(record.get("weights", {})),
        labels=dict(record.get("labels", {})),
    )


REBUILD = {  # each kind of key -> what rebuilds its record
    "heldout": result_from_record,
    "cost": cost_from_record,
    "pairs": pairs_from_record,
    "answers": answers_from_record,
    "labels": shift_from_record,  # a KTO run's good and bad answers, kept beside its held-out result
}


def restore(run_dir: Path | str, key: dict) -> tuple[object, float] | None:
    """(the result kept under `key`, rebuilt by its kind's `REBUILD`: an EvalResult, TuningCost, PairResult or
    RewardResult, and when it was measured), or None when none is kept or its record does not rebuild (another
    version's fields, a damaged value)."""
    kept = find(run_dir, key)
    if kept is None or key.get("kind") not in REBUILD:
        return None
    try:
        return REBUILD[key["kind"]](kept.value), kept.at
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class KeptEvalJob(EvalJob):
    """An EvalJob whose result, once it has run to its end (not stopped), is kept in `run_dir` under `key`, from the
    job's own thread: a tab closed meanwhile still finds it. `restored` gives a done one holding a kept result."""

    outlives_its_tab = True  # its result is kept for a reload: the owner watch lets it finish (ftlib.jobs)

    def __init__(
        self,
        model_set,
        rows: Sequence[dict],
        adapter: str,
        *,
        run_dir=None,
        key=None,
        mask_policy=None,
        method=None,
        **kwargs,
    ):
        super().__init__(model_set, rows, adapter, **kwargs)
        self.run_dir, self.kept_key = run_dir, key
        self.measured_at: float | None = None  # a result kept from earlier: when it was measured (epoch seconds)
        self.label_shift: LabelShift | None = None  # a KTO run's good and bad answers (`ftlib.kto_eval`); else None
        self.mask_policy = mask_policy  # the run's: which tokens of a KTO answer training summed (None: the default)
        self.method = method  # the run's: a KTO run's preference pairs are scored as a good and a bad answer

    def work(self) -> None:
        super().work()
        if self.result is not None and not self.cancelled:  # a KTO run's bad answers too, which `evaluate` skips
            self.message = "Scoring the answers labelled good and bad"
            kwargs = {k: v for k, v in self.kwargs.items() if k in ("template", "max_length", "limit")}
            kwargs |= {"mask_policy": self.mask_policy} if self.mask_policy else {}
            kwargs |= {"method": self.method}
            self.label_shift = label_shift(
                self.model_set, self.rows, self.adapter, cancel=lambda: self.cancelled, **kwargs
            )
            self.message = "Done"
        if self.run_dir is not None and self.kept_key is not None and self.result is not None and not self.cancelled:
            keep(self.run_dir, self.kept_key, result_record(self.result))
            if self.label_shift is not None:  # its own kind, beside the result: a result kept before it still found
                keep(self.run_dir, {**self.kept_key, "kind": "labels"}, asdict(self.label_shift))

    @classmethod
    def restored(cls, run_dir: Path | str, key: dict, rows: Sequence[dict], **kwargs) -> KeptEvalJob | None:
        """A done job holding the result kept under `key` (measured on `rows` with `kwargs`), or None when none is:
        no model and no thread (a page gets its models back as for any finished job)."""
        found = restore(run_dir, key)
        if found is None or not isinstance(found[0], EvalResult):
            return None
        job = cls(SimpleNamespace(device=None), rows, found[0].adapter, run_dir=run_dir, key=key, **kwargs)
        job.model_set, job.result, job.measured_at = None, found[0], found[1]
        job.message, job.fraction, job.done = "Done", 1.0, True
        labels = restore(run_dir, {**key, "kind": "labels"})
        job.label_shift = labels[0] if labels and isinstance(labels[0], LabelShift) else None
        return job


class KeptCostJob(CostJob):
    """A CostJob whose result, once measured to its end, is kept in `run_dir` under `key` (`cost_key`)."""

    outlives_its_tab = True  # its result is kept for a reload: the owner watch lets it finish (ftlib.jobs)

    def __init__(self, model_set, tuned: str, *, run_dir=None, key=None, **kwargs):
        super().__init__(model_set, tuned, **kwargs)
        self.run_dir, self.kept_key = run_dir, key

    def work(self) -> None:
        super().work()
        if self.run_dir is not None and self.kept_key is not None and self.result is not None and not self.cancelled:
            keep(self.run_dir, self.kept_key, cost_record(self.result))


def _done(job, result, measured_at: float) -> None:
    """`job` as a job that ran to its end: holding `result`, measured at `measured_at`, no thread."""
    job.result, job.measured_at = result, measured_at
    job.message, job.fraction, job.done = "Done", 1.0, True


class KeptPairsJob(PairsJob):
    """A PairsJob whose result, once scored to its end, is kept in `run_dir` under `key` (`pairs_key`), from the job's
    own thread. `restored` gives a done one holding a kept result."""

    outlives_its_tab = True  # its result is kept for a reload: the owner watch lets it finish (ftlib.jobs)

    def __init__(self, run_id: str, rows: Sequence[dict], limit=None, device=None, *, run_dir=None, key=None):
        super().__init__(run_id, rows, limit, device)
        self.run_dir, self.kept_key = run_dir, key
        self.measured_at: float | None = None  # a result kept from earlier: when it was measured (epoch seconds)

    def work(self) -> None:
        super().work()
        if self.run_dir is not None and self.kept_key is not None and self.result is not None and not self.cancelled:
            keep(self.run_dir, self.kept_key, result_record(self.result))

    @classmethod
    def restored(cls, run_dir: Path | str, key: dict, run_id: str, rows: Sequence[dict], limit=None):
        """A done job holding the scores kept under `key`, or None when none are: no model and no thread."""
        found = restore(run_dir, key)
        if found is None or not isinstance(found[0], PairResult):
            return None
        job = cls(run_id, rows, limit, device="cpu", run_dir=run_dir, key=key)  # "cpu": nothing to look for
        _done(job, *found)
        return job


class KeptAnswersJob(AnswersJob):
    """An AnswersJob whose result, once measured to its end, is kept in `run_dir` under `key` (`answers_key`), from
    the job's own thread. `restored` gives a done one holding a kept result."""

    outlives_its_tab = True  # its result is kept for a reload: the owner watch lets it finish (ftlib.jobs)

    def __init__(self, model_set, rows: Sequence[dict], tuned: str, rewards: list, *, run_dir=None, key=None, **kw):
        super().__init__(model_set, rows, tuned, rewards, **kw)
        self.run_dir, self.kept_key = run_dir, key
        self.measured_at: float | None = None  # a result kept from earlier: when it was measured (epoch seconds)

    def work(self) -> None:
        super().work()
        if self.run_dir is not None and self.kept_key is not None and self.result is not None and not self.cancelled:
            keep(self.run_dir, self.kept_key, result_record(self.result))

    @classmethod
    def restored(cls, run_dir: Path | str, key: dict, rows: Sequence[dict], rewards: list, **kwargs):
        """A done job holding the answers and rewards kept under `key` (measured on `rows` with `rewards` and
        `kwargs`), or None when none are: no model and no thread."""
        found = restore(run_dir, key)
        if found is None or not isinstance(found[0], RewardResult):
            return None
        job = cls(SimpleNamespace(device=None), rows, found[0].adapter, rewards, run_dir=run_dir, key=key, **kwargs)
        job.model_set = None
        _done(job, *found)
        return job


__all__ = [
    "BOX_CHOICES",
    "BOX_RANGES",
    "COST_SETTINGS",
    "KEEP",
    "KEPT_DIR",
    "PAIRS_BATCH",
    "REBUILD",
    "Kept",
    "KeptAnswersJob",
    "KeptCostJob",
    "KeptEvalJob",
    "KeptPairsJob",
    "answers_from_record",
    "answers_key",
    "cost_from_record",
    "cost_key",
    "cost_record",
    "digest",
    "find",
    "heldout_key",
    "keep",
    "offered",
    "others",
    "outside_boxes",
    "pairs_from_record",
    "pairs_key",
    "restore",
    "run_rows",
    "result_from_record",
    "result_record",
    "weights_stamp",
]
