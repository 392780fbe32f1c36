"""AppTest: the Data page says what the engine's notices say about how a file was read: text holding a chat
template's markup (every token trained, the user's turns too) and a prompt beside a reply read as its answer; the
fix of a JSON file's unread answers names the Field mapping box the page has for it."""

from __future__ import annotations

from tests.test_pages_data import _allowed_data_dirs, data_page, with_path, write_jsonl  # noqa: F401 (fixture)

CHAT = "<|im_start|>user\nName a planet.<|im_end|>\n<|im_start|>assistant\nMars.<|im_end|>"


def test_text_of_chat_markup_is_warned_on_the_data_page(tmp_path):
    at = with_path(data_page(), write_jsonl(tmp_path / "chats.jsonl", [{"text": CHAT}, {"text": "Plain prose."}]))
    said = [w.value for w in at.warning if "chat template" in w.value]
    assert len(said) == 1 and "in 1 row of 2: ChatML" in said[0] and "(line 1)" in said[0]
    assert "the user's turns and the markup" in said[0] and "`messages`" in said[0]


def test_a_prompt_beside_a_response_is_read_as_its_answer_on_the_data_page(tmp_path):
    rows = [{"prompt": "Name a metal.", "response": "Tin."}, {"prompt": "Name a gas.", "response": "Neon."}]
    at = with_path(data_page(), write_jsonl(tmp_path / "pr.jsonl", rows))
    assert not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Format"] == "prompt and answer"
    assert any("`response` is read as the answer to each `prompt`" in i.value for i in at.info)


def test_a_json_file_of_prompts_and_answers_names_the_field_mapping_box(tmp_path):
    rows = [{"prompt": "Name a metal.", "answer": "It is tin."}, {"prompt": "Name a gas.", "answer": "It is neon."}]
    at = with_path(data_page(), write_jsonl(tmp_path / "grpo.jsonl", rows))
    (said,) = [w.value for w in at.warning if "map it to `completion`" in w.value]
    assert "the `completion` box under Field mapping" in said and "Answer column" not in said
    assert [e.label for e in at.expander if e.label == "Field mapping"]  # the control the warning names exists
    at.selectbox(key="data_map_completion").set_value("answer").run()
    assert {m.label: m.value for m in at.metric}["Format"] == "prompt and answer"


def test_a_table_of_prompts_and_answers_is_read_on_the_page_as_the_cli_reads_it(tmp_path, capsys):
    """A newcomer's walk: a `prompt,answer` CSV was instruction and answer on the Data page (its column-name guess,
    the answer trained) and prompts with a column for GRPO's rewards in `data inspect` and `train`. The page starts
    from the engine's own reading now, and says how to train the answer instead."""
    from ftlib.cli import main

    path = tmp_path / "sums.csv"
    path.write_text("prompt,answer\nWhat is 2+2?,4\nWhat is 3+3?,6\nWhat is 4+4?,8\n", encoding="utf-8")
    assert main(["data", "inspect", str(path)]) == 0
    assert "format:     prompts only (prompt_only)" in capsys.readouterr().out
    at = with_path(data_page(), str(path))
    assert {m.label: m.value for m in at.metric}["Format"] == "prompts only"
    (note,) = [i.value for i in at.info if "`answer` in 3 rows is not part of the prompt" in i.value]
    # the box above, not "on the Data page (`--map answer=completion` in the CLI)" on the Data page (helper 138's walk)
    assert "choose `answer` as the Answer column above." in note and "--map" not in note
    at.selectbox(key="data_pair_answer").set_value("answer").run()  # the control the note names
    assert {m.label: m.value for m in at.metric}["Format"] == "prompt and answer"
