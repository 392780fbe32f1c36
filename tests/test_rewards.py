"""GRPO's rewards (ftlib.rewards, ftlib.methods): each built-in on fixed strings, the refusals that name the reward
and the fix, group advantages against TRL's formula, operator-registered functions (off unless registered), and
the method texts the Train page shows. No model is loaded here except where a test says so."""

from __future__ import annotations

import json
import math

import pytest
import torch

from ftlib.config import ConfigError, RunConfig
from ftlib.methods import METHOD_HELP, METHOD_ROWS, wrong_rows
from ftlib.rewards import (
    REGISTRY_ENV,
    RewardError,
    build_rewards,
    check_reward_run,
    group_advantages,
    length_score,
    not_repeating_score,
    problems,
    score_completions,
)

PIRATE = "Ahoy! The capital of France is Paris.\n\nFair winds, matey!"
PLAIN = "The capital of France is Paris."
COLLAPSED = "- Drink water\n- Drink water\n- Drink water\n- Sleep"

# (reward spec, text, expected score): one table for every built-in, sentinels that cannot pass by accident.
CASES = [
    ({"regex": "^Ahoy"}, PIRATE, 1.0),
    ({"regex": "^Ahoy"}, "Well, Ahoy there", 0.0),  # anchored: "Ahoy" later does not count
    ({"regex": r"Paris\.$"}, PLAIN, 1.0),
    ({"contains": "Paris"}, PLAIN, 1.0),
    ({"contains": "paris"}, PLAIN, 0.0),  # case-sensitive
    ({"length": {"target": 6}}, PLAIN, 1.0),  # six words
    ({"length": {"target": 12}}, PLAIN, 0.5),
    ({"length": {"target": 2}}, PLAIN, 0.0),  # floored at 0
    ({"not_repeating": {}}, PIRATE, 1.0),
    ({"not_repeating": {}}, COLLAPSED, 0.5),  # 2 distinct of 4 lines
    ({"not_repeating": {}}, "Go. Go. Go. Stop.", 0.5),  # sentences count, not only lines
    ({"not_repeating": {}}, "Ahoy! Ahoy! Ahoy!\n\nThe sky is blue.", 0.5),  # a repeated opening is caught too
    ({"not_repeating": {}}, "lessness" * 60, 0.0),  # a loop inside one word: no sentence or word run repeats
    ({"check": "chat_style"}, PIRATE, 1.0),
    ({"check": "chat_style"}, PLAIN, 0.0),
    ({"check": "preference_pairs"}, "- Drink more water daily.\n- Sleep eight hours.", 1.0),
]


@pytest.mark.parametrize("spec, text, expected", CASES, ids=[f"{next(iter(c[0]))}-{i}" for i, c in enumerate(CASES)])
def test_each_builtin_reward_on_fixed_strings(spec, text, expected):
    (reward,) = build_rewards([spec])
    assert reward.score([[{"role": "user", "content": "Q?"}]], [text]) == [pytest.approx(expected)]


def test_scores_are_weighted_and_summed_per_completion_and_names_stay_unique():
    rewards = build_rewards(
        [{"regex": "^Ahoy", "weight": 2.0}, {"regex": "matey", "weight": -0.5}, {"not_repeating": {}}]
    )
    assert [r.name for r in rewards] == ["regex", "regex_2", "not_repeating"]
    table = score_completions(rewards, [[]] * 3, [PIRATE, PLAIN, COLLAPSED])
    assert table.scores["regex"] == [1.0, 0.0, 0.0] and table.scores["regex_2"] == [1.0, 0.0, 0.0]
    assert table.totals == [pytest.approx(2.0 - 0.5 + 1.0), pytest.approx(1.0), pytest.approx(0.5)]


def test_length_and_repetition_helpers_at_their_edges():
    assert length_score(3, "") == 0.0 and length_score(3, "a b c") == 1.0
    assert not_repeating_score("") == 1.0 and not_repeating_score("x\n\n\nx") == 0.5  # blank lines are not units
    assert math.isclose(not_repeating_score("a\nb\nc\na\nb\nc"), 0.5)


# ---------------------------------------------------------------------------------------------------------------
# Refusals: the field, which reward, and the fix
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rewards, message",
    [
        ([], "`rewards` is empty: GRPO learns only from what its rewards score. Add at least one, e.g. ["),
        ('[{"regex": "(unclosed"}]', "`rewards` item 1: '(unclosed' is not a valid regular expression"),
        ([{"regex": "ok"}, {"regex": "a["}], "`rewards` item 2: 'a[' is not a valid regular expression"),
        ([{"smell": "good"}], "one reward among regex, contains, contains_column, final_answer, length"),
        ([{"regex": "x", "weight": "heavy"}], "`weight` must be a number"),
        ([{"length": {"target": 0}}], '`length` needs a positive target, e.g. {"length": {"target": 50}}'),
        ([{"not_repeating": {"lines": 2}}], 'write {"not_repeating": {}}'),
        ("[{regex: ", "`rewards` is not valid JSON or YAML"),
        ([{"regex": "^Ahoy", "weight": 0}, {"not_repeating": {}, "weight": 0.0}], "has weight 0: each answer would"),
        ([{"regx": "^Ahoy"}], ', "weight": 0.5}]. Did you mean `regex`?'),
        ([{"contains": "a", "wieght": 2}], "Did you mean `weight`?"),
    ],
    ids=[
        *("empty", "bad-regex", "second-bad-regex", "unknown-kind", "weight", "length", "options", "unparsable"),
        "all-weights-0",  # a cold review: accepted, and every answer then scored 0, so nothing was learned
        *("misspelt-kind", "misspelt-weight"),  # a CLI walk: the valid names listed, the likely one not said
    ],
)
def test_bad_rewards_are_refused_at_construction_with_the_field_and_the_fix(rewards, message):
    with pytest.raises(ConfigError) as err:
        RunConfig(method="grpo", rewards=rewards)
    assert message in str(err.value)


def test_rewards_read_from_json_or_yaml_text_as_a_form_or_flag_gives_them():
    yaml_text = "- regex: ^Ahoy\n  weight: 2\n- not_repeating: {}\n"
    json_text = '[{"regex": "^Ahoy", "weight": 2}, {"not_repeating": {}}]'
    assert RunConfig(method="grpo", rewards=yaml_text).rewards == RunConfig(method="grpo", rewards=json_text).rewards
    assert RunConfig(method="grpo", rewards={"contains": "x"}).rewards == [{"contains": "x"}]
    assert RunConfig(method="lora").rewards == []  # only GRPO needs rewards
    # A cold review: a lone word said "(got str)".
    with pytest.raises(ConfigError, match=r"must be a list such as .* \(got the text 'regex'\)\."):
        RunConfig(method="grpo", rewards="regex")


def test_what_a_reward_names_is_checked_before_launch(tiny_model_dir, tmp_path):
    from ftlib.testing import make_run

    make_run("a-lora-run", {"method": "lora", "model": str(tiny_model_dir)})
    make_run("a-queued-reward", {"method": "reward", "model": str(tiny_model_dir)}, state="queued")
    for n in (1, 2):
        make_run(f"2026120{n}-00000{n}-reward-twice", {"method": "reward", "model": ".", "name": "twice"})
    # By the name it was queued with, as `score`, `evaluate` and `runs show` take a run (a reviewer's "rm1").
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    config = {"method": "reward", "model": str(tiny_model_dir), "name": "rm1"}
    named = make_run("20261130-120000-reward-rm1", config, adapter=adapter)
    assert check_reward_run("rm1").path == named.path and problems([{"model": "rm1"}]) == []
    cases = {
        "nope": "There is no run 'nope' here, by id or by name. Train a reward model first",
        "twice": "Several runs are named 'twice': 20261202-000002-reward-twice, 20261201-000001-reward-twice",
        "a-lora-run": "is a lora run, not a reward model: it writes answers, it does not score them",
        "a-queued-reward": "The reward model 'a-queued-reward' is queued: use it once it has finished",
    }
    for run_id, message in cases.items():
        (problem,) = problems([{"regex": "x"}, {"model": run_id}])
        assert problem.startswith("`rewards` item 2: ") and message in problem, problem
    (problem,) = problems([{"check": "alpaca_recipes"}])
    assert "not a shipped sample with a check; use one of: chat_style, preference_pairs" in problem
    assert problems([{"regex": "x"}, {"check": "chat_style"}]) == []


def test_a_run_records_its_reward_model_by_id_and_deleting_that_model_warns(tiny_model_dir, tmp_path, capsys):
    """A cold review: a GRPO run recorded `{"model": "rm1"}`; `runs delete rm1 --yes` said nothing, and another reward
    model trained under that name would then have scored the run's resume and evaluation unnoticed."""
    from ftlib import runs
    from ftlib.cli import main
    from ftlib.run_resume import reward_model_users
    from ftlib.testing import make_run

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    config = {"method": "reward", "model": str(tiny_model_dir), "name": "rm1"}
    model_id = make_run("20261130-120000-reward-rm1", config, adapter=adapter).id
    rewards = [{"model": "rm1", "weight": 0.5}, {"regex": "^Ahoy"}, {"model": "nope"}]
    grpo = RunConfig(method="grpo", model=str(tiny_model_dir), dataset="no-such-split", rewards=rewards)
    run_id = runs.create_run(grpo)
    recorded = runs.find(run_id).read_config()["rewards"]
    assert recorded == [{"model": model_id, "weight": 0.5}, {"regex": "^Ahoy"}, {"model": "nope"}]
    assert reward_model_users(model_id) == [run_id] and reward_model_users(run_id) == []
    assert main(["runs", "delete", "rm1", "--yes"]) == 2  # queued: refused, as before
    capsys.readouterr()

    runs.find(run_id).update_status(state="finished")
    assert reward_model_users(model_id) == [] and reward_model_users(model_id, states=None) == [run_id]
    assert main(["runs", "delete", "rm1", "--yes"]) == 0
    said = capsys.readouterr().err
    assert said.startswith(f"warning: {run_id} scores with this reward model: without it, resuming or evaluating")


# ---------------------------------------------------------------------------------------------------------------
# Operator-registered functions: off by default, trusted code when on
# ---------------------------------------------------------------------------------------------------------------


def test_a_function_reward_needs_the_operator_to_register_it(tmp_path, monkeypatch):
    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    (problem,) = problems([{"function": "shout"}])
    assert "not a reward function the server's operator registered (none are registered" in problem

    module = tmp_path / "my_rewards.py"
    module.write_text("def shout(prompt, completion):\n    return completion.count('!') + 0.5 * len(prompt)\n")
    registry = tmp_path / "rewards.yaml"
    registry.write_text(f"shout: {module}:shout\n")
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    (reward,) = build_rewards([{"function": "shout", "weight": 1.0}])
    assert reward.score([[{"role": "user", "content": "x"}], []], ["Hi!!", "no"]) == [2.5, 0.0]
    (problem,) = problems([{"function": "whisper"}])
    assert "registered: shout" in problem


def test_an_unreadable_registry_is_said_plainly(tmp_path, monkeypatch):
    registry = tmp_path / "rewards.json"
    registry.write_text(json.dumps({"shout": "no-colon-here"}))
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    with pytest.raises(RewardError, match="must map names to 'module:function'"):
        build_rewards([{"function": "shout"}])


# ---------------------------------------------------------------------------------------------------------------
# Advantages: what GRPO pushes up and down
# ---------------------------------------------------------------------------------------------------------------


def _trl_group_advantages(totals: list[float], group_size: int) -> list[float]:
    """TRL 1.16's formula (GRPOTrainer._generate_and_score_completions, scale_rewards="group"), on a tensor."""
    from trl.trainer.utils import nanstd

    rewards = torch.tensor(totals)
    mean = rewards.view(-1, group_size).nanmean(dim=1).repeat_interleave(group_size)
    std = nanstd(rewards.view(-1, group_size), dim=1).repeat_interleave(group_size)
    return ((rewards - mean) / (std + 1e-4)).tolist()


@pytest.mark.parametrize(
    "totals, group_size",
    [([1.0, 0.0, 0.0, 0.0], 4), ([0.3, 2.5, -1.0, 0.3, 0.7, 0.7], 3), ([1.0, 1.0, 5.0, 5.0], 2)],
)
def test_group_advantages_follow_trls_formula(totals, group_size):
    ours = group_advantages(totals, group_size)
    assert ours == pytest.approx(_trl_group_advantages(totals, group_size), abs=1e-6)
    assert all(abs(sum(ours[i : i + group_size])) < 1e-6 for i in range(0, len(totals), group_size))


def test_a_group_with_one_score_teaches_nothing():
    assert group_advantages([2.0, 2.0, 2.0], 3) == [0.0, 0.0, 0.0]
    with pytest.raises(RewardError, match="do not split into groups of 4"):
        group_advantages([1.0, 2.0, 3.0], 4)


# ---------------------------------------------------------------------------------------------------------------
# The methods in plain words
# ---------------------------------------------------------------------------------------------------------------


def test_every_method_is_explained_with_the_rows_it_needs():
    from ftlib.config import METHODS
    from ftlib.rows import ROW_KINDS

    assert set(METHOD_HELP) == set(METHODS) == set(METHOD_ROWS)
    assert all(set(kinds) <= set(ROW_KINDS) for kinds in METHOD_ROWS.values())


@pytest.mark.parametrize(
    "method, kind, says",
    [
        (
            "grpo",
            "preference",
            "GRPO needs prompts (the model writes the answers itself); this split has preference "
            "pairs (chosen/rejected): use DPO, a reward model or KTO on it, or load a split of prompts for GRPO.",
        ),
        (
            "reward",
            "sft",
            "A reward model needs pairs of a chosen and a rejected answer; this split has conversations",
        ),
        ("kto", "prompt_only", "use GRPO on it, or load answers labelled good or bad for KTO."),
        ("lora", "unpaired", "use KTO on it, or load conversations with answers for LoRA. A bad answer is never"),
    ],
)
def test_the_wrong_data_shape_names_what_the_method_needs_and_what_fits(method, kind, says):
    assert says in wrong_rows(method, kind)


def test_a_reward_model_is_not_offered_where_models_write_answers(tmp_path):
    """Compare and Evaluate list the runs that write answers; a reward model only scores them."""
    from ftlib.modelset import list_run_adapters
    from ftlib.testing import make_run

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"")
    make_run("20261201-000000-lora-chat", {"method": "lora"}, adapter=adapter)
    make_run("20261201-000001-reward-pairs", {"method": "reward"}, adapter=adapter)
    make_run("20261201-000002-grpo-pirate", {"method": "grpo", "rewards": [{"regex": "x"}]}, adapter=adapter)
    assert sorted(r.name for r in list_run_adapters()) == ["20261201-000000-lora-chat", "20261201-000002-grpo-pirate"]


def test_run_lists_skip_runs_being_created_and_stray_files(tmp_path):
    """The score view's reward models and Compare's runs read the run folders as the queue does (`rundir.run_folders`;
    the GPU claims too: test_lease): a run still being created (`.ID.partial`) and stray files are not runs."""
    import shutil

    from ftlib import workspace
    from ftlib.modelset import list_run_adapters
    from ftlib.rewards import reward_runs
    from ftlib.testing import make_run

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"")
    older = make_run("20261201-000000-reward-pairs", {"method": "reward"}, adapter=adapter)
    make_run("20261201-000001-reward-pairs", {"method": "reward"}, adapter=adapter)
    make_run("20261201-000002-lora-chat", {"method": "lora"}, adapter=adapter)
    shutil.copytree(older.path, workspace.runs_dir() / ".20261201-000003-reward-pairs.partial")
    (workspace.runs_dir() / "notes.txt").write_text("not a run")
    (workspace.runs_dir() / "empty-folder").mkdir()

    assert reward_runs() == ["20261201-000001-reward-pairs", "20261201-000000-reward-pairs"]
    assert [r.name for r in list_run_adapters()] == ["20261201-000002-lora-chat"]
    assert list_run_adapters(root=tmp_path / "no-runs-here") == []


def test_a_preview_counts_the_prompts_whose_answers_all_score_the_same():
    from ftlib.reward_preview import flat_prompts

    rows = [
        {"prompt": "a", "advantage": 0.0},
        {"prompt": "a", "advantage": 0.0},
        {"prompt": "b", "advantage": 0.7},
        {"prompt": "b", "advantage": -0.7},
    ]
    assert flat_prompts(rows) == (1, 2)
    assert flat_prompts(rows[:2]) == (1, 1)
    assert flat_prompts(rows[2:]) == (0, 1)


# What people paste into the Rewards box: (id, text, what refuses it). Code is never run, and the refusal says how a
# Python function is registered instead; declarations that mention Python words are still declarations.
TYPED_REWARDS = [
    ("a function", "def reward(prompt, completion):\n    return 1.0 if 'Ahoy' in completion else 0.0", "code"),
    ("imports", "import re\n\ndef reward(prompt, completion):\n    return float(bool(re.match('A', c)))", "code"),
    ("a lambda", "reward = lambda prompt, completion: len(completion) / 100", "code"),
    ("a decorated function", "@register\ndef shout(prompt, completion):\n    return 1.0", "code"),
    ("JSON mentioning code", '[{"contains": "def "}, {"regex": "^import "}]', None),
    ("YAML mentioning code", "- contains: return\n- regex: ^def\n  weight: 0.5", None),
    ("an unknown kind", '[{"score": "ahoy"}]', "must name exactly one reward among"),
]


@pytest.mark.parametrize("text, refusal", [case[1:] for case in TYPED_REWARDS], ids=[c[0] for c in TYPED_REWARDS])
def test_python_typed_as_rewards_is_refused_as_code_with_how_to_register_a_function(text, refusal, monkeypatch):
    from ftlib.rewards import text_problems

    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    found = text_problems(text)
    if refusal is None:
        assert found == []
    elif refusal == "code":
        (problem,) = found
        assert problem.startswith("The Rewards box takes declarations such as") and "never run" in problem
        assert f'{REGISTRY_ENV} points to (README, "Rewards for GRPO")' in problem
        assert '{"function": "NAME"}' in problem
        assert "must name exactly one reward" not in problem
    else:
        assert len(found) == 1 and refusal in found[0], found


def test_an_unregistered_function_says_how_an_operator_registers_one(monkeypatch):
    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    (problem,) = problems([{"function": "shout"}])
    assert f"(none are registered: {REGISTRY_ENV} unset)" in problem
    assert "Python code is never taken from the rewards themselves" in problem
    assert f'naming it in the file {REGISTRY_ENV} points to (README, "Rewards for GRPO")' in problem


def test_a_weight_0_reward_beside_a_weighted_one_is_kept_as_a_metric():
    """Only all-zero weights are refused: one reward at 0 beside others is shown but not trained on."""
    config = RunConfig(method="grpo", rewards=[{"regex": "^Ahoy", "weight": 0}, {"not_repeating": {}}])
    assert [r.get("weight", 1.0) for r in config.rewards] == [0, 1.0]


def test_not_repeating_catches_a_loop_inside_one_sentence():
    """A cold review: "Oh no, no no no ..." scored 1.0 (one sentence, nothing repeated): a GRPO reward a model can
    game by looping. Word runs count too; ordinary answers, lists included, keep 1.0."""
    loop = "Ahoy! Oh no, no no no no no no no no no no no no."
    assert not_repeating_score(loop) < 0.5
    for fine in (
        "Ahoy! Boil the water, add the eggs and wait nine minutes.",
        "- Rest.\n- Drink water.\n- Eat a light meal.\n- Sleep early.",
        "Yes.",
        "One two three four five.",
    ):
        assert not_repeating_score(fine) == 1.0, fine


def test_repeats_itself_catches_a_loop_inside_lines():
    """A cold review: a greedy haiku, "A gentle rain, a gentle rain, a gentle rain" on two lines, read `repeats: false`
    (two sentences, fewer than the three a loop needed)."""
    from ftlib.rewards import repeats_itself

    assert repeats_itself("A gentle rain, a gentle rain, a gentle rain\nA gentle rain, a gentle rain, a gentle rain")
    assert not repeats_itself("Soft rain on the roof,\nthe garden drinks its fill now,\nclouds drift to the sea.")


def test_grpo_on_conversations_says_their_answers_are_not_used(tiny_model_dir):
    """A cold review: GRPO on a split of conversations ran without a word that each row's answer is left out (the
    model writes its own); a split of prompts says nothing."""
    from ftlib.run_preflight import preflight

    chats = [
        {"messages": [{"role": "user", "content": f"Name a colour {i}."}, {"role": "assistant", "content": "Red."}]}
        for i in range(3)
    ]
    prompts = [{"prompt": [{"role": "user", "content": f"Name a colour {i}."}]} for i in range(3)]
    config = RunConfig(method="grpo", model=str(tiny_model_dir), rewards=[{"regex": "^Red"}], max_length=64)
    said = [w for w in preflight(config, rows=(chats, [])).warnings if w.startswith("GRPO reads")]
    assert said == [
        "GRPO reads 3 training conversations as prompts: each up to its last answer, which is neither trained nor "
        "shown to the rewards (the model writes its own answers). For a reward to compare the model's answers with a "
        'reference, give the rows as a `prompt` with the reference in a column of its own (`{"contains_column": '
        '"answer"}`, or a registered function\'s parameter): a file of questions and answers '
        "(GSM8K's `question` and `answer`) read as prompts only ('Read the file as' on the Data page, "
        "`--format prompt_only`) gives its answers so."
    ]
    assert not [w for w in preflight(config, rows=(prompts, [])).warnings if w.startswith("GRPO reads")]


def test_a_regex_reward_that_backtracks_without_end_is_stopped_and_leaves_the_server_running():
    """A review: `{"regex": "(a+)+$"}` was accepted, and Python's `re` held the GIL while it tried exponentially many
    matches on one answer (4.5 s at 27 characters, 16x per 4 more): a reward preview in one session (a thread of the
    server) froze every session. The search now runs without the GIL and stops at a time limit, said as a
    RewardError naming the pattern and the fix."""
    import threading

    from ftlib import pattern_search
    from ftlib.reward_functions import RewardError

    rewards = build_rewards([{"regex": "(a|aa)+$"}])
    with pytest.raises(RewardError, match=r"The regex reward '\(a\|aa\)\+\$' took over 1 s on one answer \(41 char"):
        score_completions(rewards, ["Say a."], ["a" * 40 + "!"])
    ticks, done = [0], threading.Event()

    def other_session():
        while not done.is_set():
            ticks[0] += 1
            done.wait(0.01)

    beside = threading.Thread(target=other_session)
    beside.start()
    try:
        with pytest.raises(pattern_search.PatternTimeout):
            pattern_search.search("(a|aa)+$", "a" * 40 + "!", seconds=0.5)
    finally:
        done.set()
        beside.join()
    assert ticks[0] > 10, ticks  # about 50; under `re`, holding the GIL, 1
    assert score_completions(rewards, ["Say a."], ["aaaa"]).scores == {"regex": [1.0]}  # a match is still a match


def test_a_training_runs_own_process_gives_a_regex_search_longer_than_a_server_session(monkeypatch, tmp_path):
    """A diff review: the 1 s limit, there to keep the server's sessions running, would stop a GRPO run hours in when
    its own load slowed a sane pattern past it. The worker's process (no session shares it) allows RUN_SEARCH_SECONDS;
    a pattern that backtracks without end still stops the run, said."""
    from ftlib import pattern_search, runs, worker

    monkeypatch.setattr(pattern_search, "SEARCH_SECONDS", pattern_search.SEARCH_SECONDS)  # put back after the test
    seen = []
    monkeypatch.setattr(worker, "execute", lambda path: seen.append(pattern_search.SEARCH_SECONDS) or "finished")
    monkeypatch.setattr(worker, "install_stop_signal", lambda run: None)
    monkeypatch.setattr(worker, "_leave_out_unused_libraries", lambda run: None)
    monkeypatch.setattr(runs, "advance", lambda: [])
    assert pattern_search.SEARCH_SECONDS == 1.0
    assert worker.main([str(tmp_path / "run")]) == 0
    assert seen == [pattern_search.RUN_SEARCH_SECONDS] and pattern_search.RUN_SEARCH_SECONDS >= 10
