"""Text encodings a user cannot see: the same words in two Unicode normalisations (NFC typed on Windows, NFD on a
Mac), a review of 2026-12-05."""

from __future__ import annotations

import json

import pytest

from ftlib import data, splits
from ftlib.data import load_bytes, split_rows

NFC, NFD = "Caf\u00e9 au lait", "Cafe\u0301 au lait"  # the same words: one precomposed é, one e + combining acute


def test_rows_that_differ_only_in_unicode_normalisation_are_named_as_copies_and_kept_as_written():
    rows = [
        {"prompt": NFC, "completion": "Oui."},
        {"prompt": "Tea", "completion": "Yes."},
        {"prompt": NFD, "completion": "Oui."},
    ]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    result = load_bytes(text.encode(), "cafe.jsonl")
    (note,) = [n.message for n in result.notices if "repeat" in n.message]
    assert note.startswith("1 row repeats an earlier one: line 3 (of line 1).")
    assert "Unicode NFC vs NFD" in note
    # The text trained is the file's own: NFD stays NFD.
    assert [r["messages"][0]["content"] for r in result.rows] == [NFC, "Tea", NFD]
    deduped, dropped = data.dedupe_rows(result.rows)
    assert dropped == 1 and deduped == result.rows[:2]  # the first kept, as written
    for seed in range(6):  # the two stay on one side of a split, as exact copies do
        train, test = split_rows(result.rows, test_size=1, seed=seed)
        assert [r["messages"][0]["content"] for r in test] == ["Tea"], seed


def test_exact_copies_are_still_said_to_be_exact():
    row = json.dumps({"prompt": NFD, "completion": "Oui."}, ensure_ascii=False) + "\n"
    (note,) = [n.message for n in load_bytes((row * 2).encode(), "c.jsonl").notices if "repeat" in n.message]
    assert note.startswith("1 row repeats an earlier one exactly: line 2 (of line 1).") and "NFC" not in note


def test_the_note_names_which_copies_differ_in_normalisation_where_only_some_do():
    """Exact copies and NFD copies of one row together: the note names the NFD ones (the first few, then a count),
    not all of them; and a key (a tool call's argument name) is compared in NFC as its value is."""
    rows = [{"t": NFC}, {"t": NFC}] + [{"t": NFD}] * 5
    (note,) = splits.duplicates_note(rows, [f"line {i}" for i in range(1, 8)], shown=2)
    assert note.startswith("6 rows repeat an earlier one: line 2 (of line 1), line 3 (of line 1) and 4 more.")
    assert " At line 3, line 4 and 3 more the text differs only in how accented letters are encoded" in note
    assert splits.row_key({"args": {NFC: 1}}) == splits.row_key({"args": {NFD: 1}})


def test_the_copies_note_names_how_to_drop_them_on_the_data_page_and_in_the_cli():
    """A cold review: the note ended "...: Drop exact duplicates when saving the split (--dedupe) keeps one.": a box's
    label as the subject of a sentence in the CLI, a bare command-line flag on the Data page, which shows it too."""
    row = json.dumps({"prompt": NFD, "completion": "Oui."}, ensure_ascii=False) + "\n"
    (note,) = [n.message for n in load_bytes((row * 2).encode(), "c.jsonl").notices if "repeat" in n.message]
    assert note.endswith(
        "dropping exact duplicates when saving the split keeps one (the Data page's Drop exact duplicates box, "
        "`data split --dedupe`)."
    )
    crowded = splits.crowded_warnings([{"t": i} for i in range(20)], [{"t": "hi"}] * 3 + [{"t": 99}])
    assert crowded[0].endswith(
        ": the held-out loss and Evaluate would mostly measure that one example. Dropping exact "
        "duplicates when saving the split keeps one (the Data page's Drop exact duplicates box, "
        "`data split --dedupe`)."
    )


# Characters nobody sees, each named once per file and kind (ftlib.invisible_text), a row's text kept as written.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: three emoji joined by two zero-width joiners
INVISIBLE_CASES = [
    # (id, the texts of the assistant's replies, the start of each notice expected)
    ("line separator", ["One\u2028two", "Fine.", "Three\u2028four"], ["2 rows of 3 hold Unicode line or paragraph"]),
    ("paragraph separator", ["One\u2029two"], ["1 row of 1 holds Unicode line or paragraph separators"]),
    ("zero-width space", ["a\u200bb", "c\u2060d", "\ufeffe"], ["3 rows of 3 hold zero-width characters"]),
    ("both kinds", ["a\u200bb\u2028c"], ["1 row of 1 holds Unicode line", "1 row of 1 holds zero-width"]),
    ("joiner between ASCII letters", ["co\u200dop"], ["1 row of 1 holds zero-width characters"]),
    ("joiner at a text's start", ["\u200dHi"], ["1 row of 1 holds zero-width characters"]),
    ("emoji family", [f"My family: {FAMILY}", "\u2764\ufe0f\u200d\U0001f525 hot"], []),
    ("Malayalam chillu", ["\u0d05\u0d35\u0d7b \u0d28\u0d4d\u200d."], []),
    ("plain", ["Hello\nthere"], []),
]


@pytest.mark.parametrize("replies, expected", [c[1:] for c in INVISIBLE_CASES], ids=[c[0] for c in INVISIBLE_CASES])
def test_invisible_line_and_space_characters_are_named_once_per_kind(replies, expected):
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": r}]} for r in replies]
    text = "".join(json.dumps(r) + "\n" for r in rows)  # \u escapes: the file is ASCII, the text is not
    result = load_bytes(text.encode(), "unseen.jsonl")
    found = [n.message for n in result.notices if "zero-width" in n.message or "separators" in n.message]
    assert [m[: len(e)] for m, e in zip(found, expected, strict=False)] == expected and len(found) == len(expected)
    assert [r["messages"][1]["content"] for r in result.rows] == replies  # trained as written
    if found and "separator" in found[0]:
        assert 'Replace U+2028 with "\\n"' in found[0] and "line" in found[0]


def test_invisible_characters_are_named_in_a_preference_pairs_answers():
    """A pair's turns are its prompt, chosen and rejected answers (no `messages`): they are read too."""
    rows = [
        {"prompt": "Pick one.", "chosen": "A\u2028a", "rejected": "B"},
        {"prompt": "Pick two.", "chosen": "C", "rejected": "D\u200bd"},
    ]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    found = [n.message for n in load_bytes(text.encode(), "pairs.jsonl").notices]
    assert any(m.startswith("1 row of 2 holds Unicode line or paragraph separators") for m in found), found
    assert any(m.startswith("1 row of 2 holds zero-width characters") for m in found), found


def test_invisible_characters_name_the_count_and_the_first_rows():
    rows = [{"text": f"Row {i}\u2028next line" if i % 2 else f"Row {i}"} for i in range(1, 21)]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (note,) = [n for n in load_bytes(text.encode(), "t.jsonl").notices if "separators" in n.message]
    assert note.rows == 10 and not note.note
    assert note.message.startswith(
        "10 rows of 20 hold Unicode line or paragraph separators in their text (U+2028 line separator in 10 rows; "
        "lines 1, 3, 5, 7, 9 and 5 more): they look like line breaks"
    )


# The same characters on one row: the Tokens page's checks and a run's pre-launch report (ftlib.message_checks).
UNSEEN_CODES = ("line_separator_in_text", "zero_width_in_text")


def _unseen(checks):
    return {c.code: c.message for c in checks if c.code in UNSEEN_CODES}


def test_a_rows_checks_name_the_turns_holding_invisible_characters(smol_tokenizer):
    from ftlib.checks import preflight
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    template = get_template("chatml", smol_tokenizer)

    def checks(row):
        return _unseen(preflight(encode_row(row, smol_tokenizer, template), smol_tokenizer, template))

    chat = [{"role": "user", "content": "Hi\u200bthere"}, {"role": "assistant", "content": "One\u2028two"}]
    said = checks({"messages": chat})
    assert said["line_separator_in_text"].startswith("Turn 2 (assistant) holds Unicode line or paragraph separators")
    assert said["zero_width_in_text"].startswith("Turn 1 (user) holds zero-width characters (U+200B zero-width")
    emoji = [
        {"role": "user", "content": f"My family: {FAMILY}"},
        {"role": "assistant", "content": "Lovely \u2764\ufe0f"},
    ]
    assert checks({"messages": emoji}) == {}  # a joiner inside an emoji is part of it
    assert checks({"text": "Once\u2029upon"})["line_separator_in_text"].startswith("The text holds")


def test_a_runs_report_counts_the_rows_holding_invisible_characters(smol_tokenizer):
    from ftlib.checks import template_report
    from ftlib.templates import get_template
    from ftlib.tokens import encode_rows

    template = get_template("chatml", smol_tokenizer)
    rows = [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": t}]}
        for t in ("Hello.", "One\u2028two", "Fine.", "Three\u2028four")
    ]
    said = _unseen(template_report(encode_rows(rows, smol_tokenizer, template), template))
    assert said["line_separator_in_text"].startswith(
        "In 2 of 4 training rows (rows 2, 4): Turn 2 (assistant) holds Unicode line or paragraph separators"
    )


# Evaluate's CSV downloads are for spreadsheets: UTF-8 with a byte order mark, which Excel on Windows needs.
def test_evaluate_csv_download_has_a_bom_and_reads_back_everywhere():
    import csv
    import io

    import pandas as pd

    from ftlib.evaluate import EvalResult, EvalRow, spreadsheet_csv

    answers = ["Café crème", "日本語の答え", "Ответ"]
    result = EvalResult("run", [EvalRow(i, "Q?", a, a, a, 2.0, 1.5, 4) for i, a in enumerate(answers)])
    data = spreadsheet_csv(result.to_csv())
    assert data.startswith(b"\xef\xbb\xbfindex,") and data[3:] == result.to_csv().encode("utf-8")
    assert [r["tuned_output"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))] == answers
    assert list(pd.read_csv(io.BytesIO(data))["tuned_output"]) == answers and "index" in pd.read_csv(io.BytesIO(data))
    back = load_bytes(data, "eval-run.csv", column_map={"prompt": "prompt", "completion": "tuned_output"})
    assert "index" in back.fields and [r["messages"][1]["content"] for r in back.rows] == answers


def _csv_downloads(path):
    """(line, what a `download_button` with mime "text/csv" in `path` is given to download)."""
    import ast

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
            mime = next((k.value for k in node.keywords if k.arg == "mime"), None)
            if isinstance(mime, ast.Constant) and mime.value == "text/csv":
                arg = node.args[1]  # a lambda: built on the click (ui.evaluate_view.csv_download)
                yield node.lineno, arg.body if isinstance(arg, ast.Lambda) else arg
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "csv_download":
            yield node.lineno, None  # ui.evaluate_view.csv_download's own button: found above, in its file


def test_every_csv_download_of_the_pages_is_written_for_a_spreadsheet():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = [
        (p, line, arg)
        for d in ("pages", "ui")
        for p in sorted((root / d).glob("*.py"))
        for line, arg in _csv_downloads(p)
    ]
    assert len(found) >= 3  # Evaluate's three tables: answers and losses, a reward model's pairs, GRPO's answers
    plain = [
        f"{p.name}:{line}"
        for p, line, arg in found
        if arg is not None
        and (
            getattr(arg, "func", None) is None
            or getattr(arg.func, "id", getattr(arg.func, "attr", None)) != "spreadsheet_csv"
        )
    ]
    assert not plain, f"CSV downloads without a byte order mark (use ftlib.evaluate.spreadsheet_csv): {plain}"


# The Ollama Modelfile's stop strings, read back by a port of Ollama's own parser: github.com/ollama/ollama,
# parser/parser.go at fb30760996871fa9460115c753afd2c60d4ab0f7 (2026-08-21), `ParseFile`, `parseRuneForState` and
# `unquote`, for the commands a GGUF export writes (comments, FROM, PARAMETER). No escapes: the text between the
# quotes is the value; a line break inside an open quote is part of it; runes Go's strconv.IsPrint rejects are dropped.
def _go_is_print(c: str) -> bool:
    import unicodedata

    return c == " " or unicodedata.category(c)[0] in "LMNPS"


def _ollama_unquote(s: str) -> tuple[str, bool]:
    if s[:3] == '"""':
        return (s[3:-3], True) if len(s) >= 6 and s[-3:] == '"""' else ("", False)
    if s[:1] == '"':
        return (s[1:-1], True) if len(s) >= 2 and s[-1] == '"' else ("", False)
    return s, True


def _ollama_parse(text: str) -> list[tuple[str, str]]:
    """(command, value) for each command of a Modelfile, as Ollama's ParseFile reads it; ValueError where it fails."""
    space, newline = " \t", "\r\n"
    state, buf, name, out = "nil", "", "", []
    for r in text:
        if state == "nil":
            nxt, r = ("comment", "") if r == "#" else ("nil", "") if r in space + newline else ("name", r)
        elif state == "name":
            nxt, r = ("name", r) if r.isascii() and r.isalpha() else ("value", "") if r in space else ("bad", "")
        elif state == "parameter":
            nxt, r = (
                ("parameter", r)
                if (r.isascii() and r.isalnum()) or r == "_"
                else ("value", "")
                if r in space
                else ("bad", "")
            )
        elif state == "value":
            nxt = "nil" if r in space + newline else "value"
        else:  # comment
            nxt, r = ("nil", "") if r in newline else ("comment", "")
        if nxt == "bad":
            raise ValueError(f"Ollama refuses the Modelfile at {buf!r}")
        if nxt != state:
            if state == "name":
                name = buf.lower()
                nxt = "parameter" if name == "parameter" else nxt
            elif state == "parameter":
                name = buf
            elif state == "value":
                value, ok = _ollama_unquote(buf.strip())
                if not ok or r in space:
                    buf += r
                    continue
                out.append(("model" if name == "from" else name, value))
            buf, state = "", nxt
        if r and _go_is_print(r):
            buf += r
    if state == "value":
        value, ok = _ollama_unquote(buf.strip())
        if not ok:
            raise ValueError("Ollama: unexpected end of file in an open quote")
        out.append(("model" if name == "from" else name, value))
    elif state != "nil" and state != "comment":
        raise ValueError("Ollama: unexpected end of file")
    return out


STOPS = ["<|im_end|>", "<\uff5cend\u2581of\u2581sentence\uff5c>", 'say "hi"', '"', '""x', "Fin ✓", 'a" \nb', " pad "]
# A line break right after the opening quote(s): there the quote so far is open, not a whole (empty) value
STOPS += ["\nEnd", '"\nx']


def test_the_modelfiles_stop_strings_read_back_exactly_in_ollama():
    from ftlib.modelfile import modelfile_text

    text = modelfile_text("tide_talk", STOPS + ["a\u2028b", ""])
    assert "\\u" not in text.replace("a\\u2028b", "")  # no JSON escape Ollama would read as letters
    assert "<｜end▁of▁sentence｜>" in text  # DeepSeek's end marker as itself, in UTF-8
    commands = _ollama_parse(text)
    assert commands[0] == ("model", "./tide_talk.gguf")
    assert [v for c, v in commands if c == "stop"] == STOPS  # each one exactly; the unwritable one left out, said
    assert "# The stop string a\\u2028b has a character Ollama's Modelfile cannot hold: left out." in text


# Cases of Ollama's own parser_test.go (TestParseFileQuoted, TestParseFileParameters): (Modelfile, its last value,
# or None where Ollama refuses it), so that the port is checked before it judges our file.
OLLAMA_CASES = [
    ('FROM foo\nSYSTEM """\nThis is a\nmultiline system.\n"""\n\t\t\t', "\nThis is a\nmultiline system.\n"),
    ('FROM foo\nSYSTEM """This is a\nmultiline system."""\n', "This is a\nmultiline system."),
    ('FROM foo\nSYSTEM """This is a multiline system.""\n', None),
    ('FROM foo\nSYSTEM "\n', None),
    (
        'FROM foo\nSYSTEM """\nThis is a multiline system with "quotes".\n"""\n',
        '\nThis is a multiline system with "quotes".\n',
    ),
    ('FROM foo\nSYSTEM """"""\n', ""),
    ('FROM foo\nSYSTEM "\'"\n', "'"),
    ('FROM foo\nSYSTEM """\'\'"\'""\'""\'"\'\'\'\'\'""\'""\'"""\n', "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'"),
    ("FROM foo\nPARAMETER stop ### User: ", "### User:"),
    ('FROM foo\nPARAMETER stop "### User: "', "### User: "),
    ('FROM foo\nPARAMETER stop """### User:\n"""', "### User:\n"),
    ("FROM foo\nPARAMETER stop <|eot_id|>", "<|eot_id|>"),
    ('FROM foo\nPARAMETER stop "\\u00e9"\n', "\\u00e9"),  # a JSON escape: read as a backslash and letters
]


@pytest.mark.parametrize("modelfile, value", OLLAMA_CASES)
def test_the_port_of_ollamas_parser_reads_what_ollamas_own_tests_read(modelfile, value):
    if value is None:
        with pytest.raises(ValueError):
            _ollama_parse(modelfile)
    else:
        assert _ollama_parse(modelfile)[-1][1] == value


# Names in any script made into file names (ftlib.file_names.safe_name): letters kept, only what is unsafe folded.
NAME_CASES = [
    # (what a user named it, the file or folder name it gets)
    ("训练数据.jsonl", "训练数据.jsonl"),  # was `file.jsonl`
    ("Данные для обучения.csv", "Данные_для_обучения.csv"),  # Cyrillic, й among them: not folded to и
    ("بيانات عربية.parquet", "بيانات_عربية.parquet"),
    ("हिन्दी डेटा.jsonl", "हिन्दी_डेटा.jsonl"),  # Devanagari's vowel signs and virama stay on their letters
    ("データ.json", "データ.json"),
    ("Cafe\u0301.jsonl", "Cafe.jsonl"),  # ASCII names as before: an accented Latin letter folded, from NFD too
    ("my data (v2).jsonl", "my_data_v2.jsonl"),
    ("a__b.jsonl", "a__b.jsonl"),  # a name's own underscores kept
    ("tab\there.csv", "tab_here.csv"),
    ("../../数据/训练.csv", "训练.csv"),  # path parts: the last only
    ('数据<>:"|?*.csv', "数据.csv"),  # Windows' reserved characters
    ("..隐藏", "隐藏"),  # a leading dot: no hidden file
    ("数据\u202e\u200b.csv", "数据.csv"),  # a direction control, a zero-width space: left out
    ("数\u200b据\u202eset.csv", "数据set.csv"),  # left out inside a name too, not folded to `_`
    ("CON.jsonl", "CON_.jsonl"),  # Windows' reserved device names
    ("con.backup.jsonl", "con_.backup.jsonl"),  # reserved whatever follows the first dot: `con.backup_` still was
    ("lpt1", "lpt1_"),
    ("\U0001f3f4\u200d\u2620\ufe0f.csv", "file.csv"),  # an emoji is no letter: the default
    ("数" * 60 + ".jsonl", "数" * 33 + ".jsonl"),  # 100 bytes of UTF-8 at most before the suffix
]


@pytest.mark.parametrize("raw, expected", NAME_CASES)
def test_names_keep_letters_of_any_script(raw, expected):
    from ftlib.workspace import safe_name

    assert safe_name(raw) == expected


def test_an_upload_and_a_split_named_in_cyrillic_keep_their_names(tmp_path):
    from ftlib import workspace

    stored = workspace.save_upload("Данные.jsonl", b'{"prompt": "Hi", "completion": "Hello"}\n')
    assert workspace.upload_name(stored) == "Данные.jsonl"  # was `upload.jsonl`: every such upload one name
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}]
    folder = workspace.save_split("Пираты", rows, rows)
    assert folder.name == "Пираты"
    assert workspace.save_split("Cafe\u0301", rows, rows).name == "Cafe"
    assert workspace.load_split("Пираты")[0] == rows
