"""The CLI in its own words (helper 180, after helper 172's): no command's --help and none of the lines changed here
names a page. `runs export --remove` said "as the Train page's Remove them does", `sample --seed`'s refusal "the seeds
the Compare page takes", `data files` "(the pages start from it)", `runs show` "as the Train page shows"; evaluate's
GRPO refusal now gives the `sample` command (tests/test_evaluate_runs.py). The max length's help names the row as the
warnings do (`tokens --line N`), and the Train form's caption still says the Tokens page. Engine lines the CLI prints
too: no row to train (preflight in the caller's words, its `shows`; the worker's), a broken config.json, an empty
dataset, `runs export --gguf`'s note, a split's few held-out rows (evaluate's margin note: its own test)."""

from __future__ import annotations

import argparse
import re

import pytest

from ftlib import workspace
from ftlib.cli import build_parser, main
from ftlib.config import RunConfig, field_specs
from ui.labels import field_caption

# The one page a help names on purpose: evaluate's result without --batch-size is kept for the Evaluate page, which
# shows it (a fact of both surfaces; test_surface_words_h172 pins its wording).
KEPT_FOR_THE_PAGE = "default: as the Evaluate page measures, so its result is kept for the page: "


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command's (words, parser), sub-commands too (`data split`, `runs export`)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = {" ".join(path) or "(none)": parser for path, parser in _commands(build_parser())}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_commands_help_names_a_page(command):
    said = " ".join(COMMANDS[command].format_help().split())
    if command == "evaluate":
        assert KEPT_FOR_THE_PAGE in said, said
        said = said.replace(KEPT_FOR_THE_PAGE, "")
    assert not re.search(r"\bpages?\b", said, re.I), re.findall(r".{0,80}\bpages?\b.{0,40}", said, re.I)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_commands_help_runs_past_100_columns_in_a_wide_terminal(command, monkeypatch):
    """argparse wraps --help at the terminal's width: `sample --help` ran to 110 columns in a wide one, a help of long
    sentences a line per option. Every line, a description written line by line too, keeps to 100 (helper 250); the
    test above keeps "page(s)" out as well."""
    from ftlib.cli import HELP_WIDTH

    monkeypatch.setenv("COLUMNS", "240")  # what shutil.get_terminal_size, and so argparse, reads first
    wide = [line for line in COMMANDS[command].format_help().splitlines() if len(line) > HELP_WIDTH]
    assert HELP_WIDTH == 100 and not wide, wide
    # Wrapped between words only: an option is never split after a hyphen (`--test-` / `size`)
    monkeypatch.setenv("COLUMNS", "70")
    split = [line for line in COMMANDS[command].format_help().splitlines() if re.search(r"[a-z]-$", line)]
    assert not split, split


def test_the_walk_reaches_the_commands_that_named_a_page():
    assert {"runs export", "evaluate", "sample", "data files", "runs show", "tokens", "train"} <= set(COMMANDS)


@pytest.mark.parametrize("seed", ["-5", "2147483648"])
def test_a_seed_out_of_range_is_refused_with_the_range_and_no_page(capsys, seed):
    assert main(["sample", "--prompt", "Hi", "--seed", seed]) == 2
    err = capsys.readouterr().err
    assert f"{seed} is outside 0..2147483647: give a seed in that range" in err, err
    assert "page" not in err.lower() and len(err.strip().splitlines()) == 1, err


def test_data_files_says_what_the_active_split_is_without_a_page(capsys):
    workspace.save_split("tides", [{"prompt": "q", "completion": "a"}] * 4, [{"prompt": "q", "completion": "a"}])
    assert main(["data", "files"]) == 0
    out = capsys.readouterr().out
    assert "tides *" in out, out
    assert "* the active split: the one saved or picked last, which a browser session starts from\n" in out, out
    assert "page" not in out.lower(), out


def test_runs_show_gives_the_smoothed_loss_without_a_page(capsys):
    from ftlib.testing import make_run

    metrics = [{"kind": "train", "step": s, "loss": v} for s, v in ((1, 0.9), (2, 0.8), (3, 0.7), (4, 0.5))]
    make_run("tide-run", {"dataset": "x"}, metrics=metrics)
    assert main(["runs", "show", "tide-run"]) == 0
    out = capsys.readouterr().out
    assert "training: loss 0.5000 (last step; smoothed over the last 2 steps 0.6000)\n" in out, out
    assert "page" not in out.lower(), out


def test_the_max_lengths_help_names_the_row_as_warnings_do_and_its_caption_the_tokens_page(capsys):
    """`--row N` counts from 0 among the valid rows; `train`'s and `data inspect`'s warnings name "line N", which
    `tokens --line N` takes (99c16ba). The caption turns the whole command into the page's words."""
    help_text = field_specs()["max_length"].help
    assert "(`python -m ftlib tokens FILE --line N --max-length L` shows where)" in help_text, help_text
    assert field_caption(help_text) == "Longest example in tokens; longer ones are cut (the Tokens page shows where)."
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "`python -m ftlib tokens FILE --line N --max-length L`" in said and "--row N" not in said, said
    # the flags it names are the tokens command's
    with pytest.raises(SystemExit):
        main(["tokens", "--help"])
    tokens = capsys.readouterr().out
    assert "[--line N]" in tokens and "[--max-length MAX_LENGTH]" in tokens
    assert RunConfig().max_length == field_specs()["max_length"].default


def _grpo_refused(tiny_model_dir, smol_tokenizer, shows=None) -> str:
    from ftlib.run_preflight import preflight

    config = RunConfig(
        model=str(tiny_model_dir), dataset="x", method="grpo", rewards=[{"contains": "a"}], max_length=16
    )
    story = "Tell me a long story about harbour number {}, its ships, its sailors and its long, long history."
    long = [{"prompt": [{"role": "user", "content": story.format(i)}]} for i in range(4)]
    (said,) = [e for e in preflight(config, smol_tokenizer, (long, []), shows=shows).errors if "can be trained" in e]
    return said


def test_no_row_to_train_says_where_to_look_in_the_callers_words(tiny_model_dir, smol_tokenizer):
    """`train` said "Check them on the Tokens page" where no row could be trained; it gives the `tokens` command (row
    1's line where the file is known: `row_cuts.run_shows`), and the Train page (its `shows`) its Tokens page."""
    from ftlib.row_cuts import TOKENS_PAGE_SHOWS, row_shows

    opening = "None of the 4 training rows can be trained: each has a prompt longer than the max length of 16. "
    cli = _grpo_refused(tiny_model_dir, smol_tokenizer)
    assert cli.startswith(
        opening + "`python -m ftlib tokens FILE --line N --max-length 16` shows where a row is cut"
    ), cli
    assert cli.endswith("; a longer max length usually fixes it.") and "page" not in cli, cli
    known = _grpo_refused(
        tiny_model_dir, smol_tokenizer, lambda row: row_shows(f"tokens f.jsonl --line {row + 2}", row)
    )
    shown = "`tokens f.jsonl --line 3` shows where training row 1 is cut; a longer max length usually fixes it."
    assert known == opening + shown, known
    page = _grpo_refused(tiny_model_dir, smol_tokenizer, TOKENS_PAGE_SHOWS)
    assert page == opening + "The Tokens page shows where a row is cut; a longer max length usually fixes it.", page


def test_a_run_left_with_no_row_to_train_names_the_tokens_command_and_the_train_page_its_tokens_page(
    tiny_model_dir, tmp_path
):
    """The worker's refusal (a split changed after the checks before the start) said "Check them on the Tokens page"
    in `train`'s and `runs show`'s output too; a failed run's message on the Train page says its Tokens page."""
    from ftlib.config import ConfigError
    from ftlib.training import build_trainer
    from ui.labels import in_form_words

    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_length=16, mask_policy="last_assistant")
    story = "Tell me a long story about harbour number 1, its ships, its sailors and its long, long history."
    rows = [{"messages": [{"role": "user", "content": story}, {"role": "assistant", "content": "Once, long ago."}]}]
    with pytest.raises(ConfigError) as refused:
        build_trainer(config, tmp_path, rows=(rows, []))
    said = str(refused.value)
    assert said.endswith(
        "max_length 16: the `tokens` command shows why; a longer max_length or another mask policy usually fixes it."
    ), said
    assert "page" not in said and "the Tokens page shows why; a longer" in in_form_words(said), in_form_words(said)


def test_an_empty_dataset_is_said_without_a_page():
    """It said "name a saved split (see the Data page)", in a run's message on both surfaces."""
    from ftlib.config import ConfigError
    from ftlib.run_data import read_dataset

    with pytest.raises(ConfigError) as empty:
        read_dataset(RunConfig(dataset=""))
    assert str(empty.value) == "`dataset` is empty: name a saved split, a split folder or a data file.", empty.value


def test_a_model_whose_config_does_not_parse_is_said_without_a_page(tmp_path):
    """It said "which every page reads first", in `train`'s and `sample`'s refusal too."""
    from ftlib.models import ModelError, check_model

    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text("{not json", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelError) as broken:
        check_model(str(folder))
    said = str(broken.value)
    assert "it is the model's description, read before anything else. Save the model again" in said, said
    assert "page" not in said, said


def test_runs_exports_note_on_a_gguf_gives_the_command_that_removes_the_copies(tmp_path):
    """`runs export --gguf`'s note on the merged model kept for the next export said "the Train page's Export section
    removes the exported copies" (`downloads.loading_notes` is `runs export`'s alone)."""
    from ftlib.downloads import loading_notes
    from ftlib.testing import make_run

    run = make_run("tide-gguf", {"dataset": "x"})
    run.merged_dir.mkdir(parents=True)
    (run.merged_dir / "model.safetensors").write_bytes(b"0" * 2**20)
    folder = tmp_path / "gguf-q8_0"
    folder.mkdir()
    (folder / "tide.gguf").write_bytes(b"GGUF")
    said = loading_notes(run, folder)
    assert said[-1] == (
        f"written from the merged model in {run.merged_dir} (1 MiB), kept there for the next export; "
        "`python -m ftlib runs export tide-gguf --remove` removes the exported copies."
    ), said
    assert "page" not in " ".join(said), said


def test_data_splits_warning_of_few_held_out_rows_names_no_page(tmp_path, capsys):
    """`data split` (and `train` of a file) said "The held-out loss on the Train page is measured on them alone"."""
    import json

    rows = [{"prompt": f"Which tide is number {i}?", "completion": f"Tide {i}."} for i in range(12)]
    path = tmp_path / "tides.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(tmp_path / "tides")]) == 0
    said = " ".join("".join(capsys.readouterr()).split())  # the warnings, on stdout without --json
    assert "Only 2 held-out rows. A run's held-out loss is measured on them alone, so it jumps" in said, said
    assert "page" not in said.lower(), said


def test_runs_compare_names_no_chart_and_the_train_page_its_own(capsys):
    """`runs compare` said "the Train page draws each kind on its own chart", "The Train page's chart leaves their
    held-out lines out", "the Train page still draws their held-out lines on one chart": the CLI draws no chart.
    The Train page's comparison (`ui.runs_compare_view`, `compare(charted=True)`) still says what its chart does."""
    from ftlib import run_compare
    from tests.test_compare_notes import GRPO, OTHER_ROWS, curve, rewards, run

    run("r-sft", {}, curve(2.0), step=6)
    run("r-grpo", GRPO, rewards(0.5), step=6)
    run("r-g2", GRPO | {"seed": 2}, rewards(0.7), held_out=OTHER_ROWS, step=6)
    run("r-512", {"max_length": 512}, curve(1.9), step=6)
    for ids in (["r-sft", "r-grpo"], ["r-grpo", "r-g2"], ["r-sft", "r-512"]):
        assert main(["runs", "compare", *ids]) == 0
        said = " ".join("".join(capsys.readouterr()).split())
        assert "page" not in said.lower() and "chart" not in said, said
    cli = [run_compare.compare(ids).note for ids in (["r-sft", "r-grpo"], ["r-grpo", "r-g2"], ["r-sft", "r-512"])]
    assert "Compare numbers only within one kind." in cli[0], cli[0]
    assert "Each run's held-out mean reward is its own rows'." in cli[1], cli[1]
    assert cli[2].endswith(
        "Each run's held-out loss is computed over its own tokens, which can differ where the models do not."
    ), cli[2]
    page = [
        run_compare.compare(ids, charted=True).note
        for ids in (["r-sft", "r-grpo"], ["r-grpo", "r-g2"], ["r-sft", "r-512"])
    ]
    assert "Compare numbers only within one kind (the Train page draws each kind on its own chart)." in page[0]
    assert (
        "Each run's held-out mean reward is its own rows'. The Train page's chart leaves their held-out lines out."
        in page[1]
    )
    assert page[2].endswith(
        "which can differ where the models do not; the Train page still draws their held-out lines on one chart."
    ), page[2]
