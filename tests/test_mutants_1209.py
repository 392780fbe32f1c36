"""Behaviours of the session of 2026-12-06's later code that no test held, found by hand mutation (each test here
fails when the line it names is changed): runs side by side (`ftlib.run_compare`: a comparison's note, its '(default)'
footnote, its text table, rows not known, the default pick, a tie of rows, tokens and speed over steps, GRPO's rows;
`runs compare` on an id typed twice; the Train page's tables and labels, `ui.runs_compare_view`), GRPO's reward trial
(`ftlib.reward_trial`: the stand-in answer and what a reward is called with), a tiny split's fix
(`splits.split_warnings`), a mapping's other shapes (`mapping.gaps_said`), the greedy column's note
(`ui.compare_view`) and a stop now's escalation (`ftlib.run_watch._wait`, `_kill_tree`, `_stop_now_asked`,
`_say_killed`, with fakes for the child, psutil and the clock). Pure functions and run folders written directly
(`ftlib.testing.make_run`); the mutants no test can tell apart are listed at the end."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from ftlib import rewards, run_compare, run_watch
from ftlib.cli import main
from ftlib.mapping import gaps_said
from ftlib.reward_trial import SHORT_ANSWER, stand_in_answers, trial_problem
from ftlib.splits import split_warnings
from ftlib.testing import make_run
from tests.test_reward_trial import registry as registry  # a fixture
from tests.test_run_compare import OTHER_ROWS, curve, run
from ui import runs_compare_view
from ui.compare_view import greedy_filters_note

# ftlib/run_compare.py


def comparison(notes=(), settings=(), runs=()) -> run_compare.Comparison:
    return run_compare.Comparison(
        ids=["a", "b"],
        labels=["a", "b"],
        settings=list(settings),
        runs=list(runs),
        same_loss=True,
        same_rows=True,
        comparable=not notes,
        notes=list(notes),
    )


def test_note_is_none_without_notes_the_one_note_alone_and_several_as_a_list():
    """Comparison.note: `return self.notes[0] if self.notes else None` and `if len(self.notes) < 2`."""
    assert comparison().note is None
    assert comparison(["One."]).note == "One."
    assert comparison(["One.", "Two."]).note == "- One.\n- Two."


def test_a_setting_not_used_by_an_older_run_is_no_default_to_explain():
    """defaults_shown: `a and v not in (ABSENT, NOT_USED)`: beta absent from a LoRA run reads 'n/a', not a default."""
    diff = run_compare.SettingDiff("beta", "Beta", ["0.5", run_compare.NOT_USED], [False, True])
    assert not comparison(settings=[diff]).defaults_shown
    assert comparison(settings=[run_compare.SettingDiff("beta", "Beta", ["0.5", "0.1"], [False, True])]).defaults_shown


def test_no_runs_are_measured_by_their_loss():
    """measures: `or "loss"` where no run says its measure."""
    assert comparison().measures == "loss"


def test_the_text_says_unknown_max_steps_as_a_question_mark_and_tokens_with_thousands():
    """text(): `f"{r.steps}/{r.max_steps or '?'}"` and `f"{r.tokens:,}"`."""
    numbers = run_compare.RunNumbers("a", "a", "lora", "finished", "k", 1.0, None, None, 3, 0, 12345, None)
    text = comparison(runs=[numbers, numbers]).text()
    assert "3/?" in text and "12,345" in text


def test_a_run_that_kept_no_held_out_rows_cannot_be_told_to_compare():
    """compare(): `same_rows = None if None in keys` and `comparable = ... bool(same_rows)`: a run queued before runs
    kept their rows is neither the same rows nor comparable."""
    run("r-kept", {}, curve(2.0, 0.1))
    make_run("r-unkept", {"dataset": "numbers", "max_steps": 6}, metrics=curve(2.0, 0.1))
    c = run_compare.compare(["r-kept", "r-unkept"])
    assert c.same_rows is None and not c.comparable
    assert any("cannot be told: r-unkept keeps no copy of its rows" in n for n in c.notes)


def test_a_run_without_kept_rows_nor_a_held_out_loss_is_not_said_unknown_rows():
    """_notes: `unknown = [... if k is None and n.best_eval_loss is not None]`: it has no held-out loss to doubt."""
    run("r-kept", {}, curve(2.0, 0.1))
    make_run("r-unkept", {"dataset": "numbers"}, metrics=curve(2.0, 0.1)[:6])  # training steps only
    assert not any("cannot be told" in n for n in run_compare.compare(["r-kept", "r-unkept"]).notes)


def test_two_runs_without_kept_rows_keep_no_copy_of_their_rows():
    """_notes: `{'keeps' if one else 'keep'} no copy of {'its' if one else 'their'} rows`."""
    make_run("r-old-1", {"dataset": "numbers"}, metrics=curve(2.0, 0.1))
    make_run("r-old-2", {"dataset": "numbers", "seed": 2}, metrics=curve(2.0, 0.1))
    (note,) = [n for n in run_compare.compare(["r-old-1", "r-old-2"]).notes if "cannot be told" in n]
    assert "r-old-1, r-old-2 keep no copy of their rows" in note


def test_two_runs_without_a_held_out_number_have_none():
    """_notes: `{'has' if len(missing) == 1 else 'have'} no held-out number`."""
    run("r-a", {}, curve(2.0, 0.1)[:6], step=6)
    run("r-b", {"seed": 2}, curve(2.0, 0.1)[:6], step=6)
    assert "r-a, r-b have no held-out number" in run_compare.compare(["r-a", "r-b"]).note


def test_of_two_sets_of_two_runs_on_their_own_rows_the_first_sets_lines_are_drawn():
    """_series: `key=lambda k: (group.count(k), -group.index(k))`: a tie goes to the first run's set (without
    `-group.index`, to whichever set a set of digests gives first: a mutant this kills about half the time)."""
    for run_id, rows in (("r-1", None), ("r-2", None), ("r-3", OTHER_ROWS), ("r-4", OTHER_ROWS)):
        run(run_id, {"seed": int(run_id[-1])}, curve(2.0, 0.1), **({"held_out": rows} if rows else {}))
    series = run_compare.compare(["r-1", "r-2", "r-3", "r-4"]).series
    assert [s.run_id for s in series if s.kind == "held-out" and not s.apart] == ["r-1", "r-2"]


def test_a_running_run_scored_at_step_0_is_in_no_note():
    """_notes: `waiting = [... and n.best_eval_loss is None]`: a running run with a held-out loss at step 0 is not
    'has not trained a step yet' (tests/test_review_1208 holds the words of the other states only)."""
    run("r-done", {}, curve(2.0, 0.1)[:6], step=6)  # no held-out loss: a note is said
    run("r-starting", {}, [{"kind": "eval", "step": 0, "eval_loss": 2.2}], state="running", step=0)
    c = run_compare.compare(["r-done", "r-starting"])
    assert c.notes and "r-starting" not in c.note


def test_the_held_out_line_of_the_only_run_of_its_kind_is_drawn():
    """_series: `drawn = len(group) == 1 or ...`: an SFT run beside a DPO run keeps its held-out line."""
    run("r-sft", {"method": "lora"}, curve(2.0, 0.1))
    run("r-dpo", {"method": "dpo"}, curve(0.69, 0.01))
    held_out = [s for s in run_compare.compare(["r-sft", "r-dpo"]).series if s.kind == "held-out"]
    assert [(s.run_id, s.apart) for s in held_out] == [("r-sft", False), ("r-dpo", False)]


def test_a_whole_float_setting_reads_as_a_number_not_as_json():
    """_value_text: `f"{value:g}"` for a float: 1.0 reads '1' beside an int's '2', not '1.0'."""
    (norm,) = run_compare.setting_diffs([{"max_grad_norm": 1.0}, {"max_grad_norm": 2.5}])
    assert norm.values == ["1", "2.5"]


def test_a_setting_this_version_no_longer_knows_is_labelled_by_its_name():
    """setting_diffs: `label = specs[name].label if name in specs else name`."""
    (gone,) = run_compare.setting_diffs([{"method": "lora", "gone": 1}, {"method": "lora"}])
    assert (gone.name, gone.label) == ("gone", "gone")


def test_the_default_pick_does_not_pair_two_runs_whose_rows_are_not_known():
    """default_pick: `if key is not None and k == key`: two runs without kept rows are not 'the same rows'."""
    make_run("r-old-1", {"dataset": "numbers"}, metrics=curve(2.0, 0.1), created=300.0)
    run("r-kept", {}, curve(2.0, 0.1), created=200.0)
    make_run("r-old-2", {"dataset": "numbers"}, metrics=curve(2.0, 0.1), created=100.0)
    summaries = [run_compare.runs.find(i).summary() for i in ("r-old-1", "r-kept", "r-old-2")]
    assert run_compare.default_pick(summaries) == ["r-old-1", "r-kept"]


def test_a_step_that_read_no_token_is_not_a_new_attempt():
    """attempt_tokens: `row["tokens"] < last`: an equal count is the same attempt."""
    assert run_compare.attempt_tokens([{"kind": "train", "tokens": 100}, {"kind": "train", "tokens": 100}]) == 100


def test_the_speed_is_the_median_of_the_steps_not_their_mean():
    """_numbers: `statistics.median(speeds)`: one slow step does not set it."""
    rows = [
        {"kind": "train", "step": s, "loss": 1.0, "tokens_per_s": v} for s, v in ((1, 100.0), (2, 500.0), (3, 510.0))
    ]
    run("r-a", {}, rows)
    run("r-b", {"seed": 2}, rows)
    assert run_compare.compare(["r-a", "r-b"]).runs[0].tokens_per_s == 500.0


def test_a_grpo_step_without_a_reward_keeps_no_surrogate_loss():
    """_reward_rows: `k not in ("loss", "eval_loss")`: TRL's surrogate loss is never read as a mean reward."""
    rows = [{"kind": "train", "step": 1, "loss": 0.0}, {"kind": "eval", "step": 1, "eval_loss": 0.0, "eval_reward": 2}]
    assert run_compare._reward_rows(rows) == [
        {"kind": "train", "step": 1},
        {"kind": "eval", "step": 1, "eval_reward": 2, "eval_loss": 2},
    ]


# ftlib/reward_trial.py


def test_a_blank_last_reply_is_no_reference_answer():
    """stand_in_answers: `replies[-1].strip()`: a conversation whose last reply is blank is tried as if it had none."""
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}
    assert [a for a, _ in stand_in_answers(chat)] == ["", SHORT_ANSWER]


def test_the_reference_is_the_last_assistant_reply_not_a_later_user_turn():
    """stand_in_answers: `if m.get("role") == "assistant"`."""
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]}
    chat["messages"].append({"role": "user", "content": "And?"})
    assert stand_in_answers(chat)[0][0] == "Ahoy!"


def test_a_blank_column_is_passed_over_for_the_next_one():
    """stand_in_answers: `if t.strip()`: contains_column's blank column gives way to the answer-named one."""
    row = {"prompt": [], "columns": {"gold": "  ", "answer": "5"}}
    assert stand_in_answers(row, ["gold"]) == [("5", "its `answer` column")]


def test_a_long_stand_in_answer_is_cut_in_the_sentence(registry):
    """trial_problem: `answer if len(answer) <= 60 else answer[:57] + "..."`."""
    rows = [{"prompt": [{"role": "user", "content": "Spell it"}], "columns": {"answer": "a" * 100}}]
    problem = trial_problem([{"function": "as_number"}], rows)
    assert f"column: '{'a' * 57}...'; no model wrote it" in problem


def test_the_rows_tools_reach_a_reward_that_takes_them(registry):
    """trial_problem: `tools = ... prompt.get("tools")`: called as the run calls it, with its row's tools."""
    tools = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}]
    chat = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], "tools": tools}
    assert trial_problem([{"function": "fine"}], [chat]) is None
    (call,) = [json.loads(line) for line in registry.read_text().splitlines()]
    assert call["kwargs"]["tools"] == tools


def test_a_reward_model_is_not_called_in_the_trial(monkeypatch):
    """trial_problem: `if r.score is not None`: a reward model is not loaded for the trial, so not tried."""
    monkeypatch.setattr(rewards, "check_reward_run", lambda value: None)  # as a finished reward model's run
    assert trial_problem([{"model": "r-rm"}], [{"prompt": [{"role": "user", "content": "Hi"}]}]) is None


# ftlib/splits.py


def test_five_rows_in_all_are_told_to_add_rows_and_six_to_keep_five_held_out():
    """split_warnings: `if n_train + n_test > TINY_TEST_ROWS` (all rows, not the training ones, and 5 is too few)."""
    assert "Add rows: 5 held out and some to train on" in split_warnings(4, 1)[-1]
    assert split_warnings(3, 3)[-1].endswith("(holding out 5 of these 6 would leave 1 row to train on).")
    assert split_warnings(13, 4)[-1].endswith("Keep at least 5 held out.")  # 17 rows: the default holds out 5


def test_one_held_out_prompt_is_it():
    """split_warnings: `f"Evaluate scores the answers to {them} alone"`."""
    assert "Evaluate scores the answers to it alone" in " ".join(split_warnings(20, 1, kind="prompt_only"))


# ftlib/mapping.py


@pytest.mark.parametrize(
    "gaps, said",
    [
        (["label"], "label"),  # `if own and others`: a gap every shape has offers no other shape
        (["messages", "label"], "messages, label (or, instead of messages: prompt and completion, or conversations)"),
        (["completion"], "completion (or, instead of prompt and completion: messages, or conversations)"),
    ],
)
def test_the_other_shapes_leave_out_the_fields_every_shape_needs_and_the_closest_one(gaps, said):
    """gaps_said: `own = [f for f in gaps if f not in always]` and `closest = next(...)`."""
    assert gaps_said("unpaired_preference", gaps) == said


# ui/compare_view.py


def test_one_filter_left_out_is_it_to_compare():
    """greedy_filters_note: `{'it' if one else 'them'}`."""
    assert greedy_filters_note(0.0, 40, 1.0).endswith("Raise the temperature to compare it.")
    assert greedy_filters_note(0.0, 40, 0.9).endswith("Raise the temperature to compare them.")


# ftlib/run_watch.py: `_wait` with a fake child and clock, `_kill_tree` with a fake psutil, `_say_killed`


class FakeChild:
    """A training command that ends by itself after `polls` looks (None: never), or when killed."""

    def __init__(self, polls=None, pid=4242):
        self.polls, self.pid, self.killed = polls, pid, False

    def poll(self):
        if self.killed:
            return -9
        if self.polls is not None:
            self.polls -= 1
            if self.polls < 0:
                return 0
        return None

    def wait(self):
        return -9 if self.killed else 0

    def kill(self):
        self.killed = True


@pytest.fixture
def clock(monkeypatch, tmp_path):
    """run_watch's clock: each poll's sleep moves it on; `signals[t]`: a SIGTERM received at second t; `asked`: whether
    a stop now is recorded; `_kill_tree` kills the fake child (and records when)."""
    state = {"now": 0.0, "signals": {}, "asked": True, "killed_at": None}

    def sleep(seconds):
        state["now"] += seconds
        if state["signals"].pop(state["now"], None):
            run_watch._SIGNALS.append(15)

    def kill_tree(child):
        state["killed_at"] = state["now"]
        child.kill()

    monkeypatch.setattr(run_watch, "_SIGNALS", [])
    monkeypatch.setattr(run_watch.time, "monotonic", lambda: state["now"])
    monkeypatch.setattr(run_watch.time, "sleep", sleep)
    monkeypatch.setattr(run_watch, "_stop_now_asked", lambda run_dir: state["asked"])
    monkeypatch.setattr(run_watch, "_kill_tree", kill_tree)
    monkeypatch.setattr(run_watch, "GRACE", 20.0)
    return state


def test_the_grace_runs_from_the_first_signal_after_a_stop_now_not_the_last(clock, tmp_path):
    """_wait: `if deadline is None and _stop_now_asked(run_dir)`: a second SIGTERM does not put the kill off."""
    clock["signals"] = {1.0: True, 15.0: True}
    assert run_watch._wait(FakeChild(), tmp_path) == (-9, True)
    assert clock["killed_at"] == 21.0


def test_a_stop_now_recorded_without_a_signal_kills_nothing(clock, tmp_path):
    """_wait: `if len(_SIGNALS) > seen`: the grace starts at the SIGTERM, not at a status read alone."""
    assert run_watch._wait(FakeChild(polls=100), tmp_path) == (0, False)
    assert clock["killed_at"] is None and clock["now"] == 50.0


def test_a_plain_sigterm_kills_nothing(clock, tmp_path):
    """_wait: the deadline only where `_stop_now_asked`."""
    clock.update(asked=False, signals={1.0: True})
    assert run_watch._wait(FakeChild(polls=100), tmp_path) == (0, False)


def test_a_status_without_a_stop_now_is_no_stop_now(tmp_path):
    """_stop_now_asked: `bool(... .get("stop_now"))`; an unreadable status is none either."""
    assert not run_watch._stop_now_asked(make_run("r-w", {"dataset": "numbers"}, state="running").path)
    assert run_watch._stop_now_asked(make_run("r-s", {"dataset": "numbers"}, state="stopping", stop_now=1.7e9).path)
    assert not run_watch._stop_now_asked(tmp_path / "nowhere")


class FakeProc:
    """A psutil.Process: its pid, its command line, its children; `gone`: it raises as an ended process does."""

    def __init__(self, pid, cmdline=("python",), children=(), gone=False):
        self.pid, self._cmdline, self._children, self.gone, self.killed = (
            pid,
            list(cmdline),
            list(children),
            gone,
            False,
        )

    def cmdline(self):
        if self.gone:
            raise psutil.NoSuchProcess(self.pid)
        return self._cmdline

    def children(self):
        return self._children

    def kill(self):
        if self.gone:
            raise psutil.NoSuchProcess(self.pid)
        self.killed = True


def test_kill_tree_kills_the_command_and_its_workers_but_not_the_next_runs_launch(monkeypatch):
    """_kill_tree: `todo.extend(proc.children())`, `continue  # the next run's` and its `proc.pid != child.pid`; a
    process already ended is passed over; then `psutil.wait_procs` on those killed."""
    grandchild = FakeProc(12)
    worker = FakeProc(11, children=[grandchild])
    next_launch = FakeProc(13, ["python", "-m", "ftlib.run_watch", "next"], children=[FakeProc(14)])
    ended = FakeProc(15, gone=True)
    top = FakeProc(10, ["python", "-c", "ftlib.run_watch as w"], children=[worker, next_launch, ended])
    waited = []
    monkeypatch.setattr(psutil, "Process", lambda pid: {10: top}[pid])
    monkeypatch.setattr(psutil, "wait_procs", lambda procs, timeout: waited.append([p.pid for p in procs]))
    monkeypatch.setattr(run_watch.os, "getpgid", lambda pid: -1)  # not a group leader: no group to look through
    run_watch._kill_tree(FakeChild(pid=10))
    assert [p.killed for p in (top, worker, grandchild, next_launch, next_launch._children[0])] == [
        True, True, True, False, False
    ]  # fmt: skip
    assert sorted(waited[0]) == [10, 11, 12]


def test_kill_tree_kills_its_own_groups_other_processes_where_it_leads_one(monkeypatch):
    """_kill_tree: `if os.getpgid(0) == os.getpid()`: the rest of the launch process's group, not itself
    (`proc.pid != os.getpid()`)."""
    me, top, in_group, outside = os.getpid(), FakeProc(10), FakeProc(20), FakeProc(30)
    itself = FakeProc(me)
    monkeypatch.setattr(psutil, "Process", lambda pid: {10: top}[pid])
    monkeypatch.setattr(psutil, "process_iter", lambda: [top, in_group, outside, itself])
    monkeypatch.setattr(psutil, "wait_procs", lambda procs, timeout: None)
    groups = {0: me, me: me, 10: me, 20: me, 30: 1}
    monkeypatch.setattr(run_watch.os, "getpgid", lambda pid: groups[pid])
    run_watch._kill_tree(FakeChild(pid=10))
    assert (top.killed, in_group.killed, outside.killed, itself.killed) == (True, True, False, False)


def test_the_killed_words_are_added_once_and_only_to_an_interrupted_run():
    """_say_killed: `if said not in message` and `update_status_while(("interrupted",), ...)`."""
    said = "They were killed."
    stopped = make_run("r-i", {"dataset": "numbers"}, state="interrupted", message="Stopped.")
    run_watch._say_killed(stopped.path, said)
    run_watch._say_killed(stopped.path, said)
    assert stopped.read_status()["message"] == "Stopped. They were killed."
    resumed = make_run("r-r", {"dataset": "numbers"}, state="running", message="Training.")
    run_watch._say_killed(resumed.path, said)
    assert resumed.read_status()["message"] == "Training."


# ftlib/commands/runs.py


def test_runs_compare_says_a_run_typed_twice_before_looking_it_up(capsys):
    """_compare: `run_compare.check_ids(args.ids)` first: the same unknown id twice is 'given twice', not unknown."""
    assert main(["runs", "compare", "nope", "nope"]) == 2
    assert "error: Run 'nope' is given twice" in capsys.readouterr().err


# ui/runs_compare_view.py


def test_a_setting_not_used_is_not_marked_default_in_the_pages_table():
    """settings_table: `absent and value not in (ABSENT, NOT_USED)`."""
    diff = run_compare.SettingDiff("beta", "Beta", ["0.5", run_compare.NOT_USED], [False, True])
    assert runs_compare_view.settings_table(comparison(settings=[diff])) == [
        {"setting": "Beta", "a": "0.5", "b": "n/a"}
    ]


def test_runs_with_one_label_are_numbered_from_the_oldest():
    """short_labels: `labels[s.id] + ("" if n is None else f" #{n}")`."""
    made = [run(f"r-{i}", {}, curve(2.0, 0.1), created=float(i)) for i in (2, 1)]
    labels = runs_compare_view.short_labels([r.summary() for r in made])
    assert labels["r-1"].endswith(" #1") and labels["r-2"].endswith(" #2")
    assert labels["r-1"][:-3] == labels["r-2"][:-3]


def test_a_run_without_a_held_out_loss_is_at_step_dash_in_the_pages_table():
    """numbers_table: `"-" if r.best_eval_step is None else str(r.best_eval_step)`."""
    numbers = run_compare.RunNumbers("a", "a", "lora", "finished", "k", 1.0, None, None, 3, 6, None, None)
    (row,) = runs_compare_view.numbers_table(comparison(runs=[numbers]))
    assert (row["at step"], row["steps"], row["tokens"]) == ("-", "3/6", "-")


# Mutants of this review no test can tell from the code, and why (107 made: 55 killed by the suite, its doctests
# included, 45 by this file, 7 equivalent, none alive; `_series`' tie without `-group.index` is killed here about half
# the time, as the order of a set of digests falls): Comparison's `notes=[] if comparable else notes` as plain
# `notes` (comparable runs have one kind, one set of rows and a held-out loss each: `_notes` says nothing of them);
# `absent` as `name not in (config or {})` (a config that does not read is None: absent either way); GROUP_ORDER's 99
# for a group not listed (every field's group is listed); `gaps_said`'s `dict.fromkeys` over the other shapes (no
# format has two shapes with the same fields beyond those it always needs); `_kill_tree` without `proc not in procs`
# (a process killed twice: psutil's NoSuchProcess on the second is passed over, and waited for once);
# `gone_notes` without `if run_id in listed: continue` (a listed run is found: no warning either way, one lookup
# more); `compare_section` without its filter of the kept pick (Streamlit 1.67's multiselect drops values no longer
# among its options itself).
