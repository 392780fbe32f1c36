"""`python -m ftlib evaluate`: base vs tuned on a run's held-out split (loss, perplexity, outputs).

    python -m ftlib evaluate RUN_DIR_OR_ID --json
    python -m ftlib evaluate --model default --adapter ADAPTER_OR_RUN --data test.jsonl --csv out.csv

With a run, its config.json names the model, the dataset (split as training did) and the chat template;
the flags override them. `--json` prints the aggregates and, under "per_row", every row evaluated with the fields the
`--csv` file has for it (both models' answers, their losses or scores; a GRPO run's answers with each reward's score:
`base_reward_<reward>`, `tuned_reward_<reward>`, as the aggregates name its mean), its `index` counted from 0 in the
test split as in the CSV and its `row` counted from 1, as the skipped rows and the Evaluate page count; with
`--data FILE`, also where the row is in that file (`file_row`, `where`: "line 4"; `tokens --line 4` shows it), since
rows the file could not give are skipped and not counted; with a run's own split (or a --data saved split) kept with
its rows' places (`ftlib.split_lines`), `where` is the row's place in the file it was saved from ("line 9 of
chats.jsonl"), and a `note:` line after the skipped and cut rows says their lines ("held-out row 3 is line 9"). A
conversation's record also says, as `rewritten` (true or false, each reply at every reply), whether it was scored in
another form than training read it: a template rewriting earlier turns (Qwen3's drops an earlier reply's reasoning)
writes it otherwise inside the whole conversation (`references.rewritten_before`; the `note:` naming them goes to
stderr with --json). Each record's `base_at_limit` and `tuned_at_limit` say whether that answer stopped at
--max-new-tokens rather than at an end-of-turn token (its end is not the model's own; null: not known, a result kept
before this was recorded, or a text row), and a `note:` line counts them. `--csv` writes the same rows side by side.
How sure the comparison is, as the Evaluate page says it (`ftlib.eval_stats`: the mean per-row loss change with its 95%
interval, a reward accuracy's Wilson interval, a GRPO run's mean per-prompt reward change with its 95% interval, each
with a verdict), is printed on `how sure:` lines, or listed under "how_sure" with --json, the numbers among the
aggregates (`row_change_*`, `reward_accuracy_*`, `prompt_change_*`: --json's keys; the text says each figure in words,
`commands.evaluate_words`). What each kind of run is measured by:

    conversations, pairs, KTO rows  base vs tuned loss on each reference answer, and both models' answers
                                    (`ftlib.evaluate`; a KTO row labelled bad is no reference: skipped, and said;
                                    each reference cut at the run's max length, the rows cut said in a note)
    raw text (format `text`)        base vs tuned loss on every token of each text, as training scored it; no
                                    answers (their outputs are null; "text_rows" counts them: `ftlib.text_eval`)
    a reward model (method reward)  its score head on each held-out pair: accuracy, margin, loss, as training's
                                    held-out evaluation (`ftlib.reward_eval.evaluate_pairs`)
    GRPO on prompts                 both models answer each prompt; the run's rewards score the answers
                                    (`ftlib.reward_eval.evaluate_answers`)

The result of a run measured as the Evaluate page measures it (the run's own model, adapter, held-out rows and
template, with choices the page's boxes can make; --batch-size left out measures in the page's batches) is kept with
the run under the key the page would use (`ftlib.eval_results`), so the page shows it with when it was measured;
nothing else is kept, and a workspace this account may not write keeps nothing and says nothing.

Everything that can be refused without a model is refused first, in one `error:` line: a --csv path that cannot be
written, an adapter of another base (from its weights' shapes, before the base loads), a reward that cannot be
computed, rows none of which can be scored at the run's max length (a tokenizer only: `commands.evaluate_checks`),
`--thinking` for a chat template without the switch (as `sample` refuses it). Left out, a template with the switch
(Qwen3's) asks both models as the run trained: off where its training rows' replies follow the empty reasoning
block the template writes (`ftlib.run_thinking`); the setting is part of the kept result's key.
Skipped rows are said per reason, with their numbers (on stderr with --json).
"""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path

from ftlib.commands import (
    DEVICE_HELP,
    add_data_options,
    device_name,
    json_text,
    positive_int,
)
from ftlib.commands.evaluate_checks import (
    TokenizerOnce,
    check_arguments,
    check_scorable,
    file_noun,
    registry_of,
    run_cut,
    thinking_setting,
)
from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS
from ftlib.eval_runs import heldout_lines, heldout_place, saved_split_meta
from ftlib.references import ANSWER_AT

# Where each row's answers are, said under the text's figures, which give none.
ANSWERS_SAID = "both models' answers to each row, beside its reference: --csv FILE (a row a line) or --json (per_row)."


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="compare base and tuned on the held-out split")
    p.add_argument("run", nargs="?", default=None, help="a finished run (folder, id or name)")
    p.add_argument("--model", default=None, help="base model (default: the run's)")
    p.add_argument(
        "--adapter",
        default=None,
        metavar="RUN_OR_DIR",
        help="adapter or full fine-tuned model folder (default: the run's)",
    )
    p.add_argument("--data", default=None, help="a data file or saved split name (default: the run's test split)")
    add_data_options(p)  # --format and --map for a --data file, as `data inspect` reads it
    p.add_argument(
        "--all-keys",
        action="store_true",
        help='a .json --data file holding its own split ({"train": [...], "test": [...]}): score every key\'s '
        "rows, not only its held-out key's (the default: the others are what a run on the file trains on)",
    )
    p.add_argument("--template", default=None, help="chat template (default: the run's, else the model's own)")
    p.add_argument("--limit", type=positive_int, default=None, help="evaluate only the first N test rows (N >= 1)")
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help=f"tokens each answer may have (default {DEFAULT_NEW_TOKENS}; a GRPO run's: the answer length it trained "
        "with)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="test rows per batch (with --answer-at every, replies, each answered on its own after the conversation "
        "before it; default: as the Evaluate page measures, so its result is kept for the page: a "
        f"reward model's pairs in batches of 16, other runs' rows in batches of {ANSWER_BATCH})",
    )
    p.add_argument(
        "--answer-at",
        choices=list(ANSWER_AT),
        default="last",
        help="which reply of a conversation both models answer and are scored on: its last (default), its first (in a "
        "tool-calling row, the tool call: asked at the last reply, the call and its result are already in the "
        "prompt), or every reply, each on its own with the conversation before it as the prompt (--json names each "
        'by "row" and "reply"; the replies the run\'s held-out loss, eval_loss, counts by default); not for a reward '
        "model or a GRPO run's prompts",
    )
    p.add_argument(
        "--thinking",
        choices=("on", "off"),
        default=None,
        help="the chat template's thinking switch (Qwen3's enable_thinking) for both models' answers, as `sample "
        "--thinking` gives it (default: as the run trained: off where its rows' replies follow the empty reasoning "
        "block, else the template's own; printed as `thinking:`); refused for a template without one",
    )
    p.add_argument("--device", default=None, type=device_name, help=DEVICE_HELP)
    p.add_argument("--csv", default=None, metavar="FILE", help="write the per-row table as CSV")
    p.add_argument(
        "--json",
        action="store_true",
        help='print the aggregates as JSON, with every evaluated row under "per_row" (the fields of --csv; "row" '
        'counted from 1, "index" from 0; with --data FILE, "file_row" and "where": the row\'s place in FILE (`tokens '
        "FILE --line FILE_ROW` shows it); "
        '"rewritten": true where a template rewriting earlier turns writes the reply otherwise in the whole row, '
        'so it was scored in another form than training read it; a GRPO run\'s "columns": the other fields of '
        "the prompt row that its rewards were given)",
    )
    p.set_defaults(handler=_evaluate, check=check_arguments)


def _clean(value):
    """JSON has no NaN/Infinity: report them as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _evaluate(args) -> int:
    from ftlib.rundir import RunDir, run_folder_of

    c = args.checked  # `check_arguments`': everything that can be checked without a model is checked first
    run, info, tuned, trained, model, template = c.run, c.info, c.tuned, c.trained, c.model, c.template
    rows, loaded, measure, what = c.rows, c.loaded, c.measure, c.what
    if args.batch_size is None:  # as the page measures (its "Rows per batch" box starts there), so its key finds this
        from ftlib.eval_results import PAIRS_BATCH

        args.batch_size = PAIRS_BATCH if measure == "pairs" else ANSWER_BATCH
    tokenizer = TokenizerOnce(model)  # the checks' and the models': loaded once (SmolLM2's again: 0.4-1.2 s)
    if measure == "references":  # nothing past the run's max length to score: said with a tokenizer, no model
        check_scorable(model, rows, info, template, trained, args, loaded, tokenizer)
    # --thinking refused for a template without the switch; left out, as the run trained (a tokenizer, no model)
    args.thinking_value = thinking_setting(args.thinking, measure, args.template, tuned, model, tokenizer)
    page_key = _page_key(args, run, info, tuned, measure) if not args.data else None  # before: the weights as measured
    if measure == "pairs":  # a score head ranks answers: measured on pairs, not on a reference's loss
        result = _reward_model(args, RunDir(run_folder_of(tuned)), rows)
        template = trained.get("template") or "tokenizer"
    elif measure == "rewards":  # prompts without answers: both models answer and the run's rewards score them
        result = _grpo(args, model, tuned, rows, info, template, trained, what)
    labels = None  # a KTO run's good and bad answers under both models (`ftlib.kto_eval`)
    if measure not in ("pairs", "rewards"):
        result, labels = _against_references(args, model, tuned, rows, info, template, trained, tokenizer.loaded)
    if page_key is not None:  # best effort and silent, as the page keeps it (ftlib.eval_results.keep)
        from dataclasses import asdict

        from ftlib import eval_results as K

        K.keep(run_folder_of(run), page_key, K.result_record(result))
        if labels is not None:  # beside it, as the page keeps them (`KeptEvalJob.work`)
            K.keep(run_folder_of(run), {**page_key, "kind": "labels"}, asdict(labels))
    preference_beta = info.beta if info and info.method in ("dpo", "kto") else None
    heldout = None  # (a split's meta.json, its held-out row count, whose rows): the file's line of each row named
    if info and not args.data:
        heldout = (info.meta, len(info.test_rows), "the run's")
    elif args.data and loaded is None:  # a saved split's test part
        heldout = (saved_split_meta(args.data), len(rows), "the split's")
    notes = _loss_notes(args, result, info, loaded)
    _report(args, result, model, template, preference_beta, loaded, heldout, notes, labels)
    return 0


def _page_key(args, run: Path | None, info, tuned: Path, measure: str) -> dict | None:
    """The key the Evaluate page keeps this measurement of `run`'s held-out rows under (`ftlib.eval_results`), or None
    where the page could not have measured it so: another model, adapter or template than the run's, or choices its
    boxes do not offer (`eval_results.offered`: the page scores a reward model's pairs in batches of `PAIRS_BATCH`)."""
    from ftlib import eval_results as K
    from ftlib.errors import UserError
    from ftlib.modelset import find_tuned

    if run is None or info is None or args.template or args.model not in (None, info.model):
        return None
    if Path(tuned).resolve() != Path(run).resolve():  # --adapter of another run
        return None
    try:
        folder = find_tuned(run)[0]  # what the page's list of runs names (`modelset.list_run_adapters`)
    except UserError:
        return None  # the evaluation says what is missing
    rows = info.test_rows
    common = K.run_rows(info, min(args.limit or len(rows), len(rows)))  # a --limit past the end measures "all"
    if measure == "pairs":
        key = K.pairs_key(folder, batch_size=args.batch_size, **common)
    elif measure == "rewards":
        max_new = args.max_new_tokens or info.answer_tokens or DEFAULT_NEW_TOKENS  # as `_grpo` measures
        key = K.answers_key(folder, max_new_tokens=max_new, batch_size=args.batch_size, rewards=info.rewards, **common)
    else:
        key = K.heldout_key(
            folder,
            max_new_tokens=args.max_new_tokens or DEFAULT_NEW_TOKENS,
            batch_size=args.batch_size,
            answer_at=args.answer_at,
            thinking=args.thinking_value,
            **common,
        )
    return key if K.offered(key) else None


def _progress(message: str, fraction: float) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _against_references(args, model: str, tuned: Path, rows: list, info, template: str, trained: dict, tokenizer=None):
    """(base vs tuned on each row's reference answer: loss, perplexity, answers (`ftlib.evaluate`), each reference cut
    at the run's max length as training cut its rows; a KTO run's answers labelled good and bad under both models,
    `ftlib.kto_eval.LabelShift`, or None without KTO rows). `tokenizer`: `model`'s, where the checks loaded it."""
    from ftlib import evaluate as E
    from ftlib import lease
    from ftlib.commands.sample import load_models, warn_template
    from ftlib.kto_eval import label_shift
    from ftlib.sharing import print_waits

    # An adapter of other shapes: refused before the base loads.
    models = load_models(model, [tuned], args.device, tokenizer, args.checked.found)
    warn_template(args.template, models.tokenizer, {n: t[0] for n, t in models.templates.items()})
    # Takes turns on the device with a training run or the app (ftlib.lease); a wait is told on stderr.
    with lease.hold(models.device, "evaluation", "python -m ftlib evaluate", on_wait=print_waits()):
        # The run's own template, a custom one's Jinja text included (a name alone cannot carry it).
        template = info.chat_template(models.tokenizer) if info and not args.template else template
        # A bfd_split run cut no row: TRL split a longer one into pieces of the max length, scored so here too.
        max_length, split = run_cut(info, trained)
        result = E.evaluate(
            models,
            rows,
            models.tuned[0],
            max_new_tokens=args.max_new_tokens or DEFAULT_NEW_TOKENS,
            batch_size=args.batch_size,
            limit=args.limit,
            progress=_progress,
            template=template,
            max_length=max_length,
            answer_at=args.answer_at,
            split_long=bool(split),
            thinking=args.thinking_value,
        )
        policy = info.mask_policy if info else trained.get("mask_policy") or "all_assistant"  # what KTO summed
        method = info.method if info else trained.get("method")  # a KTO run's pairs: a good and a bad answer each
        kw = {"mask_policy": policy, "method": method}
        return result, label_shift(models, rows, models.tuned[0], template, max_length, args.limit, **kw)


def _reward_model(args, run, rows: list):
    """A reward-model run's held-out pairs, scored by its score head (`ftlib.reward_eval.evaluate_pairs`); its
    --template and an unfinished run are refused before (`evaluate_checks.check_arguments`)."""
    from ftlib import lease
    from ftlib.reward_eval import evaluate_pairs
    from ftlib.rewards import load_reward_model
    from ftlib.sharing import print_waits

    scorer = load_reward_model(run, device=args.device)
    scorer.batch_size = args.batch_size
    device = str(next(scorer.model.parameters()).device)
    with lease.hold(device, "evaluation", "python -m ftlib evaluate", on_wait=print_waits()):
        return evaluate_pairs(scorer, rows, run.id, limit=args.limit, progress=_progress)


def _grpo(args, model: str, tuned: Path, rows: list, info, template: str, trained: dict, what: str):
    """A GRPO run's held-out prompts: both models' answers scored by the run's rewards (`evaluate_answers`; `what`:
    a prompt's name where a reward's column is missing)."""
    from ftlib import lease
    from ftlib.commands.sample import load_models, warn_template
    from ftlib.errors import UserError
    from ftlib.models import pick_device
    from ftlib.reward_eval import evaluate_answers
    from ftlib.reward_functions import REGISTRY_ENV
    from ftlib.rewards import build_rewards
    from ftlib.run_env import env_set
    from ftlib.sharing import print_waits

    # The registry the run was queued with, set for this evaluation alone (main() may run again in this process).
    with env_set(REGISTRY_ENV, registry_of(tuned)):
        try:  # before the models load: a reward that cannot be computed here refuses the evaluation
            rewards = build_rewards(
                info.rewards if info else trained.get("rewards") or [], device=pick_device(args.device)
            )
        except UserError as exc:
            sample = f"python -m ftlib sample --adapter {shlex.quote(args.run or str(tuned))} --prompt TEXT"
            raise UserError(
                f"This GRPO run's held-out rows are prompts without reference answers, and its rewards cannot be "
                f"computed here: {exc} Compare the models' answers with `{sample}`, or evaluate against reference "
                "answers with --data FILE."
            ) from exc
        models = load_models(model, [tuned], args.device, found=args.checked.found)
        warn_template(args.template, models.tokenizer, {n: t[0] for n, t in models.templates.items()})
        # As long as the answers it trained on: a length reward scores 64 tokens and 8 apart (a cold test).
        max_new = args.max_new_tokens or (info.answer_tokens if info else None) or DEFAULT_NEW_TOKENS
        with lease.hold(models.device, "evaluation", "python -m ftlib evaluate", on_wait=print_waits()):
            result = evaluate_answers(
                models,
                rows,
                models.tuned[0],
                rewards,
                template=info.chat_template(models.tokenizer) if info and not args.template else template,
                max_length=info.max_length if info else trained.get("max_length"),
                max_new_tokens=max_new,
                batch_size=args.batch_size,
                limit=args.limit,
                progress=_progress,
                what=what,
            )
        result.max_new_tokens = max_new  # the limit the cut answers' note names ("the 8-token limit"), as the page's
        return result


def skipped_reasons(skipped: list[tuple[int, str]], total: int, source=None) -> list[str]:
    """One line per reason rows were skipped: how many of the `total` rows read, which and why.

    Rows are counted from 1 among the rows read; with `source`, the --data file's `ftlib.data.LoadResult`, they are
    named by their place in that file instead (a file's unreadable rows are not among those read, so row 2 read can
    be line 3 of the file).

    >>> skipped_reasons([(1, "Labelled bad."), (3, "Labelled bad."), (4, "Too long.")], 5)
    ['skipped 2 of 5 test rows (rows 2, 4): Labelled bad.', 'skipped 1 of 5 test rows (row 5): Too long.']
    >>> from ftlib.data import LoadResult
    >>> source = LoadResult("kto", [], [], 4, [1, 3, 4], file_type="jsonl")
    >>> skipped_reasons([(1, "Labelled bad.")], 3, source)
    ['skipped 1 of 3 test rows read from the file (line 3): Labelled bad.']
    """
    from ftlib.errors import numbered

    noun, read = "row", ""
    if source is not None:
        noun, read = file_noun(source), " read from the file"
    by_reason: dict[str, list[int]] = {}
    for index, reason in skipped:
        by_reason.setdefault(reason, []).append(source.row_numbers[index] if source is not None else index + 1)
    return [
        f"skipped {len(rows)} of {total} test rows{read} ({numbered(noun, rows)}): {reason}"
        for reason, rows in by_reason.items()
    ]


def per_row(result, source=None, heldout: tuple | None = None) -> list[dict]:
    """Every evaluated row of `result` (an EvalResult, PairResult or RewardResult) as `--json` lists it: the fields its
    CSV row has (`as_dict`), NaN and infinities as null, and `row`, the row counted from 1 (`index` counts from 0).

    `source`: the data file's `ftlib.data.LoadResult` the rows are (`--data FILE`). Rows it could not give are not
    counted, so each row also says where it is in the file: `file_row`, its row number there (`LoadResult.row_numbers`,
    what `tokens --line` takes), and `where`, that place in the words of its type (`LoadResult.where`: "line 4").
    `heldout`: a saved split's (meta.json, held-out row count, ...), the run's or --data's: each row's `where` in the
    file it was saved from, the file named ("line 9 of chats.jsonl", `eval_runs.heldout_place`), where the split keeps
    the places. A result against references (an EvalResult) marks each record `rewritten`: whether its reply is one
    the template writes otherwise inside the whole conversation (`EvalResult.rewritten`), scored in another form than
    training read it; a reward model's or a GRPO run's records have no such field.

    >>> from ftlib.reward_eval import RewardedAnswers, RewardResult
    >>> answers = RewardedAnswers(2, "Hi", "Hello.", "Ahoy!", {"regex": 0.0}, {"regex": 1.0}, 0.0, 1.0)
    >>> record = per_row(RewardResult("run", ["regex"], [answers]))[0]
    >>> record["row"], record["index"], record["tuned_output"], record["tuned_reward_regex"], record["reward_change"]
    (3, 2, 'Ahoy!', 1.0, 1.0)
    """
    out = []
    marked = getattr(result, "rewritten", None)  # (test index, reply) items; None: a result with no such items
    rewritten = None if marked is None else {tuple(item) for item in marked}
    for r in result.rows:
        record = {"row": r.index + 1, **{k: _clean(v) for k, v in r.as_dict().items()}}
        if rewritten is not None:  # true or false on every record, so a script reading it needs no default
            record["rewritten"] = r.item in rewritten
        if source is not None:
            file_row = source.row_numbers[r.index]
            record.update(file_row=file_row, where=source.where(file_row))
        elif heldout is not None and (where := heldout_place(heldout[0], r.index, heldout[1])) is not None:
            record["where"] = where
        out.append(record)
    return out


def _loss_notes(args, result, info, loaded=None) -> list[str]:
    """What the base and tuned loss are the average of (`ftlib.loss_words`), and on a run's own held-out rows why the
    Train page's held-out loss of it differs; [] for a reward model's or a GRPO run's result (no reference loss).
    `loaded`: a --data file's LoadResult, whose rows are named as that file's, not as held-out rows."""
    from ftlib.loss_words import evaluate_measured_over, train_heldout_note

    if not isinstance(getattr(result, "answer_at", None), str):
        return []
    method = info.method if info is not None else None  # a KTO run's pairs: their rejected answers not counted
    # A --data file's rows are named as its rows, not as held-out ones (a saved split's test part is held out).
    source = Path(args.data).name if loaded is not None else None
    over = evaluate_measured_over(result.rows, result.answer_at, method=method, source=source)
    notes = [f"loss here: {over}"]
    if info is not None and not args.data:
        # Each row once: answered at every reply, a row of several replies is several items.
        rows = [info.test_rows[i] for i in dict.fromkeys(r.index for r in result.rows)]
        rewritten = len(getattr(result, "rewritten", []))  # replies a template writes otherwise in the whole row
        split = getattr(result, "split_long", False)  # a bfd_split run: Train splits its held-out rows as here
        notes.append(
            train_heldout_note(
                rows,
                info.mask_policy,
                result.answer_at,
                len(info.test_rows),
                rewritten,
                info.method,
                split=split,
                one_batch=info.one_batch,  # Train's mean of one batch: every token alike, as here
                trained_in=info.computed_in,  # the run's precision (bfloat16 on a CPU that multiplies it natively)
                scored_in=getattr(result, "dtype", None),  # Evaluate's (float32 on CPU)
            )
        )
    return notes


def _report(
    args,
    result,
    model: str,
    template: str,
    beta: float | None = None,
    source=None,
    heldout=None,
    loss_notes=(),
    labels=None,
) -> None:
    """The aggregates (text or --json), the skipped rows, the CSV. `beta`: a DPO/KTO run's, whose training log shows
    TRL's rewards/margins, beta x the log-ratio margin printed here: both are given, so the two can be compared.
    `source`: the --data file's LoadResult, for where each row of --json is in it (`per_row`); `heldout`: a saved
    split's (meta.json, held-out row count, "the run's" or "the split's"), for the file's line of each row it names
    (`eval_runs.heldout_lines`). `labels`: a KTO run's `kto_eval.LabelShift`, its lines printed after the aggregates
    ("labels:"), under "labels" with --json."""
    agg = {k: _clean(v) for k, v in result.aggregates().items()}
    agg.update(model=model, template=template)
    if getattr(args, "thinking_value", None) is not None:  # a switch template: the setting left out is chosen here
        agg["thinking"] = "on" if args.thinking_value else "off"
    if beta is not None and isinstance(agg.get("mean_reward_margin"), float):
        agg.update(beta=beta, trl_reward_margin=beta * agg["mean_reward_margin"])
    total = len({r.index for r in result.rows} | {i for i, _ in result.skipped})  # rows, however many replies each
    # How sure the comparison is (`ftlib.eval_stats`), in the words the Evaluate page shows (a GRPO run's too).
    sure = result.how_sure() if hasattr(result, "how_sure") else []
    # The figures are printed before the CSV is written, so a full disk there loses none of the evaluation.
    if args.json:
        # Strict JSON throughout (`json_text`): a NaN nested in how_sure too, not only the top-level figures.
        kto = {"labels": labels.as_dict()} if labels is not None else {}
        print(
            json_text(
                {**agg, **({"how_sure": sure} if sure else {}), **kto, "per_row": per_row(result, source, heldout)}
            )
        )
    else:
        from ftlib.commands.evaluate_words import aggregate_lines
        from ftlib.model_names import model_said

        # In words ("tuned loss"; the default model by its name); --json keeps the keys ("tuned_loss") and the spec.
        for line in aggregate_lines({**agg, "model": model_said(str(agg["model"]))}):
            print(line)
        for line in sure:
            print(f"how sure: {line}")
        for line in labels.lines(beta=beta) if labels is not None else []:  # as the Evaluate page says them
            print(f"labels: {line}")
        from ftlib.loss_words import NATS_CHANGE_SAID, NATS_MARGIN_SAID

        # "nats" in words once, as the Evaluate page says it beside the same numbers (a walk found it unexplained)
        if labels is not None and labels.lines():
            print(f"note: {NATS_CHANGE_SAID}")
        elif isinstance(agg.get("mean_reward_margin"), float) and "base_prefers_chosen" in agg:  # not a score head's
            print(f"note: {NATS_MARGIN_SAID}")
    if "trl_reward_margin" in agg:  # the two margins side by side differ by beta (a walk: 67.77 beside 6.78)
        from ftlib.loss_words import reward_margin_note

        named = {} if args.json else {"trl": "TRL's reward margin", "ours": "the mean reward margin"}  # as printed
        note = reward_margin_note(beta, agg["mean_reward_margin"], **named)
        print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
    for note in loss_notes:  # what the loss numbers are of (with --json on stderr: stdout stays one JSON object)
        print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
    rows = getattr(result, "rows", [])
    if rows and all(hasattr(r, "is_text") for r in rows):  # generated answers (not a reward model's pairs)
        from ftlib.answer_notes import cut_said, loops_said

        # A GRPO run's answers have no reference: its rewards score them, loops included (its page says none)
        scored = all(hasattr(r, "reference") for r in rows)
        loops = loops_said(rows, "see each with --json or --csv") if scored else None  # as the Evaluate page says it
        if loops:
            print(f"note: {loops}", file=sys.stderr if args.json else sys.stdout)
        # Answers cut by the limit (each record's `base_at_limit`, `tuned_at_limit`): their end is not the model's own
        cut = cut_said(rows, getattr(result, "max_new_tokens", None), "raise --max-new-tokens")
        if cut:
            print(f"note: {cut}", file=sys.stderr if args.json else sys.stdout)
        if scored and not args.json and not args.csv:  # the text gives figures only: a walk looked for the answers
            print(f"note: {ANSWERS_SAID}")
    if agg.get("text_rows"):  # what those numbers are of, where no answer was generated
        from ftlib.text_eval import TEXT_NOTE

        print(f"note: {TEXT_NOTE}", file=sys.stderr if args.json else sys.stdout)
    if getattr(result, "cut", None):  # a reward model's or GRPO's result cuts no reference
        note = (
            result.cut_note(lambda i: source.row_numbers[i], file_noun(source)) if source else result.cut_note()
        )  # rows named as the skipped ones are, below
        print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
    if getattr(result, "rewritten", None):  # replies a template rewriting earlier turns writes otherwise in the whole
        from ftlib.references import rewritten_note

        number = (lambda i: source.row_numbers[i]) if source else None
        note = rewritten_note(result.rewritten, result.answer_at, number, file_noun(source) if source else "row")
        print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
    for line in skipped_reasons(result.skipped, total, source):  # with --json on stderr: stdout stays one JSON object
        print(line, file=sys.stderr if args.json else sys.stdout)
    named = [*getattr(result, "cut", []), *(i for i, _ in result.skipped)]  # the rows named above by their number
    named += [i for i, _ in getattr(result, "rewritten", [])]
    if heldout is not None and (lines := heldout_lines(heldout[0], named, heldout[1], whose=heldout[2])):
        print(f"note: {lines}", file=sys.stderr if args.json else sys.stdout)  # "held-out row 3 is line 9"
    if args.csv:
        from ftlib.commands import os_error_message
        from ftlib.errors import UserError
        from ftlib.workspace import write_files

        try:
            write_files({Path(args.csv): result.to_csv()}, hint="Free space on that disk or pass another --csv path. ")
        except UserError:
            raise  # a full disk, already in words
        except OSError as exc:
            raise UserError(os_error_message(exc, "write the CSV file", args.csv, "pass another --csv path")) from exc
