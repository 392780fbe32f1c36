"""`python -m ftlib tokens`: the JSON shape, preference output, templates, and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ftlib.cli import main

ROOT = Path(__file__).resolve().parents[1]
ROWS = [
    {"messages": [{"role": "user", "content": "Capital of Peru?"}, {"role": "assistant", "content": "Lima."}]},
    {
        "messages": [
            {"role": "system", "content": "Terse."},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "3+3?"},
            {"role": "assistant", "content": "6"},
        ]
    },
]


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def sft_file(tmp_path) -> Path:
    # A broken line first: row indices count valid rows only, so --row 0 is the Peru row.
    path = tmp_path / "chats.jsonl"
    path.write_text("{not json\n" + "".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def run_json(capsys, *args) -> tuple[int, dict]:
    code = main(["tokens", *map(str, args), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_json_shape_and_values(sft_file, capsys):
    code, out = run_json(capsys, sft_file, "--row", 0, "--template", "chatml", "--model", "default")
    assert code == 0
    assert {"template", "text", "input_ids", "labels", "tokens", "checks"} <= set(out)
    assert out["template"] == "chatml"
    assert out["text"] == ("<|im_start|>user\nCapital of Peru?<|im_end|>\n<|im_start|>assistant\nLima.<|im_end|>\n")
    assert len(out["input_ids"]) == len(out["labels"]) == len(out["tokens"])
    for token, tid, label in zip(out["tokens"], out["input_ids"], out["labels"], strict=True):
        assert {"id", "text", "role", "trained", "special"} <= set(token)
        assert token["id"] == tid and label == (tid if token["trained"] else -100)
    assert "".join(t["text"] for t in out["tokens"]) == out["text"]
    assert [t["text"] for t in out["tokens"] if t["trained"]] == ["L", "ima", ".", "<|im_end|>"]
    assert out["tokens"][0] == {**out["tokens"][0], "text": "<|im_start|>", "special": True, "role": "template"}
    assert [c["code"] for c in out["checks"]] == ["pad_is_eos"]


def test_tokenizer_template_and_policies(sft_file, capsys):
    _, own = run_json(capsys, sft_file, "--row", 1, "--template", "tokenizer")
    assert own["template"] == "tokenizer"
    assert own["text"].startswith("<|im_start|>system\nTerse.<|im_end|>")  # the row's system prompt, not SmolLM's
    trained = [t["text"] for t in own["tokens"] if t["trained"]]
    assert trained == ["4", "<|im_end|>", "6", "<|im_end|>"]
    _, last = run_json(capsys, sft_file, "--row", 1, "--template", "tokenizer", "--policy", "last_assistant")
    assert [t["text"] for t in last["tokens"] if t["trained"]] == ["6", "<|im_end|>"]
    _, every = run_json(capsys, sft_file, "--row", 1, "--policy", "everything")
    assert every["labels"] == every["input_ids"]


def test_max_length_cuts_and_errors_exit_1(sft_file, capsys):
    code, out = run_json(capsys, sft_file, "--row", 1, "--template", "chatml", "--max-length", 16)
    assert code == 1  # every trained token is cut: an error-level check
    assert len(out["input_ids"]) == 16 and out["truncated"]
    assert out["checks"][0]["code"] == "no_trained_tokens" and out["checks"][0]["severity"] == "error"
    assert {t["role"] for t in out["cut_turns"]} >= {"assistant"}


def test_preference_row_prints_chosen_and_rejected(tmp_path, capsys):
    path = _write(
        tmp_path / "pairs.jsonl",
        [
            {
                "prompt": [{"role": "user", "content": "Best pet?"}],
                "chosen": [{"role": "assistant", "content": "Dogs."}],
                "rejected": [{"role": "assistant", "content": "Rocks."}],
            },
        ],
    )
    code, out = run_json(capsys, path, "--row", 0, "--template", "chatml")
    assert code == 0
    said = {"file_row", "where", "skipped_rows", "row_warnings", "notes", "file_warnings"}
    assert set(out) == {"prompt_text", "chosen", "rejected", *said}
    assert out["skipped_rows"] == [] and (out["file_row"], out["where"]) == (1, "line 1")
    assert out["prompt_text"] == "<|im_start|>user\nBest pet?<|im_end|>\n<|im_start|>assistant\n"
    for key, answer in (("chosen", "Dogs."), ("rejected", "Rocks.")):
        inner = out[key]
        assert {"template", "text", "input_ids", "labels", "tokens", "checks"} <= set(inner)
        assert inner["text"].startswith(out["prompt_text"])
        assert "".join(t["text"] for t in inner["tokens"] if t["trained"]) == answer + "<|im_end|>"


def test_missing_tokens_are_reported_and_can_be_added(sft_file, capsys):
    _, plain = run_json(capsys, sft_file, "--template", "gemma")
    assert "missing_special_tokens" in {c["code"] for c in plain["checks"]}
    assert "Use the model's own template. Training does not add tokens" in next(
        c["fix"] for c in plain["checks"] if c["code"] == "missing_special_tokens"
    )
    assert main(["tokens", str(sft_file), "--template", "gemma", "--add-missing-tokens", "--json"]) == 0
    captured = capsys.readouterr()
    added = json.loads(captured.out)
    assert "missing_special_tokens" not in {c["code"] for c in added["checks"]}
    # Added for this row's preview only, and said so: a run keeps the model's tokenizer as it is.
    assert captured.err.startswith(
        "warning: <bos>, <start_of_turn>, <end_of_turn> added for this preview only. Training"
    )
    assert len(added["input_ids"]) < len(plain["input_ids"])
    assert [t["text"] for t in added["tokens"] if t["special"]][:2] == ["<bos>", "<start_of_turn>"]


def test_a_model_without_a_template_is_not_told_to_use_its_own(smol_tokenizer):
    import copy

    from ftlib.templates import get_template
    from ftlib.tokenizer_checks import check_missing_special_tokens

    bare = copy.deepcopy(smol_tokenizer)
    bare.chat_template = None  # a base model's tokenizer: no template of its own
    fix = check_missing_special_tokens(bare, get_template("gemma", bare)).fix
    assert fix.startswith("This model has no template of its own: pick a built-in template whose control tokens")


def test_custom_template_file(sft_file, tmp_path, capsys):
    tpl = tmp_path / "t.jinja"
    tpl.write_text(
        "{% for m in messages %}[{{ m['role'] }}] {% if m['role'] == 'assistant' %}{% generation %}"
        "{{ m['content'] }}{{ eos_token }}{% endgeneration %}{% else %}{{ m['content'] }}{% endif %}"
        "{{ '\\n' }}{% endfor %}",
        encoding="utf-8",
    )
    code, out = run_json(capsys, sft_file, "--template-file", tpl)
    assert code == 0 and out["template"] == "custom"
    assert out["text"] == "[user] Capital of Peru?\n[assistant] Lima.<|im_end|>\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--row", "2"], "--row 2 is out of range"),
        (["--row", "-1"], "out of range"),
        # As train and batch say it (it said "a positive number of tokens", which 8 is): tests/test_cli_walk_h163.py
        (["--max-length", "0"], "0 is out of range: a run's max_length is at least 16 and at most 131072"),
    ],
)
def test_bad_input_exits_2(sft_file, capsys, args, message):
    assert main(["tokens", str(sft_file), *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_and_bad_template_exit_2(tmp_path, sft_file, capsys):
    assert main(["tokens", str(tmp_path / "nope.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err
    bad = tmp_path / "bad.jinja"
    bad.write_text("{{ ''.__class__ }}", encoding="utf-8")
    assert main(["tokens", str(sft_file), "--template-file", str(bad)]) == 2
    assert "sandbox" in capsys.readouterr().err


def test_text_table_output(sft_file, capsys):
    assert main(["tokens", str(sft_file), "--template", "chatml"]) == 0
    out = capsys.readouterr().out
    assert "trained=4" in out and "end of assistant turn — trained" in out and "INFO: [pad_is_eos]" in out


def test_module_entry_point(sft_file):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ftlib",
            "tokens",
            str(sft_file),
            "--row",
            "0",
            "--template",
            "tokenizer",
            "--model",
            "default",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["template"] == "tokenizer" and out["labels"][-2] == out["input_ids"][-2] == 2  # <|im_end|> trained
    help_text = subprocess.run(
        [sys.executable, "-m", "ftlib", "tokens", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    ).stdout
    assert "--row N counts from 0 among FILE's valid rows" in help_text and '"chosen"' in help_text


# Canonical rows of every kind, as the data readers produce them (the readers themselves are tested in test_data).
KINDS = {
    "tool_call": ("hermes", 0, ['"name": "lookup_tide"', "High tide in Dover is at 14:05."], ["High tide 14:05<"]),
    "reasoning": ("tokenizer", 0, ["<think>\n91 = 7", "No: 91 is 7 times 13."], ["Is 91 prime?"]),
    "text": ("chatml", 0, ["ides turn."], []),  # the first token ("T") is never a target
    "unpaired": ("chatml", 0, ["Go away."], ["Greet me"]),
    "prompt_only": ("chatml", 0, [], ["Write a shanty."]),  # GRPO's data: said (info), not an error
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_row_kind_keeps_the_json_contract(kind, monkeypatch, capsys, tmp_path):
    import types

    import ftlib.data
    from tests.test_template_fixtures import ROWS as TEMPLATE_ROWS

    row = {
        **TEMPLATE_ROWS,
        "text": {"text": "Tides turn."},
        "unpaired": {"prompt": "Greet me", "completion": "Go away.", "label": False},
        "prompt_only": {"prompt": [{"role": "user", "content": "Write a shanty."}]},
    }[kind]
    loaded = types.SimpleNamespace(
        rows=[row], errors=[], warnings=[], notices=[], row_numbers=[1], where=lambda n: f"line {n}"
    )
    monkeypatch.setattr(ftlib.data, "load_file", lambda path, **read_as: loaded)
    template, exit_code, trained, masked = KINDS[kind]
    code, out = run_json(capsys, tmp_path / "rows.jsonl", "--row", 0, "--template", template)
    assert code == exit_code
    assert out["kind"] == {"tool_call": "sft", "reasoning": "sft"}.get(kind, kind)
    assert "".join(t["text"] for t in out["tokens"]) == out["text"]
    # Trained where the loss scores it: a label, and not the first token (nothing before it predicts it).
    assert [t["label"] != -100 and i > 0 for i, t in enumerate(out["tokens"])] == [t["trained"] for t in out["tokens"]]
    got = "".join(t["text"] for t in out["tokens"] if t["trained"])
    assert all(piece in got for piece in trained), got
    assert not any(piece in got for piece in masked), got
    if kind == "unpaired":
        assert out["label"] is False
    if kind == "text":
        assert all(t["trained"] for t in out["tokens"][1:]) and out["tokens"][0]["label"] == out["tokens"][0]["id"]
    if kind == "prompt_only":
        assert not got and out["checks"][0]["code"] == "prompt_only"


def test_rows_that_failed_to_load_are_named_not_skipped_in_silence(sft_file, capsys):
    """--row counts valid rows only, and `tokens` never said that line 1 of the file was not read at all."""
    assert main(["tokens", str(sft_file), "--row", "1", "--template", "chatml"]) == 0
    captured = capsys.readouterr()
    (warning,) = captured.err.splitlines()
    assert warning.startswith(f"warning: 1 of 3 rows in {sft_file} is not used: line 1: this line is not valid JSON")
    assert f"`python -m ftlib data inspect {sft_file}`" in warning and warning.endswith("--row 1 is line 3.")
    assert "kind=sft" in captured.out  # the table is unchanged, on stdout
    code, out = run_json(capsys, sft_file, "--row", 0, "--template", "chatml")
    assert code == 0 and [(r["row"], r["where"]) for r in out["skipped_rows"]] == [(1, "line 1")]
    assert "not valid JSON" in out["skipped_rows"][0]["message"]


def test_out_of_range_and_empty_files_say_how_many_rows_failed(sft_file, tmp_path, capsys):
    assert main(["tokens", str(sft_file), "--row", "2"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: --row 2 is out of range: ")
        and "2 valid rows, which --row counts from 0 (0 to 1); 1 other row failed" in err
    )
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [{"role": "user", "content": "Only a question"}]}\n[1]\n', encoding="utf-8")
    assert main(["tokens", str(broken)]) == 2
    (line,) = capsys.readouterr().err.splitlines()  # it said "has 0 valid rows (0 to -1)"
    assert line.startswith(f"error: {broken} has no valid row (2 rows failed to load: line 1: ")
    assert "(0 to -1)" not in line and f"`python -m ftlib data inspect {broken}`" in line


def test_the_rows_own_warnings_are_said_as_data_inspect_says_them(tmp_path, capsys):
    """A cold review: `data inspect` and the Tokens page warned of a call to a tool the row does not define and of
    invisible control characters; `tokens` showed the row without a word."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    row = {
        "messages": [
            {"role": "user", "content": "Weather in Lima?\x1b[31m"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "get_wether", "arguments": {}}}],
            },
            {"role": "tool", "content": "Sunny."},
            {"role": "assistant", "content": "Sunny."},
        ],
        "tools": [weather],
    }
    path = tmp_path / "tools.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert main(["data", "inspect", str(path), "--json"]) == 0
    inspected = [w["message"] for w in json.loads(capsys.readouterr().out)["warnings"] if w["row"] == 1]
    assert any("get_wether" in w for w in inspected) and any("control characters" in w for w in inspected)
    main(["tokens", str(path), "--template", "hermes"])
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("warning: line 1: ")] == [
        f"warning: line 1: {w}" for w in inspected
    ]
    _, out = run_json(capsys, path, "--template", "hermes")
    assert out["row_warnings"] == inspected


def test_the_table_says_which_character_a_byte_piece_belongs_to_and_keeps_its_columns(tmp_path, capsys):
    """An emoji or a CJK character is several byte-level tokens; the later ones add no text. The table printed them
    as `""` with nothing said, and padded a wide character by its length: each one pushed the reason column over."""
    path = _write(
        tmp_path / "wide.jsonl",
        [{"messages": [{"role": "user", "content": "价?"}, {"role": "assistant", "content": "👋"}]}],
    )
    assert main(["tokens", str(path), "--row", "0", "--template", "chatml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line[:4].strip().isdigit()]
    wide = next(line for line in rows if '"价"' in line)
    piece = rows[rows.index(wide) + 1]
    assert piece.split()[3:5] == ["user", "…"] and piece.endswith(
        f"(a later byte of the character on token {wide.split()[0]})"
    )
    # The reason starts in the same terminal column on every row (a wide character counts two).
    columns = {
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[: line.index(" user prompt")])
        for line in rows
        if " user prompt" in line
    }
    assert len(columns) == 1, columns
