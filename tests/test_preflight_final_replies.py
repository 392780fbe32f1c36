"""What the max length cuts of tool-calling chats, said before the run starts.

A newcomer's walk: chats with a reasoning tool call, its tool reply and a final answer, trained with the Hermes tools
template at max length 256. The pre-run report said only "9 training rows ... 44% of all trained tokens ... never
learned": not that in every row the final answer (and the tool call's end-of-turn token) was cut off, nor that no
held-out row could be evaluated. After the run Evaluate failed: "None of the 3 test rows can be evaluated: its
reference answer begins after the run's max length". Now the report says both, with the max length that fixes them;
the held-out rows by Evaluate's own rule (`references.begins_past`).
"""

from __future__ import annotations

import json

import pytest

from ftlib.config import RunConfig
from ftlib.data import load_bytes
from ftlib.references import row_reference
from ftlib.run_preflight import preflight
from ftlib.tokens import encode_row
from ftlib.training import run_template

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "convert_units",
            "description": "Convert a value between units",
            "parameters": {
                "type": "object",
                "properties": {
                    "value": {"type": "number"},
                    "from_unit": {"type": "string"},
                    "to_unit": {"type": "string"},
                },
                "required": ["value", "from_unit", "to_unit"],
            },
        },
    }
]


def tool_chat(n: int, system: bool = True, answer: str = "") -> dict:
    """A chat as an OpenAI-style file writes it: a tool call with reasoning and its arguments as a JSON string, the
    tool's reply, a final answer, and the tools offered."""
    call = {"value": n, "from_unit": "mile", "to_unit": "km"}
    km = round(n * 1.609, 2)
    turns = [{"role": "system", "content": "You convert units. Call the converter for every conversion."}] * system
    return {
        "messages": [
            *turns,
            {"role": "user", "content": f"How many kilometres are {n} miles?"},
            {
                "role": "assistant",
                "content": None,
                "reasoning_content": f"{n} miles to km: I call convert_units.",
                "tool_calls": [
                    {
                        "id": f"call_{n}",
                        "type": "function",
                        "function": {"name": "convert_units", "arguments": json.dumps(call)},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": f"call_{n}", "name": "convert_units", "content": json.dumps({"km": km})},
            {"role": "assistant", "content": answer or f"{n} miles are {km} kilometres."},
        ],
        "tools": TOOLS,
    }


def read(chats: list[dict]) -> list[dict]:
    """The rows as the studio reads them from a .jsonl file."""
    return load_bytes("".join(json.dumps(c) + "\n" for c in chats).encode(), "convert.jsonl").rows


TRAIN = read([tool_chat(n) for n in (3, 12, 27, 41, 58, 66, 80)])  # 7 rows: 5 named, "and 2 more"
TEST = read([tool_chat(n) for n in (7, 19, 33)])
SHORT = read([{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}])[0]


def config(model_dir, max_length: int) -> RunConfig:
    return RunConfig(model=str(model_dir), dataset="x", template="hermes", max_length=max_length, max_steps=1)


def places(rows: list[dict], tokenizer, model_dir) -> dict[str, list[int]]:
    """Per row, under the run's template: where the tool call's end-of-turn token is, where the final reply's
    reference begins (Evaluate's first scored token) and ends, and the row's whole length."""
    template = run_template(config(model_dir, 512), tokenizer)
    found: dict[str, list[int]] = {"call_end": [], "final_start": [], "final_end": [], "length": []}
    for row in rows:
        enc = encode_row(row, tokenizer, template, "all_assistant", None)
        replies = [k for k, m in enumerate(enc.messages) if m["role"] == "assistant"]
        tokens = {r: [k for k, j in enumerate(enc.token_segments) if j >= 0 and enc.segments[j].message == r]
                  for r in replies}  # fmt: skip
        ref = row_reference(row, tokenizer, template)[1]
        found["call_end"].append(max(tokens[replies[0]]))
        found["final_start"].append(next(k for k, lab in enumerate(ref.labels) if lab != -100))
        found["final_end"].append(max(tokens[replies[-1]]))
        found["length"].append(len(enc.all_ids))
    return found


def said(report, words: str) -> list[str]:
    return [w for w in report.warnings if words in w]


# (where the cut falls, what the cut warning says, whether it says the reply before it loses its end,
#  whether Evaluate has nothing to score)
CUTS = [
    ("in the tool call", "the final reply is cut off entirely", True, True),
    ("where the final reply begins", "the final reply is cut off entirely", False, True),
    ("inside the final reply", "the final reply loses its end, its end-of-turn token included", False, False),
]


@pytest.mark.parametrize("where, final, before, nothing", CUTS, ids=[c[0] for c in CUTS])
def test_the_report_says_which_final_replies_the_max_length_cuts_and_what_evaluate_cannot_score(
    tiny_model_dir, smol_tokenizer, where, final, before, nothing
):
    train, test = places(TRAIN, smol_tokenizer, tiny_model_dir), places(TEST, smol_tokenizer, tiny_model_dir)
    every = {k: train[k] + test[k] for k in train}
    max_length = {
        "in the tool call": min(every["call_end"]),  # every row loses the call's end-of-turn token and what follows
        "where the final reply begins": min(every["final_start"]),
        "inside the final reply": max(every["final_start"]) + 2,
    }[where]
    assert max(every["call_end"]) < min(every["final_start"]) and max_length < min(every["final_end"])  # shapes hold
    report = preflight(config(tiny_model_dir, max_length), tokenizer=smol_tokenizer, rows=(TRAIN, TEST))
    assert report.ok, report.errors
    (cut,) = said(report, f"longer than the max length of {max_length} tokens and cut")
    assert cut.startswith("7 training rows are") and "(training rows 1, 2, 3, 4, 5 and 2 more)." in cut, cut
    assert f"In all 7 {final}" in cut, cut
    assert ("the reply before it is cut mid-way (its end-of-turn token lost)" in cut) == before, cut
    longest = max(train["length"])  # under the run's template, the Hermes tools one: the number a run needs
    assert f"the longest row has {longest} tokens as the ChatML + tools (Hermes) template writes it" in cut, cut
    assert f"a max length of {longest} keeps every row whole" in cut, cut
    unscored = said(report, "Evaluate")
    if not nothing:
        assert unscored == [], unscored
        return
    assert unscored == [
        "Evaluate will have nothing to score after this run: the reference answer (the last reply) of each of the 3 "
        f"held-out rows (held-out rows 1, 2, 3) begins after the max length of {max_length} tokens, where training "
        "cuts the rows, so the run learns nothing of those answers and Evaluate can score none of them. Raise the "
        f"max length to at least {max(test['length'])} tokens (the model reads up to 2048), or shorten or drop "
        "those rows."
    ]


def test_a_max_length_that_keeps_every_row_whole_says_nothing(tiny_model_dir, smol_tokenizer):
    longest = max(places(TRAIN + TEST, smol_tokenizer, tiny_model_dir)["length"])
    report = preflight(config(tiny_model_dir, longest), tokenizer=smol_tokenizer, rows=(TRAIN, TEST))
    assert said(report, "and cut") == [] and said(report, "Evaluate") == [], report.warnings


def test_some_rows_are_named_with_what_each_loses_and_the_held_out_rows_evaluate_skips(tiny_model_dir, smol_tokenizer):
    """Rows without the system turn begin their final reply earlier; one with a long final reply is cut inside it."""
    train = [*TRAIN[:3], *read([tool_chat(9, system=False, answer="Nine miles are about 14.5 km. " * 6)]), SHORT]
    test = [SHORT, *TEST[:2]]
    at = places(TRAIN[:3] + TEST[:2], smol_tokenizer, tiny_model_dir)
    max_length = min(at["final_start"])
    early = places(train[3:4], smol_tokenizer, tiny_model_dir)
    assert early["final_start"][0] < max_length - 2 < early["final_end"][0]  # row 4 is cut inside its final reply
    report = preflight(config(tiny_model_dir, max_length), tokenizer=smol_tokenizer, rows=(train, test))
    (cut,) = said(report, "and cut")
    assert cut.startswith("4 training rows are") and "(training rows 1, 2, 3, 4)." in cut, cut
    assert "In 3 of them (training rows 1, 2, 3) the final reply is cut off entirely:" in cut, cut
    assert "In 1 of them (training row 4) the final reply loses its end" in cut, cut
    (unscored,) = said(report, "Evaluate")
    assert unscored.startswith(
        "Evaluate will not be able to score 2 of the 3 held-out rows (held-out rows 2, 3): their reference answer "
        f"(the last reply) begins after the max length of {max_length} tokens"
    ), unscored
    assert f"Raise the max length to at least {max(at['length'][3:])} tokens" in unscored, unscored


def test_the_held_out_rows_named_are_the_ones_evaluate_skips(tiny_model_dir, smol_tokenizer, tmp_path):
    """One rule for both (`references.begins_past`): the held-out rows the report names are the ones Evaluate then
    skips; a row whose final reply is only cut is scored on what is left, and not named."""
    from ftlib import evaluate as E
    from ftlib import modelset as M
    from ftlib.testing import make_random_adapter

    early = read([tool_chat(9, system=False, answer="Nine miles are about 14.5 km. " * 6)])  # cut inside its reply
    test = [SHORT, *TEST[:2], *early]
    max_length = min(places(TEST[:2], smol_tokenizer, tiny_model_dir)["final_start"])
    report = preflight(config(tiny_model_dir, max_length), tokenizer=smol_tokenizer, rows=(TRAIN[:3], test))
    assert report.ok, report.errors
    (unscored,) = said(report, "Evaluate")
    assert "score 2 of the 4 held-out rows (held-out rows 2, 3)" in unscored, unscored

    adapter = make_random_adapter(str(tiny_model_dir), tmp_path / "run" / "adapter", seed=1)
    models = M.load_model_set(str(tiny_model_dir), [adapter.parent], device="cpu", tokenizer=smol_tokenizer)
    template = run_template(config(tiny_model_dir, max_length), smol_tokenizer)
    result = E.evaluate(models, test, models.names[1], max_new_tokens=1, template=template, max_length=max_length)
    skipped = [i + 1 for i, why in result.skipped if "begins after the run's max length" in why]
    assert skipped == [2, 3] and [r.index + 1 for r in result.rows] == [1, 4] and result.cut == [3]


WALK_CUT = 256  # the walk's max length: inside these rows' tool call under the Hermes tools template


def test_train_prints_both_warnings_before_it_queues_the_run(
    tiny_model_dir, smol_tokenizer, tmp_path, capsys, no_training
):
    from ftlib.cli import main

    chats = [tool_chat(n) for n in (3, 12, 27, 41, 58, 66, 80, 7, 19, 33)]
    assert min(places(read(chats), smol_tokenizer, tiny_model_dir)["call_end"]) > WALK_CUT  # the shapes hold
    path = tmp_path / "convert.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in chats), encoding="utf-8")
    flags = ["--model", str(tiny_model_dir), "--dataset", str(path), "--template", "hermes"]
    assert main(["train", *flags, "--max-length", str(WALK_CUT), "--test-size", "3", "--detach"]) == 0
    err = capsys.readouterr().err
    assert "7 training rows are longer than the max length of 256 tokens and cut" in err, err
    assert "In all 7 the final reply is cut off entirely, and in each the reply before it is cut mid-way" in err, err
    assert "\nwarning: Evaluate will have nothing to score after this run: " in err, err
    assert "(held-out rows 1, 2, 3) begins after the max length of 256 tokens" in err, err


def walk_train_page(model_dir):
    """The Train page on the walk's split saved as `convert`, its template hermes and its max length WALK_CUT."""
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace
    from tests.test_pages_train import APP

    workspace.save_split("convert", TRAIN, TEST)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    at.selectbox(key="train_template").set_value("hermes").run()
    at.number_input(key="train_max_length").set_value(WALK_CUT).run()
    return at


def test_the_train_page_shows_both_warnings_and_still_offers_start(tiny_model_dir):
    at = walk_train_page(tiny_model_dir)
    shown = [w.value for w in at.warning]
    assert any("In all 7 the final reply is cut off entirely" in w for w in shown), shown
    assert any(w.startswith("Evaluate will have nothing to score after this run") for w in shown), shown
    assert any(b.key == "train_start" for b in at.button)  # warnings, not a refusal: the tool calls still train
