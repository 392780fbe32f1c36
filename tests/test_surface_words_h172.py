"""Each surface in its own words (helper 172): `train --help` names commands and flags, never a page ("the Tokens page
shows each" was in its --template help, "written on the Tokens page" in --template-source's, "the Data page" in
--test-size's); the Train form's captions, built from the same help, name pages and boxes, never a command or a
flag."""

from __future__ import annotations

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
