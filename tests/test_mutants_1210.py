"""Behaviours of the morning of 2026-12-06's code that no test held, found by hand mutation (each test here fails
when the line it names is changed): runs side by side (`ftlib.run_compare`: which runs' tokens are weighed and how a
note lists them, `token_settings`' defaults), a field mapping naming KTO's label (`mapping.labelled_map`,
`completed_map`, the prompts-only-to-unpaired line of `data._load`), and the Train page's pre-flight key for GRPO's
reward functions (`reward_trial.functions_version`). Run folders are written directly (`ftlib.testing.make_run`);
nothing trains. The mutants no test can tell apart are listed at the end."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import run_compare
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.data import load_file
from ftlib.mapping import labelled_map
from ftlib.reward_functions import REGISTRY_ENV
from ftlib.reward_trial import functions_version
from tests.test_compare_notes import GRPO, curve, rewards, run

ROOT = Path(__file__).resolve().parents[1]

# ftlib/run_compare.py


def test_an_sft_run_beside_a_grpo_run_writes_its_tokens_alike_a_mean_reward_has_none():
    """`same_tokens` weighs the runs measured by a loss only (`set(tokens) - {None}`): a GRPO run's None is no
    other template or max length."""
    run("r-sft", {"max_length": 256}, curve(2.0), step=6)
    run("r-grpo", GRPO, rewards(0.5), step=6)
    c = run_compare.compare(["r-sft", "r-grpo"])
    assert c.same_tokens and not c.same_loss and not c.comparable


def test_a_token_note_lists_every_run_of_a_setting_not_the_first_alone():
    run("r-a", {"max_length": 256}, curve(2.0), step=6)
    run("r-b", {"max_length": 256, "learning_rate": 1e-3}, curve(1.9), step=6)
    run("r-c", {"max_length": 512}, curve(1.8), step=6)
    (note,) = run_compare.compare(["r-a", "r-b", "r-c"]).notes
    assert "(r-a, r-b: max length 256; r-c: max length 512)" in note


def test_runs_of_other_kinds_of_loss_are_not_told_of_their_tokens_too():
    """The token note is per kind of loss (`_notes` passes each kind's runs): an SFT and a DPO run already hold
    numbers that do not compare, said once, not again as other tokens."""
    run("r-sft", {"max_length": 256}, curve(2.0), step=6)
    run("r-sft2", {"max_length": 256, "learning_rate": 1e-3}, curve(1.9), step=6)
    run("r-dpo", {"method": "dpo", "max_length": 512}, curve(0.7), step=6)
    notes = run_compare.compare(["r-sft", "r-sft2", "r-dpo"]).notes
    assert any("not the same measure" in n for n in notes)
    assert not any("same tokens of their rows" in n for n in notes), notes


def test_token_settings_read_a_missing_setting_as_its_default():
    """An older run's config without `max_length` or `template` was written and cut at the defaults."""
    default = RunConfig()
    assert run_compare.token_settings({}) == (f"chat template {default.template}", f"max length {default.max_length}")
    assert run_compare.token_settings({"template_source": "x"}) == run_compare.token_settings({})  # not custom


# ftlib/mapping.py, ftlib/data.py


def rated(tmp_path, rows) -> str:
    path = tmp_path / "rated.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


GOOD_BAD = [
    {"question": "What is 2+2?", "answer": "4", "good": True},
    {"question": "Capital of France?", "answer": "Berlin", "good": False},
]


def test_the_format_given_as_answers_marked_good_or_bad_reads_the_answer_the_label_marks(tmp_path, capsys):
    """`--format unpaired_preference` (the Data page's Format "answers marked good or bad") with the label and the
    prompt mapped reads the answer column as the completion, as the guessed format does; it asked for a completion
    ('needs a field for: completion') where leaving the format to the guess read the file."""
    path = rated(tmp_path, GOOD_BAD)
    result = load_file(path, fmt="unpaired_preference", column_map={"label": "good", "prompt": "question"})
    assert result.format == "unpaired_preference" and len(result.rows) == 2
    assert result.column_map == {"label": "good", "prompt": "question", "completion": "answer"}
    args = ["data", "inspect", path, "--map", "good=label", "--map", "question=prompt"]
    assert main([*args, "--format", "unpaired_preference"]) == 0
    assert "so `answer` is read as the answer it marks" in capsys.readouterr().out


def test_the_data_pages_format_answers_marked_good_or_bad_with_a_label_box_reads_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(rated(tmp_path, GOOD_BAD)).run()
    at.selectbox(key="data_map_prompt").set_value("question").run()
    at.selectbox(key="data_map_label").set_value("good").run()
    at.selectbox(key="data_format").set_value("unpaired_preference").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Format"] == "answers marked good or bad"


def test_prompts_only_given_leave_the_answer_a_column_not_a_completion(tmp_path):
    """`--format prompt_only` with a label mapped: no completion is added (GRPO's rewards read `answer`)."""
    result = load_file(
        rated(tmp_path, GOOD_BAD), fmt="prompt_only", column_map={"label": "good", "prompt": "question"}
    )
    assert result.format == "prompt_only" and "completion" not in (result.column_map or {})
    assert not any("read as the label of answers marked" in n.message for n in result.notices)


def test_a_label_set_to_none_reads_prompts_with_their_answer_column(tmp_path):
    """The Data page passes a `label` column the person left at (none) as None: no label is mapped, so the file is
    prompts (with `answer` and `label` columns for GRPO's rewards), not KTO's marked answers."""
    rows = [{"question": "2+2?", "answer": "4", "label": "four"}, {"question": "3+3?", "answer": "6", "label": "six"}]
    result = load_file(rated(tmp_path, rows), column_map={"label": None, "prompt": "question"})
    assert result.format == "prompt_only" and "completion" not in (result.column_map or {})


def test_a_prompt_mapped_without_a_label_keeps_the_answer_a_column(tmp_path):
    """No label mapped (`completed_map` asks `labelled_map` only then): `--map question=prompt` on a {question,
    answer} file reads prompts, the answer left to GRPO's rewards."""
    rows = [{"question": "2+2?", "answer": "4"}, {"question": "3+3?", "answer": "6"}]
    result = load_file(rated(tmp_path, rows), column_map={"prompt": "question"})
    assert result.format == "prompt_only" and result.column_map == {"prompt": "question"}


def test_without_an_answer_column_the_map_is_returned_as_given_and_nothing_said():
    row = {"question": "2+2?", "notes": "n", "good": True}
    notes = []
    given = {"label": "good", "prompt": "question"}
    assert labelled_map(given, list(row), [(1, row)], notes) == given and notes == []


def test_rows_read_as_prompts_after_a_first_that_is_not_are_still_completed():
    """Any of the first 50 rows read as prompts only decides (`raw[:50]`), not the first alone."""
    first = {"answer": "4", "good": True}  # no question: not prompts only
    row = {"question": "3+3?", "answer": "6", "good": True}
    given = {"label": "good", "prompt": "question"}
    assert labelled_map(given, list(row), [(1, first), (2, row)], [])["completion"] == "answer"


# ftlib/reward_trial.py


def register(tmp_path, monkeypatch, table: dict, code: str = "def pirate(prompt, completion):\n    return 1.0\n"):
    functions = tmp_path / "pirate_rewards.py"
    functions.write_text(code + "def parrot(prompt, completion):\n    return 0.0\n")
    registry = tmp_path / "rewards.json"
    registry.write_text(json.dumps({n: f"{functions}:{f}" for n, f in table.items()}))
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    return functions, registry


def test_a_function_beside_built_in_rewards_is_versioned(tmp_path, monkeypatch):
    """One reward of the list naming a function is enough (`any`, not `all`)."""
    functions, _ = register(tmp_path, monkeypatch, {"pirate": "pirate"})
    specs = [{"regex": "^Ahoy"}, {"function": "pirate"}]
    before = functions_version(specs)
    functions.write_text("def pirate(prompt, completion):\n    return 0.5\n")
    assert before and functions_version(specs) not in ("", before)


def test_the_registry_naming_another_function_of_the_same_file_is_another_version(tmp_path, monkeypatch):
    """The registry's own bytes are in the digest: `pirate` pointed at another function of the same file."""
    _, registry = register(tmp_path, monkeypatch, {"pirate": "pirate"})
    before = functions_version([{"function": "pirate"}])
    registry.write_text(registry.read_text().replace(":pirate", ":parrot"))
    assert functions_version([{"function": "pirate"}]) != before


def test_a_registry_that_does_not_read_is_versioned_by_its_bytes_not_raised(tmp_path, monkeypatch):
    registry = tmp_path / "rewards.yaml"
    registry.write_text("pirate: [unclosed\n")
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    broken = functions_version([{"function": "pirate"}])
    registry.write_text("pirate: [still unclosed\n")
    assert broken and functions_version([{"function": "pirate"}]) not in ("", broken)


def test_the_registry_path_is_read_without_the_spaces_around_it(tmp_path, monkeypatch):
    """FTLIB_REWARD_FUNCTIONS is stripped as `registered_functions` strips it: a trailing space (a .env line)
    still versions the registry file itself."""
    _, registry = register(tmp_path, monkeypatch, {"pirate": "pirate"})
    monkeypatch.setenv(REGISTRY_ENV, f"{registry} ")
    before = functions_version([{"function": "pirate"}])
    registry.write_text(registry.read_text().replace(":pirate", ":parrot"))
    assert functions_version([{"function": "pirate"}]) != before


def test_a_missing_file_and_an_empty_one_are_other_versions(tmp_path, monkeypatch):
    """Each is refused by its own message (no file; no such function): the cached pre-flight is not the other's."""
    functions, _ = register(tmp_path, monkeypatch, {"pirate": "pirate"})
    functions.write_text("")
    empty = functions_version([{"function": "pirate"}])
    functions.unlink()
    assert functions_version([{"function": "pirate"}]) != empty


# 77 mutants: 50 killed by the suite (its doctests too), 14 by these tests, 10 equivalent, 3 left alive. Those no test
# can tell from the code, and why (kept so the next review does not make them again):
# - run_compare._plural_measure `said[-1]` for `said[0]` when `len(said) == 1`: one element.
# - run_compare._notes `group[-1][0].measure` for `group[0][0]`: one kind of loss is one method, one measure.
# - run_compare.token_settings without `RENAMED`: the renamed keys (dpo_tuning, dpo_beta) are neither the template,
#   its text nor the max length.
# - run_compare._token_notes `known = list(group)` (None kept): within one kind every run's tokens are None (GRPO, a
#   config that does not read: its own kind) or none is.
# - reward_trial.functions_version `hashlib.sha256()` without the registry's string, or each file's content alone
#   without its name and length: the registry's path and bytes are digested as a file whenever it is set.
# - 4_Train.py `functions_version(config.rewards)` for every method: only a spare cache miss where an SFT config
#   still holds a function reward.
# - mapping.completed_map calling labelled_map without a label mapped (`fmt in (...)` alone, or `"label" in column_map`
#   for a label set to none): with no label among the names the unpaired guess names no completion, so the map is
#   returned as it is (test_a_prompt_mapped_without_a_label_keeps_the_answer_a_column holds the outcome).
# - mapping.labelled_map's names without `| set(column_map)`: a column named as a mapped field only comes twice.
# Left alive (no file found that tells them apart in the time): labelled_map `raw[:1]` for `raw[:50]`, the guess
# under no format for "unpaired_preference", and `answer in column_map` dropped (the guess naming a mapped field).
