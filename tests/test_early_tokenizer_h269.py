"""The early tokenizer's leftovers (helper 269), each checked against transformers' own reading of the same folder:

- `tokenizer_files.file_tokenizer` keeps its reading of a folder until one of the files it read changes; the named
  templates of additional_chat_templates/ (transformers 5.x reads them) were not among those watched, so a template
  edited, added or removed there was read as it was before;
- `template_preflight` rendered rows through the private `tokens._prepare_row`, now `tokens.prepare_row`;
- only the first 8 rows of each side were rendered before torch: a row refused later was said after torch (2-3 s and
  the tokenizer's load later). Now the first 200 (`FIRST_ROWS`, a bound its comment measures), in the same words.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.test_cli_refusals_before_torch import check_refused_before_torch, run_cases
from tests.test_template_refusals_early_h252 import ALTERNATE, GEMMA, chats, write_rows

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def touched(path: Path, text: str) -> None:
    """`path` written with `text` and its time set a second past its last, as an editor saving it later would (two
    writes within one tick of the file system's clock can share a time)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    later = max(path.stat().st_mtime_ns, before + 1_000_000_000)
    os.utime(path, ns=(later, later))


def test_a_named_template_edited_added_or_removed_is_read_anew(tiny_model_dir, tmp_path):
    """After each change to additional_chat_templates/, the files' stand-in says what AutoTokenizer says of the
    folder then: the edited text, the added name, the removed one gone (and a lone default left as plain text)."""
    from ftlib.models import load_tokenizer
    from ftlib.tokenizer_files import file_tokenizer

    folder = shutil.copytree(tiny_model_dir, tmp_path / "named")
    named = folder / "additional_chat_templates"
    named.mkdir()
    touched(named / "tool_use.jinja", "{# first #}" + CHATML)

    def agrees() -> dict | str:
        ours, theirs = file_tokenizer(str(folder)).chat_template, load_tokenizer(str(folder)).chat_template
        assert ours == theirs
        return ours

    assert agrees()["tool_use"].startswith("{# first #}")
    touched(named / "tool_use.jinja", "{# edited, a longer text #}" + CHATML)
    assert agrees()["tool_use"].startswith("{# edited, a longer text #}")
    touched(named / "tool_use.jinja", "{# edits, as long a text #}" + CHATML)  # the same size: its time tells
    assert agrees()["tool_use"].startswith("{# edits, as long a text #}")
    touched(named / "rag.jinja", "{# rag #}" + CHATML)
    assert set(agrees()) == {"default", "tool_use", "rag"}
    (named / "rag.jinja").unlink()
    (named / "tool_use.jinja").unlink()
    assert isinstance(agrees(), str)  # chat_template.jinja alone: the default's text, not a {name: text}


def test_prepare_row_is_public_and_is_encode_rows_first_step(tiny_model_dir):
    """`tokens.prepare_row` renders a row as `encode_row` encodes it, with no tokenizer read for a chat row; no
    module reaches into tokens' private names for it."""
    from ftlib import tokens
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    assert "prepare_row" in tokens.__all__ and tokens.prepare_row.__doc__
    tokenizer = load_tokenizer(str(tiny_model_dir))
    template = get_template("tokenizer", tokenizer)
    pair = {"prompt": chats(1)[0]["messages"][:1], "chosen": "3.", "rejected": "4."}
    for row in (chats(1)[0], pair):
        prepared, prompt = tokens.prepare_row(row, template, "all_assistant", None)
        encoded = tokens.encode_row(row, tokenizer, template)
        texts = [encoded.text] if prompt is None else [encoded.chosen.text, encoded.rejected.text]
        assert [p.text for p in prepared] == texts
    engine = Path(tokens.__file__).parent
    private = [p.name for p in engine.rglob("*.py") if re.search(r"from ftlib\.tokens import .*\b_\w", p.read_text())]
    assert private == []


@pytest.fixture(scope="module")
def gemma(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny model with Gemma's own template, which refuses two user turns in a row."""
    folder = shutil.copytree(tiny_model_dir, tmp_path_factory.mktemp("late") / "gemma")
    shutil.copy(GEMMA, folder / "chat_template.jinja")
    return folder


def test_a_later_row_refused_is_said_before_any_tokenizer_load_in_the_same_words(gemma, monkeypatch):
    """Training row 30 of 40 refused: said with every loader of transformers failing the test, in the words the
    encoding after the tokenizer's load says (the early check turned off); the held-out side's row 150 too."""
    from ftlib import models, template_preflight
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    config = RunConfig(model=str(gemma))
    cases = [(chats(40, back_to_back=(30,)), chats(3)), (chats(4), chats(160, back_to_back=(150,)))]
    with monkeypatch.context() as patch:
        patch.setattr(template_preflight, "FIRST_ROWS", 0)
        late = [preflight(config, rows=rows).errors for rows in cases]
    for name in ("load_model", "load_tokenizer", "check_model"):
        monkeypatch.setattr(models, name, lambda *a, **k: pytest.fail("a model or tokenizer was loaded"))
    early = [preflight(config, rows=rows).errors for rows in cases]
    assert early == late
    assert early[0][0].startswith("The chat template cannot render training row 30: " + ALTERNATE), early
    assert early[1][0].startswith("The chat template cannot render held-out row 150: " + ALTERNATE), early


def test_a_row_past_the_bound_is_still_refused_after_torch(gemma, monkeypatch):
    """Row FIRST_ROWS + 1 of a side is not rendered early (the bound holds) and the run's own preflight refuses it."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight
    from ftlib.template_preflight import FIRST_ROWS, early_refusal
    from ftlib.tokenizer_files import file_tokenizer

    config = RunConfig(model=str(gemma))
    train = chats(FIRST_ROWS + 1, back_to_back=(FIRST_ROWS + 1,))
    assert early_refusal(config, train, [], file_tokenizer(str(gemma))) is None
    (error,) = preflight(config, rows=(train, chats(2))).errors
    assert error.startswith(f"The chat template cannot render training row {FIRST_ROWS + 1}: " + ALTERNATE), error


def test_train_names_the_later_rows_line_before_torch(gemma, tmp_path):
    """`train` on a 60-line file whose line 40 has two user turns in a row (training row 36 of the seeded split):
    refused before torch, the row named by its side's number and by its line in the file, as after torch."""
    data = write_rows(tmp_path / "chats.jsonl", chats(60, back_to_back=(40,)))
    case = ["train", "--dataset", "<data>", "--model", "<gemma>"]
    said = run_cases([("late-row", case, "error: The chat template cannot render ")], {"<data>": data,
                     "<gemma>": str(gemma)}, tmp_path / "workspace")["late-row"]  # fmt: skip
    check_refused_before_torch(said, "late-row")
    number = re.match(r"error: The chat template cannot render (training|held-out) row (\d+): ", said["err"])
    assert number and int(number[2]) > 8, said["err"]  # past the first 8 rows, all that were rendered before
    assert ALTERNATE in said["err"] and f"{number[1]} row {number[2]} is line 40" in said["err"], said["err"]
