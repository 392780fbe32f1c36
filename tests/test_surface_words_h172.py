"""Each surface in its own words (helper 172): `train --help` names commands and flags, never a page ("the Tokens page
shows each" was in its --template help, "written on the Tokens page" in --template-source's, "the Data page" in
--test-size's); the Train form's captions, built from the same help, name pages and boxes, never a command or a
flag."""

from __future__ import annotations

import json
import re

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.config import field_specs
from tests.test_pages_train import SFT_ROWS, page
from ui.labels import field_caption


def _help(capsys, *command: str) -> str:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_train_help_names_no_page_and_says_the_command_that_shows_each_template(capsys):
    said = _help(capsys, "train")
    assert "page" not in said.lower(), re.findall(r".{80}page.{40}", said, re.I)
    template = said[said.index("--template TEMPLATE How a conversation") :][:600]
    assert "`python -m ftlib tokens FILE --template NAME` shows each" in template, template
    assert "a file's with `--template-file FILE`" in template, template
    test_size = said[said.index("--test-size TEST_SIZE Rows held out") :][:500]
    assert "unset = the share `data split` starts from" in test_size, test_size


@pytest.mark.parametrize(
    "command",
    [("data", "split"), ("data", "inspect"), ("data", "files"), ("data", "pair"), ("data", "remove"), ("tokens",)],
)
def test_the_data_and_tokens_commands_help_names_no_page(capsys, command):
    """`data split --test-size` said "as the Data page starts", `data inspect` "(the Data page's warning)" and "as the
    Data page and `batch --template` count them", `data files` "as the Data page's 'Uploaded by'", `tokens` "the Data
    page number a file's rows"."""
    said = _help(capsys, *command)
    assert "page" not in said.lower(), re.findall(r".{80}page.{40}", said, re.I)


def test_evaluate_help_names_a_page_only_where_its_result_is_kept_for_it(capsys, monkeypatch):
    """--answer-at said "the replies the Train page's held-out loss counts": the run's eval_loss, in the CLI's words.
    --batch-size's default is the Evaluate page's so that the result the command keeps is the one the page shows: a
    fact about both surfaces, said as such."""
    monkeypatch.setenv("COLUMNS", "2000")  # argparse wraps at a hyphen too: "held- out"
    said = _help(capsys, "evaluate")
    assert "the replies the run's held-out loss, eval_loss, counts by default" in said, said
    pages = re.findall(r"[^;(]*\bpage\b[^;)]*", said)
    assert pages == [
        " default: as the Evaluate page measures, so its result is kept for the page: a reward model's "
        "pairs in batches of 16, other runs' rows in batches of 8"
    ], pages


# Words of the CLI a caption must not carry: a flag, a command line, a command in backticks.
CLI_SAID = re.compile(r"--\w|python -m ftlib|`(?:data|tokens|train|batch) ")


@pytest.mark.parametrize("name", sorted(field_specs()))
def test_every_settings_caption_names_no_command_or_flag(name):
    """Hidden settings too (test_size, template_source): a form that draws one later says it in the page's words."""
    caption = field_caption(field_specs()[name].help)
    assert not CLI_SAID.search(caption), caption
    assert "template_source" not in caption, caption  # a setting the form never shows (the Tokens page's text)


def test_the_captions_say_where_a_page_user_does_it():
    specs = field_specs()
    assert "the Tokens page shows each) or custom (its Jinja text written on the Tokens page)." in field_caption(
        specs["template"].help
    )
    assert field_caption(specs["template_source"].help).endswith(
        "(only when template is `custom`; written on the Tokens page)."
    )
    test_size = field_caption(specs["test_size"].help)
    assert "as the Data page's **Test ratio** and **Test rows** take" in test_size, test_size
    assert "unset = the share the Data page's **Test ratio** starts from (0.1" in test_size, test_size


def test_the_train_pages_template_caption_names_the_tokens_page_and_no_flag(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    (template,) = [c.value for c in at.caption if c.value.startswith("How a conversation is written out")]
    assert "the Tokens page shows each" in template and "written on the Tokens page" in template, template
    assert "--" not in template and "python -m" not in template and "template_source" not in template, template
    assert not [c.value for c in at.caption if "python -m ftlib" in c.value]


# A template refusing a row (helper 164's): said by `train`, by the Train page before a start, and kept by a run that
# failed on it. It ended "(Tokens or Train page; --template)" everywhere: both surfaces' words in one sentence.
ALTERNATING = (
    "{% for m in messages %}{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
)
CLI_FIX = " Fix that row, or pick another chat template with `--template NAME`."
PAGE_FIX = " Fix that row, or pick another chat template in the **Chat template** box above."
BAD = {"messages": [{"role": "assistant", "content": "Ahoy."}, *SFT_ROWS[0]["messages"]]}  # not a user turn first


def test_train_says_a_template_refusal_with_its_flag(tmp_path, capsys, tiny_model_dir):
    rows = [*SFT_ROWS[:6], BAD]
    data, template = tmp_path / "rows.jsonl", tmp_path / "alternating.jinja"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    template.write_text(ALTERNATING)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--template-file", str(template)]
    assert main([*argv, "--test-size", "0"]) == 2
    err = capsys.readouterr().err
    (refusal,) = [line for line in err.splitlines() if line.startswith("error: The chat template cannot render")]
    assert refusal.startswith("error: The chat template cannot render training row 7: "), err
    assert CLI_FIX + " The row numbers above count" in refusal, err  # then which line of the file that row is
    assert "page" not in err.lower(), err


def test_the_train_page_says_a_template_refusal_with_its_box(tiny_model_dir):
    from ftlib.config import RunConfig
    from ftlib.testing import make_run

    workspace.save_split("tides", [*SFT_ROWS[:6], BAD], SFT_ROWS[6:8])
    custom = RunConfig(model=str(tiny_model_dir), dataset="tides", template="custom", template_source=ALTERNATING)
    make_run("r-custom", custom.to_dict())  # the Train page starts from the last run's settings, its template too
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    (refusal,) = [e.value for e in at.error if "cannot render" in e.value]
    assert refusal.startswith("The chat template cannot render training row 7: "), refusal
    assert refusal.endswith(PAGE_FIX), refusal
    assert "--" not in refusal and "page" not in refusal, refusal


def test_a_failed_runs_kept_refusal_reads_in_the_pages_words():
    """A run's status.json keeps the CLI's words (`runs show` prints them); the Train page says its box."""
    from ui.labels import failed_run_words

    kept = "The chat template cannot render training row 7: Conversation roles must alternate." + CLI_FIX
    said = failed_run_words(kept)
    assert said.endswith(" Fix that row, or pick another chat template in the **Chat template** box."), said
    assert "--" not in said, said


def test_preflight_says_a_refusal_with_the_callers_fix_and_keeps_an_explained_one_whole(
    tiny_model_dir, smol_tokenizer
):
    """`preflight(refusal_fix=...)`: the page's way on in place of the CLI's, for one row or several; a refusal whose
    reason has named the fix (a template that takes no system turn) gets none from either."""
    from ftlib.run_preflight import preflight
    from tests.test_template_walk_h164 import NO_SYSTEM, ROWS, config

    def refusal(source, train, fix=None):
        run = config(tiny_model_dir, dataset="x", template="custom", template_source=source)
        (error,) = preflight(run, tokenizer=smol_tokenizer, rows=(train, ROWS[1:2]), refusal_fix=fix).errors
        return error

    bad = {"messages": [{"role": "assistant", "content": "Hello."}, *ROWS[0]["messages"]]}
    assert refusal(ALTERNATING, [ROWS[0], bad]).endswith(CLI_FIX)
    assert refusal(ALTERNATING, [ROWS[0], bad, bad], "Fix {them} here.").endswith(
        ": Conversation roles must alternate user/assistant. Fix those rows here."
    )
    system = {"messages": [{"role": "system", "content": "Be brief."}, *ROWS[0]["messages"]]}
    cli, page = refusal(NO_SYSTEM, [ROWS[0], system]), refusal(NO_SYSTEM, [ROWS[0], system], "Fix {them} here.")
    assert cli == page and "pick a built-in template that takes one" in page and "Fix" not in page, page


def test_rows_past_the_reasons_named_point_to_the_tokens_command_and_on_a_page_to_the_tokens_page(monkeypatch):
    """`train` and `batch` printed "(the Tokens page shows each row)" and "the Tokens page shows why" for the rows past
    the reasons a warning names one by one (checks.GROUPS); the Train and Batches pages say their Tokens page."""
    from types import SimpleNamespace

    import ftlib.tokens
    from ftlib import checks
    from ftlib.checks import GROUPS, _in_rows
    from ftlib.run_preflight import why_left_out
    from ui.labels import in_form_words

    said = _in_rows({f"Turn {n} is wrong.": [n] for n in range(1, GROUPS + 3)}, GROUPS + 2, "training")
    assert said.endswith(
        f"Rows {GROUPS + 1}, {GROUPS + 2}: the same in other turns or ways (the `tokens` command shows each row)."
    ), said
    assert "page" not in said and in_form_words(said).endswith("ways (the Tokens page shows each row)."), said
    # Each row left out for a reason of its own: past GROUPS reasons, the rows are numbered and pointed on.
    monkeypatch.setattr(ftlib.tokens, "parts", lambda enc: {"only": enc})
    left = [(n, SimpleNamespace(num_trained=0, truncated=False, n=n)) for n in range(1, GROUPS + 3)]
    monkeypatch.setattr(
        checks, "check_no_trained", lambda part, context: SimpleNamespace(message=f"R{part.n}.", fix="")
    )
    said = why_left_out(left)
    assert said.endswith(f"Rows {GROUPS + 1}, {GROUPS + 2}: the `tokens` command shows why."), said
    assert "page" not in said and in_form_words(said).endswith(": the Tokens page shows why."), said
