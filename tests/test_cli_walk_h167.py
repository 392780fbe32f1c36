"""Helper 167: CLI leftovers of helper 163's walk, each one `error:` line or one plain sentence a newcomer acts on."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from tests.test_cli_errors import one_error_line

CHAT = {
    "messages": [
        {"role": "user", "content": "Where do tides come from?"},
        {"role": "assistant", "content": "The moon."},
    ]
}


def test_a_shared_name_none_of_whose_runs_can_be_acted_on_says_so(capsys, no_training):
    """`runs stop ben` where both ben runs had finished said "Several runs are named 'ben' ... Give one of these ids.":
    an id would be refused too, as nothing named ben is running. The refusal says so, with each run's state; the same
    for `runs resume ben` where none can resume."""
    from ftlib.testing import make_run

    done, failed = "20261201-090000-lora-ben-done", "20261201-091000-lora-ben-broke"
    make_run(done, {"name": "ben"}, max_steps=6)
    make_run(failed, {"name": "ben"}, state="failed", max_steps=6)
    line = one_error_line(capsys, ["runs", "stop", "ben"])
    assert (
        line == f"error: None of the 2 runs named 'ben' is queued or running: {failed} (failed), {done} (finished)."
    ), line
    make_run("20261201-092000-lora-ben-waits", {"name": "ben"}, state="queued", max_steps=6)
    make_run(failed, {"name": "ben"}, state="finished", max_steps=6)  # now none can resume
    line = one_error_line(capsys, ["runs", "resume", "ben"])
    assert line.startswith("error: None of the 3 runs named 'ben' can be resumed: "), line
    assert "ben-waits (queued)" in line, line


def test_max_lengths_help_names_the_cli_command_in_the_cli_and_the_tokens_page_on_the_train_page(
    capsys, tiny_model_dir
):
    """`train --help` said of --max-length "(the Tokens page shows where)", the Train form's words: the help a field
    has is shared by both (ftlib.config), so the CLI prints the command that shows it and the form's caption the page
    (ui.labels.field_caption)."""
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace
    from tests.test_pages_train import APP

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    said = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "longer ones are cut (`python -m ftlib tokens FILE --line N --max-length L` shows where)" in said, said
    assert "Tokens page shows where" not in said
    workspace.save_split("tides", [CHAT] * 4, [CHAT])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    captions = [c.value for c in at.caption]
    assert "Longest example in tokens; longer ones are cut (the Tokens page shows where)." in captions, captions


NO_ANSWER = {"messages": [{"role": "user", "content": "Which tide is higher?"}]}
EMPTY = {"messages": [{"role": "user", "content": "And the lower?"}, {"role": "assistant", "content": ""}]}


@pytest.mark.parametrize("rows", [(NO_ANSWER, NO_ANSWER, EMPTY), (NO_ANSWER, NO_ANSWER), (NO_ANSWER, EMPTY)])
def test_inspect_of_a_file_every_row_of_which_is_refused_sums_up_the_rows_it_just_listed(tmp_path, capsys, rows):
    """`data inspect` of a file whose every row is refused for a reason of its own listed each row, then an error:
    line repeating the first three of those lines: it now says how many rows and the reason most of them share."""
    path = tmp_path / "tides.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["data", "inspect", str(path)]) == 2
    captured = capsys.readouterr()
    listed = [line for line in captured.out.splitlines() if line.startswith("  line ")]
    assert len(listed) == len(rows), captured.out
    (error,) = captured.err.splitlines()
    assert error.startswith(f"error: no valid rows in {path} ({len(rows)} read, read as chat messages (messages)): ")
    assert "line 1" not in error and "line 2" not in error, error  # no row's line printed again
    no_answer = "there is no assistant turn, so there is nothing to train on."
    said = error.split("(messages)): ", 1)[1]
    if len(rows) == 3:
        assert said.startswith("all 3 rows are left out, for the reasons above; the most common (2 of them): ")
        assert no_answer in said and "is empty" not in said, said
    elif rows[1] is NO_ANSWER:
        assert said.startswith(f"both rows are left out, each for the same reason: {no_answer}"), said
    else:
        assert said == "both rows are left out, each for a reason of its own (above)", said


STARTS_WITH_USER = (
    "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with a user turn') }}"
    "{% endif %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_the_train_page_finds_the_line_of_a_split_row_a_custom_template_refuses(tmp_path, tiny_model_dir):
    """2e2b5c8 named a row a template refuses by its side ("training row 8"), so that `train`'s note finds its line.
    The Train page, on a split saved from a file, says that row's line under its refusal (split_lines.lines_note)."""
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace
    from ftlib.config import RunConfig
    from ftlib.data import load_file
    from ftlib.splits import split_rows
    from ftlib.testing import make_run
    from tests.test_pages_train import APP

    rows = [dict(CHAT, messages=[{"role": "user", "content": f"Tide {i}?"}, *CHAT["messages"][1:]]) for i in range(10)]
    rows[9] = {"messages": [{"role": "assistant", "content": "Ahoy."}, *CHAT["messages"]]}  # line 10: refused
    path = tmp_path / "tides.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    loaded = load_file(path)
    train, test = split_rows(loaded.rows, 2, seed=0)
    workspace.save_split("tides", train, test, loaded.split_meta("tides.jsonl", 0, 2, False, train=train, test=test))
    side, n = ("training", train.index(rows[9]) + 1) if rows[9] in train else ("held-out", test.index(rows[9]) + 1)
    assert (side, n) != ("training", 10)  # the row's place in the split is not its line
    custom = RunConfig(model=str(tiny_model_dir), dataset="tides", template="custom", template_source=STARTS_WITH_USER)
    make_run("r-custom", custom.to_dict())  # the Train page starts from the last run's settings, its template too
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["active_split"] = "tides"
    at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error if "cannot render" in e.value]
    assert len(errors) == 1 and f"cannot render {side} row {n}: " in errors[0], [e.value for e in at.error]
    notes = [c.value for c in at.caption if c.value.startswith("The row numbers above count the split's")]
    assert len(notes) == 1 and notes[0].endswith(f"not the rows of tides.jsonl: {side} row {n} is line 10."), notes
