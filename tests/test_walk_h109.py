"""Helper 109's walk: a product team's thumbs-up/down feedback log read as KTO rows (answers marked good or bad).

One row of such a log had lost its label: it looks like prompt/completion, and the Data page's warning told the user
to read the whole file as prompt_completion "to read them as that", which trains every answer as one to imitate,
the thumbs-down ones too. The warning now says to label the row or leave it out, and why not the other format.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes


def _feedback(unlabelled: int) -> bytes:
    rows = []
    for i in range(6):
        prompt = [{"role": "user", "content": f"How do I do task {i}?"}]
        for answer, label in ((f"Open menu {i}.", True), ("No idea.", False)):
            rows.append({"prompt": prompt, "completion": [{"role": "assistant", "content": answer}], "label": label})
    for row in rows[1 : 1 + unlabelled]:
        del row["label"]  # a feedback export that lost the thumb of these answers
    return "\n".join(json.dumps(r) for r in rows).encode()


def _looks_like(result) -> str:
    (notice,) = [n.message for n in result.notices if "look" in n.message and "prompt_completion" in n.message]
    return notice


def test_an_unlabelled_answer_in_a_feedback_file_is_not_sent_to_prompt_completion():
    result = load_bytes(_feedback(1), "feedback.jsonl")
    assert result.format == "unpaired_preference"
    assert len(result.rows) == 11 and len(result.errors) == 1
    notice = _looks_like(result)
    assert notice.startswith("1 row looks like prompt_completion, not unpaired_preference: it is refused")
    assert "Pick the format 'prompt_completion'" not in notice  # it would train the bad answers as good ones
    assert "Give it a 'label' (true for a good answer, false for a bad one) to train on it, or leave it out" in notice
    assert "the ones labelled bad too" in notice


def test_several_unlabelled_answers_are_said_in_the_plural():
    notice = _looks_like(load_bytes(_feedback(3), "feedback.jsonl", fmt="unpaired_preference"))
    assert notice.startswith("3 rows look like prompt_completion")
    said = "Give each a 'label' (true for a good answer, false for a bad one) to train on them, or leave them out"
    assert said in notice


def test_a_chat_file_still_hears_of_the_other_format():
    """Rows that look like preference pairs in a chat file keep the old advice: nothing is imitated by mistake."""
    rows = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}] * 3
    rows.append({"prompt": "hi", "chosen": "hello", "rejected": "go away"})
    result = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "chats.jsonl")
    assert any("Pick the format 'preference'" in n.message for n in result.notices)


RATED_CSV = (
    b"conversation_id,prompt,completion,rating\n"
    b"c1,How do I reset my password?,Settings > Account > Reset password.,5\n"
    b"c2,How do I reset my password?,Passwords are secret.,1\n"
    b"c3,Is there a dark mode?,Settings > Appearance > Dark.,4\n"
    b"c4,Is there a dark mode?,I cannot answer that.,2\n"
)


def test_a_feedback_export_read_as_answers_to_imitate_warns_that_its_rating_is_not_read():
    """A 1-5 star export read by default as prompt_completion trained the 1-star answers as ones to imitate; the
    only word was the neutral note 'Not used: conversation_id, rating'."""
    result = load_bytes(RATED_CSV, "feedback.csv")
    assert result.format == "prompt_completion" and len(result.rows) == 4  # read as before
    warned = [n.message for n in result.notices if not n.note]
    (judged,) = [m for m in warned if "'rating'" in m]
    assert judged.startswith("The 'rating' column is not read, though its name says it may judge each answer")
    assert "read as prompt_completion, every answer is trained as one to imitate, the badly rated ones too" in judged
    assert "turn it into a 'label' column (true for the answers you call good" in judged
    assert "--format unpaired_preference in the CLI" in judged


def test_columns_that_only_contain_a_judging_word_inside_another_word_are_left_alone():
    data = b"prompt,completion,start_time,scoreboard\nHi,Hello,9:00,a\nBye,See you,9:01,b\n"
    result = load_bytes(data, "plain.csv")
    assert result.format == "prompt_completion"
    assert not [n.message for n in result.notices if "judge each answer" in n.message]


def test_a_json_feedback_file_names_its_field_and_a_good_bad_read_says_nothing_of_it():
    rows = [
        {"prompt": "Hi", "completion": "Hello", "thumbs_up": True},
        {"prompt": "Hi", "completion": "Go", "votes": 0},
    ]
    result = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "log.jsonl")
    (judged,) = [n.message for n in result.notices if "judge each answer" in n.message]
    assert judged.startswith("The 'thumbs_up' and 'votes' fields are not read, though their names say they may")
    labelled = [{"prompt": "Hi", "completion": "Hello", "label": True, "rating": 5}] * 2
    kto = load_bytes("\n".join(json.dumps(r) for r in labelled).encode(), "kto.jsonl")
    assert kto.format == "unpaired_preference"
    assert not [n for n in kto.notices if "judge each answer" in n.message]


def test_a_linked_model_folder_says_where_it_leads_and_each_allowed_folder_once(tmp_path):
    """The sidebar said "A model folder of that name is at /m/SmolLM2: give that path as the model", then refused
    that path as "outside the folders this server allows (/ws, /m, /m)": /m/SmolLM2 was a link to a folder elsewhere,
    which the message did not say, and /m (FTLIB_HOME/models and FTLIB_MODEL_DIRS both) was named twice."""
    import pytest

    from ftlib.workspace import PathNotAllowed, check_browser_path

    allowed, elsewhere = tmp_path / "models", tmp_path / "elsewhere" / "SmolLM2"
    allowed.mkdir()
    elsewhere.mkdir(parents=True)
    (allowed / "SmolLM2").symlink_to(elsewhere)
    with pytest.raises(PathNotAllowed) as caught:
        check_browser_path(allowed / "SmolLM2", [tmp_path / "ws", allowed, allowed], "model folder")
    said = str(caught.value)
    assert f"The model folder '{allowed / 'SmolLM2'}' links to '{elsewhere}', which is outside the folders" in said
    assert f"({tmp_path / 'ws'}, {allowed})." in said
    with pytest.raises(PathNotAllowed) as plain:  # a path that is no link reads as before
        check_browser_path(tmp_path / "other", [allowed], "model folder")
    assert f"The model folder '{tmp_path / 'other'}' is outside the folders" in str(plain.value)
