"""A row's tool schemas, as the chat template writes them, are named as the row's own data (role `tools`, "tool
schemas (from the row's tools)", masked), not "template scaffolding" (ftlib/schema_spans.py, masks.build_segments).

Helper 67's walk: on the Tokens page and in `python -m ftlib tokens` the schemas' tokens were labelled "template
scaffolding" and counted as `template`, so a newcomer could not see that they come from the row. Where a template
writes a schema in a form not found (by hand, its description as its own lines), the old label stays: never a wrong
one. The schemas and conversation are ours.
"""

from __future__ import annotations

import json
from html import escape

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.masks import TOOL_SCHEMAS
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_pages_tokens import PAGE, html, run

TIDE = {
    "type": "function",
    "function": {
        "name": "get_tide",
        "description": "High tide time for a harbour, in local time (é)",
        "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
    },
}
WIND = {"name": "get_wind", "description": "Wind speed in knots", "parameters": {"type": "object", "properties": {}}}
ROW = {
    "messages": [
        {"role": "user", "content": "When is high tide at Brest?"},
        {"role": "assistant", "content": "High tide at Brest is at 14:02."},
    ],
    "tools": [TIDE, WIND],
}
MASKED = TOOL_SCHEMAS + " — masked: the model reads them to know what it can call; it does not learn to write them"
DESCRIPTIONS = ("High tide time for a harbour", "Wind speed in knots")


def _by_role(enc) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in enc.tokens:
        out[t.role] = out.get(t.role, "") + t.text
    return out


@pytest.mark.parametrize("template", ["hermes", "llama31"])
def test_the_schemas_are_the_rows_tools_not_template_scaffolding(smol_tokenizer, template):
    enc = encode_row(ROW, smol_tokenizer, template)
    said = _by_role(enc)
    for words in (*DESCRIPTIONS, '"get_tide"', '"get_wind"'):
        assert words in said["tools"] and words not in said["template"], words
    assert "get_tide" not in said["template"] and "get_wind" not in said["template"]
    schemas = [t for t in enc.tokens if t.role == "tools"]
    assert {t.reason for t in schemas} == {MASKED} and not any(t.trained for t in schemas)
    assert enc.counts()["per_role"]["tools"] == {"total": len(schemas), "trained": 0}
    # Each schema is its JSON as the template wrote it, whole: llama31 indents by 4, hermes writes `tojson` plainly
    spans = [enc.text[s.start : s.end] for s in enc.segments if s.kind == "tool_schema"]
    indent = 4 if template == "llama31" else None
    assert spans == [json.dumps(tool, ensure_ascii=False, indent=indent) for tool in (TIDE, WIND)]
    # The template's own words around them stay its scaffolding
    assert "function" in said["template"] and said["template"].count("{") == said["template"].count("}")


def test_trained_under_everything_and_still_named_so(smol_tokenizer):
    enc = encode_row(ROW, smol_tokenizer, "hermes", "everything")
    reasons = {t.reason for t in enc.tokens if t.role == "tools"}
    assert reasons == {TOOL_SCHEMAS + " — trained (policy: everything)"}


# A template that writes each schema by hand: the name and description as lines of its own, no JSON.
BY_HAND = (
    "{% for t in tools %}{{ t.function.name if t.function is defined else t.name }}: "
    "{{ t.function.description if t.function is defined else t.description }}\n{% endfor %}"
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# One that prints each tool's function as Python writes a dict (`{{ tool }}`), or as JSON indented by 2.
PRINTED = BY_HAND.replace(
    "{{ t.function.name if t.function is defined else t.name }}: "
    "{{ t.function.description if t.function is defined else t.description }}",
    "{{ t.function if t.function is defined else t }}",
)
INDENTED = PRINTED.replace(
    "{{ t.function if t.function is defined else t }}", "{{ (t.function or t) | tojson(indent=2) }}"
)


def test_a_schema_written_by_hand_keeps_the_old_label(smol_tokenizer):
    enc = encode_row(ROW, smol_tokenizer, get_template("custom", smol_tokenizer, source=BY_HAND))
    said = _by_role(enc)
    assert "tools" not in said and all(words in said["template"] for words in DESCRIPTIONS)
    assert {t.reason for t in enc.tokens if "harbour" in t.text} <= {"template scaffolding — masked"}


@pytest.mark.parametrize(
    ("source", "form"), [(PRINTED, str), (INDENTED, lambda f: json.dumps(f, ensure_ascii=False, indent=2))]
)
def test_other_forms_a_template_writes_are_found(smol_tokenizer, source, form):
    enc = encode_row(ROW, smol_tokenizer, get_template("custom", smol_tokenizer, source=source))
    spans = [enc.text[s.start : s.end] for s in enc.segments if s.kind == "tool_schema"]
    assert spans == [form(TIDE["function"]), form(WIND)]


def test_a_schema_the_user_pasted_stays_the_users(smol_tokenizer):
    # The same JSON in the user's words: the template's copy (where its name was marked) is the schema
    pasted = json.dumps(TIDE, ensure_ascii=False)
    row = {**ROW, "messages": [{"role": "user", "content": f"Is this right?\n{pasted}"}, ROW["messages"][1]]}
    enc = encode_row(row, smol_tokenizer, "hermes")
    (user,) = [s for s in enc.segments if s.role == "user"]
    schemas = [s for s in enc.segments if s.kind == "tool_schema"]
    assert len(schemas) == 2 and pasted in enc.text[user.start : user.end]
    assert all(s.end <= user.start or s.start >= user.end for s in schemas)
    assert enc.text.count(pasted) == 2 and enc.text[schemas[0].start : schemas[0].end] == pasted


def test_the_cli_names_the_schemas(tmp_path, capsys):
    path = tmp_path / "tools.jsonl"
    path.write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--row", "0", "--template", "hermes", "--model", "default"]) == 0
    lines = capsys.readouterr().out.splitlines()
    schema_lines = [line for line in lines if MASKED in line]
    assert schema_lines and all(line.split()[3] == "tools" for line in schema_lines)
    assert not any("template scaffolding" in line and "harbour" in line for line in lines)


def test_the_tokens_page_counts_the_schemas_as_the_rows_tools():
    workspace.save_split("tide", [ROW, ROW], [ROW], {"format": "messages"})
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.selectbox(key="tok_template").set_value("hermes")
    run(at)
    assert escape(MASKED) in html(at)  # the pills' hover text
    (said,) = [c.value for c in at.caption if c.value.startswith("Trained / total per role: ")]
    assert f"{TOOL_SCHEMAS}: 0/" in said and "template: 0/" in said
