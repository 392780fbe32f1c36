"""Data shapes that were read wrongly or refused without a place (h251): numbered answer pairs with a choice column
(PKU-SafeRLHF's `better_response_id`, HelpSteer2's -3..3 `preference_strength`) read as GRPO prompts, their answers
dropped; a tool result written null refused where "" was taken; a .jsonl line holding a whole table by column (pandas'
`to_json` without lines=True) refused field by field; a broken JSON list of turns named with no place in it; parallel
tool calls warned of one name at a time, without their place; a bare NaN said as null (and, beside tool calls, a
crash). The rows are ours; the shapes are the projects'.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

ASK = "Which planet has the shortest year?"
GOOD, BAD = "Mercury, at 88 days.", "Jupiter, probably."


def jsonl(*rows: dict, name: str = "rows.jsonl"):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), name)


def texts(turns: list[dict]) -> list[str]:
    return [t["content"] for t in turns]


def test_pku_rows_are_pairs_by_the_better_id_and_the_safer_id_is_named_as_not_read():
    rows = [
        {"prompt": ASK, "response_0": GOOD, "response_1": BAD, "better_response_id": 0, "safer_response_id": 1},
        {"prompt": ASK, "response_0": BAD, "response_1": GOOD, "better_response_id": 1, "safer_response_id": 0},
    ]
    loaded = jsonl(*rows)
    assert loaded.format == "preference" and len(loaded.rows) == 2 and not loaded.errors
    for row in loaded.rows:  # the safer id disagrees each time: only the better id picks
        assert texts(row["chosen"]) == [GOOD] and texts(row["rejected"]) == [BAD]
    (warned,) = [n.message for n in loaded.notices if not n.note and "safer_response_id" in n.message]
    assert warned.startswith("2 rows hold `better_response_id` and `safer_response_id`")
    assert "`safer_response_id` is not read" in warned


def test_a_lone_choice_column_is_read_without_a_warning_and_a_csv_reads_alike():
    row = {"prompt": ASK, "response_0": BAD, "response_1": GOOD, "safer_response_id": 1}
    loaded = jsonl(row)
    assert loaded.format == "preference" and texts(loaded.rows[0]["chosen"]) == [GOOD]
    assert not [n for n in loaded.notices if not n.note]
    table = f'prompt,response_0,response_1,better_response_id\n"{ASK}","{GOOD}","{BAD}",0\n'
    loaded = load_bytes(table.encode(), "pku.csv")
    assert loaded.format == "preference" and texts(loaded.rows[0]["chosen"]) == [GOOD]


def test_helpsteer_strengths_pick_by_sign_and_ties_are_left_out_and_counted():
    def row(strength):
        return {"prompt": ASK, "response_1": GOOD, "response_2": BAD, "preference_strength": strength}

    loaded = jsonl(row(-2), row(3) | {"response_1": BAD, "response_2": GOOD}, row(0), row(0), row(7))
    assert loaded.format == "preference" and len(loaded.rows) == 2
    for pair in loaded.rows:
        assert texts(pair["chosen"]) == [GOOD] and texts(pair["rejected"]) == [BAD]
    refused = {e.row: e.message for e in loaded.errors}
    assert sorted(refused) == [3, 4, 5]
    assert "a tie" in refused[3] and "-3 to 3" in refused[5]
    (ties,) = [n.message for n in loaded.notices if not n.note and "tie" in n.message]
    assert ties.startswith("2 rows are ties (`preference_strength` 0)")


def test_a_choice_naming_the_answer_by_its_key_and_an_infinite_strength():
    row = {"prompt": ASK, "response_1": BAD, "response_2": GOOD, "preference": " response_2 "}
    loaded = jsonl(row)
    assert texts(loaded.rows[0]["chosen"]) == [GOOD] and len(loaded.rows) == 1
    # An Infinity (json.dumps writes it; json reads it back) in `preference`: since bc9aaf80 a column of that name is
    # read only where every row holds an answer's number or key, so neither row makes a pair, the Infinity named
    strengths = jsonl(row, row | {"preference": float("inf")}, {"prompt": "Hi", "chosen": GOOD, "rejected": BAD})
    assert [e.row for e in strengths.errors] == [1, 2] and len(strengths.rows) == 1
    assert strengths.errors[1].message.startswith("`preference` is Infinity: a column of that name is read only as")


def test_numbered_answers_without_a_choice_column_are_still_prompts():
    loaded = jsonl({"prompt": ASK, "response_0": GOOD, "response_1": BAD})
    assert loaded.format == "prompt_only"


CALL = {"id": "c1", "type": "function", "function": {"name": "clear_cache", "arguments": "{}"}}
TOOLS = [{"type": "function", "function": {"name": "clear_cache", "parameters": {"type": "object"}}}]


def called(result: dict) -> dict:
    """A chat whose tool turn is `result` (its role and call id added)."""
    tool = {"role": "tool", "tool_call_id": "c1"} | result
    return {
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": "Clear the cache."},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            tool,
            {"role": "assistant", "content": "Cleared."},
        ],
    }


def test_a_tool_result_written_null_is_taken_as_nothing_as_an_empty_one_is():
    loaded = jsonl(called({"content": None}), called({"content": ""}))
    assert not loaded.errors and len(loaded.rows) == 2
    expected = {"role": "tool", "content": "", "tool_call_id": "c1"}
    assert loaded.rows[0]["messages"][2] == loaded.rows[1]["messages"][2] == expected


def test_a_tool_turn_without_content_is_refused_naming_the_key():
    loaded = jsonl(called({}), called({"content": "ok"}))
    ((line, why),) = [(e.row, e.message) for e in loaded.errors]
    assert line == 1 and why.startswith("turn 3 (tool) of 'messages' has no 'content'")


def test_a_jsonl_line_holding_a_table_by_column_is_read_as_its_rows_with_a_note():
    """`DataFrame.to_json("x.jsonl")` without lines=True writes the whole table on one line, by column."""
    table = {"instruction": {"0": "Spell cat.", "1": "Spell dog.", "2": "Spell owl."}, "output": {"0": "c-a-t"}}
    table["output"] |= {"1": "d-o-g", "2": ""}
    loaded = load_bytes(json.dumps(table).encode(), "frame.jsonl")
    assert loaded.format == "alpaca" and [r["messages"][1]["content"] for r in loaded.rows] == ["c-a-t", "d-o-g"]
    assert [loaded.where(e.row) for e in loaded.errors] == ["item 3"]  # its empty output, by its place
    (note,) = [n.message for n in loaded.notices if "by column" in n.message]
    assert note.startswith("frame.jsonl holds one line, a whole table") and "lines=True" in note


def test_a_one_line_jsonl_of_an_ordinary_row_is_that_row():
    loaded = load_bytes(json.dumps({"instruction": "Spell cat.", "output": "c-a-t"}).encode(), "one.jsonl")
    assert len(loaded.rows) == 1 and not any("by column" in n.message for n in loaded.notices)


def test_a_broken_json_list_of_turns_is_named_by_its_character_and_turn():
    """A `messages` cell of JSON text that fails said "(Expecting ',' delimiter)" with no place in it."""
    ask = json.dumps({"role": "user", "content": "Name a prime."})
    broken = f'[{ask}, {{"role": "assistant", "content": "Seven."]'  # turn 2 closed by ] before its }
    loaded = jsonl({"messages": f"[{ask}]"}, {"messages": broken}, {"messages": f"[{ask}, {ask}"})
    why = {e.row: e.message for e in loaded.errors}
    assert why[2].startswith("'messages' looks like a JSON list but is not valid JSON: Expecting ',' delimiter")
    assert f"at character {len(broken)}, in turn 2 (`" in why[2] and '"Seven."]`)' in why[2]
    assert f"at character {len(ask) * 2 + 4}, after turn 2 (`…" in why[3]  # cut short after two whole turns


def call(k: int, name: str) -> dict:
    return {"id": f"c{k}", "type": "function", "function": {"name": name, "arguments": "{}"}}


def test_a_warning_on_parallel_calls_names_each_call_and_its_place():
    """Three calls in one turn, two of them to functions the row's tools do not define: both named, by place."""
    row = {
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": "Clear the cache, then tell me the time and the date."},
            {"role": "assistant", "content": "", "tool_calls": [call(1, "clear_cache"), call(2, "get_time")]},
            {"role": "tool", "tool_call_id": "c1", "content": "cleared"},
            {"role": "tool", "tool_call_id": "c2", "content": "09:30"},
            {"role": "assistant", "content": "Cleared; 09:30."},
        ],
    }
    row["messages"][1]["tool_calls"].append(call(3, "get_date"))
    row["messages"].insert(4, {"role": "tool", "tool_call_id": "c3", "content": "Monday"})
    (warned,) = [w.message for w in jsonl(row).warnings]
    assert warned.startswith("turn 2 calls 'get_time' (call 2 of 3) and 'get_date' (call 3 of 3): the row's tools")
    assert "not them; the calls are trained as written" in warned
    untooled = {k: v for k, v in row.items() if k != "tools"}
    (warned,) = [w.message for w in jsonl(untooled).warnings]
    assert warned.startswith("turn 2 calls 'clear_cache' (call 1 of 3), 'get_time' (call 2 of 3) and 'get_date' (")


def nan_lines(*lines: str, name: str = "nan.jsonl"):
    """Rows written with a bare NaN, as pandas' to_json and Python's json.dumps write a float NaN (json reads it)."""
    return load_bytes("\n".join(lines).encode(), name)


def test_a_bare_nan_is_said_as_nan_not_as_null():
    loaded = nan_lines(
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": NaN}]}',
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": null}]}',
    )
    why = {e.row: e.message for e in loaded.errors}
    assert why[1].startswith("turn 2 (assistant) of 'messages' has NaN as its 'content' (not a number")
    assert why[2].startswith("turn 2 (assistant) of 'messages' has a null 'content'")
    loaded = nan_lines('{"instruction": "Add 2 and 2.", "output": NaN}', '{"instruction": "Add 1.", "output": "2"}')
    assert loaded.errors[0].message.startswith("the 'output' field is NaN (not a number")


def test_a_nan_beside_tool_calls_is_no_text_as_null_is_and_no_crash():
    """A NaN content beside calls passed `content or ""` as NaN, and a TypeError ended the load."""
    nan = json.dumps(called({"content": "cleared"})).replace('"content": null', '"content": NaN')
    (row,) = nan_lines(nan).rows
    assert row["messages"][1]["content"] == ""


def test_a_field_nan_in_some_rows_is_named_as_nan():
    loaded = nan_lines('{"prompt": "2+2?", "answer": "4"}', '{"prompt": "3+3?", "answer": NaN}')
    (said,) = [n.message for n in loaded.notices if n.message.startswith("The field `answer`")]
    assert said.startswith("The field `answer` is NaN (not a number, as pandas writes an empty cell) in 1 row (")
    answers = (("a", '"4"'), ("b", "NaN"), ("c", "null"))
    loaded = nan_lines(*[f'{{"prompt": "{k}?", "answer": {v}}}' for k, v in answers])
    (said,) = [n.message for n in loaded.notices if n.message.startswith("The field `answer`")]
    assert said.startswith("The field `answer` is empty, null or NaN (not a number) in 2 rows (lines 2, 3)")
