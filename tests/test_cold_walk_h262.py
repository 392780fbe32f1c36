"""Helper 262's fixes of helper 255's cold walk on Batches and Compare.

Batches on a DPO split said "`packing` works for SFT only: ... Turn packing off." on its Packing tab, of a setting
nobody had turned on there (it is one tab among others); on raw text it counted each text's first token as "read but
not trained (prompts, system text)", of rows that have neither."""

from __future__ import annotations

from ftlib import workspace
from tests.test_pages_batches import preference_rows, run_page

TEXTS = [
    {"text": "The ferry leaves the north pier at seven and returns by the evening tide."},
    {"text": "Nets are mended on the quay in winter, when the boats stay in harbour."},
    {"text": "A storm warning flag is raised on the mast above the coastguard hut."},
]


def test_batches_says_neutrally_that_pairs_are_not_packed():
    workspace.save_split("pairs-h262", preference_rows(6), preference_rows(2))
    at = run_page()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    infos = [i.value for i in at.info]
    said = (
        "Packing applies to SFT; a DPO, reward-model or KTO run's pairs are not packed: each answer is scored whole."
    )
    tab = next(i for i in infos if i.startswith("How these sequences would lie end to end"))
    assert said in tab, tab
    assert not any("Turn packing off" in i or "works for SFT only" in i for i in infos), infos
    assert f"**Packing** is left out of the table: {said}" in infos, infos


def test_batches_names_a_texts_first_token_not_prompts_as_read_but_not_trained():
    workspace.save_split("texts-h262", TEXTS, TEXTS[:1])
    at = run_page()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    said = [c.value for c in at.caption if c.value.startswith("Positions computed per trained token.")]
    assert said, [c.value for c in at.caption]
    assert all("(each text's first token, which no earlier token predicts)" in c for c in said), said
    assert not any("prompts, system text" in c for c in said), said


def test_compare_on_raw_text_asks_for_the_beginning_of_a_held_out_text(varied_dir, adapter_template):
    """Compare on a run trained on raw text: the box said "Your message" over "Write a short poem about the sea.", a
    whole request, which the 135M model met with its end of text at once in every column, base and tuned: the run
    continues texts, so the box is labelled as the beginning of one and starts on a held-out text's opening words."""
    from ftlib.testing import make_run
    from tests.test_pages_compare import open_page
    from tests.test_walk_h255 import _kept

    workspace.save_split("notes-h262", TEXTS, TEXTS[1:])
    run = make_run(
        "20261208-000000-lora-notes-h262",
        {"model": str(varied_dir), "dataset": "notes-h262"},
        adapter=adapter_template,
    )
    _kept(run, "text")  # the run's own copy of its rows, read as raw text
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    (box,) = [t for t in at.text_area if t.key == "compare_prompt"]
    assert box.label == "Beginning of a text (the models continue it)", box.label
    assert box.value == "Nets are mended on the quay in", box.value  # the first held-out text's opening words
    seen = next(e for e in at.expander if e.label.startswith("What the model sees"))
    assert "Raw text" in seen.label, seen.label


def test_compare_asks_a_picked_held_out_text_its_opening_words_and_shows_how_it_goes_on(varied_dir, adapter_template):
    """A raw text picked from the test split was asked as an assistant turn ("Could not render the prompt: A prompt
    must end with a user (or system) turn"): its opening words are asked, the rest is its reference."""
    from ftlib.testing import make_run
    from tests.test_pages_compare import open_page
    from tests.test_walk_h255 import _kept

    workspace.save_split("notes-pick-h262", TEXTS, TEXTS[1:])
    run = make_run(
        "20261208-000000-lora-notes-pick-h262",
        {"model": str(varied_dir), "dataset": "notes-pick-h262"},
        adapter=adapter_template,
    )
    _kept(run, "text")
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    seen = next(e for e in at.expander if e.label.startswith("What the model sees"))
    assert "Raw text" in seen.label and "Nets are mended on the quay in" in seen.code[0].value, seen.code[0].value
    said = [c.value for c in at.caption]
    assert "How the held-out text goes on after the opening words the models were given:" in said, said
    assert " winter, when the boats stay in harbour." in [c.value for c in at.code], [c.value for c in at.code]
