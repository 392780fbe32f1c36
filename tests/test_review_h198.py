"""Review (helper 198) of this session's later commits: each test fails before its fix."""

from __future__ import annotations

import json
from types import SimpleNamespace

from ftlib.data import load_bytes


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _dahoas(question: str, good: str, bad: str) -> dict:
    """A row of Dahoas' HH-RLHF shape: `response` holds the chosen answer again."""
    return {"prompt": f"\n\nHuman: {question}\n\nAssistant:", "response": good, "chosen": good, "rejected": bad}


ROSES = [
    _dahoas("When do roses bloom?", " From late spring.", " In the dark."),
    _dahoas("Do roses need sun?", " Six hours a day at least.", " Never."),
]


def test_train_and_tokens_say_a_copied_field_in_a_note_not_a_warning_that_it_is_not_trained(tmp_path):
    """Review of 9b49e3a: the Data page and `data inspect` say Dahoas' `response` is a copy of `chosen` (a note:
    nothing is lost), but `train` and `tokens` still warned 'a field ... is not read: `response` in 2 rows; the
    studio neither shows nor trains it', the copy unsaid (unread_warning took every ignored field, file_notes none)."""
    from ftlib.commands import file_notes, file_warnings, unread_warning

    path = tmp_path / "roses.jsonl"
    path.write_bytes(_jsonl(ROSES))
    result = load_bytes(path.read_bytes(), path.name)
    args = SimpleNamespace(file=str(path), fmt=None, map=[])
    assert unread_warning(result, args) is None
    assert not [w for w in file_warnings(result, args) if "response" in w]
    said = [n for n in file_notes(result) if "`response`" in n]
    assert said == [
        "note: ignored field: `response` in 2 rows; it is a copy of `chosen`, the same text in every row, so nothing "
        "is lost by not reading it"
    ]
    # a field nearly a copy (one row edited among many) is still warned of: something there is not trained
    rows = [_dahoas(f"Question {i}?", f" Answer {i}.", f" Wrong {i}.") for i in range(12)]
    rows[3]["response"] = " Answer three."
    path.write_bytes(_jsonl(rows))
    said = unread_warning(load_bytes(path.read_bytes(), path.name), args)
    assert said is not None and "`response` in 12 rows" in said


def test_a_download_built_again_after_a_failed_build_starts_its_stages_afresh():
    """Review of 6dcb989: two tabs clicking one download share one StageLog (ui.export_view._tracked). When the first
    tab's build failed midway (a full disk while saving), the second, waiting on the build lock, builds it again: its
    stages were added after the failed ones, so the panel ticked 'Loading the base model' twice and kept a bar for
    the failed 'Saving the merged weights' growing its seconds until the second build ended. A stage begun again
    now drops what the log held from its earlier start on."""
    from ftlib.export_progress import LOADING, MERGING, SAVING, ZIPPING, StageLog

    log = StageLog()
    for name, fraction in [(LOADING, 0.0), (LOADING, 1.0), (MERGING, 0.0), (MERGING, 1.0), (SAVING, 0.0)]:
        log(name, fraction)  # the first tab's build, failed while saving
    log(LOADING, 0.0)  # the second tab's, built again
    assert [(name, fraction) for name, fraction, _ in log.stages()] == [(LOADING, 0.0)]
    for name, fraction in [(LOADING, 1.0), (MERGING, 0.0), (MERGING, 1.0), (SAVING, 0.0), (SAVING, 1.0)]:
        log(name, fraction)
    log(ZIPPING, 0.0)
    log(ZIPPING, 0.6)  # the zip failed (the disk filled), the merged model stays built
    log(ZIPPING, 0.0)  # the other tab's zip begins again: its bar from 0, the merged model's stages kept
    assert [(name, fraction) for name, fraction, _ in log.stages()] == [
        (LOADING, 1.0),
        (MERGING, 1.0),
        (SAVING, 1.0),
        (ZIPPING, 0.0),
    ]


def _turns(question: str, answer: str | None, good: bool) -> dict:
    """A good/bad row written as a conversation: the last turn is the answer labelled."""
    turns = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return {"messages": turns, "label": good}


def test_pairing_names_a_bad_answer_set_aside_in_a_conversation_row_too():
    """Review of 85b55be: pairing names a prompt's bad answer set aside when the file was read (a null answer), where
    it said the prompt 'has good answers only'; but only for rows of `prompt` and `completion` (or `output`). The same
    file written as conversations (`messages` with `label`, its last turn the answer) still read 'its prompt has good
    answers only' of line 1, its bad answer being line 2's null turn. ShareGPT's `conversations` alike."""
    from ftlib.feedback_pairs import feedback_pairs

    rows = [
        _turns("How deep do I plant tulips?", "About 15 cm.", True),
        _turns("How deep do I plant tulips?", None, False),
        _turns("Can mint share a pot?", "Better alone.", True),
        _turns("Can mint share a pot?", "Mint is purple.", False),
    ]
    gpt = [
        {
            "conversations": [
                {"from": "human", "value": r["messages"][0]["content"]},
                {"from": "gpt", "value": r["messages"][1]["content"]},
            ],
            "label": r["label"],
        }
        for r in rows
    ]
    for shaped in (rows, gpt):
        result = load_bytes(_jsonl(shaped), "thumbs.jsonl")
        assert result.format == "unpaired_preference" and [e.row for e in result.errors] == [2]
        made = feedback_pairs(result.rows, result.row_numbers, result.where, result.errors)
        assert made.left_out == [
            (
                1,
                "its prompt's bad answer, line 2, was set aside when the file was read (see why among the rows "
                "skipped), so this good answer has none to pair with: fix that row to pair them",
            )
        ]


def test_two_bad_answers_set_aside_are_said_as_two_rows_to_fix():
    """Review of 85b55be: with two of a prompt's bad answers refused, the reason read 'its prompt's bad answers,
    line 2, line 3, were set aside ... fix that row to pair them': two rows, one named to fix."""
    from ftlib.feedback_pairs import feedback_pairs

    rows = [
        {"prompt": "Is frost bad for basil?", "completion": "Yes, bring it in.", "label": True},
        {"prompt": "Is frost bad for basil?", "completion": None, "label": False},
        {"prompt": "Is frost bad for basil?", "completion": "", "label": False},
    ]
    result = load_bytes(_jsonl(rows), "basil.jsonl")
    ((_, why),) = feedback_pairs(result.rows, result.row_numbers, result.where, result.errors).left_out
    assert why.startswith("its prompt's bad answers, line 2, line 3, were set aside when the file was read"), why
    assert why.endswith("fix those rows to pair them"), why


def test_a_workspace_this_account_may_write_is_not_said_to_be_read_only(tmp_path, capsys, monkeypatch):
    """Review of c127cc3: any PermissionError inside the workspace was said 'This account may not write the
    workspace ...: run the command as the account that owns it, or set FTLIB_WORKSPACE to a folder you may write',
    also in a shared workspace this account writes, where one teammate's run is not its to change (`runs delete` of
    it): moving to another workspace would lose every run. Said so only where the workspace itself is not
    writable; else the file is named as before. Root may write anything: whether it may is what os.access says."""
    import os

    from ftlib import runs
    from ftlib.cli import main
    from ftlib.testing import make_run

    run = make_run("20261207-130000-lora-theirs", {"dataset": "chat_style"})
    theirs = run.path / "adapter" / "adapter_model.safetensors"

    def refused(run_id, **kwargs):
        raise PermissionError(13, "Permission denied", str(theirs))

    monkeypatch.setattr(runs, "delete", refused)
    workspace = os.path.realpath(os.environ["FTLIB_WORKSPACE"])
    writable = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: writable(path, mode, **kw) if mode == os.W_OK else True)
    assert main(["runs", "delete", run.path.name, "--yes"]) == 2
    said = capsys.readouterr().err
    assert "may not write the workspace" not in said and f"cannot use {theirs}: permission denied" in said, said
    # the workspace itself read-only (what os.access tells an account that may only read it): said so, as c127cc3 does
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: os.path.realpath(path) != workspace)
    assert main(["runs", "delete", run.path.name, "--yes"]) == 2
    assert f"This account may not write the workspace {workspace} (" in capsys.readouterr().err
