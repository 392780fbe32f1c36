"""The docs name what is there: every engine module has its row in docs/ARCHITECTURE.md's module table (a module added
without one was found only by reading the table), every module a row names exists, and every `python -m ftlib ...`
line of README's examples is a command line the CLI accepts (a renamed flag or command left an example that fails)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def table_modules(text: str) -> set[str]:
    """The `NAME.py` files the first column of ARCHITECTURE's module table names."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([\w/]+\.py)`", row.split("|")[1])}


def unlisted(text: str) -> list[str]:
    """The modules under ftlib/ (not the package's own `__init__`/`__main__`, nor commands/: one row names the
    folder) that `text`'s module table does not name."""
    modules = {p.name for p in (ROOT / "ftlib").glob("*.py")} - {"__init__.py", "__main__.py"}
    return sorted(modules - table_modules(text))


def readme_command_lines(text: str) -> list[list[str]]:
    """Each `python -m ftlib ...` line of README's bash blocks, its comment left off, as the words after `ftlib`."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] == ["python", "-m", "ftlib"] and "|" not in words:
                lines.append(words[3:])
    return lines


def test_every_engine_module_has_its_row_in_the_architecture_table():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert unlisted(text) == []
    assert sorted(n for n in table_modules(text) if not (ROOT / "ftlib" / n).is_file()) == []


def test_every_cli_example_in_the_readme_parses():
    from ftlib.cli import build_parser

    lines = readme_command_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(lines) > 10  # the Command line section's examples were found
    parser = build_parser()
    for args in lines:
        parser.parse_args(args)  # a UsageError names the command and what it refused
