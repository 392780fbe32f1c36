"""Helper 150's review of the data and page side of a session's commits: each case failed before its fix."""

from __future__ import annotations

import re

import pytest

from ftlib.data import MappingNeeded, load_file
from ui.labels import on_data_page


def test_the_data_page_says_a_column_of_documents_named_with_an_apostrophe_as_its_box(tmp_path):
    """A table whose columns name no prompt or answer: the engine's `--map 'Agent'"'"'s reply=text'` (shell-quoted
    for the CLI) stayed on the Data page as it was, quotes and all, where a plain name is said "map `X` to text"."""
    path = tmp_path / "tickets.csv"
    rows = "1,My printer is broken,Try turning it off\n2,Login fails,Reset your password\n"
    path.write_text("Ticket ID,Customer's message,Agent's reply\n" + rows, "utf-8")
    with pytest.raises(MappingNeeded) as raised:
        load_file(str(path))
    said = on_data_page(str(raised.value))
    assert "--map" not in said and '"\'"' not in said, said
    assert re.search(r"\(every token trained\): map `(Customer's message|Agent's reply)` to text\.$", said), said


def _turn(role: str, content: str | None, **more) -> dict:
    return {"role": role, "content": content, **more}


def test_a_prompt_of_the_turns_a_tool_using_pair_opens_with_is_not_said_to_be_other_turns():
    """TRL's conversational pair written whole, whose answers both make the same tool call before they differ: the
    studio's prompt is everything the two share (the question, the call, its result), and a `prompt` of the question
    alone, the turns both conversations begin with, was warned of as 'not the turns the chosen and rejected
    conversations begin with' (formats._same_prompt compared it with the whole shared part)."""
    import json

    from ftlib.data import load_bytes

    call = {"type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    shared = [_turn("user", "Weather in Paris?"), _turn("assistant", None, tool_calls=[call]), _turn("tool", "sunny")]
    row = {
        "prompt": shared[:1],
        "chosen": [*shared, _turn("assistant", "Sunny.")],
        "rejected": [*shared, _turn("assistant", "Rainy.")],
        "tools": tools,
    }
    other = row | {"prompt": [_turn("user", "Weather in Rome?")]}
    result = load_bytes("\n".join(json.dumps(r) for r in (row, other)).encode(), "pairs.jsonl")
    assert len(result.rows) == 2 and result.errors == []
    said = [(w.row, w.message) for w in result.warnings if "'prompt'" in w.message]
    assert said == [
        (
            2,
            "its 'prompt' turns are not the turns the chosen and rejected conversations begin with; theirs are "
            "trained and the 'prompt' field is not read",
        )
    ]


def test_the_data_page_says_its_own_duplicates_box_without_the_cli_command(tmp_path):
    """The duplicates note (ftlib.splits.DEDUPE_SAID, worded for the Data page and the CLI at once) kept
    "(the Data page's Drop exact duplicates box, `data split --dedupe`)" on the Data page itself, the CLI's command
    beside a box that is below it, under Split and save."""
    from ftlib.data import load_bytes

    row = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
    notes = [on_data_page(n.message) for n in load_bytes(row * 2, "chats.jsonl").notices if "repeats" in n.message]
    assert len(notes) == 1 and "--dedupe" not in notes[0] and "the Data page" not in notes[0], notes
    assert notes[0].endswith("(the **Drop exact duplicates** box under Split and save below)."), notes


def test_a_pair_tables_unused_prompt_column_is_offered_the_prompt_not_the_system_prompt(tmp_path):
    """A table of pairs whose chosen and rejected are whole conversations, beside a `post` column nothing reads: the
    Data page offered 'Not used: post, subreddit (to use one, map it to `system` ...)' (format_notes.free_fields ruled
    out every way to a prompt when none was mapped), so the question would have become a system prompt."""
    import csv
    import json

    from ftlib.format_notes import free_fields

    path = tmp_path / "tldr.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        table = csv.writer(f)
        table.writerow(["post", "chosen", "rejected", "subreddit"])
        for post, good, bad in (
            ("Summarize: the cat sat.", "A cat sat.", "Dogs."),
            ("Summarize: rain.", "Rain.", "Sun"),
        ):
            asked = [{"role": "user", "content": post}]
            answers = [json.dumps([*asked, {"role": "assistant", "content": said}]) for said in (good, bad)]
            table.writerow([post, *answers, "r/tldr"])
    result = load_file(str(path))
    assert result.format == "preference" and "prompt" not in result.column_map and len(result.rows) == 2
    assert free_fields(result.format, result.column_map) == ["prompt", "system"]


def test_a_dataset_viewer_page_with_no_rows_is_said_to_have_none_not_read_by_its_features(tmp_path):
    """The dataset viewer's answer to a search nothing matched (`{"features": [...], "rows": [], ...}`) was read as
    rows of its 'features' ('its rows have the fields feature_idx, name, type', and --map offered to read them)."""
    import json

    from ftlib.data import DataError

    feature = {"feature_idx": 0, "name": "text", "type": {"dtype": "string", "_type": "Value"}}
    page = {"features": [feature], "rows": [], "num_rows_total": 0, "num_rows_per_page": 100, "partial": False}
    path = tmp_path / "search.json"
    path.write_text(json.dumps(page), "utf-8")
    with pytest.raises(DataError) as raised:
        load_file(str(path))
    assert "has no rows" in str(raised.value) and "feature_idx" not in str(raised.value), raised.value


def test_the_unread_fields_warning_opens_its_last_sentence_with_a_capital_where_no_map_hint_comes_first():
    """Only keys inside the turns unread (`messages[].id`, which --map cannot take): the hint (7510add) was left
    out, and the sentence after it began in lower case: '... neither shows nor trains it. see `python -m ...`.'"""
    import json
    from types import SimpleNamespace

    from ftlib.commands import unread_warning
    from ftlib.data import load_bytes

    turns = [{"role": "user", "content": "Hi", "id": "t1"}, {"role": "assistant", "content": "Hello"}]
    said = unread_warning(
        load_bytes(json.dumps({"messages": turns}).encode(), "chats.jsonl"),
        SimpleNamespace(file="chats.jsonl", fmt=None, map=[]),
    )
    assert said.endswith("neither shows nor trains it. See `python -m ftlib data inspect chats.jsonl`."), said


def test_the_train_page_says_grpos_way_to_prompts_only_by_the_data_pages_box_without_the_cli_flag():
    """GRPO's notes on a file read as conversations (the pre-run note, a reward's missing column) name the Data page's
    'Read the file as' with the CLI's `--format prompt_only` beside it; in_form_words, which the Train page passes
    them through, left the flag on the page."""
    from ftlib.rewards import RewardError, build_rewards, check_columns
    from ftlib.run_preflight import grpo_conversation_notes
    from ui.labels import in_form_words

    chats = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]
    (note,) = grpo_conversation_notes(chats)
    with pytest.raises(RewardError) as raised:
        check_columns(build_rewards([{"contains_column": "answer"}]), [None, None])
    for said in (note, str(raised.value)):
        assert "--format" in said, said  # the CLI's words, as the engine says it
        shown = in_form_words(said)
        assert "--format" not in shown and "('Read the file as' on the Data page)" in shown, shown


def test_the_cli_way_to_map_a_judging_column_with_a_space_as_the_label_is_a_command_line_that_works(tmp_path, capsys):
    """A feedback column of good/bad labels left unread ('Thumbs Up' of 1s and 0s) is told to be mapped as the label
    (67d6635): the CLI's words were `--map Thumbs Up=label`, which the shell splits in two ('unexpected argument
    Up=label'). Quoted as map_hint quotes a column: the command given runs, and reads the file as KTO rows."""
    import shlex

    from ftlib.cli import main

    path = tmp_path / "thumbs.csv"
    path.write_text("question,answer,Thumbs Up\nHi,Hello,1\nHi,Go away,0\n", "utf-8")
    assert main(["data", "inspect", str(path)]) == 0
    said = re.search(r"\(`(--map [^`]+)` in the CLI", capsys.readouterr().out)
    assert said and said[1] == "--map 'Thumbs Up=label'", said
    assert main(["data", "inspect", str(path), *shlex.split(said[1])]) == 0
    assert "answers marked good or bad (unpaired_preference)" in capsys.readouterr().out
    page = on_data_page(f"map it (`{said[1]}` in the CLI, the label box under Field mapping on the Data page)")
    assert page == "map it (the label box under Field mapping above)"


def test_a_prompt_files_column_with_a_space_is_told_to_be_mapped_by_a_command_line_that_works(tmp_path, capsys):
    """A file of prompts whose answers sit in a column named with a space ('reference answer'): its notes gave the
    CLI's way to train it as the answer as `--map reference answer=completion`, two arguments to the shell."""
    import shlex

    from ftlib.cli import main

    path = tmp_path / "prompts.csv"
    path.write_text("prompt,reference answer\nWhat is 2+2?,4\nWhat is 3+3?,6\n", "utf-8")
    assert main(["data", "inspect", str(path), "--format", "prompt_only"]) == 0
    out = capsys.readouterr().out
    given = {m[1] for m in re.finditer(r"`(--map [^`]+=completion[^`]*)` in the CLI", out)}
    assert given == {"--map 'reference answer=completion'"}, out
    assert main(["data", "inspect", str(path), *shlex.split(given.pop())]) == 0
    out = capsys.readouterr().out
    assert "columns:    reference answer -> completion" in out and "(prompt_completion)" in out, out
