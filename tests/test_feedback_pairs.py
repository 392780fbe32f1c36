"""Answers labelled good or bad -> preference pairs (`ftlib.feedback_pairs`): the pairing rules, `data pair`, the
`train` refusal that names it, and the Data page's button."""

from __future__ import annotations

import json

import pytest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.feedback_pairs import NotFeedback, feedback_pairs, pair_hint, pairs_jsonl
from tests.test_cli_train_data import SMALL
from tests.test_cli_train_settings import trained_here, write_rows
from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (fixture)


def turns(text: str, role: str) -> list[dict]:
    return [{"role": role, "content": text}]


def row(prompt, answer: str, good: bool) -> dict:
    """A canonical unpaired row (what `data.load_file` makes of a file's row)."""
    asked = turns(prompt, "user") if isinstance(prompt, str) else prompt
    return {"prompt": asked, "completion": turns(answer, "assistant"), "label": good}


def said(made) -> list[tuple[str, str, str]]:
    return [(p["prompt"][-1]["content"], p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in made.pairs]


# (id, rows, expected pairs as (prompt, chosen, rejected), expected left-out rows (1-based) with a word of why)
CASES = [
    ("one-each", [row("P", "g", True), row("P", "b", False)], [("P", "g", "b")], []),
    ("bad-first", [row("P", "b", False), row("P", "g", True)], [("P", "g", "b")], []),
    (
        "uneven: zipped in file order, the extra good answer left out",
        [row("P", "g1", True), row("P", "b1", False), row("P", "g2", True)],
        [("P", "g1", "b1")],
        [(3, "2 good answers and 1 bad one")],
    ),
    (
        "2 x 2 makes 2 pairs, not 4",
        [row("P", "g1", True), row("P", "g2", True), row("P", "b1", False), row("P", "b2", False)],
        [("P", "g1", "b1"), ("P", "g2", "b2")],
        [],
    ),
    (
        "only good and only bad prompts",
        [row("A", "g", True), row("B", "b", False), row("C", "g", True), row("C", "b", False)],
        [("C", "g", "b")],
        [(1, "good answers only"), (2, "bad answers only")],
    ),
    (
        "a prompt's text and its one-turn list are one prompt",
        [row("P", "g", True), row(turns("P", "user"), "b", False)],
        [("P", "g", "b")],
        [],
    ),
    (
        "a system turn makes another prompt",
        [row("P", "g", True), row([*turns("Be brief.", "system"), *turns("P", "user")], "b", False)],
        [],
        [(1, "good answers only"), (2, "bad answers only")],
    ),
    (
        "prompts differing in spaces are not merged, and said",
        [row("Name a  prime.", "g", True), row("Name a prime.", "b", False)],
        [],
        [(1, "differs from row 2's only in spaces"), (2, "differs from row 1's only in spaces")],
    ),
    (
        "a Windows export's line breaks (CRLF) against another's (LF): not merged, and said",
        [row("Two lines:\r\nfirst, then second.", "g", True), row("Two lines:\nfirst, then second.", "b", False)],
        [],
        [(1, "differs from row 2's only in spaces"), (2, "differs from row 1's only in spaces")],
    ),
    (
        "near prompts of one label: no pair to make, no spacing said",
        [row("Name a  prime.", "g", True), row("Name a prime.", "g", True)],
        [],
        [(1, "good answers only, so there is no bad answer to pair with"), (2, "good answers only, so")],
    ),
    (
        "a near prompt with a bad answer to spare is said to a good-only prompt, though it has good answers too",
        [
            row("Name a  prime.", "g1", True),
            row("Name a prime.", "g2", True),
            *[row("Name a prime.", b, False) for b in "bc"],
        ],
        [("Name a prime.", "g2", "b")],
        [
            (1, "no bad answer to pair with (its prompt differs from row 2's only in spaces"),
            (4, "this bad answer has no good one left (its prompt differs from row 1's only in spaces"),
        ],
    ),
    (
        "a near prompt whose answers all paired has none to give: not said",
        [row("Name a prime.", "g", True), row("Name a prime.", "b", False), row("Name a  prime.", "c", False)],
        [("Name a prime.", "g", "b")],
        [(3, "bad answers only, so there is no good answer to pair with")],
    ),
    (
        "an answer labelled both good and bad is in no pair (chosen = rejected is refused when read)",
        [row("P", "4", True), row("P", "4", False), row("Q", "g", True), row("Q", "b", False)],
        [("Q", "g", "b")],
        [(1, "the same answer to this prompt is labelled bad at row 2"), (2, "is labelled good at row 1")],
    ),
    (
        "the prompt's other answers pair without it, and are told of it",
        [row("P", "a", True), row("P", "g", True), row("P", "a", False), row("P", "b", False), row("P", "c", False)],
        [("P", "g", "b")],
        [(1, "labelled bad at row 3"), (3, "labelled good at row 1"), (5, "and 2 bad ones besides those labelled")],
    ),
]


@pytest.mark.parametrize("rows, pairs, left", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pairing_rules(rows, pairs, left):
    made = feedback_pairs(rows)
    assert said(made) == pairs
    assert [n for n, _ in made.left_out] == [n for n, _ in left]
    for (_, why), (_, word) in zip(made.left_out, left, strict=True):
        assert word in why, why
        assert ("spaces" in why) == ("spaces" in word), why
    # Nothing dropped unsaid: every row is in a pair or left out with its reason.
    used = sorted([n for s in made.sources for n in s] + [n for n, _ in made.left_out])
    assert used == list(range(1, len(rows) + 1))


def test_file_numbers_and_tools_are_kept_and_other_rows_refused():
    tools = [{"type": "function", "function": {"name": "add", "parameters": {}}}]
    rows = [row("P", "g", True) | {"tools": tools}, row("P", "b", False) | {"tools": tools}, row("P", "x", False)]
    made = feedback_pairs(rows, [4, 9, 12], lambda n: f"line {n}")
    assert made.sources == [(4, 9)] and made.pairs[0]["tools"] == tools  # the prompt with tools is its own prompt
    assert made.left_out == [(12, "its prompt has bad answers only, so there is no good answer to pair with")]
    pair = {"prompt": turns("P", "user"), "chosen": turns("g", "assistant"), "rejected": turns("b", "assistant")}
    with pytest.raises(NotFeedback, match=r"^Line 7 is not an answer labelled good or bad \(it reads as a preference"):
        feedback_pairs([rows[0], pair], [1, 7], lambda n: f"line {n}")


def test_pairs_are_written_as_text_only_where_every_pair_is_plain():
    plain = feedback_pairs([row("P", "g", True), row("P", "b", False)]).pairs
    assert json.loads(pairs_jsonl(plain)) == {"prompt": "P", "chosen": "g", "rejected": "b"}
    system = [*turns("Be brief.", "system"), *turns("Q", "user")]
    both = plain + feedback_pairs([row(system, "g", True), row(system, "b", False)]).pairs
    lines = [json.loads(line) for line in pairs_jsonl(both).splitlines()]
    assert [type(line["prompt"]) for line in lines] == [list, list]  # one shape for the whole file


def test_hint_counts_prompts_and_pairs():
    rows = [row("P", "g1", True), row("P", "g2", True), row("P", "b1", False), row("P", "b2", False)]
    assert pair_hint(rows, "`cmd`") == " 1 prompt has both a good and a bad answer: `cmd` makes 2 preference pairs."
    assert pair_hint(rows[:2], "`cmd`") == ""  # only good answers: no way to pairs to offer


# A feedback file as a team exports it: text prompts and one conversational prompt.
FEEDBACK = [
    {"prompt": "Capital of Norway?", "completion": "Oslo.", "label": True},
    {"prompt": "Capital of Norway?", "completion": "Bergen.", "label": False},
    {"prompt": "Name a prime.", "completion": "Seven.", "label": True},
    {"prompt": "Name a prime.", "completion": "Nine.", "label": False},
    {"prompt": "Name a prime.", "completion": "Eleven.", "label": True},
    {"prompt": "Say hi in French.", "completion": "Bonjour.", "label": True},
    {"prompt": "Legs of a spider?", "completion": "Six.", "label": False},
    {"prompt": [{"role": "user", "content": "Is ice cold?"}], "completion": "Yes.", "label": True},
    {"prompt": [{"role": "user", "content": "Is ice cold?"}], "completion": "No.", "label": False},
]


def test_data_pair_writes_pairs_that_train_dpo(tmp_path, capsys, monkeypatch, tiny_model_dir):
    path, out = write_rows(tmp_path / "feedback.jsonl", FEEDBACK), tmp_path / "pairs.jsonl"
    assert main(["data", "pair", path, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"wrote 3 preference pairs from 3 prompts to {out} (6 of 9 answers used)"
    assert printed[1] == (
        "left out 3 rows (extra answers of uneven prompts: 1, good answers only: 1, bad answers only: 1):"
    )
    assert [line.split(":")[0] for line in printed[2:5]] == ["  line 5", "  line 6", "  line 7"]
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[2] == {"prompt": "Is ice cold?", "chosen": "Yes.", "rejected": "No."}
    assert main(["data", "inspect", str(out)]) == 0
    assert "format:     preference pairs (preference)" in capsys.readouterr().out
    run = trained_here(
        monkeypatch, ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", str(out), *SMALL]
    )
    assert run.read_status()["step"] == 1


def test_data_pair_writes_no_pair_of_an_answer_with_itself(tmp_path, capsys):
    # Two readers voted the same answer up and down: paired with itself, every reader refused the written row.
    rows = [{"prompt": "2+2?", "completion": "4", "label": up} for up in ("thumbs_up", "thumbs_down")]
    rows += [{"prompt": "Capital of France?", "completion": a, "label": up} for a, up in (("Paris", 1), ("Lyon", 0))]
    path, out = write_rows(tmp_path / "votes.jsonl", rows), tmp_path / "pairs.jsonl"
    assert main(["data", "pair", path, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [
        f"wrote 1 preference pair from 1 prompt to {out} (2 of 4 answers used)",
        "left out 2 rows (answers labelled both good and bad: 2):",
    ]
    assert printed[2].startswith("  line 1: the same answer to this prompt is labelled bad at line 2")
    assert main(["data", "inspect", str(out)]) == 0
    assert "valid rows: 1\n" in capsys.readouterr().out


def test_data_pair_names_the_fields_it_does_not_read(tmp_path, capsys):
    # A feedback export's rater and comment are in no pair: `data pair` says so, as `train` and `data inspect` do,
    # where it said nothing of them. A CSV's spare column too, and a row it could not read.
    rows = [r | {"rater": "ann"} for r in FEEDBACK[:2]]
    rows[0]["comment"] = "quick"
    path, out = write_rows(tmp_path / "votes.jsonl", rows), tmp_path / "pairs.jsonl"
    assert main(["data", "pair", path, "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert said.out.startswith(f"wrote 1 preference pair from 1 prompt to {out}")
    (unread,) = [line for line in said.err.splitlines() if "not read" in line]
    assert unread.startswith(f"warning: 2 fields of {path} are not read: `rater` in 2 rows, `comment` in 1 row;")
    assert unread.endswith(f"see `python -m ftlib data inspect {path}`.")
    assert "rater" not in out.read_text()  # the pairs hold none of it: the warning is true
    table = tmp_path / "votes.csv"
    table.write_text("prompt,completion,label,rater\nCapital?,Oslo.,1,ann\nCapital?,Bergen.,0,bob\nCapital?,,1,cy\n")
    assert main(["data", "pair", str(table), "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["warning", "note"], err
    assert err[0].startswith(f"warning: 1 of 3 rows in {table} is not used: data row 3 (line 4 of the file)")
    # a table's spare column in a note, as `data inspect` says it (a sheet's columns are normal: helper 267)
    assert err[1] == "note: Not used: rater (--map COLUMN=FIELD to use one)."


def test_data_page_names_the_fields_the_pairs_leave_out(tmp_path):
    # The page's pairing sits under the file's report, which names what nothing reads (in no pair either).
    rows = [r | {"rater": "ann"} for r in FEEDBACK]
    at = with_path(data_page(), write_rows(tmp_path / "feedback.jsonl", rows))
    assert [i for i in at.info if "both a good and a bad answer" in i.value]
    assert [w for w in at.warning if "`rater`" in w.value and "not read" in w.value], [w.value for w in at.warning]


@pytest.mark.parametrize(
    "rows, message",
    [
        (FEEDBACK[5:7], "no prompt in {path} has both a good and a bad answer (1 good, 1 bad)"),
        ([{"prompt": "P", "chosen": "g", "rejected": "b"}], "{path} holds preference pairs already"),
        ([{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}], "{path} is"),
    ],
    ids=["nothing-to-pair", "pairs-already", "conversations"],
)
def test_data_pair_refuses_in_one_line(tmp_path, capsys, rows, message):
    path, out = write_rows(tmp_path / "in.jsonl", rows), tmp_path / "pairs.jsonl"
    assert main(["data", "pair", path, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: " + message.format(path=path)) and err.count("\n") == 1
    assert not out.exists()
    assert main(["data", "pair", path, "--out", path]) == 2  # never written over the file it reads
    assert "is FILE itself" in capsys.readouterr().err


@pytest.mark.parametrize("method, name", [("dpo", "DPO"), ("reward", "A reward model")])
def test_train_refusal_names_the_way_to_pairs(tmp_path, capsys, tiny_model_dir, no_training, method, name):
    path = write_rows(tmp_path / "feedback.jsonl", FEEDBACK)
    args = ["train", "--method", method, "--model", str(tiny_model_dir), "--dataset", path, "--detach"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {name} needs pairs of a chosen and a rejected answer") and err.count("\n") == 1
    assert err.strip().endswith(
        f"3 prompts have both a good and a bad answer: `python -m ftlib data pair {path} --out pairs.jsonl` makes 3 "
        "preference pairs."
    )
    assert runs.list_runs(refresh=False) == []
    only_good = write_rows(tmp_path / "good.jsonl", FEEDBACK[5:6] * 3)
    assert main([*args[:-2], only_good, "--detach"]) == 2
    err = capsys.readouterr().err
    assert f"{name} needs pairs" in err and "data pair" not in err  # nothing to pair: no command offered


def test_data_page_saves_the_pairs_among_the_uploads(tmp_path):
    at = with_path(data_page(), write_rows(tmp_path / "feedback.jsonl", FEEDBACK))
    (note,) = [i.value for i in at.info if "both a good and a bad answer" in i.value]
    assert note.startswith("**3 prompts have both a good and a bad answer.**") and "writes 3 pairs" in note
    assert "3 answers without a partner left out" in note
    assert "python -m ftlib" not in note and "--out" not in note, note  # the button, not the CLI's (helper 172)
    (left,) = [e for e in at.expander if e.label == "3 answers without a partner, left out of the pairs"]
    assert workspace.list_uploads() == []
    at.button(key="data_pair_save").click().run()
    assert not at.exception, at.exception
    (saved,) = workspace.list_uploads()
    assert workspace.upload_name(saved) == "feedback-pairs.jsonl"
    assert [json.loads(line)["chosen"] for line in saved.read_text().splitlines()] == ["Oslo.", "Seven.", "Yes."]
    (done,) = [s.value for s in at.success if "feedback-pairs.jsonl" in s.value]
    assert done.startswith("Saved 3 preference pairs as **feedback-pairs.jsonl**")


def test_data_page_offers_no_pairs_where_none_can_be_made(tmp_path):
    at = with_path(data_page(), write_rows(tmp_path / "good.jsonl", FEEDBACK[5:7]))
    assert not [i for i in at.info if "both a good and a bad answer" in i.value]
    assert not [b for b in at.button if b.key == "data_pair_save"]
