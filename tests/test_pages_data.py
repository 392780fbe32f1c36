"""AppTest: the Home page renders with its links; the Data page reads, previews and saves a split to disk."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.data import load_file
from tests.test_data import TICKETS
from ui import chart_data
from ui.kept import SHARED

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    # The local-path input only reads allowed folders: let it see the fixtures and this test's tmp_path.
    monkeypatch.setenv("FTLIB_DATA_DIRS", os.pathsep.join([str(FIXTURES), str(tmp_path)]))


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def data_page() -> AppTest:
    at = app()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    return at


def with_path(at: AppTest, path: Path) -> AppTest:
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    return "\n".join(str(p) for p in parts)


def bad_rows(at: AppTest) -> list[tuple[str, str]]:
    """(rows, reason) of each reason in the page's table of skipped rows: a reason met by one row names it ("line
    3"), one met by more says how many and the first ("10 rows: lines 4, 9, 12 and 7 more")."""
    body = "".join(h.proto.body for h in at.get("html") if "why it is skipped" in h.proto.body)
    # `names`, as worded; the reason's cell keeps its line break (each row's own detail after it)
    cells = re.findall(r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td></tr>", re.sub(r"</?code>", "`", body), re.DOTALL)
    return [(html.unescape(where), html.unescape(why)) for where, why in cells]


def test_home_renders_with_links_to_every_step():
    at = app()
    assert not at.exception and not at.error
    assert at.title[0].value.endswith("Fine-tuning studio")
    # page_link resolves each file to its registered page (url name), so a wrong path would fail here.
    links = {link.proto.page for link in at.get("page_link")}
    assert links == {"Data", "Tokens", "Batches", "Train", "Compare", "Evaluate"}
    body = texts(at)
    assert "-100" in body and "SmolLM2-135M-Instruct" in body and "QLoRA" in body and "top-p" in body


def test_data_page_reads_previews_and_saves_a_split():
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Format": "chat messages", "Rows read": "8", "Valid rows": "4", "Skipped rows": "4"}
    # The skipped rows, one line per reason, in full (a wrapped table, not cut cells): four reasons, one row each,
    # so no table of every row below them (h283: a reason many rows share is said once, "10 rows: lines 4, ...").
    skipped = bad_rows(at)
    assert [row for row, _ in skipped] == ["line 3", "line 4", "line 5", "line 7"] and all(r for _, r in skipped)
    assert not [d for d in at.dataframe if list(d.value.columns) == ["where", "why"]]
    assert any(
        "4 of the file's 8 rows cannot be used and are skipped; the other 4 are kept." in w.value for w in at.warning
    )
    # Preview: the conversation text of the first rows, rendered as chat turns.
    body = texts(at)
    assert "What is the capital of France?" in body and "Paris." in body
    at.toggle(key="data_raw").set_value(True).run()
    assert any(j.value and "capital of France" in str(j.value) for j in at.json)
    # Split controls, then save.
    assert "Train **3** rows, test **1** row" in body
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(2).run()
    at.text_input(key="split_name").input("my chats").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved **my_chats**" in s.value for s in at.success)
    train, test, meta = workspace.load_split("my_chats")
    assert (len(train), len(test)) == (2, 2)
    assert meta["format"] == "messages" and meta["errors"] == 4 and meta["test_size"] == 2
    assert (workspace.datasets_dir() / "my_chats" / "train.jsonl").is_file()
    assert at.session_state["active_split"] == "my_chats"
    # A fresh session (a refresh, a second tab) finds it on disk.
    assert "my_chats" in texts(app())


@pytest.mark.parametrize(
    "mode, key, value, field",
    [
        ("ratio", "split_ratio", 5.0, "Test ratio"),
        ("ratio", "split_ratio", 0.0, "Test ratio"),
        ("rows", "split_count", 8, "Test rows"),
    ],
)
def test_an_impossible_test_size_is_refused_with_the_field_named(mode, key, value, field):
    """A test share of 5 is not silently replaced by the last good one: it is refused, and Save waits."""
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    at.radio(key="split_mode").set_value(mode).run()
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith(f"**{field}**"), [e.value for e in at.error]
    assert at.number_input(key=key).value == value  # what is on screen is what is checked
    assert at.button(key="split_save").disabled
    # Greyed out, it says why on hover and what to change (it said nothing).
    assert at.button(key="split_save").help.startswith("Nothing to save yet: the test size or seed above")
    assert f"**{field}**" in at.button(key="split_save").help
    at.number_input(key=key).set_value(0.25 if mode == "ratio" else 1).run()
    assert not at.error and not at.button(key="split_save").disabled and not at.button(key="split_save").help


def test_token_histogram_and_truncation_count(smol_tokenizer):
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    assert at.get("plotly_chart"), "no histogram"
    tables = [e for e in at.expander if e.label == chart_data.LABEL]  # its bars without a mouse, as a table
    assert tables and tables[0].table[0].value["rows"].sum() == 4, [e.label for e in at.expander]
    good = load_file(FIXTURES / "chat_mixed.jsonl").rows
    lengths = sorted(
        len(
            smol_tokenizer(
                smol_tokenizer.apply_chat_template(r["messages"], tokenize=False), add_special_tokens=False
            )["input_ids"]
        )
        for r in good
    )
    at.slider(key="data_max_length").set_value(16).run()
    assert any("4 rows (100.0%) would be truncated at 16 tokens" in w.value for w in at.warning)
    assert any(f"longest: {lengths[-1]}" in w.value for w in at.warning)
    at.slider(key="data_max_length").set_value(1024).run()
    assert any("0 rows (0.0%) would be truncated" in s.value for s in at.success)


def test_a_new_session_previews_the_max_length_of_the_last_run_started_and_says_so_as_tokens_does():
    """A cold walk: a new session's Data page said "Max length (tokens) 384, as in training (the Train page starts
    from 384)" while the Train form started from the last run's 128, and the Tokens page said 128, "from the last run
    started"."""
    from ftlib.testing import make_run

    rows = load_file(FIXTURES / "chat_mixed.jsonl").rows
    workspace.save_split("chats", rows, rows)
    make_run(
        "20260101-000000-lora-last", {"name": "last", "dataset": "chats", "max_length": 128, "template": "alpaca"}
    )
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")  # a new session: nothing set in it
    assert at.slider(key="data_max_length").value == 128
    # its lengths measured with the last run's template too, as Tokens and Train start from it
    assert any("written with **Alpaca**" in c.value for c in at.caption), [c.value for c in at.caption]
    line = next(c.value for c in at.caption if c.value.startswith("Max length (tokens)"))
    assert line.startswith("Max length (tokens) 128, from the last run started (last · lora"), line
    assert line.endswith("), which the Train page starts from."), line
    at.switch_page("pages/2_Tokens.py").run()  # the same number, said the same way
    assert not at.exception, at.exception
    assert line in [c.value for c in at.caption]


def test_a_last_run_with_a_template_this_version_lacks_leaves_the_default_template():
    """A run whose config names a template this version does not have (another version's, a hand edit): a new
    session's Data page said "Could not measure the rows with zephyr: Unknown template" and drew no length check."""
    from ftlib.testing import make_run

    rows = load_file(FIXTURES / "chat_mixed.jsonl").rows
    workspace.save_split("chats", rows, rows)
    make_run(
        "20260101-000000-lora-last", {"name": "last", "dataset": "chats", "max_length": 128, "template": "zephyr"}
    )
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    assert not at.error, [e.value for e in at.error]
    assert at.slider(key="data_max_length").value == 128  # the run's other settings still taken
    assert any("written with **the model's own template**" in c.value for c in at.caption)


def test_upload_is_stored_once_in_the_workspace_and_can_be_reopened():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    payload = (FIXTURES / "qa.csv").read_bytes()
    at.file_uploader(key="data_upload").upload("my qa.csv", payload, "text/csv").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Valid rows"] == "4"
    at.number_input(key="split_seed").set_value(3).run()  # any rerun must not store the file again
    stored = list(workspace.uploads_dir().iterdir())
    assert len(stored) == 1 and stored[0].name.endswith("my_qa.csv") and stored[0].read_bytes() == payload
    assert at.text_input(key="split_name").value == "my_qa"
    # Without a current upload, the stored file is offered again.
    at.file_uploader(key="data_upload").set_value(None).run()
    at.selectbox(key="data_earlier").set_value(stored[0].name).run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Format"] == "instruction and answer"


def test_table_with_column_mapping_and_format_override():
    at = with_path(data_page(), FIXTURES / "qa.csv")
    assert at.selectbox(key="data_map_instruction").value == "question"
    # Each box says what its field holds, in words, and which formats read it.
    assert at.selectbox(key="data_map_label").help.startswith("Whether the completion is a good answer")
    assert "answers marked good or bad (unpaired_preference), needed" in at.selectbox(key="data_map_label").help
    assert {m.label: m.value for m in at.metric}["Format"] == "instruction and answer"
    at.selectbox(key="data_map_instruction").set_value("(none)").run()
    at.selectbox(key="data_map_output").set_value("(none)").run()
    at.selectbox(key="data_map_prompt").set_value("question").run()
    at.selectbox(key="data_map_completion").set_value("answer").run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Format"] == "prompt and answer"
    at.selectbox(key="data_format").set_value("preference").run()
    assert not at.exception and not at.error  # a step to take, not a broken file
    assert "needs a column for: chosen, rejected" in at.info[0].value and "**qa.csv**" in at.info[0].value


@pytest.mark.parametrize(
    "path, match",
    [
        (FIXTURES / "not_data.jsonl", "looks like a binary file"),
        (FIXTURES / "missing.jsonl", "does not exist"),
        (ROOT / "pyproject.toml", "outside the folders this server allows"),
        (FIXTURES / ".." / ".." / "conftest.py", "outside the folders"),
    ],
)
def test_an_unusable_file_shows_an_error_not_a_traceback(path, match):
    at = with_path(data_page(), path)
    assert not at.exception
    assert at.error and match in at.error[0].value


def test_no_valid_rows_is_an_error_with_the_reasons(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "q"}]}\n')
    at = with_path(data_page(), bad)
    assert not at.exception and "No row of this file can be used" in at.error[0].value
    assert "no assistant turn" in bad_rows(at)[0][1]


def test_shipped_samples_load():
    at = data_page()  # "Sample" is the default source
    if any("No sample datasets" in i.value for i in at.info):
        pytest.skip("no shipped samples in samples/ yet")
    names = at.selectbox(key="data_sample").options
    present = [n for n in names if Path(shipped_path(n)).is_file()]
    if not present:
        pytest.skip("the sample files are not generated yet")
    for name in present:
        at.selectbox(key="data_sample").set_value(name).run()
        assert not at.exception and not at.error, (name, [e.value for e in at.error])
        metrics = {m.label: m.value for m in at.metric}
        assert int(metrics["Valid rows"]) > 0 and metrics["Skipped rows"] == "0", (name, metrics)
        # At its default test size no sample holds out too few rows to judge on (qa_table's 32 rows held out 4)
        assert not [w.value for w in at.warning if "held-out" in w.value], (name, [w.value for w in at.warning])


def shipped_path(name: str) -> str:
    try:
        from ftlib.demo_data import sample_path
    except ImportError:  # no registry: the page lists samples/*.jsonl by file stem
        return str(ROOT / "samples" / f"{name}.jsonl")
    return str(sample_path(name))


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_unpaired_rows_show_good_and_bad_answers(tmp_path):
    rows = [
        {"prompt": "6 x 7?", "completion": c, "label": ok} for c, ok in (("42.", True), ("48.", False), ("41.", False))
    ]
    at = with_path(data_page(), write_jsonl(tmp_path / "kto.jsonl", rows))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Format"] == "answers marked good or bad"
    assert (metrics["Good answers"], metrics["Bad answers"]) == ("1", "2")
    body = texts(at)
    assert "**A good answer** ✅" in body and "(learnt as what not to say)" in body and "48." in body


def test_tool_calls_reasoning_and_ignored_fields_are_shown(tmp_path):
    from tests.test_formats import CASES

    tool_row = dict(CASES[0][2][0], id="r1")
    thinking = {
        "messages": [
            {"role": "user", "content": "6 x 7?"},
            {"role": "assistant", "content": "<think>Six sevens.</think>42."},
        ]
    }
    at = with_path(data_page(), write_jsonl(tmp_path / "tools.jsonl", [tool_row, thinking]))
    assert not at.error, [e.value for e in at.error]
    body = texts(at)
    assert (
        "1 row has tool calls. 1 row lists the tools the model may call. 1 row has reasoning before its answer."
    ) in body
    assert "Line 1" in body and "Line 2" in body  # where each previewed row is in the file, counted from 1
    assert 'lookup_tide({"harbour": "Dover"})' in body and "Tool result of `lookup_tide`" in body
    assert "Six sevens." in body and "Reasoning (before the answer)" in body
    assert any("Not used: `id`" in c.value for c in at.caption)  # metadata: named in a note (helper 178)
    # Whether the model sees the calls depends on the template: said here, checked on Tokens and Train.
    assert any("Tool calls reach the model only if its chat template writes them" in i.value for i in at.info)
    plain = with_path(data_page(), write_jsonl(tmp_path / "plain.jsonl", [thinking]))
    assert not any("Tool calls reach the model" in i.value for i in plain.info)


def test_a_column_empty_in_some_rows_is_named_as_data_inspect_names_it(tmp_path):
    # The engine's notice (ftlib.blank_values), drawn among the file's warnings: which rows give GRPO no `answer`.
    rows = [{"prompt": "2+2?", "answer": "4"}, {"prompt": "3+3?", "answer": None}, {"prompt": "1+1?", "answer": "2"}]
    at = with_path(data_page(), write_jsonl(tmp_path / "prompts.jsonl", rows))
    assert not at.error, [e.value for e in at.error]
    said = [w.value for w in at.warning if "empty or null" in w.value]
    assert len(said) == 1 and "The field `answer` is empty or null in 1 row (line 2)" in said[0]
    assert "Fill in `answer` for those prompts" in said[0]


def test_text_rows_are_their_own_format(tmp_path):
    at = with_path(data_page(), write_jsonl(tmp_path / "story.jsonl", [{"text": "Once upon a tide."}] * 2))
    assert {m.label: m.value for m in at.metric}["Format"] == "plain text"
    assert "Plain text: every token after the first is trained" in texts(at) and "Once upon a tide." in texts(at)


def test_json_files_get_the_field_mapping_the_refusal_names(tmp_path):
    path = tmp_path / "odd.json"
    rows = [{"ask": "6 x 7?", "say": "42."}, {"ask": "Half of 10?", "say": "5."}]  # names nothing is guessed from
    path.write_text(json.dumps(rows), encoding="utf-8")
    at = with_path(data_page(), path)
    assert not at.error and "under **Field mapping** above" in at.info[0].value
    assert [e.label for e in at.expander if e.label == "Field mapping"]  # the control the message names exists
    at.selectbox(key="data_map_instruction").set_value("ask").run()
    at.selectbox(key="data_map_output").set_value("say").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"]) == ("instruction and answer", "2")


def test_a_skipped_csv_row_is_named_by_data_row_and_file_line(tmp_path):
    """A spreadsheet user looks for a line: data row 3 starts on line 5 when row 2's answer spans two lines."""
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\nFirst?,One.\nSecond?,"Two,\nstill two."\nThird?\nFourth?,Four.\n')
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [where for where, _ in bad_rows(at)] == ["data row 3 (line 5 of the file)"]
    assert "Data row 4 (line 6 of the file)" in texts(at)  # the preview's heading of the last kept row


@pytest.mark.parametrize(
    "rows, test_rows, expected",
    [
        (8, 2, ["Only 6 training rows.", "Only 2 held-out rows."]),
        (26, 1, ["Only 1 held-out row."]),
        (30, 6, []),
    ],
)
def test_a_tiny_split_says_what_it_means_for_the_run(tmp_path, rows, test_rows, expected):
    data = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(rows)]
    at = with_path(data_page(), write_jsonl(tmp_path / "few.jsonl", data))
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(test_rows).run()
    warned = [w.value for w in at.warning if w.value.startswith("Only ")]
    assert [w.split(".")[0] + "." for w in warned] == expected
    assert all("held-out loss" in w for w in warned if "held-out" in w.split(".")[0])
    assert not at.button(key="split_save").disabled  # a warning, not a refusal


def test_a_split_of_preference_pairs_is_counted_in_pairs(tmp_path):
    """A split of pairs said "Only 6 training rows" and "Evaluate compares only 2 answers": a pair is two answers."""
    data = [{"prompt": f"Q{i}?", "chosen": f"Good {i}.", "rejected": f"Bad {i}."} for i in range(8)]
    at = with_path(data_page(), write_jsonl(tmp_path / "pairs.jsonl", data))
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(1).run()
    assert "Train **7** pairs, test **1** pair." in texts(at)
    warned = [w.value for w in at.warning if w.value.startswith("Only ")]
    assert [w.split(".")[0] for w in warned] == ["Only 7 training pairs", "Only 1 held-out pair"]
    assert "Evaluate looks at only 1 pair" in warned[1] and "rows" not in " ".join(warned)
    at.button(key="split_save").click().run()  # a cold review: "Saved ...: 7 train and 1 test rows"
    assert any(s.value.startswith("Saved **pairs**: 7 train pairs and 1 test pair.") for s in at.success)


def test_a_new_file_starts_at_page_one_without_a_session_state_warning(tmp_path, monkeypatch):
    """Going back to page 1 for a new file must not set the page box through the Session State API as well as
    giving it a default: Streamlit logs a warning for that (seen in the server log of the walkthrough). And the
    browser is told (helper 257): the box's key merely dropped, Chromium kept showing page 3 over page 1's rows, and
    the next click sent 3 back."""
    from streamlit.elements.lib import policies

    logged = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    rows = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(12)]
    first, second = write_jsonl(tmp_path / "a.jsonl", rows), write_jsonl(tmp_path / "b.jsonl", rows)
    at = with_path(data_page(), first)
    at.number_input(key="data_page").set_value(3).run()
    assert "Question 10?" in texts(at)
    at.text_input(key="data_path").input(str(second)).run()
    assert not at.exception and at.number_input(key="data_page").value == 1
    assert at.number_input(key="data_page").proto.set_value  # set through session state: the browser shows 1 too
    assert "Question 0?" in texts(at) and "Question 10?" not in texts(at)
    assert not [m for m in logged if "data_page" in m], logged


def test_saving_under_a_taken_name_asks_first():
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    at.text_input(key="split_name").input("my chats").run()
    at.button(key="split_save").click().run()
    first_saved = workspace.load_split("my_chats")[2]["saved_at"]
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(2).run()
    assert any("`my_chats` is already the active dataset" in w.value for w in at.warning)
    assert at.button(key="split_save").disabled  # not replaced silently
    assert at.button(key="split_save").help == (
        "`my_chats` is already the active dataset: tick **Replace it (`my_chats`)** above to save over it, or type "
        "another **Name of the saved split**."
    )
    at.checkbox(key="split_replace_my_chats").check().run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    _, test, meta = workspace.load_split("my_chats")
    assert len(test) == 2 and meta["saved_at"] > first_saved


def test_save_split_refuses_a_taken_name_unless_told_to_replace(tmp_path):
    workspace.save_split("kept", [{"text": "old"}], [{"text": "old test"}])
    with pytest.raises(workspace.SplitExists, match="Choose another name"):
        workspace.save_split("kept", [{"text": "new"}], [{"text": "new test"}], overwrite=False)
    assert workspace.load_split("kept")[0] == [{"text": "old"}]
    workspace.save_split("kept", [{"text": "new"}], [{"text": "new test"}], overwrite=True)
    assert workspace.load_split("kept")[0] == [{"text": "new"}]


def test_an_earlier_split_can_be_made_active_again():
    workspace.save_split("first", [{"text": "a"}], [{"text": "b"}], {"source": "first"})
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    at.text_input(key="split_name").input("second").run()
    at.button(key="split_save").click().run()
    assert at.session_state["active_split"] == "second"
    assert at.selectbox(key="split_pick").value == "second" and at.button(key="split_activate").disabled
    at.selectbox(key="split_pick").set_value("first").run()
    at.button(key="split_activate").click().run()
    assert not at.exception and at.session_state["active_split"] == "first"
    assert at.button(key="split_activate").disabled
    assert "first (1 train, 1 test row) · active" in at.selectbox(key="split_pick").format_func("first")


def test_a_table_with_odd_column_names_asks_for_its_question_and_answer_columns():
    """Walkthrough 9: a CSV whose columns are not guessed is a normal step (an info box, the user's own file name,
    a Question/Answer pair first, the command-line form in a tooltip), not a red error about a stored file."""
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    payload = b"Kundenfrage,Antwort text,Kategorie\nWie spaet?,Drei Uhr.,zeit\nWo?,Hier.,ort\n"
    at.file_uploader(key="data_upload").upload("faq export.csv", payload, "text/csv").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "**faq export.csv** is a table" in at.info[0].value and "uploads" not in at.info[0].value
    # The columns were not guessed: the file's first rows are shown above the boxes, to map seeing the cells (a cold
    # walk mapped blind: no row was shown until both boxes were set)
    (first,) = [d.value for d in at.dataframe if "Kundenfrage" in d.value.columns]
    assert list(first.columns) == ["Kundenfrage", "Antwort text", "Kategorie"] and first["Antwort text"][1] == "Hier."
    assert any("The first 2 rows of **faq export.csv**, as the file holds them" in c.value for c in at.caption)
    question, answer = at.selectbox(key="data_pair_question"), at.selectbox(key="data_pair_answer")
    assert (question.label, answer.label) == ("Question column", "Answer column")
    assert "--map COLUMN=prompt" in question.help and "--map" not in at.info[0].value
    question.set_value("Kundenfrage").run()
    assert not at.error and "Now choose the **Answer column**" in at.info[0].value
    at.selectbox(key="data_pair_answer").set_value("Antwort text").run()
    assert not at.exception and not at.error and not at.info, [e.value for e in at.error]
    assert not [d for d in at.dataframe if "Kundenfrage" in d.value.columns]  # both chosen: the rows show below
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"]) == ("prompt and answer", "2")
    assert at.selectbox(key="data_map_prompt").value == "Kundenfrage"  # the full editor shows the same mapping
    # A sheet's column nothing reads is normal: one neutral line naming it, not a warning (a cold walk: five)
    assert any("Not used: Kategorie (to use one, map it to `system` under Field" in c.value for c in at.caption)
    assert not any("Kategorie" in w.value for w in at.warning)
    assert at.text_input(key="split_name").value == "faq_export"


def test_the_question_answer_pair_follows_a_guessed_alpaca_mapping():
    at = with_path(data_page(), FIXTURES / "qa.csv")
    assert at.selectbox(key="data_pair_question").value == "question"
    assert at.selectbox(key="data_pair_answer").value == "answer"
    at.selectbox(key="data_pair_answer").set_value("question").run()
    assert at.selectbox(key="data_map_output").value == "question"  # the pair writes the field it stands for


def test_a_table_of_prompts_alone_is_still_read_as_prompts(tmp_path):
    path = tmp_path / "prompts.csv"
    path.write_text("prompt\nWrite a haiku.\nName a colour.\n")
    at = with_path(data_page(), path)
    assert not at.exception and not at.error and not at.info, [i.value for i in at.info]
    assert {m.label: m.value for m in at.metric}["Format"] == "prompts only"


def sidebar_dataset(at: AppTest) -> str:
    """The sidebar's "Dataset: ..." line (the first run of a session draws it)."""
    return next(c.value for c in at.caption if c.value.startswith("Dataset:"))


def test_a_refresh_keeps_the_split_made_active_not_the_newest():
    """Walk 2, 1: a fresh session (a refresh, a second tab) starts from the split last made active, which the
    workspace remembers; one that no longer exists falls through to the newest."""
    import shutil

    workspace.save_split("older", [{"text": "a"}], [{"text": "b"}])
    workspace.save_split("newest", [{"text": "c"}], [{"text": "d"}])
    at = data_page()
    assert at.selectbox(key="split_pick").value == "newest"  # the one saved last is active
    at.selectbox(key="split_pick").set_value("older").run()
    at.button(key="split_activate").click().run()
    assert at.session_state["active_split"] == "older"
    refreshed = app()
    assert sidebar_dataset(refreshed) == "Dataset: **older**"
    refreshed.switch_page("pages/1_Data.py").run()
    assert refreshed.selectbox(key="split_pick").value == "older"
    assert refreshed.selectbox(key="split_pick").format_func("older").endswith("· active")
    shutil.rmtree(workspace.split_folder("older"))
    assert sidebar_dataset(app()) == "Dataset: **newest**"


def activated(at: AppTest) -> list[str]:
    return [s.value for s in at.success if "active split" in s.value]


def test_make_active_says_so_and_marks_the_chosen_split():
    """Walk 2, 6: a success line names the split, and the picker is redrawn with "· active" on it (set through the
    Session State API: the browser keeps a keyed box's old text otherwise)."""
    workspace.save_split("first", [{"text": "a"}], [{"text": "b"}])
    workspace.save_split("second", [{"text": "c"}, {"text": "e"}], [{"text": "d"}])
    at = data_page()
    at.selectbox(key="split_pick").set_value("first").run()
    assert not activated(at)
    at.button(key="split_activate").click().run()
    assert activated(at) == ["**first** is now the active split: Tokens, Batches, Train, Compare and Evaluate use it."]
    pick = at.selectbox(key="split_pick")
    assert pick.proto.set_value and pick.proto.raw_value == "first (1 train, 1 test row) · active"
    assert pick.format_func("second") == "second (2 train, 1 test row)"
    at.run()
    assert not activated(at)  # said once


def test_replacing_a_split_refreshes_its_counts_and_unticks_replace():
    """Walk 2, 5: after a split is replaced, the picker, the "already saved" warning and the table show its new row
    counts, and the Replace tick is gone (a next save asks again)."""
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    at.text_input(key="split_name").input("my chats").run()
    at.button(key="split_save").click().run()
    assert at.selectbox(key="split_pick").proto.raw_value == "my_chats (3 train, 1 test row) · active"
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(2).run()
    at.checkbox(key="split_replace_my_chats").check().run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved **my_chats**: 2 train rows and 2 test rows" in s.value for s in at.success)
    replace = at.checkbox(key="split_replace_my_chats")
    assert not replace.value and replace.proto.set_value and at.button(key="split_save").disabled  # unticked on screen
    # Right after the save: no warning about the split just saved, only how a second save would behave.
    assert not [w.value for w in at.warning if "already" in w.value]
    assert any("To save again under `my_chats`" in c.value for c in at.caption)
    pick = at.selectbox(key="split_pick")
    assert pick.proto.set_value and pick.proto.raw_value == "my_chats (2 train, 2 test rows) · active"
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Active", "Name", "Format", "Train rows", "Test rows", "Saved", "From"]
    assert table.iloc[0].tolist()[1:5] == ["my_chats", "chat messages (messages)", 2, 2]
    at.run()  # any later redraw: the taken name is warned about, with the new counts
    assert [w.value for w in at.warning if "already" in w.value] == [
        "`my_chats` is already the active dataset (2 train, 2 test rows). Saving replaces it: tick **Replace it**, "
        "or choose another name."
    ]


def test_formats_are_named_in_plain_words_with_their_standard_names():
    """Walk 2, 13: "chat messages" on screen, the standard name `messages` beside it (docs and the CLI use it)."""
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    assert {m.label: m.value for m in at.metric}["Format"] == "chat messages"
    assert any(
        c.value.startswith("Read as chat messages (messages): conversations as lists of turns") for c in at.caption
    )
    picker = at.selectbox(key="data_format")
    assert picker.format_func("prompt_only").startswith(
        "prompts only — prompt_only: questions without answers, for GRPO, where the model writes its own answers"
    )


def test_a_table_read_as_prompts_with_an_unread_column_of_sentences_asks_for_the_answer_column(tmp_path):
    """Walk 2, 3: `query` is guessed as the question, nothing as the answer, and `resolution` holds sentences: the
    page asks which column holds the answer instead of training on prompts only; prompts only stays one click away."""
    path = tmp_path / "tickets.csv"
    path.write_bytes(TICKETS)
    at = with_path(data_page(), path)
    assert not at.exception and not at.error and not at.metric, [e.value for e in at.error]
    assert "**tickets.csv** has a question column but no **Answer column** yet, and `resolution`" in at.info[0].value
    assert at.selectbox(key="data_pair_question").value == "query"
    at.selectbox(key="data_pair_answer").set_value("resolution").run()
    assert not at.exception and not at.info, [i.value for i in at.info]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"]) == ("prompt and answer", "3")
    # Prompts only, said on purpose: read as such.
    at.selectbox(key="data_pair_answer").set_value("(none)").run()
    at.selectbox(key="data_format").set_value("prompt_only").run()
    assert {m.label: m.value for m in at.metric}["Format"] == "prompts only"
    # No question asked any more; the other columns go with each prompt to GRPO's rewards, each said in a note.
    infos = [i.value for i in at.info]
    assert not any("no **Answer column** yet" in i for i in infos), infos  # (each note says how to choose one)
    assert all("GRPO passes it to the reward functions" in i for i in infos) and len(infos) == 3, infos


def test_a_query_reply_table_is_read_as_questions_and_answers(tmp_path):
    path = tmp_path / "chat_log.csv"
    path.write_text(
        "query,reply\nHow do I reset my password?,Click 'Forgot password'.\nWhere is my invoice?,Billing.\n"
    )
    at = with_path(data_page(), path)
    assert not at.info and not at.error
    assert (at.selectbox(key="data_pair_question").value, at.selectbox(key="data_pair_answer").value) == (
        "query",
        "reply",
    )
    assert {m.label: m.value for m in at.metric}["Format"] == "instruction and answer"


def test_a_file_of_unknown_fields_lists_the_lines_it_could_not_read(tmp_path):
    """The page asked for a field mapping of the one readable row's keys and never said the other lines were
    broken (they were the file's prompt/completion rows)."""
    path = tmp_path / "export.jsonl"
    path.write_text('{"foo": 1, "bar": "x"}\n{"prompt": "hi", "completion": broken}\n{"prompt": "a"\n')
    at = with_path(data_page(), path)
    assert any("`foo`" in i.value for i in at.info)
    (warning,) = [w.value for w in at.warning if "could not be read at all" in w.value]
    assert (
        warning.startswith("2 other rows could not be read at all")
        and "- line 2:" in warning
        and "- line 3:" in warning
    )


def round_trip(at: AppTest, page: str = "pages/2_Tokens.py") -> AppTest:
    """To another page and back to Data, as the sidebar does: Streamlit drops the values of the Data page's boxes
    while the other page is drawn."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    return at


def test_the_sample_is_read_again_after_a_visit_to_another_page():
    """Walk 3, 1: Data -> Tokens -> Data read the sample with every field unmapped ("have the fields messages,
    which no format reads") and stopped there, without its preview and Saved splits."""
    workspace.save_split("earlier", [{"text": "a"}], [{"text": "b"}])
    at = data_page()
    sample, before = at.selectbox(key="data_sample").value, {m.label: m.value for m in at.metric}
    assert before["Format"] == "chat messages" and int(before["Valid rows"]) > 0
    round_trip(at)
    assert not at.error and not at.info, [i.value for i in at.info]
    assert {m.label: m.value for m in at.metric} == before
    assert at.selectbox(key="data_map_messages").value == "messages"
    assert "Saved splits" in [s.value for s in at.subheader] and at.button(key="split_activate")
    assert at.selectbox(key="data_sample").value == sample


def test_a_mapping_set_by_hand_survives_a_visit_to_another_page(tmp_path, monkeypatch):
    """The columns of this export are not guessed: the user's Question/Answer choice, the file, the format and the
    split name are all still there on coming back, put back without Streamlit's default-and-session-state warning."""
    from streamlit.elements.lib import policies

    logged = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    path = tmp_path / "helpdesk export.csv"
    path.write_text(
        "Kundenfrage,Antwort text,Kategorie\n"
        "Wie setze ich mein Passwort zurueck?,Klicken Sie auf 'Passwort vergessen'.,konto\n"
        "Wo finde ich meine Rechnung?,Unter Konto > Rechnungen.,abrechnung\n"
        'Kann ich den Tarif wechseln?,"Ja, jederzeit zum Monatsende.",tarif\n',
        encoding="utf-8",
    )
    at = with_path(data_page(), path)
    at.selectbox(key="data_pair_question").set_value("Kundenfrage").run()
    at.selectbox(key="data_pair_answer").set_value("Antwort text").run()
    at.text_input(key="split_name").input("helpdesk v2").run()
    before = {m.label: m.value for m in at.metric}
    assert (before["Format"], before["Valid rows"]) == ("prompt and answer", "3")
    round_trip(at, "pages/0_Home.py")
    assert at.radio(key="data_source").value == "Local path" and at.text_input(key="data_path").value == str(path)
    assert not at.error and not at.info, [i.value for i in at.info]
    assert (at.selectbox(key="data_pair_question").value, at.selectbox(key="data_pair_answer").value) == (
        "Kundenfrage",
        "Antwort text",
    )
    assert (at.selectbox(key="data_map_prompt").value, at.selectbox(key="data_map_completion").value) == (
        "Kundenfrage",
        "Antwort text",
    )
    assert {m.label: m.value for m in at.metric} == before
    assert at.text_input(key="split_name").value == "helpdesk v2"
    # A format chosen by hand comes back too.
    at.selectbox(key="data_format").set_value("prompt_only").run()
    round_trip(at)
    assert at.selectbox(key="data_format").value == "prompt_only"
    assert {m.label: m.value for m in at.metric}["Format"] == "prompts only"
    assert not logged, logged


def test_an_upload_is_reopened_after_a_visit_to_another_page():
    """A file box cannot be refilled, so the stored copy of the upload is reopened, with its mapping."""
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    payload = b"Kundenfrage,Antwort text\nWie spaet?,Drei Uhr.\nWo?,Hier.\n"
    at.file_uploader(key="data_upload").upload("faq export.csv", payload, "text/csv").run()
    at.selectbox(key="data_pair_question").set_value("Kundenfrage").run()
    at.selectbox(key="data_pair_answer").set_value("Antwort text").run()
    assert {m.label: m.value for m in at.metric}["Valid rows"] == "2"
    round_trip(at)
    (stored,) = workspace.list_uploads()
    assert at.radio(key="data_source").value == "Upload" and at.selectbox(key="data_earlier").value == stored.name
    assert not at.error and not at.info, [i.value for i in at.info]
    assert {m.label: m.value for m in at.metric}["Valid rows"] == "2"
    assert at.text_input(key="split_name").value == "faq_export"


def test_a_semicolon_csv_is_split_into_its_columns_and_the_page_says_so(tmp_path):
    """Walk 3, 3: an Excel export with a BOM and semicolons was one column `question;answer`."""
    path = tmp_path / "f_bom_semicolon.csv"
    path.write_bytes(
        b"\xef\xbb\xbfquestion;answer\r\nWhat is 0+0?;It is 0.\r\nWhat is 1+1?;It is 2.\r\nWhat is 2+2?;It is 4.\r\n"
    )
    at = with_path(data_page(), path)
    asked = [i.value for i in at.info if "separated by" not in i.value]  # no mapping to ask for
    assert not at.error and not asked, asked
    assert (at.selectbox(key="data_pair_question").value, at.selectbox(key="data_pair_answer").value) == (
        "question",
        "answer",
    )
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"]) == ("instruction and answer", "3")
    # How the file was read, not a problem: a note that starts with a capital (walk 4, 12), not a yellow warning.
    assert [i.value for i in at.info if "separated by" in i.value] == [
        "The columns are read as separated by semicolons (;), not commas, as in the file's header line (spreadsheets "
        "in many languages save CSV files so). If the columns look wrong, save the file as CSV with commas."
    ]
    assert not [w.value for w in at.warning if "separated by" in w.value]
    assert "It is 4." in texts(at) and "?;It" not in texts(at)


def test_one_odd_row_is_counted_in_the_singular(tmp_path):
    """Walk 3, 11: the odd-rows expander said "1 rows are kept but look odd"."""
    ask = {"role": "user", "content": "Where is the harbour master's office?"}
    answer = {"role": "assistant", "content": "Beside the fish market, on the north quay."}
    opens_with_answer = {"messages": [answer, ask, answer]}  # kept, but it starts with the assistant
    at = with_path(
        data_page(), write_jsonl(tmp_path / "one_odd.jsonl", [{"messages": [ask, answer]}] * 2 + [opens_with_answer])
    )
    assert "1 row is kept but looks odd" in [e.label for e in at.expander]
    at = with_path(data_page(), write_jsonl(tmp_path / "two_odd.jsonl", [opens_with_answer] * 2))
    assert "2 rows are kept but look odd" in [e.label for e in at.expander]


def test_the_split_settings_survive_a_visit_to_another_page(tmp_path, monkeypatch):
    """Walk 4, 1: Test size "rows", 4 test rows, seed 7 and dropping duplicates came back as ratio 0.10, seed 0 and
    duplicates kept after a visit to Tokens, so the page offered a 14/2 split in place of the saved 12/4 one."""
    from streamlit.elements.lib import policies

    logged = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    units = [
        {"instruction": f"How many centimetres are in {i} metres?", "output": f"{i} metres are {100 * i} centimetres."}
        for i in range(1, 17)
    ]
    at = with_path(data_page(), write_jsonl(tmp_path / "units.jsonl", units))
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(4).run()
    at.number_input(key="split_seed").set_value(7).run()
    at.checkbox(key="split_dedupe").check().run()
    assert "Train **12** rows, test **4** rows (0 duplicates dropped)." in texts(at)
    round_trip(at)
    assert at.radio(key="split_mode").value == "rows" and at.number_input(key="split_count").value == 4
    assert at.number_input(key="split_seed").value == 7 and at.checkbox(key="split_dedupe").value
    assert "Train **12** rows, test **4** rows (0 duplicates dropped)." in texts(at)
    # The ratio, too, when that is what was set.
    at.radio(key="split_mode").set_value("ratio").run()
    at.number_input(key="split_ratio").set_value(0.25).run()
    round_trip(at, "pages/0_Home.py")
    assert at.radio(key="split_mode").value == "ratio" and at.number_input(key="split_ratio").value == 0.25
    assert "Train **12** rows, test **4** rows" in texts(at)
    assert not logged, logged


def test_the_preview_and_length_boxes_survive_a_visit_to_another_page(tmp_path, duplicate_warnings):
    """A cold review: the length-check slider, the preview page and "Show raw JSON" came back at 384, page 1 and off
    after a visit to Train, Batches and Tokens. They are kept; the slider only once moved (untouched, it follows the
    Train form's max length), and the page starts at 1 for another file."""
    rows = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(16)]
    at = with_path(data_page(), write_jsonl(tmp_path / "sixteen.jsonl", rows))
    at.slider(key="data_max_length").set_value(128).run()
    at.number_input(key="data_page").set_value(3).run()
    at.toggle(key="data_raw").set_value(True).run()
    round_trip(round_trip(at, "pages/4_Train.py"), "pages/3_Batches.py")
    assert at.slider(key="data_max_length").value == 128
    assert at.number_input(key="data_page").value == 3 and at.toggle(key="data_raw").value is True
    assert [c.value for c in at.caption if c.value.startswith("Line ")] == [f"Line {n}" for n in range(11, 16)]
    assert len(at.json) == 5  # page 3 of 5-row pages, as raw JSON
    at = with_path(at, write_jsonl(tmp_path / "other.jsonl", rows[:12]))
    assert at.number_input(key="data_page").value == 1  # another file starts at its first page
    at.slider(key="data_max_length").set_value(384).run()  # back at the Train form's: not kept as a choice
    assert "data_max_length" not in at.session_state["kept_widgets"]
    assert not duplicate_warnings, duplicate_warnings


def test_switching_to_rows_proposes_the_rows_the_ratio_gave(tmp_path):
    """Walk 4, 10: on a 16-row file, "rows" proposed 10 test rows (62%); it now keeps the split the ratio showed."""
    rows = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(16)]
    at = with_path(data_page(), write_jsonl(tmp_path / "sixteen.jsonl", rows))
    # The default ratio of 16 rows is 0.25 (splits.default_test_ratio: 0.1 would hold out 2 rows), so 4 held out
    assert at.number_input(key="split_ratio").value == 0.25 and "Train **12** rows, test **4** rows." in texts(at)
    at.radio(key="split_mode").set_value("rows").run()
    assert at.number_input(key="split_count").value == 4 and "Train **12** rows, test **4** rows." in texts(at)


def test_the_default_test_ratio_follows_the_rows_until_one_is_typed(tmp_path):
    """A cold review: the shipped qa_table (32 rows) warned "Only 4 held-out rows" at its own defaults."""
    small = write_jsonl(tmp_path / "small.jsonl", [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(32)])
    big = write_jsonl(tmp_path / "big.jsonl", [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(200)])
    at = with_path(data_page(), small)
    assert at.number_input(key="split_ratio").value == 0.15 and "test **5** rows" in texts(at)
    at = with_path(at, big)
    assert at.number_input(key="split_ratio").value == 0.1 and "test **20** rows" in texts(at)
    at.number_input(key="split_ratio").set_value(0.3).run()
    at = with_path(at, small)  # typed: kept whatever rows are shown
    assert at.number_input(key="split_ratio").value == 0.3 and "test **10** rows" in texts(at)


def test_the_split_picker_shows_the_active_split_after_a_visit_to_another_page():
    """Walk 4, 3: after Make active on `units` and a visit to Home, the picker showed the first split (no "· active")
    with Make active enabled."""
    workspace.save_split("units", [{"text": "c"}, {"text": "e"}], [{"text": "d"}])
    workspace.save_split("kitchen_chat", [{"text": "a"}], [{"text": "b"}])  # the newest: listed first, active
    at = data_page()
    assert at.selectbox(key="split_pick").options[0].startswith("kitchen_chat")
    at.selectbox(key="split_pick").set_value("units").run()
    at.button(key="split_activate").click().run()
    assert at.session_state["active_split"] == "units"
    for page in ("pages/0_Home.py", "pages/2_Tokens.py"):
        round_trip(at, page)
        pick = at.selectbox(key="split_pick")
        assert pick.value == "units" and pick.format_func(pick.value) == "units (2 train, 1 test row) · active"
        assert pick.proto.set_value  # set through the Session State API, so the browser shows it too
        assert at.button(key="split_activate").disabled


PAIRS_JSONL = "".join(
    json.dumps(
        {
            "prompt": f"How many grams are in {i} kilograms?",
            "chosen": f"{i} kilograms are {1000 * i} grams.",
            "rejected": f"{i} kilograms are {100 * i} grams.",
        }
    )
    + "\n"
    for i in range(1, 7)
).encode()
QA_CSV = b"question,answer\nWhat is 1+1?,2\nName a primary colour.,Red\nWhat is the capital of Peru?,Lima\n"


def upload(at: AppTest, name: str, payload: bytes) -> AppTest:
    at.file_uploader(key="data_upload").upload(name, payload, "text/csv" if name.endswith(".csv") else "").run()
    assert not at.exception, at.exception
    return at


def read_as(at: AppTest) -> tuple[str, str, str]:
    """(the Format box, the Format the file was read as, its valid rows)."""
    metrics = {m.label: m.value for m in at.metric}
    return at.selectbox(key="data_format").value, metrics.get("Format", ""), metrics.get("Valid rows", "")


def test_a_new_upload_is_detected_not_read_with_the_last_files_format():
    """Walk 4, 2: a Format picked on one file was still used for the next upload while the box showed "detect
    automatically" (pairs read as instruction and answer, every row skipped; a CSV asked for chosen/rejected
    columns). A new file starts at "detect automatically", set so the browser shows it; a file's own pick comes back
    with it."""
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "lists.csv", QA_CSV)
    at.selectbox(key="data_format").set_value("alpaca").run()
    assert read_as(at) == ("alpaca", "instruction and answer", "3")
    upload(at, "pairs.jsonl", PAIRS_JSONL)
    assert not at.error, [e.value for e in at.error]
    assert read_as(at) == ("auto", "preference pairs", "6")
    assert at.selectbox(key="data_format").proto.set_value  # the browser is told, not left with its own text
    # The other way round: preference pairs picked, then a table.
    at.selectbox(key="data_format").set_value("preference").run()
    assert read_as(at) == ("preference", "preference pairs", "6")
    upload(at, "capitals.csv", QA_CSV.replace(b"Lima", b'"Lima, on the coast"'))
    assert not at.error and not at.info, [i.value for i in at.info]
    assert read_as(at) == ("auto", "instruction and answer", "3")
    # After another page, each stored upload comes back with the Format chosen on it.
    round_trip(at)
    assert read_as(at) == ("auto", "instruction and answer", "3")
    stored = {workspace.upload_name(p.name): p.name for p in workspace.list_uploads()}
    at.selectbox(key="data_earlier").set_value(stored["lists.csv"]).run()
    assert read_as(at) == ("alpaca", "instruction and answer", "3")
    at.selectbox(key="data_earlier").set_value(stored["pairs.jsonl"]).run()
    assert read_as(at) == ("preference", "preference pairs", "6")


# --- walk 6: real-world shapes (labels 1/0, HH-RLHF transcripts, wrapped JSON, token lengths of tool rows) ----------


def test_answers_labelled_1_0_are_shown_as_good_and_bad_not_trained_as_answers(tmp_path):
    from tests.test_data_shapes import JUDGED

    rows = [{"prompt": p, "completion": c, "label": int(ok)} for p, c, ok in JUDGED]
    at = with_path(data_page(), write_jsonl(tmp_path / "kto.jsonl", rows))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Good answers"], metrics["Bad answers"]) == (
        "answers marked good or bad",
        "3",
        "2",
    )
    assert not any("ignored field: `label`" in w.value for w in at.warning)
    assert "Nine." in texts(at) and "(learnt as what not to say)" in texts(at)


def test_forcing_good_or_bad_on_a_file_without_one_valid_label_says_why_without_an_exception(tmp_path):
    rows = [{"prompt": "Name a prime.", "completion": c, "label": "maybe"} for c in ("Seven.", "Nine.")]
    at = with_path(data_page(), write_jsonl(tmp_path / "kto.jsonl", rows))
    at.selectbox(key="data_format").set_value("unpaired_preference").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Valid rows"], metrics["Good answers"], metrics["Bad answers"]) == ("0", "0", "0")
    assert "No row of this file can be used" in at.error[0].value
    assert all("not 'maybe'" in why for _, why in bad_rows(at))
    assert not any("prompt_completion" in w.value for w in at.warning)  # the reading that trains them


def test_hh_rlhf_transcripts_are_read_as_pairs_and_the_page_says_so(tmp_path):
    from tests.test_data_shapes import TRANSCRIPTS

    at = with_path(data_page(), write_jsonl(tmp_path / "hh.jsonl", [r for _, r, _ in TRANSCRIPTS]))
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"], metrics["Skipped rows"]) == ("preference pairs", "3", "0")
    assert any("whole Human/Assistant transcripts" in i.value for i in at.info)
    body = texts(at)
    assert "Hat, mat and bat." in body and "Odd. What rhymes with cat?" in body and "Human: Odd" not in body


def test_a_json_object_wrapping_its_rows_names_the_key_and_the_keys_beside_it(tmp_path):
    path = tmp_path / "wrapped.json"
    rows = [{"instruction": "Say hi.", "output": "Hi."}, {"instruction": "Say bye.", "output": "Bye."}]
    path.write_text(json.dumps({"version": "1.0", "data": rows, "meta": {"n": 2}}), encoding="utf-8")
    at = with_path(data_page(), path)
    assert {m.label: m.value for m in at.metric}["Valid rows"] == "2"
    assert any("the keys 'version', 'meta' are not rows and are ignored" in i.value for i in at.info)


def tool_rows() -> list[dict]:
    from tests.test_formats import CASES

    return [
        CASES[0][2][0],
        {"messages": [{"role": "user", "content": "6 x 7?"}, {"role": "assistant", "content": "42."}]},
    ]


def test_token_lengths_of_tool_rows_say_what_a_template_that_keeps_the_calls_measures(tmp_path, smol_tokenizer):
    """The model's own template leaves the tool calls out: its lengths understate a run's, so the page says what
    hermes (the template Train asks for) measures, as the Tokens page counts it."""
    from ftlib.data import load_file as load
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row
    from ui.labels import template_label

    path = write_jsonl(tmp_path / "tools.jsonl", tool_rows())
    hermes = get_template("hermes", smol_tokenizer)
    longest = max(len(encode_row(r, smol_tokenizer, hermes).input_ids) for r in load(path).rows)
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    # Measured with hermes, said beside the chart (h254: the model's own template's count was of rows without calls)
    said = [w.value for w in at.warning if "leaves out these rows' tool calls" in w.value]
    assert said and "not with **the model's own template**" in said[0]
    assert f"(longest: {longest})" in " ".join(a.value for a in [*at.info, *at.warning])
    # One pair of brackets, not "(the whole conversation, written with X (chosen on ...))" (helper 105's walk)
    assert f"in tokens: the whole conversation, written with **{template_label('hermes')}** (see below)" in texts(at)
    # Chosen on Tokens (one choice with Batches and Train: ui.kept), hermes is what the lengths are measured with.
    at.session_state[SHARED] = {"template": ("hermes", "Tokens")}
    at.run()
    caption = "in tokens: the whole conversation, written with **ChatML + tools (Hermes)**, chosen on Tokens, "
    assert caption in texts(at)
    assert not any("leaves out these rows' tool calls" in w.value for w in at.warning)
    assert any(f"(longest: {longest})" in s.value for s in [*at.success, *at.warning])


def test_boxes_typed_in_and_left_with_the_click_on_another_page_keep_their_values(tmp_path):
    """Walk 6 found it on Train: a value typed and not yet sent goes with the click on another page, so the page
    that keeps its copies never runs with it. The Data page's typed boxes keep theirs through a callback."""
    data = [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(20)]
    at = with_path(data_page(), write_jsonl(tmp_path / "qa.jsonl", data))
    at.text_input(key="split_name").input("my-own-name")
    at.number_input(key="split_ratio").set_value(0.25)
    at.switch_page("pages/2_Tokens.py").run()  # no Data run in between: the values came with this click
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="split_name").value == "my-own-name" and at.number_input(key="split_ratio").value == 0.25


def test_saved_splits_of_two_uploads_of_one_name_say_when_and_from_what(tmp_path):
    """Walk 8 B9: two teammates each uploading `train.jsonl` left two splits the table could not tell apart (no file
    name, no time). Each split now says when it was saved and from what; one saved before that was kept says
    "unknown"."""
    payload = (FIXTURES / "chat_mixed.jsonl").read_bytes()
    teammates = workspace.uploads_dir() / "20261128-101500-abcdef-train.jsonl"  # uploaded the day before
    teammates.write_bytes(payload + b"\n")  # their own copy (the same file again would be that upload)
    sample = ROOT / "samples" / "chat_style_sft.jsonl"
    rows = load_file(sample).rows
    workspace.save_split("demo", rows[:4], rows[4:6], {"path": str(sample), "source": "chat_style"})
    old = workspace.save_split("old", rows[:3], rows[3:4])
    meta = json.loads((old / "meta.json").read_text())
    (old / "meta.json").write_text(json.dumps({k: v for k, v in meta.items() if k not in ("saved_at", "path")}))

    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="data_upload").upload("train.jsonl", payload, "application/jsonl").run()
    at.button(key="split_save").click().run()  # as `train`, the name offered
    at.file_uploader(key="data_upload").set_value(None).run()
    at.selectbox(key="data_earlier").set_value(teammates.name).run()
    at.text_input(key="split_name").input("train_2").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    table = at.dataframe[-1].value.set_index("Name")
    assert table.loc["train_2", "From"] == "train.jsonl (uploaded 2026-11-28 10:15)"
    mine = table.loc["train", "From"]
    assert mine.startswith("train.jsonl (uploaded ") and mine != table.loc["train_2", "From"]
    assert table.loc["demo", "From"] == "sample chat_style"
    assert table.loc["old", ["Saved", "From"]].tolist() == ["unknown", "unknown"]
    for name in ("train", "train_2", "demo"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", table.loc[name, "Saved"]), table.loc[name, "Saved"]
    assert table.loc["train_2", ["Train rows", "Test rows"]].tolist() == [3, 1]


def test_a_split_that_leaves_one_label_on_a_side_is_warned_before_it_is_saved(tmp_path):
    """KTO answers are split per label; with one bad answer in the file, the test part can only hold good ones."""
    path = tmp_path / "judged.jsonl"
    rows = [{"prompt": f"Name tide {i}.", "completion": "Spring.", "label": i < 7} for i in range(8)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    at = with_path(data_page(), path)
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(2).run()
    assert not at.exception
    said = [w.value for w in at.warning if "The test split holds only answers labelled good" in w.value]
    assert said and "the file's 1 bad answer is in train" in said[0]


def test_a_column_with_no_name_is_named_so_in_the_boxes_and_the_warnings(tmp_path):
    """A cold walk: a header `Q,A,notes,,x` offered a blank choice in the column boxes and warned of "ignored field:
    ``"; Q and A were not guessed."""
    path = tmp_path / "faq.csv"
    path.write_text("Q,A,,notes\nWhat is 0?,It is 0.,kept,n0\nWhat is 1?,It is 1.,kept,n1\n")
    at = with_path(data_page(), path)
    assert not at.exception and not at.error
    question = at.selectbox(key="data_pair_question")
    assert (question.value, at.selectbox(key="data_pair_answer").value) == ("Q", "A")
    assert "(the column with no name)" in question.options and "" not in question.options
    assert any("Not used: (the column with no name), notes" in c.value for c in at.caption)


def opened(at: AppTest) -> tuple[str, str, str]:
    """(the source, the file it opened as its box names it, the valid rows read)."""
    source = at.radio(key="data_source").value
    box = {"Sample": "data_sample", "Upload": "data_earlier"}.get(source)
    named = at.selectbox(key=box).value if box else at.text_input(key="data_path").value
    return source, named, {m.label: m.value for m in at.metric}.get("Valid rows", "")


def test_a_refresh_opens_the_file_last_open_not_a_sample(tmp_path):
    """A cold review: an upload, then F5: the page went back to Sample and showed chat_style's rows, the upload one
    box away, and "Save split" saved the sample. A new session (a refresh, a second tab, a restart) opens what was
    last open in the workspace: the upload, a path, a sample; an upload deleted since is not reopened."""
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "my tickets.csv", QA_CSV)
    (stored,) = workspace.list_uploads()
    refreshed = data_page()  # a new session on the same workspace
    assert not refreshed.error and not refreshed.info, [i.value for i in refreshed.info]
    assert opened(refreshed) == ("Upload", stored.name, "3")
    assert refreshed.text_input(key="split_name").value == "my_tickets"  # what "Save split" saves is the upload

    csv = tmp_path / "local.csv"
    csv.write_bytes(QA_CSV.replace(b"Lima\n", b"Lima\nWho wrote Hamlet?,Shakespeare\n"))
    with_path(refreshed, csv)
    assert opened(data_page()) == ("Local path", str(csv), "4")
    refreshed.radio(key="data_source").set_value("Sample").run()
    refreshed.selectbox(key="data_sample").set_value("qa_table").run()  # not the first sample (a sentinel)
    assert opened(data_page())[:2] == ("Sample", "qa_table")

    refreshed.radio(key="data_source").set_value("Upload").run()
    upload(refreshed, "other.csv", QA_CSV)
    refreshed.file_uploader(key="data_upload").clear().run()
    refreshed.selectbox(key="data_earlier").set_value(stored.name).run()
    assert opened(refreshed) == ("Upload", stored.name, "3")
    stored.unlink()  # deleted since: the box shows nothing chosen, the other upload is not opened in its place
    later = data_page()
    assert not later.exception, later.exception
    assert opened(later) == ("Upload", "(none)", "")


def test_a_session_that_changed_nothing_does_not_undo_what_another_opened():
    """The workspace is shared (a server serves several people): the last change wins, and a session merely shown
    again (a rerun of a Data page opened before) records nothing over it."""
    first = data_page()
    second = data_page()
    second.radio(key="data_source").set_value("Upload").run()
    upload(second, "theirs.csv", QA_CSV)
    first.switch_page("pages/2_Tokens.py").run()
    first.switch_page("pages/1_Data.py").run()  # still on its sample, drawn again
    assert opened(first)[0] == "Sample"
    assert opened(data_page())[0] == "Upload"


def test_a_refresh_reads_the_file_with_the_mapping_and_format_set_for_it(tmp_path):
    """A refresh (a new session on the same workspace) used to read the file with the guessed mapping and "detect
    automatically" again, whatever the user had set: both are recorded per file now, and another file keeps its own."""
    at = with_path(data_page(), FIXTURES / "qa.csv")
    at.selectbox(key="data_map_instruction").set_value("(none)").run()
    at.selectbox(key="data_map_output").set_value("(none)").run()
    at.selectbox(key="data_map_prompt").set_value("question").run()
    at.selectbox(key="data_map_completion").set_value("answer").run()
    at.selectbox(key="data_format").set_value("prompt_completion").run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Format"] == "prompt and answer"

    refreshed = data_page()  # opens qa.csv again (the path last typed), read as it was set
    assert refreshed.text_input(key="data_path").value == str(FIXTURES / "qa.csv")
    assert refreshed.selectbox(key="data_map_prompt").value == "question"
    assert refreshed.selectbox(key="data_map_instruction").value == "(none)"
    assert refreshed.selectbox(key="data_format").value == "prompt_completion"
    assert {m.label: m.value for m in refreshed.metric}["Format"] == "prompt and answer"

    other = tmp_path / "other.csv"
    other.write_bytes((FIXTURES / "qa.csv").read_bytes())
    with_path(refreshed, other)  # another file: its own guess, detected
    assert refreshed.selectbox(key="data_map_instruction").value == "question"
    assert refreshed.selectbox(key="data_format").value == "auto"
    back = with_path(data_page(), FIXTURES / "qa.csv")  # and back: the first file's own settings
    assert back.selectbox(key="data_map_prompt").value == "question"
    assert back.selectbox(key="data_format").value == "prompt_completion"


def test_a_mapping_recorded_by_another_version_is_not_trusted(tmp_path):
    """A record missing fields (written before FIELDS grew) falls back to the guess instead of failing the page."""
    workspace.remember_choice("data_maps", {str(FIXTURES / "qa.csv"): {"start": {}, "chosen": {"prompt": "question"}}})
    at = with_path(data_page(), FIXTURES / "qa.csv")
    assert not at.exception and at.selectbox(key="data_map_instruction").value == "question"  # the guess


def test_two_tabs_setting_two_files_keep_both_mappings(tmp_path):
    """Each file's mapping is recorded on its own: a tab opening another file does not undo the mapping a second tab
    set for the first one since (nor does a tab that changed nothing)."""
    other = tmp_path / "other.csv"
    other.write_bytes((FIXTURES / "qa.csv").read_bytes())
    first = with_path(data_page(), FIXTURES / "qa.csv")  # reads qa.csv with its guess
    second = with_path(data_page(), FIXTURES / "qa.csv")
    second.selectbox(key="data_map_instruction").set_value("(none)").run()
    second.selectbox(key="data_map_output").set_value("(none)").run()
    second.selectbox(key="data_map_prompt").set_value("question").run()
    second.selectbox(key="data_map_completion").set_value("answer").run()
    first.selectbox(key="data_format").set_value("alpaca").run()  # the first tab changes qa.csv's Format only
    with_path(first, other)
    later = with_path(data_page(), FIXTURES / "qa.csv")
    assert later.selectbox(key="data_map_prompt").value == "question"  # the second tab's mapping
    assert later.selectbox(key="data_format").value == "alpaca"  # the first tab's Format


def test_the_parsed_file_is_handed_back_not_copied_and_the_page_never_changes_it(tmp_path, monkeypatch):
    """A review (2026-12-04): with 100,000 chat rows loaded every click took ~3 s, st.cache_data unpickling a copy of
    every row at each rerun. The parsed file is now shared (st.cache_resource): each rerun draws the object read once,
    and what the page does with it (dedupe, the one-label split check, a save) leaves its rows as they were read."""
    import copy

    from ui import data_files, data_view

    path = tmp_path / "labelled.jsonl"
    rows = [{"prompt": f"Name tide {i % 9}.", "completion": "Spring.", "label": i % 3 > 0} for i in range(24)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    reads, shown = [], []
    real_load, real_report = data_files.load_file, data_view.show_report

    def load_file(*args, **kwargs):
        result = real_load(*args, **kwargs)
        reads.append((result, copy.deepcopy(result.rows)))
        return result

    monkeypatch.setattr(data_files, "load_file", load_file)  # what the page's cached reader calls
    monkeypatch.setattr(data_view, "show_report", lambda result, *a: shown.append(result) or real_report(result, *a))
    at = with_path(data_page(), path)
    at.checkbox(key="split_dedupe").check().run()
    at.number_input(key="split_seed").set_value(3).run()
    at.button(key="split_save").click().run()
    assert not at.exception, at.exception
    reads = [(result, as_read) for result, as_read in reads if str(result.source).endswith("labelled.jsonl")]
    shown = [result for result in shown if str(result.source).endswith("labelled.jsonl")]
    assert len(reads) == 1 and len(shown) >= 4
    result, as_read = reads[0]
    assert all(drawn is result for drawn in shown)  # the object itself, not a copy per rerun
    assert result.rows == as_read  # nothing the page did changed the shared rows
    train, test, _ = workspace.load_split(workspace.last_active_split())
    assert len(train) + len(test) == 9  # the 9 distinct rows, deduped


def test_a_split_crowded_by_one_rows_copies_is_warned_before_it_is_saved(tmp_path):
    """A review: one row copied 5,000 times filled half of a 10,000-row test split, with no word of it (a split keeps
    a row's copies on one side). The file report says how often the row is there; the split, before it is saved,
    that the held-out rows are mostly that row."""
    from ftlib.data import split_rows

    path = tmp_path / "copies.jsonl"
    rows = [{"prompt": "hi", "completion": "Hello!"}] * 12 + [
        {"prompt": f"Name river {i}.", "completion": f"River {i}."} for i in range(28)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    loaded = load_file(str(path)).rows
    seed = next(s for s in range(200) if sum('"hi"' in json.dumps(r) for r in split_rows(loaded, 12, s)[1]) == 12)
    at = with_path(data_page(), path)
    assert "The row at line 1 is there 12 times." in " ".join(e.value for e in [*at.warning, *at.info, *at.caption])
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(12).run()
    at.number_input(key="split_seed").set_value(seed).run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "are copies of one row" in w.value]
    assert said and said[0].startswith("12 of the 12 held-out rows are copies of one row")
    at.checkbox(key="split_dedupe").check().run()  # one copy kept: nothing to warn of
    assert not [w.value for w in at.warning if "are copies of one row" in w.value]


def test_hundreds_of_ignored_fields_are_a_short_list_and_a_table(tmp_path):
    """A review: 700 ignored fields made one warning of 700 bullets (98,863 characters). The ten in most rows are
    bullets, the rest one line, and every one is in a table under an expander."""
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}.", f"extra_{i % 40}": i, "source": "web"} for i in range(80)]
    path = tmp_path / "keys.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    at = with_path(data_page(), path)
    assert not at.exception, at.exception
    (box,) = [w.value for w in at.warning if "ignored field" in w.value]
    assert box.count("\n- ") + 1 == 11 and "- And 31 more ignored fields, not read: `extra_" in box
    assert any(e.label == "All 41 ignored fields" for e in at.expander)
    (table,) = [d.value for d in at.dataframe if "field" in d.value.columns]
    assert len(table) == 41 and set(table["rows"]) == {80, 2}


def _draw_turns(turns):
    from ui.data_view import show_turns

    show_turns(turns)


def test_the_preview_shows_a_turns_text_as_it_is_written():
    """A visual review: st.text dedents and strips ("    def f():" showed as "def f():", a reply's leading space went
    unseen); such text shows in a code block, which keeps it; plain text stays plain."""
    code = "    def f():\n        return 1"
    turns = [{"role": "user", "content": "Write f."}, {"role": "assistant", "content": code}]
    at = AppTest.from_function(_draw_turns, args=(turns + [{"role": "user", "content": " Paris"}],)).run()
    assert not at.exception, at.exception
    assert [c.value for c in at.code] == [code, " Paris"]
    assert [t.value for t in at.text] == ["Write f."]


def test_an_arena_file_on_the_page_is_pairs_and_says_how_it_was_read(tmp_path):
    """The judged pairs (ftlib/judged_pairs.py) through the page as a user opens them: the page passes its own,
    empty, mapping, which once kept the rows as prompts only."""
    rows = [
        {"prompt": f"Tide {i}?", "response_a": "At noon.", "response_b": "No idea.", "winner": w}
        for i, w in enumerate(["model_a", "model_b", "tie"])
    ]
    at = with_path(data_page(), write_jsonl(tmp_path / "arena.jsonl", rows))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"], metrics["Skipped rows"]) == ("preference pairs", "2", "1")
    assert any(i.value.startswith("3 rows judge two answers (`response_a`") for i in at.info)
    assert bad_rows(at) == [
        ("line 3", "the judge called it a tie, so neither answer is preferred and the row makes no pair")
    ]


def test_a_file_replaced_with_its_old_modification_time_is_read_again(tmp_path):
    """`cp -p` / `rsync -t` put a new file in place with the old one's time: the page read its cached rows by the
    time alone and went on showing the old file's. Its version is now the file's stamp (inode, time, size)."""
    path = tmp_path / "chats.jsonl"
    turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]
    path.write_text(json.dumps({"messages": turns}) + "\n", encoding="utf-8")
    at = with_path(data_page(), path)
    assert {m.label: m.value for m in at.metric}["Rows read"] == "1"
    stat = path.stat()
    new = tmp_path / "new.jsonl"
    new.write_text((json.dumps({"messages": turns}) + "\n") * 3, encoding="utf-8")
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as rsync -t leaves it: the old file's time
    os.replace(new, path)
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Rows read"] == "3"


def test_the_length_histogram_is_built_once_for_the_same_lengths_and_cutoff():
    """The Data page reruns at every click; plotly express took ~0.03 s of CPU to build the same figure each time."""
    from ui.data_view import length_figure

    lengths = [12, 40, 33, 57]
    figure = length_figure(lengths, 48)
    assert length_figure(list(lengths), 48) is figure  # a rerun draws the figure already built
    assert length_figure(lengths, 64) is not figure and length_figure([*lengths, 5], 48) is not figure
    assert list(figure.data[0].x) == lengths and figure.layout.annotations[0].text == "max length 48"
