"""Helper 235: reasoning in conversations. Three refusals say how to fix the row (each fix is loaded to prove the
studio takes it), a row's `reasoning` column beside its turns is its one answer's reasoning or named with where to
put it (never only "ignored"), and `data inspect` says how a reasoning reaches the text trained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.data import load_file
from ftlib.turns import RowProblem, parse_messages

ASK = {"role": "user", "content": "How many legs has a spider?"}


def turn(role: str, content: str, **more) -> dict:
    return {"role": role, "content": content, **more}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def errors(tmp_path, rows, name="rows.jsonl") -> list[str]:
    return [e.message for e in load_file(write_jsonl(tmp_path / name, rows)).errors]


# --- refusals that say how to fix the row ----------------------------------------------------------------------


def test_a_reasoning_only_turn_is_told_to_get_its_answer_or_give_its_reasoning_to_the_turn_that_answers():
    thinking = turn("assistant", "", reasoning_content="Count: eight.")
    with pytest.raises(RowProblem) as refused:
        parse_messages([ASK, thinking, turn("assistant", "Eight.")], "messages")
    assert str(refused.value) == (
        "turn 2 (assistant) of 'messages' has reasoning but no answer after it: write the answer it leads to in that "
        "turn (after the reasoning), or move the reasoning into the assistant turn that answers and leave this one out"
    )
    # Both fixes read: the answer in the turn itself, or the reasoning on the answering turn (this one left out)
    answered = parse_messages([ASK, {**thinking, "content": "Eight."}], "messages")
    moved = parse_messages([ASK, turn("assistant", "Eight.", reasoning_content="Count: eight.")], "messages")
    assert answered == moved == [ASK, {"role": "assistant", "content": "Eight.", "reasoning": "Count: eight."}]


def test_a_pair_of_conversations_sharing_no_opening_turn_is_told_how_a_pair_holds_its_prompt(tmp_path):
    chosen = [ASK, turn("assistant", "Eight.")]
    rejected = [turn("user", "How many legs has an ant?"), turn("assistant", "Six.")]
    said = errors(tmp_path, [{"chosen": chosen, "rejected": rejected}])
    assert said == [
        "chosen and rejected are whole conversations but share no opening turns, so the prompt cannot be found: "
        "start both with the same prompt turns (the same question), or put the prompt in a `prompt` field and only "
        "each answer in `chosen` and `rejected`"
    ]
    # The second fix reads: the prompt apart, each side its answer alone
    apart = {"prompt": [ASK], "chosen": chosen[1:], "rejected": [turn("assistant", "Six.")]}
    result = load_file(write_jsonl(tmp_path / "apart.jsonl", [apart]))
    assert not result.errors and result.rows[0]["prompt"] == [ASK]
    # Where their system turns are what differs, that fix alone (as before)
    system = turn("system", "Answer in one word.")
    said = errors(tmp_path, [{"chosen": [system, *chosen], "rejected": [ASK, turn("assistant", "Six.")]}], "s.jsonl")
    assert said[0].endswith("Give both the same system turn (or neither), as both answer the same conversation")


@pytest.mark.parametrize(
    "row, opening",
    [
        ({"messages": [ASK, turn("assistant", "Eight."), turn("system", "Be brief.")]}, "turn 3 is"),
        (
            {"prompt": [ASK, turn("system", "Be brief.")], "chosen": "Eight.", "rejected": "Six."},
            "turn 2 of the prompt is",
        ),
    ],
    ids=["conversation", "pair-prompt"],
)
def test_a_system_message_after_the_start_is_told_where_it_may_go(tmp_path, row, opening):
    said = errors(tmp_path, [row])
    assert len(said) == 1 and said[0].startswith(opening)
    assert said[0].endswith(
        "can only be the first turn: move it to the start (merged into the system message there, if there is one), "
        "or write it as a user turn"
    )
    # Both fixes read: the system turn moved to the start, or written as a user turn
    key = "messages" if "messages" in row else "prompt"
    turns = row[key]
    moved = [turn("system", "Be brief."), *[t for t in turns if t["role"] != "system"]]
    as_user = [turn("user", "Be brief.") if t["role"] == "system" else t for t in turns]
    for i, fixed in enumerate((moved, as_user)):
        assert not errors(tmp_path, [{**row, key: fixed}], f"fixed{i}.jsonl")


# --- a reasoning column beside the turns -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["reasoning", "reasoning_content", "thinking"])
@pytest.mark.parametrize(
    "row",
    [
        {"prompt": "How many legs has a spider?", "completion": "Eight."},
        {"messages": [ASK, turn("assistant", "Eight.")]},
    ],
    ids=["prompt-completion", "messages"],
)
def test_a_reasoning_column_is_the_reasoning_of_the_rows_one_answer(tmp_path, row, key):
    result = load_file(write_jsonl(tmp_path / "r.jsonl", [{**row, key: "Spiders are arachnids: eight."}]))
    assert not result.errors
    assert result.rows[0]["messages"][-1] == {
        "role": "assistant",
        "content": "Eight.",
        "reasoning": "Spiders are arachnids: eight.",
    }
    assert not result.notices  # read, so not named as a field nothing reads
    assert result.summary()["counts"]["reasoning"] == 1


def test_a_reasoning_column_saying_the_answers_own_reasoning_again_is_read_once_and_a_different_one_refused(tmp_path):
    own = turn("assistant", "<think>Spiders are arachnids.</think>Eight.")
    same = {"messages": [ASK, own], "reasoning": "Spiders are arachnids."}
    other = {"messages": [ASK, own], "reasoning": "Insects have six."}
    result = load_file(write_jsonl(tmp_path / "r.jsonl", [same, other]))
    assert result.rows[0]["messages"][1]["reasoning"] == "Spiders are arachnids."
    assert not result.notices
    assert [e.message for e in result.errors] == [
        "the 'reasoning' field and the assistant turn's own reasoning (its `reasoning_content` or <think> block) "
        "differ: a turn has one reasoning. Keep one of them"
    ]


def test_a_reasoning_column_of_a_row_with_several_answers_is_named_with_where_to_put_it(tmp_path):
    """Whose reasoning it is cannot be told: not read, and the file's report says so and where it goes."""
    two = [ASK, turn("assistant", "Eight."), turn("user", "And an ant?"), turn("assistant", "Six.")]
    rows = [{"messages": two, "reasoning": "Arachnids have eight."}, {"messages": two[:2], "reasoning": "Eight."}]
    result = load_file(write_jsonl(tmp_path / "r.jsonl", rows))
    assert [t.get("reasoning") for t in result.rows[0]["messages"]] == [None] * 4
    assert result.rows[1]["messages"][1]["reasoning"] == "Eight."  # one answer: read
    [notice] = result.notices
    assert notice.message == (
        "ignored field: `reasoning` in 1 row (line 1); it is not read where a row has several trained "
        "assistant turns, as it does not say whose reasoning it is (put it in that assistant message's "
        "`reasoning_content`), so it is neither shown nor trained"
    )
    # What it says to do reads
    fixed = [*two[:3], {**two[3], "reasoning_content": "Arachnids have eight."}]
    assert load_file(write_jsonl(tmp_path / "f.jsonl", [{"messages": fixed}])).rows[0]["messages"][3]["reasoning"]


def test_a_reasoning_column_beside_a_pair_is_named_as_belonging_to_neither_answer(tmp_path):
    rows = [
        {"prompt": "How many legs has a spider?", "chosen": "Eight.", "rejected": "Six.", "thinking": "Arachnids."}
    ]
    result = load_file(write_jsonl(tmp_path / "p.jsonl", rows))
    assert len(result.rows) == 1
    assert [n.message for n in result.notices] == [
        "ignored field: `thinking` in 1 row; it is not read, as a pair has two answers and it does not say whose "
        "reasoning it is (give each answer its own: chosen and rejected as messages, each reasoning in its assistant "
        "message's `reasoning_content`), so it is neither shown nor trained"
    ]


def test_a_reasoning_column_that_is_not_text_refuses_its_row(tmp_path):
    rows = [{"prompt": "How many legs?", "completion": "Eight.", "reasoning": ["step 1", "step 2"]}]
    assert errors(tmp_path, rows) == [
        "the 'reasoning' field (the answer's reasoning) must be text, but it is a list: write it as text"
    ]


# --- how a reasoning is written into the text --------------------------------------------------------------------


def test_data_inspect_says_how_reasoning_reaches_the_text_in_the_line_that_counts_it(tmp_path, capsys):
    path = write_jsonl(tmp_path / "r.jsonl", [{"messages": [ASK, turn("assistant", "Eight.", reasoning="Arachnid.")]}])
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("holding:")]
    assert line == (
        "holding:    reasoning 1 (rows with reasoning before an answer: a chat template that reads "
        "`reasoning_content` writes it itself, some in the last answer only; one that does not, the default model's "
        "included, gets it inline as <think>...</think> before the answer, trained with it)"
    )
    assert out.count("<think>") == 1  # said once


# In Qwen3's way: the reasoning read from `reasoning_content` and written by the template itself.
READS_REASONING = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.reasoning_content %}<think>\n{{ m.reasoning_content }}"
    "\n</think>\n\n{% endif %}{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.mark.parametrize(
    "template, said",
    [
        (
            {"template": "chatml"},
            "2 training rows have reasoning before an answer: the ChatML template has no place for reasoning, so it "
            "is written inline as `<think>...</think>` before the answer and trained with it.",
        ),
        (
            {"template": "custom", "template_source": READS_REASONING},
            "2 training rows have reasoning before an answer: the custom template writes it itself, in its own way "
            "(some keep it in the last answer only: a warning names the rows whose reasoning a template leaves out).",
        ),
    ],
    ids=["inline", "template's-own"],
)
def test_a_run_says_how_its_rows_reasoning_reaches_the_text_in_one_note(tiny_model_dir, template, said):
    """`train` counted nothing of a run's reasoning and said nothing of how it is written (a default model's run on
    reasoning rows trained <think> blocks without a word): one note counts the rows and says it."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    rows = [{"messages": [ASK, turn("assistant", "Eight.", reasoning=f"Arachnid {i}.")]} for i in range(2)]
    rows += [{"messages": [ASK, turn("assistant", "Eight.")]}]
    config = RunConfig(model=str(tiny_model_dir), dataset="rows", device="cpu", batch_size=1, **template)
    report = preflight(config, rows=(rows, rows[2:]))
    assert report.ok, report.errors
    assert report.notes == [said]
    assert not preflight(config, rows=(rows[2:], rows[2:])).notes  # no reasoning: nothing said


def test_train_prints_the_reasoning_note_before_it_queues(tiny_model_dir, tmp_path, capsys, monkeypatch):
    from ftlib import runs

    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass"])
    rows = [{"messages": [ASK, turn("assistant", "Eight.", reasoning_content="Arachnid.")]} for _ in range(6)]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(path), "--template", "chatml", "--detach"]
    assert main([*argv, "--device", "cpu", "--batch-size", "1"]) == 0
    err = capsys.readouterr().err
    assert (
        "note: 4 training rows have reasoning before an answer: the ChatML template has no place for reasoning, so it "
        "is written inline as `<think>...</think>` before the answer and trained with it.\n"
    ) in err


def test_the_train_page_says_the_reasoning_note_under_its_warnings(tiny_model_dir):
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace

    rows = [{"messages": [ASK, turn("assistant", "Eight.", reasoning=f"Arachnid {i}.")]} for i in range(4)]
    workspace.save_split("spiders", rows[:3], rows[3:])  # canonical rows, as the Data page saves them
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception
    said = [c.value for c in at.caption if "reasoning before an answer" in c.value]
    assert len(said) == 1 and said[0].startswith("3 training rows have reasoning before an answer: the ")
    assert "written inline as `<think>...</think>` before the answer" in said[0]
