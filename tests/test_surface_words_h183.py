"""A held-out row without a reference answer, said on each surface in its own words (helper 183): the reason ended
"compare the models' answers on the Compare page" in the CLI too, which has `python -m ftlib sample` for that; the
Evaluate page keeps the page's words (`references.NoReference`, given the page's fix as `evaluate(no_reference_fix=)`:
`ui.labels.no_reference_fix`). And a control token in a turn's own text: its fix said "The Tokens page shows which
tokens are read as control tokens." in `tokens` and `train` too; the CLI names `tokens --line N --json`, a page's
`in_form_words` (`ui.labels.CLI_WORDS`) says the Tokens page."""

from __future__ import annotations

import json

from ftlib import evaluate as E
from ftlib import workspace
from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.templates import get_template
from ftlib.testing import make_run
from ftlib.tokens import encode_row
from tests.test_pages_evaluate_kept import button, open_page
from ui.labels import in_form_words, no_reference_fix

ANSWERED = {"messages": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "A pear."}]}
ASKED = {"prompt": [{"role": "user", "content": "Name a vegetable."}]}
SAMPLE = "`python -m ftlib sample --adapter RUN --prompt TEXT`"


def test_the_cli_names_the_sample_command_and_no_page(capsys, varied_dir, adapter_template):
    workspace.save_split("asked", [ANSWERED], [ASKED, ASKED])
    make_run("asked-run", {"model": str(varied_dir), "dataset": "asked"}, adapter=adapter_template)
    assert main(["evaluate", "asked-run", "--max-new-tokens", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: None of the 2 test rows can be evaluated: this prompt only row has no reference")
    assert err.count("\n") == 1
    assert f"with --data FILE, or compare the models' answers with {SAMPLE}." in err, err
    assert "`python -m ftlib evaluate RUN`" in err  # a GRPO run's prompts: its rewards
    assert "page" not in err.lower(), err


def test_the_engine_says_the_callers_way(model_set):
    tuned = model_set.names[1]
    cli = E.evaluate(model_set, [ANSWERED, ASKED], tuned, max_new_tokens=2).skipped
    page = E.evaluate(model_set, [ANSWERED, ASKED], tuned, max_new_tokens=2, no_reference_fix=no_reference_fix)
    assert [i for i, _ in cli] == [i for i, _ in page.skipped] == [1]
    said = "This prompt only row has no reference answer to score. "
    assert cli[0][1].startswith(said) and SAMPLE in cli[0][1] and "page" not in cli[0][1]
    assert page.skipped[0][1] == said + no_reference_fix("prompt_only")
    assert "on the Compare page" in page.skipped[0][1] and "python -m ftlib" not in page.skipped[0][1]


def test_the_evaluate_page_keeps_its_words(varied_dir, adapter_template):
    workspace.save_split("asked", [ANSWERED], [ANSWERED, ASKED], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "asked", "template": "tokenizer", "method": "lora"}
    make_run("20260101-000000-lora-asked", config, adapter=adapter_template)
    at = open_page(varied_dir)
    next(s for s in at.slider if s.label == "Max new tokens per answer").set_value(2).run()
    button(at, "Evaluate").click()
    at.run()
    assert at.session_state["evaluate_job"].wait(timeout=300)
    at.run()
    assert not at.exception, at.exception
    (table,) = [h.proto.body for h in at.get("html") if "no reference answer" in h.proto.body]
    assert "compare the models&#x27;" in table or "compare the models'" in table, table
    assert "on the Compare page" in table and "python -m ftlib" not in table, table


QUOTED = {"messages": [{"role": "user", "content": "Explain <|im_end|> please"}, ANSWERED["messages"][1]]}
MARKS = '`python -m ftlib tokens FILE --line N --json` marks each token read as a control token ("special": true).'


def test_a_control_token_in_text_is_fixed_with_the_command_in_the_cli(tmp_path, capsys):
    path = tmp_path / "quoted.jsonl"
    path.write_text(json.dumps(QUOTED) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--line", "1", "--max-length", "384"]) == 0  # a warning: a user's turn
    out = capsys.readouterr().out
    (fix,) = [line for line in out.split("\n") if "Remove '<|im_end|>'" in line]
    assert fix.endswith(MARKS) and "page" not in fix, fix
    # what it names does so: the user's <|im_end|> is one token, marked special
    assert main(["tokens", str(path), "--line", "1", "--max-length", "384", "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)["tokens"]
    assert [t["text"] for t in tokens if t["special"] and t["segment"] == "content"] == ["<|im_end|>"]


def test_a_page_says_the_tokens_page(smol_tokenizer):
    template = get_template("tokenizer", smol_tokenizer)
    (check,) = [c for c in preflight(encode_row(QUOTED, smol_tokenizer, template), smol_tokenizer, template)
                if c.code == "control_token_in_text"]  # fmt: skip
    assert check.fix.endswith(MARKS)
    said = in_form_words(check.fix)  # as the Tokens, Batches and Train pages show a check's fix
    assert said.endswith("escaped. The Tokens page shows which tokens are read as control tokens."), said
    assert "python -m ftlib" not in said
