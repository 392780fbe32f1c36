"""Helper 152's cold walk of the command line, error paths first: each input a newcomer gets wrong is one `error:`
line (exit 2) saying what, where and the fix, never a traceback or a sentence about something else."""

from __future__ import annotations

import codecs
import gzip

import pytest

from tests.test_cli_errors import one_error_line

SETTINGS = "method: lora\ndataset: chat_style\nmax_steps: 3\n"


@pytest.mark.parametrize(
    "name, data, says",
    [
        # Each a UnicodeDecodeError traceback (exit 1) before
        ("utf16.yaml", codecs.BOM_UTF16_LE + SETTINGS.encode("utf-16-le"), "is saved as UTF-16: save it again as"),
        ("packed.yaml", gzip.compress(SETTINGS.encode()), "is compressed (gzip), and a config file is plain text"),
        ("noise.yaml", b"method: lora\nnote: caf\xe9\n", "is not UTF-8 text (byte 0xe9 at byte 23): save it again"),
    ],
    ids=["utf-16", "gzip", "latin-1"],
)
def test_a_config_file_that_is_not_utf8_text_is_one_line(tmp_path, capsys, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    line = one_error_line(capsys, ["train", str(path)])
    assert f"'{path}' {says}" in line, line


def test_a_config_folder_is_not_said_missing(tmp_path, capsys):
    """`train configs/` said "The config file 'configs' does not exist." of a folder that does."""
    line = one_error_line(capsys, ["train", str(tmp_path)])
    assert line == (
        f"error: '{tmp_path}' is a folder, not a config file: give the .yaml, .yml or .json file of settings in it."
    )


def test_a_json_config_with_a_bom_reads(tmp_path):
    """Notepad's UTF-8 JSON starts with a BOM: it was refused as "Unexpected UTF-8 BOM ... It reads as YAML: name it
    run.yaml", a rename that fixes nothing."""
    from ftlib.config import ConfigError
    from ftlib.fields import settings_file_data

    path = tmp_path / "run.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"method": "dpo", "max_steps": 3}')
    assert settings_file_data(path, ConfigError) == {"method": "dpo", "max_steps": 3}
