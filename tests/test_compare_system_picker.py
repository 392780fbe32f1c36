"""Compare's held-out row picker (helper 57's cold walk): rows asking one question under different system messages
were listed alike ("1: Greet me.", "2: Greet me."), so which one was picked could not be told. Rows whose question
repeats end with their system message's start; a row asking its own question is listed as before."""

from __future__ import annotations

from ftlib import workspace
from tests.test_pages_compare import open_page


def chat(system: str | None, question: str) -> dict:
    turns = [{"role": "system", "content": system}] if system else []
    return {"messages": [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": "Ahoy."}]}


def test_rows_asking_one_question_are_told_apart_by_their_system_message(varied_dir):
    rows = [
        chat("You are a pirate who speaks only in rhymes, every single time.", "Greet me."),
        chat("You are a butler.", "Greet me."),
        chat(None, "Greet me."),
        chat("You are a butler.", "What time is it?"),
    ]
    workspace.save_split("personas", rows, rows, {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    options = next(s for s in at.selectbox if s.label.startswith("Test row")).options
    assert options == [
        '1: Greet me. · system: "You are a pirate who speaks only in rhy…"',
        '2: Greet me. · system: "You are a butler."',
        "3: Greet me. · no system message",
        "4: What time is it?",  # its question is its own: nothing more needed
    ]
