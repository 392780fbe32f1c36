"""Helper 104's fixes from a newcomer walk on tool-calling chat data (helper 102's): `last_assistant` on rows whose
earlier assistant turns are tool calls trained only the final answers, the calls never, and no check said so
(`tool_calls_untrained`, in `tokens`, `train`, `batch` and the pages that show checks); and `batch` on rows longer
than --max-length showed only a "cut" count in a column, where `train` warns of them in a line (`train`'s words,
`run_preflight.cut_warnings`, now in `batch` and on the Batches page's whole-split table)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.run_preflight import preflight as run_preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row

ROOT = Path(__file__).resolve().parents[1]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bus_times",
            "description": "Next departures from a bus stop",
            "parameters": {"type": "object", "properties": {"stop": {"type": "string"}}, "required": ["stop"]},
        },
    }
]


def tool_row(stop: str = "Harbour Street") -> dict:
    """A call, its result and the answer from it: under 'last_assistant' only the answer is trained."""
    call = {"type": "function", "function": {"name": "bus_times", "arguments": {"stop": stop}}}
    return {
        "messages": [
            {"role": "user", "content": f"When is the next bus from {stop}?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "content": '{"next": "08:15"}'},
            {"role": "assistant", "content": f"The next bus from {stop} leaves at 08:15."},
        ],
        "tools": TOOLS,
    }


PLAIN = {"messages": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "A pear."}]}
SAID = (
    "The 'last_assistant' policy trains only the last assistant reply: the tool calls of the earlier assistant turns"
)
FIX = "Use the 'all_assistant' policy to train every assistant turn, its tool calls included"


def codes(row: dict, tokenizer, policy: str) -> dict[str, str]:
    template = get_template("hermes", tokenizer)
    return {c.code: c.severity for c in preflight(encode_row(row, tokenizer, template, policy), tokenizer, template)}


def test_a_policy_training_the_last_reply_says_the_calls_before_it_are_never_trained(smol_tokenizer):
    """Info, as weight_zero's untrained turns are: the policy does what it says, but nothing said it of the calls."""
    assert codes(tool_row(), smol_tokenizer, "last_assistant")["tool_calls_untrained"] == "info"
    assert "tool_calls_untrained" not in codes(tool_row(), smol_tokenizer, "all_assistant")  # the calls are trained
    assert "tool_calls_untrained" not in codes(PLAIN, smol_tokenizer, "last_assistant")  # no call to leave out
    context = tool_row()
    context["messages"][1]["weight"] = 0  # the data's own choice: weight_zero says it
    found = codes(context, smol_tokenizer, "last_assistant")
    assert "tool_calls_untrained" not in found and "weight_zero" in found


def test_tokens_shows_it_and_exits_0(tmp_path, capsys, tiny_model_dir):
    data = tmp_path / "bus.jsonl"
    data.write_text(json.dumps(tool_row()) + "\n", encoding="utf-8")
    argv = ["tokens", str(data), "--model", str(tiny_model_dir), "--template", "hermes"]
    assert main([*argv, "--policy", "last_assistant"]) == 0  # info: not a refusal
    out = capsys.readouterr().out
    assert f"INFO: [tool_calls_untrained] {SAID}" in out and f"fix: {FIX}" in out
    assert main([*argv, "--policy", "all_assistant"]) == 0
    assert "tool_calls_untrained" not in capsys.readouterr().out


def test_train_counts_the_rows_it_leaves_calls_untrained_in(tiny_model_dir):
    config = RunConfig(model=str(tiny_model_dir), template="hermes", mask_policy="last_assistant", max_length=512)
    warnings = run_preflight(config, rows=([tool_row(), PLAIN, tool_row("Mill Lane")], [])).warnings
    said = [w for w in warnings if SAID in w]
    assert len(said) == 1 and said[0].startswith(f"In 2 of 3 training rows (rows 1, 3): {SAID}") and FIX in said[0]
    config = RunConfig(model=str(tiny_model_dir), template="hermes", mask_policy="all_assistant", max_length=512)
    assert not [w for w in run_preflight(config, rows=([tool_row(), PLAIN], [])).warnings if SAID in w]


def test_batch_warns_of_cut_rows_in_trains_words(tmp_path, capsys, tiny_model_dir):
    """A row longer than --max-length, cut and kept: `batch` said it only in its "cut" column."""
    rows = [tool_row(), PLAIN]
    data = tmp_path / "bus.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = RunConfig(model=str(tiny_model_dir), template="hermes", max_length=200)
    from ftlib.row_cuts import row_shows, tokens_command

    # train's words, ending with the `tokens` command that shows the row cut with batch's options (helper 171)
    flags = ["--model", str(tiny_model_dir), "--template", "hermes"]

    def shows(row: int) -> str:
        return row_shows(tokens_command(str(data), row, flags, 200), row)

    said = run_preflight(config, rows=(rows, []), shows=shows).warnings
    (cut,) = [w for w in said if "longer than the max length" in w]
    argv = ["batch", str(data), "--model", str(tiny_model_dir), "--template", "hermes", "--max-length", "200"]
    assert main(argv) == 0
    assert f"warning: {cut}\n" in capsys.readouterr().err
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cut_warnings"] == [cut]
    assert main([*argv[:-1], "1024", "--policy", "last_assistant"]) == 0  # whole rows: no cut; the calls said
    err = capsys.readouterr().err
    assert "longer than the max length" not in err and f"warning: In 1 of 2 training rows (row 1): {SAID}" in err


def test_the_batches_page_says_the_cut_rows_as_batch_does():
    workspace.save_split("bus-cut", [tool_row(), PLAIN], [PLAIN], {"format": "messages"})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/3_Batches.py").run()
    at.selectbox(key="batch_template").set_value("hermes").run()
    at.number_input(key="batch_max_length").set_value(200).run()
    assert not at.exception, at.exception
    warned = [w.value for w in at.warning]
    cut = [w for w in warned if "longer than the max length of 200 tokens and cut" in w]
    assert len(cut) == 1 and "(training row 1)" in cut[0], warned
