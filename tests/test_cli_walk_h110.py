"""Helper 110's CLI walk of a team doing continued pretraining on their own documents: a run of raw text (format
`text`) trained on no chat template, yet `sample` (and Compare, through `modelset.trained_template`) wrapped the
prompt in the model's chat template, as a user turn to answer, and `--template text` was warned as "not the template
the tuned model learned in". A text run's prompt is now a text to continue, for the base beside it too."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest

from ftlib import modelset as M
from ftlib.cli import main
from ftlib.testing import make_run


def text_run(name: str, varied_dir, adapter, fmt: str = "text"):
    """A finished LoRA run whose kept rows (split/) were read as `fmt`, its config's template left at `tokenizer`."""
    config = {"model": str(varied_dir), "dataset": "mills.jsonl", "template": "tokenizer"}
    run = make_run(name, config, adapter=adapter)
    (run.path / "split").mkdir()
    row = {"text": "The mill book of 1820."} if fmt == "text" else {"prompt": "Hi", "completion": "Hello"}
    (run.path / "split" / "train.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (run.path / "split" / "meta.json").write_text(json.dumps({"format": fmt, "name": "mills"}), encoding="utf-8")
    return run.path


@pytest.fixture
def prompts_read(monkeypatch) -> list[dict]:
    """Each call's rendered prompts: model name -> (template, text)."""
    seen: list[dict] = []
    real = M.render_prompts

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append({name: (p.template, p.text) for name, p in out.items()})
        return out

    monkeypatch.setattr(M, "render_prompts", spy)
    return seen


def test_a_raw_text_run_is_sampled_as_a_text_to_continue(capsys, varied_dir, adapter_template, prompts_read):
    path = text_run("run-mills", varied_dir, adapter_template)
    assert M.trained_template(path) == ("text", "")
    assert main(["sample", "--adapter", "run-mills", "--prompt", "The river valley", "--max-new-tokens", "2"]) == 0
    read = prompts_read[0]
    assert set(read) == {"base", "run-mills"}
    for template, text in read.values():  # no user turn, no generation prompt: the text itself
        assert template == "text" and text.endswith("The river valley") and "user" not in text, text
    assert (
        main(
            ["sample", "--adapter", "run-mills", "--prompt", "The mill", "--max-new-tokens", "1", "--template", "text"]
        )
        == 0
    )
    assert "not the template the tuned model learned in" not in capsys.readouterr().err


def test_a_run_of_conversations_keeps_its_chat_template(varied_dir, adapter_template):
    path = text_run("run-chat", varied_dir, adapter_template, fmt="prompt_completion")
    assert M.trained_template(path) == ("tokenizer", "")


def test_a_table_of_documents_is_told_the_text_mapping(tmp_path, capsys):
    """A Parquet corpus of a `content` column (and a `url`) is not prompts and answers: the refusal names the plain
    text mapping too, which reads it."""
    import pandas as pd

    path = tmp_path / "corpus.parquet"
    docs = ["The mill was built in 1820 beside the river.", "Its wheel turned until the flood of 1911 took it."]
    pd.DataFrame({"content": docs, "url": ["https://ex.org/1", "https://ex.org/2"]}).to_parquet(path)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "as plain text (every token trained): `--map content=text`." in err, err
    assert main(["data", "inspect", str(path), "--map", "content=text"]) == 0
    assert "format:     plain text (text)" in capsys.readouterr().out


def test_a_grpo_runs_time_counts_every_answer_and_its_prompt(tmp_path):
    """GRPO's rate (TRL's `num_tokens` a second) counts each prompt once per answer, with its answer; the estimate
    counted each prompt once and no answer: 99 tokens, "About 0:00:01", for 2 steps that read 338 and took 14 s."""
    from ftlib import run_time
    from ftlib.config import RunConfig

    rewards = [{"length": {"target": 8}}]
    config = RunConfig(method="grpo", rewards=rewards, max_steps=2, batch_size=2, grpo_group_size=2)
    config = RunConfig.from_dict({**config.to_dict(), "grpo_max_new_tokens": 16})
    # 4 prompts of 25 tokens, one pass: 2 answers each, each read with its prompt (25 + up to 16 tokens)
    assert run_time.run_tokens(config, train_tokens=100, train_rows=4) == 2 * (100 + 4 * 16)
    lora = RunConfig(method="lora", max_steps=2, batch_size=2)
    assert run_time.run_tokens(lora, train_tokens=100, train_rows=4) == 100  # rows read as they are


def test_runs_show_says_a_raw_text_run_used_no_template(capsys, varied_dir, adapter_template):
    """`runs show` of a run of raw text named "template: tokenizer (the model's own)", which wrote none of its rows."""
    text_run("run-mills", varied_dir, adapter_template)
    assert main(["runs", "show", "run-mills"]) == 0
    out = capsys.readouterr().out
    assert "\ntemplate: none (raw text, read as written; the config's tokenizer is not used)\n" in out, out


def test_the_command_a_text_file_is_told_makes_one_row_per_block(tmp_path, capsys, monkeypatch):
    """A .txt corpus is refused with a command that writes a .jsonl; it wrote the whole file as one row, which a run
    cuts at 384 tokens and a split of one row refuses. The command, run as given, writes a row per block."""
    (tmp_path / "mills.txt").write_text(
        "The mill was built in 1820.\n\nIts wheel turned until 1911.\nThen the flood came.\n\n\n", encoding="utf-8"
    )
    assert main(["data", "inspect", str(tmp_path / "mills.txt")]) == 2
    err = capsys.readouterr().err
    command = re.search(r"`(python -c .*? > mills\.jsonl)`", err).group(1)
    command = command.replace("python", shlex.quote(sys.executable), 1)
    subprocess.run(command, shell=True, check=True, cwd=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "mills.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"text": "The mill was built in 1820."},
        {"text": "Its wheel turned until 1911.\nThen the flood came."},
    ]
    monkeypatch.chdir(tmp_path)
    assert main(["data", "split", "mills.jsonl", "--test-size", "1", "--out", "split"]) == 0
