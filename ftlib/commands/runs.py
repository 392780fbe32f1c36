"""`python -m ftlib runs list|show|compare|stop|resume|follow|export|log|delete|rename`: the run registry without a
browser.

python -m ftlib runs list --json
python -m ftlib runs show 20261123-091500-lora-chat_style --json
python -m ftlib runs compare ID ID [ID...]   # the settings that differ, each run's losses, steps and speed
python -m ftlib runs stop ID            # graceful: saves a checkpoint, ends `interrupted`
python -m ftlib runs resume ID          # continues from the last checkpoint (optimizer state included)
python -m ftlib runs follow ID          # follows a queued or running run to its end, as `train` does
python -m ftlib runs export ID [--merged] [--zip] [--out DIR] [--json]   # --json: paths, kind, bytes

ID is a run's id (its folder name) or the name the pages show for it, when one run has it (`runs resume ana-team`),
or its folder in the workspace's runs folder (as `evaluate` and `sample --adapter` take it).
The runs are those of the workspace FTLIB_WORKSPACE names (else the default one): `runs list` says which.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from ftlib.commands import json_text, positive_int, runs_rename
from ftlib.user_paths import user_path

# What each action's run argument takes (`runs show --help` listed a bare `id`).
RUN_HELP = "the run: its id or its name, as `runs list` shows them, or its folder"


def register(sub) -> None:
    p = sub.add_parser("runs", help="list, inspect, stop, resume, export, delete and rename training runs")
    rsub = p.add_subparsers(dest="runs_command", metavar="ACTION")
    rsub.required = True
    lst = rsub.add_parser(
        "list",
        help="every run with its status: those training, then those queued in line order, then newest first",
        description="Every run with its status (those training, then those queued in line order, then newest "
        "first); a 'name' column gives each run's name (cut to fit) once some run has one, and a 'started by' "
        "column names who started each run, once some run recorded someone ('-' where not known).",
    )
    lst.add_argument(
        "--json",
        action="store_true",
        help="print one JSON array, an object per run ('method' as the table shows it: 'dpo (lora)'; 'tuning': "
        "lora, qlora or full; 'started_by': who started it, 'last_action': the last thing done to it since, such as "
        "'stopped by ana@example.com', each '' where not known; `runs show ID --json` has the run's whole config)",
    )
    lst.set_defaults(handler=_list)
    show = rsub.add_parser("show", help="one run: status, config, last metrics")
    show.add_argument("id", help=RUN_HELP)
    show.add_argument("--json", action="store_true", help="everything, metrics included")
    show.set_defaults(handler=_show)
    compare = rsub.add_parser(
        "compare",
        help="two runs or more side by side: the settings that differ, each run's losses, steps, tokens and speed",
        description="Two runs or more side by side: the settings that differ between them (a column per run; a "
        "setting an older run's config lacks shows the default it loads with, marked '(default)'), each run's last "
        "training loss, best held-out loss and its step (a GRPO run: its answers' mean reward, the highest best; its "
        "loss is TRL's surrogate), steps, tokens and tokens/s, and a note on stderr where their held-out numbers "
        "do not compare (another kind of loss, other rewards, other held-out rows, another chat template or max "
        "length).",
    )
    compare.add_argument(
        "ids", nargs="+", metavar="ID", help="the runs, by id, by name or by folder (two or more, each once)"
    )
    compare.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: 'settings' (name, label, a value per run, 'absent' where its config lacks it), "
        "'runs' (each run's numbers; 'measure': 'loss' or 'mean reward'), 'comparable' (and why not: 'same_loss', "
        "'same_rows', 'same_tokens': one chat template, max length and tokenizer) and 'notes', and 'series' "
        "(each run's training and held-out loss, or mean reward, per step)",
    )
    compare.set_defaults(handler=_compare)
    stop = rsub.add_parser("stop", help="stop a run gracefully (or take it out of the queue)")
    stop.add_argument("id", nargs="?", help=f"{RUN_HELP} (default: the one running or queued, when there is one)")
    stop.set_defaults(handler=_stop)
    resume = rsub.add_parser(
        "resume", help="queue a stopped, interrupted or failed run again from its last checkpoint"
    )
    resume.add_argument("id", help=RUN_HELP)
    resume.add_argument(
        "--wait",
        action="store_true",
        help="follow it until it ends, printing the progress lines `train` prints (what each says: the end of "
        "`train --help`); exit codes as `train`'s (0 finished, 3 stopped)",
    )
    resume.set_defaults(handler=_resume)
    follow = rsub.add_parser(
        "follow",
        help="follow a queued or running run until it ends (one left with `train --detach` or Ctrl-C while queued)",
        description="Follow a queued or running run until it ends, printing the progress lines `train` prints from "
        "where its log is now (`runs log ID` shows those before); Ctrl-C stops following and leaves the run going "
        "(`runs stop ID` stops it). A run that has ended: its end line. Exit codes as `train`'s (0 finished, 1 "
        "failed, 3 stopped).",
    )
    follow.add_argument("id", help=RUN_HELP)
    follow.set_defaults(handler=_follow)
    from ftlib.commands import runs_export  # its own module, as rename has: this one neared 600 lines

    runs_export.register(rsub, run_id)
    log = rsub.add_parser("log", help="the last lines of a run's log")
    log.add_argument("id", help=RUN_HELP)
    # At least 1: `-n 0` printed the whole log (a slice [-0:]) and `-n -2` all but its first two lines. A refusal
    # rather than `tail -n 0`'s empty output: asking a run's log for no line is a slip, and nothing printed reads as
    # an empty log.
    log.add_argument("-n", type=positive_int, default=40, metavar="N", help="how many of the last lines (1 or more)")
    log.set_defaults(handler=_log)
    delete = rsub.add_parser("delete", help="remove a run folder (not while it runs)")
    delete.add_argument("id", help=RUN_HELP)
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when not run from a terminal)")
    delete.set_defaults(handler=_delete)
    runs_rename.register(rsub, run_id)  # its own module: this one is near the engine's 600 lines


def _list(args) -> int:
    from ftlib import runs
    from ftlib.commands.runs_list import table_lines
    from ftlib.held_out_sets import different_rows_note

    notes: list[str] = []
    rows = runs.list_runs(notes=notes)  # a read-only workspace: listed as its files say, with a note
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json_text([{k: v for k, v in r.as_dict().items() if k != "log_tail"} for r in rows]))
        return 0
    if not rows:
        print(f"no runs yet in {workspace_words()}: start one with `python -m ftlib train CONFIG.yaml`")
        return 0
    for line in table_lines(rows):  # commands/runs_list.py: a name column once some run has one
        print(line)
    for r in rows:  # a damaged run: which file, and what to do (delete it, or resume it)
        for said in r.unreadable:
            print(f"note: {r.id}: {said}", file=sys.stderr)
    if different := different_rows_note(rows, {r.id: r.id for r in rows}):
        print(f"note: {different}", file=sys.stderr)
    return 0


def workspace_words(folder=None, seen: str = "runs") -> str:
    """Which workspace this command reads, and how to choose another: a studio server started with FTLIB_WORKSPACE
    keeps its runs and its data there, and a CLI without it reads the default workspace and finds none of them.
    `folder`: the folder named (the runs folder unless given); `seen`: what setting it shows ("runs", "uploads and
    saved splits")."""
    import os

    from ftlib.workspace import runs_dir

    folder = runs_dir() if folder is None else folder
    if os.environ.get("FTLIB_WORKSPACE"):
        return f"{folder} (the workspace FTLIB_WORKSPACE names)"
    return (
        f"{folder} (the default workspace: FTLIB_WORKSPACE is not set; set it to the folder the studio server "
        f"was started with to see its {seen})"
    )


def run_id(given: str, folder_too: bool = False, hint: str = "", among=None, among_words: str = "") -> str:
    """The run `given` names: its id (the folder name `runs list` shows), or the name the pages show for it (the
    name given when it was queued, e.g. `ana-team` for 20261130-173905-lora-ana-team), when exactly one run has it, or
    its folder in the workspace's runs folder.

    Several runs with that name are refused with their ids, unless exactly one of them passes `among` (a RunSummary
    -> bool: the runs the command can act on, `runs stop` the running ones; when none does, the refusal says so in
    `among_words`, e.g. "is queued or running", with each run's state); no run is refused naming the workspace
    that was read (`folder_too`: the command also takes a folder, which `given` is not; `hint`: what to do, after
    the sentence).
    Every command that takes a run resolves it here (`runs ...`, `sample --adapter`, `evaluate`, `score`).
    """
    from ftlib import runs
    from ftlib.errors import UserError

    try:
        return runs.find(given).id
    except runs.RunError:
        pass
    if folder := _runs_folder_run(given):  # `evaluate` and `sample` take the run's folder: so does every action
        return folder
    named = [r for r in runs.list_runs(refresh=False) if r.name.strip() and r.name.strip() == given.strip()]
    acted = [r.id for r in named if among is not None and among(r)]
    if len(named) == 1 or len(acted) == 1:  # one named run the command can act on: unambiguous, its id is printed
        return acted[0] if acted else named[0].id
    if named and not acted and among is not None and among_words:  # none can be acted on: "several" is not why
        listed = ", ".join(f"{r.id} ({r.state_text})" for r in named)
        raise UserError(f"None of the {len(named)} runs named '{given}' {among_words}: {listed}.")
    named = [r.id for r in named]
    if named:
        raise UserError(f"Several runs are named '{given}': {', '.join(named)}. Give one of these ids.")
    where = f"in {workspace_words()}. {hint}`python -m ftlib runs list` shows the runs."
    if folder_too:
        raise UserError(f"'{given}' is not a folder, and there is no run by that id or name {where}")
    raise UserError(f"There is no run '{given}', by id or by name, {where}")


def _runs_folder_run(given: str) -> str:
    """The id of the run whose folder `given` is, a folder in the workspace's runs folder (absolute, relative or with
    a `~`, a trailing slash too); "" for anything else (an id or a name, a folder elsewhere)."""
    from ftlib import runs
    from ftlib.workspace import runs_dir

    if "/" not in given and "\\" not in given and not given.startswith("~"):  # an id or a name: not a path
        return ""
    try:
        path = user_path(given).resolve()
        if path.parent != runs_dir().resolve():
            return ""
        return runs.find(path.name).id
    except (OSError, RuntimeError, runs.RunError):
        return ""


def run_folder(given: str) -> Path:
    """A folder as given (a run's, an adapter's, a full model's), else the folder of the run `given` names by id or
    by name (`run_id`): what `sample --adapter` and `evaluate` take."""
    from ftlib import runs

    path = user_path(given)
    if path.exists():
        return path
    return runs.find(run_id(given, folder_too=True)).path


def _show(args) -> int:
    from ftlib import runs
    from ftlib.run_summary import held_out_rewards_said, kto_rewards_said
    from ftlib.rundir import score_text

    note = runs.refresh_runs()  # "" unless this account may only read the workspace
    if note:
        print(f"note: {note}", file=sys.stderr)
    args.id = run_id(args.id)
    info = runs.get(args.id)
    if info["state"] == "queued":  # where it is in line and behind what, in the text and the JSON alike
        info["message"] = runs.queue_place(args.id)
    summary = runs.find(args.id).summary()
    if args.json:  # what the text below adds to the record too: the exported copies' size, the curves' warnings
        from ftlib import export
        from ftlib.commands.train import quality_warnings

        info["exported_bytes"] = export.exported_bytes(runs.find(args.id))
        info["warnings"] = [w.removeprefix("warning: ") for w in quality_warnings(args.id, summary)]
        print(json_text(info))
        return 0
    for key in (
        "id",
        "name",  # the one the pages show and commands take (train --name, runs rename); none: not said
        "state",
        "phase",
        "method",
        "model",
        "dataset",
        "device",
        "step",
        "max_steps",
        "duration_s",
        "eta_s",
        "train_loss",
        "eval_loss",
        "reward_accuracy",
        "message",
        "path",
    ):
        if key == "reward_accuracy" and info.get(key) is None:  # DPO's and a reward model's; "None" said nothing
            # KTO's, which has no pairs: its good and bad answers' rewards
            if sides := kto_rewards_said(info.get("metrics", []), "train"):
                print(f"rewards (last training step): {sides}")
            continue
        if key in ("train_loss", "eval_loss") and summary.score == "reward":  # GRPO's surrogate: 1.49e-08 read as a
            if key == "eval_loss":  # result (its reward is what it is judged by, said next); --json keeps them
                print(f"training: {summary.train_text}\nheld-out: {summary.eval_text}")
            continue
        value = info.get(key)
        if key == "state":  # as `runs list` and the pages say it: "stopped — resumable", not "interrupted"
            value = summary.state_text
        if key == "model" and isinstance(value, str):  # the embedded default by its name, as the pages say it
            from ftlib.model_names import model_said

            value = model_said(value)
        if key == "reward_accuracy":  # one batch's: a run's result is the held-out line's (a cold review)
            key = "reward_accuracy (last training step)"
        if key in ("train_loss", "eval_loss") and isinstance(value, float):  # 0.8212 as the training line says it,
            value = score_text("loss", value)  # not 0.8211997151374817 beside it; --json keeps every digit
        if value is not None and value != "":  # a finished run's phase and eta: nothing to say, not "None"
            print(f"{key}: {value}")
        if key == "device" and summary.people_text:  # where known: "started by ana@example.com · stopped by ..."
            print(f"people: {summary.people_text}")
        if key == "dataset" and info.get("data"):
            print(f"rows: {_rows_said(info['data'])}")  # as kept when it was queued: how the file was read
        if key == "dataset" and (template := (info.get("config") or {}).get("template")):
            # How the rows were written out: a tool-calling run trained with --template hermes said nothing of it
            own = " (the model's own)" if template == "tokenizer" else ""
            if (info.get("data") or {}).get("format") == "text":  # a text row is read as written: no template
                template, own = "none", f" (raw text, read as written; the config's {template} is not used)"
            print(f"template: {template}{own}")
        if key == "eval_loss":
            # What the run is judged by, as `runs list` says it: GRPO's mean reward (its loss is a surrogate near 0),
            # a reward model's accuracy, else the loss.
            print(f"training: {summary.train_text}{_mean_words(args.id, summary)}")
            rewards = held_out_rewards_said(info.get("metrics", []))
            print(f"held-out: {summary.eval_text}{rewards}{_kept_words(args.id, summary)}")
    for said in summary.unreadable:
        if said != info.get("message"):  # a lost status or config: the message above says it
            print(f"unreadable: {said}")
    memory = summary.memory_text  # "" for a run from before peaks were recorded
    if memory:
        print(f"memory: {memory}")
    if copies := _exported_words(args.id):
        print(f"exported copies: {copies}")
    from ftlib.commands.train import quality_warnings

    for warning in quality_warnings(args.id, summary):  # as the Train page warns under the run
        print(warning, file=sys.stderr)
    if info.get("log_tail") and info["state"] in ("failed", "interrupted"):
        print("last log lines:")
        for line in info["log_tail"]:
            print(f"  | {line}")
    return 0


def _compare(args) -> int:
    from ftlib import run_compare

    run_compare.check_ids(args.ids)  # as given: too few, or one typed twice, before any run is looked up
    comparison = run_compare.compare([run_id(given) for given in args.ids])  # an id and its name: the same run twice
    if args.json:
        print(json_text(comparison.as_dict()))
        return 0
    print(comparison.text())
    for note in comparison.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _exported_words(run_id: str) -> str:
    """What the run's exported copies take in its folder, as the Train page's Export panel says it, with the command
    that removes them; "" when there are none."""
    from ftlib import export, runs
    from ftlib.memory import human

    size = export.exported_bytes(runs.find(run_id))
    if not size:
        return ""
    return (
        f"{human(size)} in the run's folder (a merged model, GGUF files, zips; an export builds them again): "
        f"`python -m ftlib runs export {run_id} --remove` removes them"
    )


def _mean_words(run_id: str, summary) -> str:
    """What `runs show` adds to the training loss, the last step's: the mean of the last steps, the number the Train
    page's headline shows (" (last step; smoothed over the last 10 steps 1.2345)"): a cold walk read one there and
    the last step's here. The CLI's line names no page."""
    from ftlib import runs
    from ftlib.overfitting import smoothed_loss

    smoothed = smoothed_loss(runs.find(run_id).read_metrics()) if summary.score == "loss" else None
    if smoothed is None or smoothed[1] < 2:
        return ""
    return f" (last step; smoothed over the last {smoothed[1]} steps {smoothed[0]:.4f})"


def _kept_words(run_id: str, summary) -> str:
    """What `runs show` adds to the held-out line of a run whose early stopping kept an earlier checkpoint as its
    result: " (the kept checkpoint's, step 40; the last evaluation's, step 60: loss 20.7000)"; "" otherwise."""
    from ftlib import runs
    from ftlib.rundir import LOSS_SCORE, SCORES, score_text

    if summary.kept_step is None:
        return ""
    run = runs.find(run_id)
    key = SCORES.get(run.read_config().get("method"), LOSS_SCORE)[2]
    evals = [m for m in run.read_metrics() if m.get("kind") == "eval" and m.get(key) is not None]
    if not evals or evals[-1].get("step") == summary.kept_step:
        return f" (the kept checkpoint's, step {summary.kept_step})"
    last = evals[-1]
    return (
        f" (the kept checkpoint's, step {summary.kept_step}; the last evaluation's, step {last['step']}: "
        f"{summary.score} {score_text(summary.score, last[key])})"
    )


def _rows_said(data: dict) -> str:
    """What `runs show` says of the rows a run kept (`run_data.kept_data`).

    >>> _rows_said({"from": "file", "format": "preference", "read_with": {"map": ["good=chosen"]}, "rows_left_out": 2,
    ...             "total_rows": 6, "train_rows": 3, "test_rows": 1})
    '3 training, 1 held out, kept when it was queued; the file read as preference pairs (preference) with --map \
good=chosen; 2 of its 6 rows not usable, left out'
    >>> _rows_said({"from": "split", "format": "preference", "split_of": "ranked.csv", "train_rows": 3, "test_rows": 1,
    ...             "column_map": {"chosen": "better"}})
    '3 training, 1 held out, kept when it was queued; the split made from ranked.csv read as preference pairs \
(preference) with --map better=chosen'
    """
    from ftlib.errors import plural
    from ftlib.format_notes import format_label
    from ftlib.run_data import mapped_words, read_with_words
    from ftlib.workspace import held_out_key_said

    said = f"{data.get('train_rows', '?')} training, {data.get('test_rows', '?')} held out, kept when it was queued"
    if data.get("from") == "split" and data.get("format"):  # the Train page's runs: how the Data page read the file
        mapped = mapped_words(data.get("column_map"))
        made = f" made from {data['split_of']}" if data.get("split_of") else ""
        said += f"; the split{made} read as {format_label(data['format'])}" + (f" with {mapped}" if mapped else "")
    if data.get("from") in ("file", "sample"):
        given = read_with_words(data)
        fmt = format_label(data["format"]) if data.get("format") else None  # "answers marked good or bad (...)"
        said += f"; the {data['from']} read as {fmt}" + (f" with {given}" if given else "")
        bad = data.get("rows_left_out") or 0
        if bad:
            said += f"; {bad} of its {plural(data.get('total_rows') or 0, 'row')} not usable, left out"
    if key := held_out_key_said({"split": "own", "test_key": data.get("test_key")}):  # the file's own split's key
        said += f"; {key}"
    return said


def _stop(args) -> int:
    from ftlib import runs
    from ftlib.commands.train_follow import state_line
    from ftlib.run_people import cli_user, warnings_to

    stoppable = lambda r: r.state in (*runs.ACTIVE, "queued")  # noqa: E731 (as _the_active_run picks)
    chosen = run_id(args.id, among=stoppable, among_words="is queued or running") if args.id else _the_active_run()
    with warnings_to(sys.stderr):  # a who.json this account may not write: one `warning:` line, the stop done
        status = runs.stop(chosen, by=cli_user())
    state = runs.find(chosen).summary().state_text  # as `runs list` says it: "stopped — resumable", not "interrupted"
    print(f"{chosen}: {state_line(state, status.get('message'), status.get('state', ''))}")  # as `train` joins them
    return 0


def _the_active_run() -> str:
    """The one run running or queued, for `runs stop` without an id; UserError naming them when not exactly one."""
    from ftlib import runs
    from ftlib.errors import UserError

    active = [r.id for r in runs.list_runs() if r.state in (*runs.ACTIVE, "queued")]
    if len(active) == 1:
        return active[0]
    if not active:
        raise UserError("runs stop: no run is running or queued (python -m ftlib runs list shows them).")
    raise UserError(f"runs stop: which run? Running or queued: {', '.join(active)}. Give one: runs stop ID.")


def _resume(args) -> int:
    from ftlib import runs
    from ftlib.commands.train import follow, said_end  # (tests replace `train.follow`)
    from ftlib.commands.train_follow import left_said, state_line
    from ftlib.errors import UserError
    from ftlib.run_people import cli_user, warnings_to

    args.id = run_id(args.id, among=lambda r: r.resumable, among_words="can be resumed")
    run = runs.find(args.id)
    # The newcomer's "train it some more": a resume cannot, so say what can. --name: the config keeps the run's name,
    # and two runs answering to one name make `runs resume NAME` and others ask which.
    if run.summary().state == "finished":
        raise UserError(
            f"Run '{args.id}' is finished; only stopped, interrupted or failed runs can be resumed. To train longer,"
            f" queue a new run with its settings and more steps (it starts again from the base model):"
            f" python -m ftlib train {shlex.quote(str(run.path / 'config.json'))} --max-steps N --name NEW_NAME"
        )
    log = run.log_file
    earlier = log.stat().st_size if log.is_file() else 0  # the earlier attempts' lines: not printed again
    # Ctrl-C or a SIGTERM once it is queued again (as the queue starts it), before following it: its id and the way on.
    with left_said(args.id, "before it was followed" if args.wait else "as it was queued"):
        with warnings_to(sys.stderr):
            status = runs.resume(args.id, by=cli_user())
        print(f"{args.id}: {state_line(status['state'], status.get('message'), status['state'])}")
        if not args.wait:
            return 0
        info = follow(args.id, offset=earlier)
    # As `train` ends: its state line, a failure's `error:` line, and a Ctrl-C stop exiting 3 (resumable), not 1
    return said_end(args.id, info)


def _follow(args) -> int:
    from ftlib import runs
    from ftlib.commands.train import follow, said_end  # (tests replace `train.follow`)

    args.id = run_id(args.id)
    run = runs.find(args.id)
    info = run.summary()
    if info.state in (*runs.ACTIVE, "queued"):  # from the log's end: `runs log` has the lines before
        # `leave`: Ctrl-C quits watching; the run (maybe a teammate's) trains on
        info = follow(args.id, offset=run.log_file.stat().st_size if run.log_file.is_file() else 0, leave=True)
    return said_end(args.id, info)


def _log(args) -> int:
    from ftlib import runs

    run = runs.find(run_id(args.id))
    lines = run.log_tail(lines=args.n)
    for line in lines:
        print(line)
    if not lines:  # said, so an empty answer is not taken for a log that failed to read
        summary = run.summary()
        print(f"no log yet: {run.id} is {summary.state}" + (f" ({summary.message})" if summary.message else ""))
    return 0


def _delete(args) -> int:
    """A run's folder holds what it trained: asked first (`--yes` skips the question; without a terminal it is
    required, so a script never deletes by accident of a missing prompt)."""
    from ftlib import runs
    from ftlib.disk_use import tree_bytes
    from ftlib.errors import UserError
    from ftlib.memory import human
    from ftlib.run_people import cli_user, warnings_to
    from ftlib.run_resume import reward_model_users_said

    args.id = run_id(args.id)
    run = runs.find(args.id)
    size = tree_bytes(run.path)  # a file removed meanwhile (a zip rebuilt in another tab) counts 0, not a traceback
    if users := reward_model_users_said(args.id):  # said before the question, and with --yes too (as on the page)
        print(f"warning: {users}", file=sys.stderr)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"runs delete: add --yes to delete {args.id} ({human(size)}, its results included).")
        answer = input(f"Delete {args.id} and everything it trained ({human(size)})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return 0
    with warnings_to(sys.stderr):  # the removals log names the OS account (the run's who.json goes with it)
        runs.delete(args.id, by=cli_user())
    print(f"deleted {args.id} ({human(size)} freed)")
    return 0
