"""A run's chat template refusals come before torch (helper 252): `train` loaded the tokenizer through transformers
(torch with it, 2-3 s) before it said that the model has no chat template of its own (`--template tokenizer`) or that
the template refuses the rows (Gemma's "roles must alternate" and "System role not supported"). The model's files now
stand in for its tokenizer (`ftlib.tokenizer_files`) and the first rows of each side are rendered before torch
(`ftlib.template_preflight`). Where the template refuses every training row, both sides are counted: the refusal
named the training rows alone, as if the held-out ones were fine.

Each command line runs as `python -m ftlib` runs it, in a child forked from a process without torch
(`tests.test_cli_refusals_before_torch.run_cases`): its exit code, its one error line and whether torch was imported.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftlib.templates import TemplateError, get_template
from tests.test_cli_refusals_before_torch import check_refused_before_torch, run_cases

GEMMA = Path(__file__).parent / "fixtures" / "templates" / "gemma.jinja"
# A custom template that raises on a system turn, as Gemma's and some Mistral templates do.
NO_SYSTEM = (
    "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
NO_OWN = (
    "error: This model's tokenizer has no chat template of its own (a base model's often has none). Pick a built-in "
    "template instead (the Chat template box; `--template NAME` in the CLI): chatml fits its tokenizer"
)
ALTERNATE = (
    "The model's own template refused this conversation: Conversation roles must alternate user/assistant/user/"
    "assistant/... In this row turns 1 and 2 are both user turns"
)


def chats(n: int, system: bool = False, back_to_back: tuple[int, ...] = ()) -> list[dict]:
    """`n` one-question chats; a system turn in each with `system`; two user turns in a row in those numbered in
    `back_to_back` (from 1)."""
    rows = []
    for i in range(1, n + 1):
        turns = [{"role": "user", "content": f"What is {i} times 3?"}, {"role": "assistant", "content": f"{3 * i}."}]
        if i in back_to_back:
            turns.insert(1, {"role": "user", "content": "Just the number, please."})
        rows.append({"messages": ([{"role": "system", "content": "Answer in digits."}] if system else []) + turns})
    return rows


def write_rows(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, tiny_model_dir) -> dict[str, str]:
    """The tiny model without a chat template of its own (<bare>) and with Gemma's (<gemma>), data files and a
    custom template file."""
    root = tmp_path_factory.mktemp("early")
    bare = shutil.copytree(tiny_model_dir, root / "bare")
    (bare / "chat_template.jinja").unlink()
    gemma = shutil.copytree(tiny_model_dir, root / "gemma")
    shutil.copy(GEMMA, gemma / "chat_template.jinja")
    (root / "no_system.jinja").write_text(NO_SYSTEM, encoding="utf-8")
    return {
        "<bare>": str(bare),
        "<gemma>": str(gemma),
        "<tiny>": str(tiny_model_dir),
        "<no-system-template>": str(root / "no_system.jinja"),
        "<chats>": write_rows(root / "chats.jsonl", chats(20)),
        "<system-chats>": write_rows(root / "system.jsonl", chats(20, system=True)),
        "<all-back-to-back>": write_rows(root / "b2b.jsonl", chats(20, back_to_back=tuple(range(1, 21)))),
    }


# (id, command line, the start of its one error line)
CASES = [
    ("own-template-missing", ["train", "--dataset", "<chats>", "--model", "<bare>", "--template", "tokenizer"],
     NO_OWN),
    # Gemma's own template: every row has two user turns in a row; the 20 rows split 15 / 5 (test size 0.2, seed 42)
    ("own-template-refuses-every-row", ["train", "--dataset", "<all-back-to-back>", "--model", "<gemma>"],
     "error: The chat template cannot render any of the 15 training rows, nor any of the 5 held-out rows: "
     + ALTERNATE),
    ("custom-template-no-system", ["train", "--dataset", "<system-chats>", "--model", "<tiny>", "--template-file",
     "<no-system-template>"],
     "error: The chat template cannot render any of the 15 training rows, nor any of the 5 held-out rows: The custom "
     "template refused this conversation: System role not supported. The custom template takes no system turn"),
    # the model's own template, read from its files by `sample`'s checks before torch
    ("sample-thinking-without-switch", ["sample", "--model", "<tiny>", "--prompt", "Hi?", "--thinking", "off"],
     "error: --thinking off: the chat template tokenizer (the model's own) has no thinking switch"),
]  # fmt: skip


@pytest.fixture(scope="module")
def refused(folders, tmp_path_factory) -> dict[str, dict]:
    return run_cases(CASES, folders, tmp_path_factory.mktemp("workspace"))


@pytest.mark.parametrize("case", [case for case, _, _ in CASES])
def test_a_template_refusal_comes_before_torch(refused, case):
    check_refused_before_torch(refused[case], case)


def test_some_held_out_rows_refused_are_named_with_the_count(folders):
    """Every training row refused, and one of the three held-out rows: it is named by number, "(of 3)", not left out
    of the sentence."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    train, test = chats(4, back_to_back=(1, 2, 3, 4)), chats(3, back_to_back=(2,))
    (error,) = preflight(RunConfig(model=folders["<gemma>"]), rows=(train, test)).errors
    assert error.startswith(
        "The chat template cannot render any of the 4 training rows, nor held-out row 2 (of 3): " + ALTERNATE
    ), error


def test_the_refusal_comes_before_any_model_or_tokenizer_load(folders, monkeypatch):
    """The preflight the Train page runs (no tokenizer given): the template's refusal is said with every loader of
    transformers failing the test."""
    from ftlib import models
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    def refuse(*args, **kwargs):
        raise AssertionError("a model or tokenizer was loaded before the refusal")

    for name in ("load_model", "load_tokenizer", "check_model"):
        monkeypatch.setattr(models, name, refuse)
    train, test = chats(6, back_to_back=(2,)), chats(2)
    report = preflight(RunConfig(model=folders["<gemma>"]), rows=(train, test))
    (error,) = report.errors
    assert error.startswith("The chat template cannot render training row 2: " + ALTERNATE), error
    report = preflight(RunConfig(model=folders["<bare>"], template="tokenizer"), rows=(chats(3), []))
    assert report.errors[0].startswith(NO_OWN.removeprefix("error: ")), report.errors


def test_every_training_row_refused_counts_a_held_out_side_that_renders(folders):
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    config = RunConfig(model=folders["<tiny>"], template="custom", template_source=NO_SYSTEM)
    report = preflight(config, rows=(chats(4, system=True), chats(3)))
    assert report.errors[0].startswith(
        "The chat template cannot render any of the 4 training rows (the 3 held-out rows render): The custom template "
        "refused this conversation: System role not supported."
    ), report.errors


def test_the_files_stand_in_for_the_tokenizer_as_transformers_reads_them(folders, smol_tokenizer, tmp_path):
    """The reference: transformers' own tokenizer of the same folder (its chat template, special tokens, control
    tokens as one id each); tokenizer_config.json's older list of named templates too."""
    from ftlib.models import load_tokenizer
    from ftlib.tokenizer_files import file_tokenizer

    for folder in (folders["<tiny>"], folders["<gemma>"], folders["<bare>"]):
        ours, theirs = file_tokenizer(folder), load_tokenizer(folder)
        assert ours.chat_template == theirs.chat_template
        assert ours.special_tokens_map == theirs.special_tokens_map
        for text in ("<|im_start|>", "<|im_end|>", "<start_of_turn>", "[INST]", " Hello there"):
            assert ours.encode(text, add_special_tokens=False) == theirs.encode(text, add_special_tokens=False)
    listed = shutil.copytree(folders["<bare>"], tmp_path / "listed")
    config = json.loads((listed / "tokenizer_config.json").read_text())
    named = [{"name": "default", "template": GEMMA.read_text()}, {"name": "tool_use", "template": NO_SYSTEM}]
    (listed / "tokenizer_config.json").write_text(json.dumps(config | {"chat_template": named}))
    assert file_tokenizer(str(listed)).chat_template == load_tokenizer(str(listed)).chat_template
    assert get_template("tokenizer", file_tokenizer(str(listed))).source == GEMMA.read_text()
    with pytest.raises(TemplateError, match="has no chat template of its own"):
        get_template("tokenizer", file_tokenizer(folders["<bare>"]))


def test_sample_thinking_reads_the_models_own_template_from_its_files(folders, monkeypatch):
    """`sample --thinking off` on a model whose own template has no thinking switch: `check_thinking` given the
    files' stand-in (`tokenizer_files.early_tokenizer`) refuses with no tokenizer loaded through transformers."""
    from ftlib import models
    from ftlib.commands.sample import check_thinking
    from ftlib.errors import UserError
    from ftlib.tokenizer_files import early_tokenizer

    monkeypatch.setattr(models, "load_tokenizer", lambda *a, **k: pytest.fail("a tokenizer was loaded"))
    model = folders["<gemma>"]
    with pytest.raises(UserError, match=r"--thinking off: the chat template tokenizer \(the model's own\) has no"):
        check_thinking("off", None, [], model, lambda: early_tokenizer(model))


def test_early_tokenizer_loads_the_real_one_where_the_files_cannot_stand_in(folders, tmp_path, monkeypatch):
    from ftlib import models
    from ftlib.tokenizer_files import early_tokenizer, file_tokenizer

    folder = shutil.copytree(folders["<tiny>"], tmp_path / "no-json")
    (folder / "tokenizer.json").unlink()
    assert file_tokenizer(str(folder)) is None
    monkeypatch.setattr(models, "load_tokenizer", lambda spec: ("loaded", spec))
    assert early_tokenizer(str(folder)) == ("loaded", str(folder))
