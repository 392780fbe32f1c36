"""Helper 160's review of the engine side of a session's commits: each test failed before its fix."""

from __future__ import annotations

import pytest

from tests.test_cli_errors import one_error_line


@pytest.mark.parametrize(
    "typed, setting",
    [("--temprature=0.5", "temperature"), ("--tempreature", "temperature"), ("--top-pp", "top_p")],
    ids=["near-template", "far", "top-p"],
)
def test_a_misspelt_decoding_setting_is_told_setting_not_another_option(capsys, typed, setting):
    """`sample --temprature=0.5` was told 'did you mean `--template`?' (closer to it than the cutoff), a chat
    template for a temperature; `--tempreature` got no word of --setting at all. A word closer to a decoding
    setting's key than to an option is told --setting."""
    line = one_error_line(capsys, ["sample", "--prompt", "Hi", typed, "0.5"])
    assert f"a decoding setting: give it as --setting {setting}=VALUE" in line, line
    assert "--template" not in line, line


def test_an_option_near_no_setting_is_still_told_the_option(capsys):
    """`--tempalte` is the template option misspelt: the guess stays the option."""
    line = one_error_line(capsys, ["sample", "--prompt", "Hi", "--tempalte", "chatml"])
    assert "did you mean `--template`?" in line, line


def test_models_info_says_a_small_model_in_thousands():
    """A model under a million parameters (a tiny test model of 12,345) read 'parameters: 0.0M (12,345)'."""
    from ftlib.commands.models import info_lines

    info = {"name": "tiny", "parameters": 12345, "trainable_parameters": 0, "dtype": "float32", "device": "cpu"}
    assert info_lines({**info, "memory_bytes": 49380})[1] == "parameters: 12.3K (12,345), 0 trainable"
