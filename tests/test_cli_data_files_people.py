"""`data files` says who uploaded each file where it is known, as the Data page's "Files on this server" does (its
"Uploaded by" column, ftlib.stored_people) and as `runs list` says who started a run: a column once some upload names
someone, and `uploaded_by` in --json."""

from __future__ import annotations

import json

from ftlib import stored_people, workspace
from ftlib.cli import main
from ftlib.run_people import Who

BYTES = b'{"prompt": "q", "completion": "a"}\n'


def test_data_files_names_who_uploaded_each_file_where_known(capsys):
    named = workspace.save_upload("chats.jsonl", BYTES)
    nobody = workspace.save_upload("faq.jsonl", BYTES + b"\n")  # the password alone: nobody known
    assert stored_people.record_upload(named, Who("Ana Lima", "ana@example.com"))
    assert main(["data", "files"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert "uploaded by" in header
    (ana,) = [line for line in lines if named.name in line]
    (other,) = [line for line in lines if nobody.name in line]
    assert "ana@example.com" in ana and "ana@example.com" not in other
    assert main(["data", "files", "--json"]) == 0
    by = {item["name"]: item["uploaded_by"] for item in json.loads(capsys.readouterr().out)["items"]}
    assert by == {named.name: "ana@example.com", nobody.name: ""}


def test_the_uploaded_by_column_is_as_wide_as_its_heading_over_a_short_name(capsys):
    """A name shorter than the heading ("Ana", from an identity provider giving no e-mail) kept the column narrower
    than "uploaded by", which pushed every later heading out of line with its values."""
    upload = workspace.save_upload("chats.jsonl", BYTES)
    assert stored_people.record_upload(upload, Who("Ana"))
    assert main(["data", "files"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    by, used = header.index("uploaded by"), header.index("used by")
    assert line[by:].startswith("Ana ") and line[by + 3 : used].strip() == "" and line[used - 1] == " "
    assert not line[used].isspace()


def test_data_files_has_no_uploaded_by_column_while_nobody_is_known(capsys):
    workspace.save_upload("chats.jsonl", BYTES)
    assert main(["data", "files"]) == 0
    assert "uploaded by" not in capsys.readouterr().out
