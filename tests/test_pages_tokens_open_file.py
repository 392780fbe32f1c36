"""AppTest: Tokens opens on the dataset's rows while a file is open on the Data page but not saved yet, naming it and
what to press, as Batches and Train name it, with typing one click away (helper 203's brief: the page opened on its
typed example, as if the file just read were not there). Saved, the split's rows show without another click; a
choice of typing made meanwhile is the user's and kept; with nothing open, the typed example is shown as before."""

from __future__ import annotations

import json

from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (the fixture: FILE readable)

SAID = "is open on the **Data** page but not saved as a split yet: press **Save split**"


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


ROWS = [
    _chat("Wann fährt der letzte Zug nach Bern?", "Um 23:32 ab Gleis 7."),
    _chat("Is there a quiet carriage?", "Yes, carriage 3 is a quiet zone."),
    _chat("¿Puedo llevar mi bicicleta?", "Sí, con un billete para bicicleta."),
    _chat("Can I change my seat?", "Yes, in the app under My trips, until departure."),
    _chat("Is the bistro open?", "It is open until 22:00."),
    _chat("Where is the luggage rack?", "At each end of the carriage."),
]


def _opened(tmp_path):
    path = tmp_path / "rail support.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    at = with_path(data_page(), path)
    assert at.session_state["data_open"] == "rail support.jsonl"
    return at


def _tokens(at):
    at.switch_page("pages/2_Tokens.py").run()
    assert not at.exception, at.exception
    return at


def test_a_file_open_on_data_opens_tokens_on_its_rows_with_what_to_press(tmp_path):
    at = _tokens(_opened(tmp_path))
    assert at.radio(key="tok_source").value == "Row from the dataset"
    assert any(f"**rail support.jsonl** {SAID}" in i.value for i in at.info), [i.value for i in at.info]
    assert any("**Type a conversation** above" in c.value for c in at.caption)
    assert not at.metric  # no token of the typed example passed off as the file's
    at.radio(key="tok_source").set_value("Type a conversation").run()
    assert not at.exception and at.metric and not any(SAID in i.value for i in at.info)


def test_saved_the_split_shows_its_rows(tmp_path):
    at = _tokens(_opened(tmp_path))
    at.switch_page("pages/1_Data.py").run()
    at.button(key="split_save").click().run()
    assert not at.exception and any("Saved **" in s.value for s in at.success), [e.value for e in at.error]
    at = _tokens(at)
    assert at.radio(key="tok_source").value == "Row from the dataset" and at.number_input(key="tok_row").value == 1
    assert at.metric and not any(SAID in i.value for i in at.info)


def test_typing_chosen_while_the_file_is_open_is_kept(tmp_path):
    at = _tokens(_opened(tmp_path))
    at.radio(key="tok_source").set_value("Type a conversation").run()
    at.switch_page("pages/1_Data.py").run()
    assert _tokens(at).radio(key="tok_source").value == "Type a conversation"
