"""Each default is written once: the answer length and batch in `ftlib.decoding` (DEFAULT_NEW_TOKENS, ANSWER_BATCH),
the chat template in the run settings (`field_specs()["template"].default`), and read wherever a box, an option or a
signature starts from it. Written again as a number, one copy could change without the others: the CLI's result would
then no longer be the one the Evaluate page finds kept (its key holds both). A page's deliberately different start is
its own named constant (Compare's GRID_TOKENS, Evaluate's FIRST_ROWS) and its help says how it differs from the CLI.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from ftlib.config import field_specs
from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS

ROOT = Path(__file__).resolve().parents[1]


def code_constants(path: str) -> list[tuple[int, object]]:
    """(line, value) of each int or str literal in the file's code: docstrings left out (comments are not in it)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and id(node) not in docstrings and type(node.value) in (int, str)
    ]


@pytest.mark.parametrize(
    ("path", "literal"),
    [
        *[
            (path, DEFAULT_NEW_TOKENS)
            for path in (
                "ftlib/commands/sample.py",
                "ftlib/commands/evaluate.py",
                "pages/5_Compare.py",
                "pages/6_Evaluate.py",
                "ui/grpo_eval_view.py",
            )
        ],
        ("ftlib/commands/evaluate.py", ANSWER_BATCH),
        ("pages/6_Evaluate.py", ANSWER_BATCH),
        *[
            (path, field_specs()["template"].default)
            for path in ("pages/2_Tokens.py", "pages/3_Batches.py", "ui/data_view.py")
        ],
    ],
)
def test_a_default_is_read_from_its_home_not_written_again(path, literal):
    written = [line for line, value in code_constants(path) if value == literal and type(value) is type(literal)]
    assert written == [], f"{path} writes {literal!r} again on line(s) {written}: read it from its home"


def test_the_engine_and_the_cli_start_from_the_same_defaults():
    from ftlib import evaluate, reward_eval, sampling
    from ftlib.cli import build_parser

    for function in (sampling.generate, sampling.generate_stream, evaluate.evaluate, reward_eval.evaluate_answers):
        parameters = inspect.signature(function).parameters
        assert parameters["max_new_tokens"].default == DEFAULT_NEW_TOKENS, function
        if "batch_size" in parameters:
            assert parameters["batch_size"].default == ANSWER_BATCH, function
    parsed = build_parser().parse_args(["sample", "--prompt", "Hi"])
    assert parsed.max_new_tokens == DEFAULT_NEW_TOKENS


def test_compares_longer_start_is_said_against_the_clis(varied_dir):
    from tests.test_page_reruns import open_page

    at = open_page("pages/5_Compare.py", varied_dir)
    box = next(s for s in at.slider if s.label == "Max new tokens")
    assert box.value == 96  # GRID_TOKENS: longer than the CLI's on purpose
    assert f"Starts at 96, where `python -m ftlib sample` writes {DEFAULT_NEW_TOKENS}" in box.help
