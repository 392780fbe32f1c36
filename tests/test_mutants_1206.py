"""Behaviours of the session of 2026-12-05's new and changed engine code that no test held, found by hand mutation
(each test here fails when the line it names is changed): who acted on a run (run_people) and on a stored file
(stored_people), an upload sent again (upload_reuse), a JSONL file read a line at a time (file_lines), a typed `~`
path (user_paths), the replies of a conversation evaluated one by one (references) and how sure their change is
(eval_stats). Pure functions, files in the test's own workspace, the real tokenizer and the tiny model_set."""

from __future__ import annotations

import errno
import json
import os
from types import SimpleNamespace

import pytest

from ftlib import eval_stats, stored_data, stored_people, upload_reuse, workspace
from ftlib.file_lock import locked
from ftlib.run_people import WHO_FILE, Who, cli_user, people, record, signed_in

ANA = Who("Ana Lima", "ana@example.com")
BOB = Who("bob", via="cli")
BYTES = b'{"prompt": "q", "completion": "a"}\n'


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _holds(lock_path) -> bool:
    """Whether someone holds the lock on `lock_path` now (another `locked` of it would wait)."""
    try:
        with locked(lock_path, wait=False, make_parent=False):
            return False
    except BlockingIOError:
        return True


# ftlib/run_people.py


def test_a_name_of_blanks_names_nobody_and_a_name_is_said_without_its_padding():
    assert signed_in({"is_logged_in": True, "name": "  ", "email": ""}) is None
    assert Who.from_dict({"name": " Ana ", "email": "", "via": "browser"}).text() == "Ana"


def test_a_session_not_signed_in_is_nobody_whatever_else_its_user_says():
    """Streamlit's user of a server without a sign-in may carry a placeholder e-mail, without `is_logged_in`."""
    assert signed_in({"email": "test@example.com"}) is None
    assert signed_in({"is_logged_in": False, "name": "Ana Lima", "email": "ana@example.com"}) is None
    assert signed_in({"is_logged_in": "yes", "email": "ana@example.com"}) is None


def test_an_os_account_getpass_cannot_name_with_an_oserror_is_the_unnamed_command_line(monkeypatch):
    """Python 3.13's getpass.getuser raises OSError where 3.11's raised KeyError (a container's bare uid)."""
    import getpass

    def nameless():
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", nameless)
    assert cli_user() == Who("", via="cli")


def test_an_unknown_action_is_refused_and_not_written(tmp_path):
    with pytest.raises(ValueError, match="Unknown run action 'pause'"):
        record(tmp_path, "pause", ANA)
    assert not (tmp_path / WHO_FILE).exists()


def test_a_run_acted_on_many_times_keeps_who_started_it_and_stays_small(tmp_path):
    from ftlib import run_people

    assert record(tmp_path, "start", ANA)
    for i in range(run_people.KEPT + 5):
        assert record(tmp_path, "stop" if i % 2 else "resume", BOB if i % 2 else None)
    events = json.loads((tmp_path / WHO_FILE).read_text())["events"]
    assert len(events) == run_people.KEPT and events[0]["action"] == "start"
    said = people(tmp_path)
    assert (said.started_by, said.last_action) == ("ana@example.com", "")  # the last: a resume by nobody known
    record(tmp_path, "stop", BOB)
    assert people(tmp_path).last_action == "stopped by bob (command line)"


def test_a_run_deleted_meanwhile_is_not_made_anew_by_its_record(tmp_path):
    gone = tmp_path / "20260101-000000-gone"
    assert not record(gone, "stop", ANA)
    assert not gone.exists()


def test_a_record_the_disk_cannot_take_leaves_the_action_done(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "atomic_write_text", _full_disk)
    assert record(tmp_path, "stop", ANA) is False


def test_the_record_is_written_under_the_runs_own_lock(tmp_path, monkeypatch):
    held, write = [], workspace.atomic_write_text
    monkeypatch.setattr(
        workspace, "atomic_write_text", lambda *a, **k: (held.append(_holds(tmp_path / ".who.lock")), write(*a, **k))
    )
    assert record(tmp_path, "start", ANA) and held == [True]


def test_a_record_edited_by_hand_is_read_for_what_it_can_say(tmp_path):
    events = [
        {"action": "start", "by": ANA.as_dict()},
        "a note",  # not an event
        {"action": "stop", "by": BOB.as_dict()},
        {"action": "paused", "by": ANA.as_dict()},  # an action no run takes: left out, not a KeyError
    ]
    (tmp_path / WHO_FILE).write_text(json.dumps({"events": events}))
    assert (people(tmp_path).started_by, people(tmp_path).last_action) == (
        "ana@example.com",
        "stopped by bob (command line)",
    )


# ftlib/stored_people.py


def test_an_upload_removed_before_its_record_is_written_gets_none():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    upload.unlink()  # a teammate's removal went first
    assert not stored_people.record_upload(upload, ANA)
    assert not stored_people.record_path(upload).exists()


def test_who_uploaded_is_written_under_the_uploads_lock(monkeypatch):
    upload = workspace.save_upload("chats.jsonl", BYTES)
    held, write = [], workspace.atomic_write_text
    lock = workspace.uploads_dir() / upload_reuse.LOCK
    monkeypatch.setattr(workspace, "atomic_write_text", lambda *a, **k: (held.append(_holds(lock)), write(*a, **k)))
    assert stored_people.record_upload(upload, ANA) and held == [True]


def test_records_the_disk_cannot_take_leave_the_upload_and_the_removal_done(monkeypatch):
    upload = workspace.save_upload("chats.jsonl", BYTES)
    monkeypatch.setattr(workspace, "atomic_write_text", _full_disk)
    assert stored_people.record_upload(upload, ANA) is False
    assert stored_people.record_removal("upload", upload.name, ANA) is False


def test_a_removal_is_logged_under_the_logs_lock(monkeypatch):
    held, write = [], workspace.atomic_write_text
    lock = workspace.workspace_dir() / ".removals.lock"
    monkeypatch.setattr(workspace, "atomic_write_text", lambda *a, **k: (held.append(_holds(lock)), write(*a, **k)))
    assert stored_people.record_removal("split", "chats", ANA) and held == [True]


def test_an_unknown_kind_of_removal_is_refused():
    with pytest.raises(ValueError, match="Unknown stored kind 'model'"):
        stored_people.record_removal("model", "m1", ANA)
    assert not (workspace.workspace_dir() / stored_people.REMOVALS_FILE).exists()


def test_a_removals_log_edited_by_hand_is_read_for_what_it_can_say():
    log = workspace.workspace_dir() / stored_people.REMOVALS_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(json.dumps({"removals": ["a note", {"kind": "split", "name": "chats", "at": "noon"}]}))
    assert stored_people.removal("split", "chats") == stored_people.Removal("split", "chats", 0.0, None)
    log.write_text(json.dumps({"removals": {"kind": "split", "name": "chats"}}))
    assert stored_people.removal("split", "chats") is None


def test_a_removal_of_an_upload_is_not_said_of_a_split_of_the_same_name():
    stored_people.record_removal("upload", "chats.jsonl", BOB)
    stored_people.record_removal("split", "chats.jsonl", ANA)
    stored_people.record_removal("upload", "chats.jsonl", None)
    assert stored_people.removal("split", "chats.jsonl").by == ANA
    assert stored_people.removal("upload", "chats.jsonl").by is None


# ftlib/upload_reuse.py


def test_an_upload_sent_again_within_the_clock_tick_it_was_stored_in_is_still_marked_saved_again(monkeypatch):
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    (listed,) = stored_data.list_stored()
    stamp = earlier.stat().st_mtime_ns
    with monkeypatch.context() as patched:
        patched.setattr(upload_reuse.time, "time_ns", lambda: stamp)  # the clock has not moved on since
        assert workspace.save_upload("chats.jsonl", BYTES) == earlier
    assert earlier.stat().st_mtime_ns > stamp
    with pytest.raises(stored_data.StoredDataError, match="saved again since it was listed"):
        stored_data.remove(f"upload:{earlier.name}", expect=listed.version)


def test_an_earlier_upload_replaced_after_its_bytes_were_compared_is_not_handed_back(monkeypatch):
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    real_read = type(earlier).read_bytes

    def replaced_right_after_the_comparison(self):
        data = real_read(self)
        if self == earlier and data == BYTES:
            other = earlier.with_name(".other.tmp")
            other.write_bytes(b'{"prompt": "x", "completion": "y"}\n')
            os.replace(other, earlier)  # another file now at that path
        return data

    with monkeypatch.context() as patched:
        patched.setattr(type(earlier), "read_bytes", replaced_right_after_the_comparison)
        saved = workspace.save_upload("chats.jsonl", BYTES)
    assert saved != earlier and saved.read_bytes() == BYTES


def test_an_upload_is_marked_saved_again_under_the_uploads_lock(monkeypatch):
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    held, utime = [], os.utime
    lock = workspace.uploads_dir() / upload_reuse.LOCK
    monkeypatch.setattr(upload_reuse.os, "utime", lambda *a, **k: (held.append(_holds(lock)), utime(*a, **k))[1])
    assert workspace.save_upload("chats.jsonl", BYTES) == earlier and held == [True]


def test_an_earlier_upload_this_account_may_not_mark_is_stored_afresh(monkeypatch):
    earlier = workspace.save_upload("chats.jsonl", BYTES)

    def not_yours(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    with monkeypatch.context() as patched:
        patched.setattr(upload_reuse.os, "utime", not_yours)
        saved = workspace.save_upload("chats.jsonl", BYTES)
    assert saved != earlier and saved.read_bytes() == BYTES


def test_a_newer_upload_of_the_name_removed_meanwhile_leaves_the_earlier_one_found(monkeypatch):
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    gone = earlier.with_name("20990101-000000-abcdef-chats.jsonl")  # listed, then removed before it was compared
    listed = workspace.list_uploads
    monkeypatch.setattr(workspace, "list_uploads", lambda: [gone, *listed()])
    assert workspace.save_upload("chats.jsonl", BYTES) == earlier


# ftlib/file_lines.py


def test_a_jsonl_file_of_nul_bytes_is_refused_as_binary_not_read_line_by_line():
    from ftlib.file_bytes import DataError
    from ftlib.readers import text_records

    with pytest.raises(DataError, match="looks like a binary file"):
        text_records(b'{"a": 1}\n' + b"\x00" * 200 + b"\n", "jsonl", "f.jsonl")


@pytest.mark.parametrize("blank", [b"\n", b"\r\n", b" \t\n"], ids=["LF", "CRLF", "spaces"])
def test_one_json_document_after_a_blank_line_is_read_whole(blank):
    from ftlib.readers import text_records

    pretty = blank + b'{\n  "a": 1\n}\n'.replace(b"\n", b"\r\n" if blank == b"\r\n" else b"\n")
    records, errors, *_ = text_records(pretty, "jsonl", "p.jsonl")
    assert [r for _, r in records] == [{"a": 1}] and errors == []


# ftlib/user_paths.py


def test_a_home_folder_this_machine_knows_is_expanded(monkeypatch, tmp_path):
    from ftlib.user_paths import user_path

    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_path("~/data/chats.jsonl") == tmp_path / "data" / "chats.jsonl"


# ftlib/references.py

OPENING = {  # a conversation the assistant opens: its greeting is no reply to ask for
    "messages": [
        {"role": "assistant", "content": "Hello! Ask me about the weather."},
        {"role": "user", "content": "Is it raining?"},
        {"role": "assistant", "content": "Not today."},
    ]
}


def test_an_assistant_turn_opening_a_conversation_is_no_reply():
    from ftlib.references import answered_at, nth_reply, reply_count, reply_numbers, several_replies

    messages = OPENING["messages"]
    assert reply_count(messages) == 1 and reply_numbers(OPENING, "every") == [1]
    assert nth_reply(messages, 1) == messages and answered_at(messages, "first") == messages
    assert several_replies([OPENING]) == 0


def test_a_reply_past_a_conversations_one_reply_is_refused_in_the_singular():
    from ftlib.evaluate import EvalError
    from ftlib.references import nth_reply

    with pytest.raises(EvalError, match=r"^The conversation has 1 reply, so it has no reply 2\.$"):
        nth_reply(OPENING["messages"], 2)


def test_every_reply_as_one_conversation_is_all_of_it():
    from ftlib.references import answered_at

    chat = [{"role": "user"}, {"role": "assistant"}, {"role": "user"}, {"role": "assistant"}]
    assert answered_at(chat, "every") == chat


def test_a_reasoning_reply_is_written_as_the_template_writes_it(smol_tokenizer):
    from ftlib.references import written_reply
    from ftlib.templates import get_template

    row = {
        "messages": [
            {"role": "user", "content": "Is 7 prime?"},
            {"role": "assistant", "content": "Yes.", "reasoning": "7 has no divisor but 1 and 7."},
        ]
    }
    written = written_reply(row, smol_tokenizer, get_template("chatml", smol_tokenizer))
    assert written is not None and "7 has no divisor but 1 and 7." in written and written.endswith("Yes.")


def test_a_written_reply_is_said_without_the_space_its_first_token_opens_with(smol_tokenizer):
    """The plain template writes "Assistant: " and the reply after it: its first scored token is " <think>"."""
    from ftlib.references import written_reply
    from ftlib.templates import get_template

    row = {
        "messages": [
            {"role": "user", "content": "Is 7 prime?"},
            {"role": "assistant", "content": "Yes.", "reasoning": "7 has no divisor."},
        ]
    }
    written = written_reply(row, smol_tokenizer, get_template("plain", smol_tokenizer))
    assert written == "<think>\n7 has no divisor.\n</think>\n\nYes."


def test_a_row_without_a_reference_writes_none_not_an_error(smol_tokenizer):
    from ftlib.references import written_reply

    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    bad = {
        "prompt": [{"role": "user", "content": "Hi"}],
        "completion": [{"role": "assistant", "content": "", "tool_calls": [call]}],
        "label": False,
    }
    assert written_reply(bad, smol_tokenizer) is None
    assert written_reply({"prompt": "Hi"}, smol_tokenizer) is None


CHAT = {  # two replies in words
    "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green."},
    ]
}
PAIR_OF_TURNS = {  # a preference pair whose prompt is a conversation with a reply of its own
    "prompt": CHAT["messages"][:3],
    "chosen": [{"role": "assistant", "content": "Green."}],
    "rejected": [{"role": "assistant", "content": "Blue again."}],
}


def test_a_pairs_answer_is_its_chosen_one_whichever_reply_is_asked_for():
    from ftlib.references import ANSWER_AT, conversation

    for at in ANSWER_AT:
        assert conversation(PAIR_OF_TURNS, at) == [*CHAT["messages"][:3], PAIR_OF_TURNS["chosen"][0]], at


def test_the_reply_to_answer_applies_to_conversations_beside_pairs_and_an_unknown_one_is_refused():
    from ftlib.evaluate import EvalError
    from ftlib.references import check_answer_at

    check_answer_at("every", "references", [PAIR_OF_TURNS, CHAT])  # the conversation's replies are each scored
    with pytest.raises(EvalError, match="Unknown reply to answer 'middle'"):
        check_answer_at("middle", "references", [CHAT])


def test_the_max_length_past_which_a_first_reply_begins_is_the_first_replys(smol_tokenizer):
    from ftlib.references import references_past, row_reference

    first = row_reference(CHAT, smol_tokenizer, "chatml", "first")[1]
    whole = row_reference(CHAT, smol_tokenizer, "chatml", "last")[1]
    cut = len(first.input_ids) + 2  # the first reply whole, the last begins past the cut
    assert references_past([CHAT], smol_tokenizer, "chatml", cut, "first") == ([], 1, 0)
    assert references_past([CHAT], smol_tokenizer, "chatml", cut, "last") == ([0], 1, len(whole.input_ids))
    assert references_past([CHAT], smol_tokenizer, "chatml", 3, "first") == ([0], 1, len(first.input_ids))


def test_every_reply_past_the_max_length_is_said_as_replies_with_the_length_that_keeps_them(model_set):
    from ftlib import evaluate as E

    with pytest.raises(E.EvalError) as refused:
        E.evaluate(model_set, [CHAT, CHAT], model_set.names[1], max_new_tokens=2, max_length=3, answer_at="every")
    whole = len(E.row_reference(CHAT, model_set.tokenizer, "tokenizer")[1].input_ids)
    said = str(refused.value)
    assert said.startswith("None of the 4 replies of the 2 test rows can be evaluated: reply 1: its reference"), said
    assert said.endswith(f" A run with a max length of {whole} tokens keeps them whole."), said


def test_the_progress_of_every_reply_counts_replies(model_set):
    from ftlib import evaluate as E

    said = []
    E.evaluate(
        model_set,
        [CHAT],
        model_set.names[1],
        max_new_tokens=1,
        answer_at="every",
        progress=lambda m, f: said.append(m),
    )
    assert said[0] == "Answering replies 1-2 of 2", said


# ftlib/eval_stats.py (answered at every reply)


def test_a_conversation_whose_replies_have_no_finite_change_is_no_draw():
    """5 conversations of 2 replies, one with no finite loss: 4 independent draws, too few to tell."""
    base = [2.0] * 10
    tuned = [1.0, 1.1, 1.0, 1.1, 1.0, 1.1, 1.0, 1.1, float("nan"), float("nan")]
    change = eval_stats.paired_change(base, tuned, groups=[0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    assert (change.n, change.left_out, change.verdict) == (8, 2, eval_stats.TOO_FEW_GROUPS)


def _replies(*counts: int) -> list:
    return [SimpleNamespace(index=i, reply=r) for i, n in enumerate(counts) for r in range(1, n + 1)]


def test_one_conversation_of_several_replies_is_said_in_the_singular():
    """It said "the 2 replies of 1 conversations"."""
    said = eval_stats.replies_note(_replies(2))
    assert said.startswith("The interval counts each of the 2 replies of 1 conversation as a draw of its own")


def test_the_replies_note_counts_the_replies_of_conversations_only():
    pair = SimpleNamespace(index=2, reply=None)  # a preference pair beside them: one answer, no reply number
    assert "the 4 replies of 2 conversations as" in eval_stats.replies_note([*_replies(2, 2), pair])


def test_five_conversations_are_not_too_few():
    said = eval_stats.replies_note(_replies(2, 2, 2, 2, 2))
    assert "10 replies of 5 conversations" in said and said.endswith("read a verdict near its edge as within noise.")


def test_the_replies_note_follows_the_verdict_it_is_given():
    rows = _replies(2, 2, 2)
    assert "too few" not in eval_stats.replies_note(rows, eval_stats.NO_CHANGE)  # its verdict: no change
    assert eval_stats.replies_note(rows, eval_stats.TOO_FEW_GROUPS).endswith("under 5 is too few to tell.")
