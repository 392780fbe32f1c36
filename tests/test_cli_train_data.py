"""`python -m ftlib train --dataset FILE`: the file is read as `data inspect` reads it (review of the training CLI).

`train` takes --format and --map as every command that reads a data file does; the rows it leaves out and the fields
nothing reads are named in `warning:` lines (stderr, so `--json` keeps stdout pure) before the run is queued; the run
keeps the mapped rows and its split/meta.json records what was applied, so training, a resume, evaluation and
`runs show` agree with what was checked.
"""

from __future__ import annotations

import json
import re

import pytest

from ftlib import runs, workspace
from ftlib.cli import main
from tests.test_cli_train_settings import CHATS, trained_here, write_rows

# --warmup-ratio 0: one step under a warmup runs at learning rate 0 (warned, `overfitting.zero_rate_warning`).
SMALL = ["--max-steps", "1", "--warmup-ratio", "0", "--batch-size", "2", "--max-length", "64", "--save-every", "0"]
SMALL += ["--device", "cpu"]
EDGE = [{"prompt": f"Question {i}?", "chosen": f"Good answer {i}.", "rejected": f"Bad answer {i}."} for i in range(6)]
EDGE[1]["rejected"] = EDGE[1]["chosen"]  # line 2: nothing to prefer
EDGE[2]["rejected"] = ""  # line 3: an empty answer
# UltraFeedback's scores: fields nothing reads.
SCORED = [dict(row, score_chosen=8.0, score_rejected=3.0) for row in EDGE]
# Columns no format reads: only a mapping says which answer is the better one.
RANKED = [{"question": f"Question {i}?", "worse": f"Bad answer {i}.", "better": f"Good answer {i}."} for i in range(8)]
MAP = ["--map", "question=prompt", "--map", "better=chosen", "--map", "worse=rejected"]


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def test_rows_left_out_and_fields_not_read_are_named_before_the_run_is_queued(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """The defect: `train --dataset edge.jsonl` named neither refused row (only `preflight().source` counted them,
    never printed) while the worker said "0 rows dropped"; UltraFeedback's score fields went unsaid."""
    from ftlib.training import load_rows

    path = write_rows(tmp_path / "edge.jsonl", SCORED)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, *SMALL]
    assert main([*args, "--detach", "--json"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)  # stdout is the JSON alone: the warnings went to stderr
    said = warnings_of(out.err)
    assert said[0] == (
        f"warning: 2 of 6 rows in {path} are not used: line 2: chosen and rejected are the same, so there is nothing "
        f"to prefer; line 3: the 'rejected' field is empty: write its text there. See every row with "
        f"`python -m ftlib data inspect {path}`."
    )
    assert said[1].startswith(f"warning: 2 fields of {path} are not read: `score_chosen` in 4 rows, `score_rejected`")
    assert len([w for w in said if "score_chosen" in w]) == 1  # one line for every field nothing reads
    run = runs.find(summary["id"])
    kept = runs.get(run.id)["data"]
    assert (kept["rows_left_out"], kept["total_rows"], kept["train_rows"] + kept["test_rows"]) == (2, 6, 4)
    assert "read_with" not in json.loads((workspace.kept_split(run.path) / "meta.json").read_text())
    # What the worker prints beside its count of rows with nothing to learn: the rows of the file left out.
    _, _, source = load_rows(run.config(), run.path)
    assert source == "file 'edge.jsonl' as split when the run was queued (2 of its 6 rows not usable, left out)"


def test_map_and_format_make_the_rows_the_run_trains_resumes_and_is_evaluated_on(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """--map/--format are applied when the run's rows are made (its split/ copy), which the worker, a resume and
    evaluation read: the file is never read again without them. The run records them; `runs show` says them."""
    from ftlib.evaluate import run_info
    from ftlib.training import load_rows

    path = write_rows(tmp_path / "ranked.jsonl", RANKED)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "2", *SMALL]
    assert main([*args, "--detach"]) == 2  # unmapped, the file reads as prompts alone: DPO cannot train on it
    assert "DPO needs pairs" in capsys.readouterr().err and runs.list_runs(refresh=False) == []
    assert main([*args, *MAP, "--format", "preference", "--detach"]) == 0
    out = capsys.readouterr()
    tiny = [w for w in warnings_of(out.err) if w.startswith("warning: Only ")]  # 6 and 2 rows: too few, said
    assert warnings_of(out.err) == tiny and len(tiny) == 2  # every row used, every column read
    run = runs.find(out.out.strip())
    train, test, source = load_rows(run.config(), run.path)  # what the worker and a resume train on
    assert len(train) == 6 and len(test) == 2
    assert all(
        r["chosen"][-1]["content"].startswith("Good") and r["rejected"][-1]["content"].startswith("Bad")
        for r in train + test
    )
    assert source == (
        "file 'ranked.jsonl' as split when the run was queued, read with --format preference --map question=prompt "
        "--map better=chosen --map worse=rejected"
    )
    assert run_info(run.path).test_rows == test  # evaluation's held-out rows: the mapped ones
    data = runs.get(run.id)["data"]
    assert data["read_with"] == {"format": "preference", "map": ["question=prompt", "better=chosen", "worse=rejected"]}
    assert main(["runs", "show", run.id]) == 0
    shown = capsys.readouterr().out
    assert (
        "rows: 6 training, 2 held out, kept when it was queued; the file read as preference pairs (preference) with "
        "--format " in shown
    )
    # The file changes after the run was queued: the run's rows do not.
    write_rows(tmp_path / "ranked.jsonl", RANKED[:1])
    assert load_rows(run.config(), run.path)[:2] == (train, test)


def test_a_runs_own_config_given_again_reads_its_file_as_that_run_did(tmp_path, capsys, tiny_model_dir, no_training):
    """config.json holds the settings, not --format/--map (the run's split/meta.json does): `train runs/ID/config.json`
    read the file unmapped and refused it ("DPO needs pairs"). It reads it as the run did now, and says so."""
    path = write_rows(tmp_path / "ranked.jsonl", RANKED)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "2", *SMALL]
    assert main([*args, *MAP, "--format", "preference", "--detach"]) == 0
    first = runs.find(capsys.readouterr().out.strip())
    assert main(["train", str(first.path / "config.json"), "--detach"]) == 0
    out = capsys.readouterr()
    assert out.err.startswith(f"note: {first.path / 'config.json'} is the config of a run whose data file was read ")
    again = runs.get(out.out.strip())["data"]
    assert again["read_with"] == runs.get(first.id)["data"]["read_with"] and again["train_rows"] == 6
    # Another file, or --map given: the command's own reading, no note.
    assert main(["train", str(first.path / "config.json"), "--format", "preference", *MAP, "--detach"]) == 0
    assert "note:" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--map", "=chosen"], "--map '=chosen' should look like COLUMN=FIELD"),
        (["--map", "question"], "--map 'question' should look like COLUMN=FIELD"),
        (
            ["--map", "answer=chosen"],
            "has no field 'answer' (mapped to 'chosen'). Its fields: question, worse, better",
        ),
        (["--map", "question=query"], "Unknown field 'query' in the field mapping"),
        (  # a cold review: queued, and the model learned to echo the question
            ["--map", "question=prompt", "--map", "question=chosen"],
            "--map gives the column 'question' to two fields (question=prompt, question=chosen)",
        ),
        (["--map", "better=chosen", "--map", "worse=chosen"], "--map gives the field 'chosen' twice"),
        (["--format", "ultrafeedback"], "Unknown format 'ultrafeedback'"),
        (["--format", "alpaca"], "No usable rows in"),
    ],
)
def test_bad_data_options_are_one_error_line_and_no_run(tmp_path, capsys, tiny_model_dir, no_training, extra, said):
    path = write_rows(tmp_path / "ranked.jsonl", RANKED)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, *SMALL, "--detach"]
    assert main([*args, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and said in err[0]
    assert runs.list_runs(refresh=False) == []


def test_data_options_are_refused_for_a_saved_split_and_a_sample(tmp_path, capsys, tiny_model_dir, no_training):
    """A saved split was read with its own format and mapping when it was saved (its meta.json says which), a shipped
    sample with its own: --map there would be silently ignored, so it is refused."""
    workspace.save_split("pairs", EDGE[:4], EDGE[4:])
    for dataset, said in (("pairs", "is a saved split"), ("chat_style", "is a shipped sample")):
        args = ["train", "--model", str(tiny_model_dir), "--dataset", dataset, *SMALL, "--detach"]
        assert main([*args, "--map", "question=prompt"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --format and --map read a data file") and said in err
    assert runs.list_runs(refresh=False) == []


def test_a_mapped_file_trains_to_completion(tmp_path, capsys, tiny_model_dir):
    """A real run: the worker trains on the mapped rows it kept, and its count line says what it counts."""
    rows = RANKED + [{"question": "Same?", "worse": "Same.", "better": "Same."}]  # line 9: nothing to prefer
    path = write_rows(tmp_path / "ranked.jsonl", rows)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "2", *SMALL]
    assert main([*args, *MAP, "--json"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["state"] == "finished" and summary["step"] == 1
    assert warnings_of(out.err)[0].startswith(f"warning: 1 of 9 rows in {path} is not used: line 9: chosen and")
    assert (
        "[ftlib] 6 training rows, 2 eval rows from file 'ranked.jsonl' as split when the run was queued, read with "
        "--map question=prompt --map better=chosen --map worse=rejected (1 of its 9 rows not usable, left out); "
        "0 rows dropped for having nothing to learn"
    ) in out.err


LONG = "Tell me a long story about " + "the sea and the sky and " * 20  # past --max-length 64, prompt and answer
# (id, the method's flags, rows of which the last is too long, the worker's reason for leaving it out)
DROPPED = [
    (
        "grpo: a prompt cut",
        "--method grpo --grpo-group-size 2 --grpo-max-new-tokens 4 --rewards".split() + ["[{not_repeating: {}}]"],
        [{"prompt": f"Say hello to sailor {i}."} for i in range(3)] + [{"prompt": LONG}],
        "1 training row dropped for having a prompt longer than the max length of 64",
    ),
    (
        "lora: an answer cut whole",
        ["--method", "lora"],
        CHATS[:3] + [{"messages": [{"role": "user", "content": LONG}, {"role": "assistant", "content": "Yes."}]}],
        "1 training row dropped for having nothing to learn",
    ),
]


@pytest.mark.parametrize("flags, rows, said", [c[1:] for c in DROPPED], ids=[c[0] for c in DROPPED])
def test_the_workers_count_line_says_why_its_rows_were_left_out(
    tmp_path, capsys, monkeypatch, tiny_model_dir, flags, rows, said
):
    """A cold review: a GRPO prompt left out for its length (the pre-run warning said so) was then "1 row dropped for
    having nothing to learn" in the worker's line."""
    path = write_rows(tmp_path / "rows.jsonl", rows)
    args = ["train", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "0", *SMALL, *flags]
    trained_here(monkeypatch, args)  # the worker's line, printed by its `execute` here
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("[ftlib] 3 training rows")]
    assert line.endswith(said), line


def test_train_takes_a_template_file_as_tokens_does(tmp_path, capsys, tiny_model_dir, no_training):
    """A cold test: `tokens` took --template-file, `train` wanted --template custom --template-source "$(cat f)"."""
    template = tmp_path / "plain.jinja"
    template.write_text(
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}",
        encoding="utf-8",
    )
    path = write_rows(tmp_path / "chats.jsonl", CHATS)
    args = ["train", "--model", str(tiny_model_dir), "--dataset", path, *SMALL, "--detach"]
    assert main([*args, "--template-file", str(template)]) == 0
    config = runs.find(capsys.readouterr().out.strip()).read_config()
    assert (config["template"], config["template_source"]) == ("custom", template.read_text(encoding="utf-8"))
    assert main([*args, "--template-file", str(template), "--template", "chatml"]) == 2
    assert "leave out --template" in capsys.readouterr().err
    assert main([*args, "--template-file", str(tmp_path / "none.jinja")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_rows_train_warns_about_are_found_in_the_file_by_their_line(tmp_path, capsys, tiny_model_dir, no_training):
    """`train` warned "Training row 3 will be left out" of a shuffled split: row 3 of the run's split/train.jsonl,
    line 5 of the file, and nothing said so (a cold review). A note now gives each named row's line."""
    long_prompt = " ".join(["word"] * 300)
    rows = [dict(row) for row in EDGE[3:]] + [
        {"prompt": f"Question {i}?", "chosen": f"Good {i}.", "rejected": f"Bad {i}."} for i in range(7)
    ]
    rows[1]["prompt"] = rows[4]["prompt"] = long_prompt  # lines 2 and 5: every answer token cut by the max length
    path = write_rows(tmp_path / "long.jsonl", rows)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "3"]
    assert main([*args, *SMALL, "--seed", "3", "--detach"]) == 0
    err = capsys.readouterr().err
    (note,) = [line for line in err.splitlines() if line.startswith("note: The row numbers above")]
    run = runs.find(runs.list_runs()[0].id)
    split = workspace.kept_split(run.path)
    kept = {
        side: [json.loads(line) for line in (split / f"{part}.jsonl").read_text().splitlines()]
        for side, part in (("training", "train"), ("held-out", "test"))
    }
    named = re.findall(r"(training|held-out) row (\d+) is line (\d+)", note)
    assert named and {int(line) for _, _, line in named} <= {2, 5}  # the long prompts' lines, and only those
    for side, n, line in named:  # each named row of the split is the row on that line of the file
        assert kept[side][int(n) - 1]["prompt"][-1]["content"] == rows[int(line) - 1]["prompt"] == long_prompt
    assert note.startswith("note: The row numbers above count the run's training and held-out rows, not the rows of")


def test_the_workers_count_line_names_the_split_each_dropped_row_came_from(capsys, monkeypatch, tiny_model_dir):
    """A left-alone note: the count line added the training and held-out rows left out into one "2 rows dropped"."""
    long_chat = {"messages": [{"role": "user", "content": LONG}, {"role": "assistant", "content": "Yes."}]}
    workspace.save_split("one-long-each", [*CHATS[:3], long_chat], [CHATS[0], long_chat])
    trained_here(monkeypatch, ["train", "--model", str(tiny_model_dir), "--dataset", "one-long-each", *SMALL])
    (line,) = [line for line in capsys.readouterr().out.splitlines() if " dropped for having " in line]
    assert line.startswith("[ftlib] 3 training rows, 1 eval row from "), line
    assert line.endswith("; 1 training row and 1 eval row dropped for having nothing to learn"), line


def test_a_file_split_when_the_run_is_queued_is_warned_of_as_data_split_warns_of_it(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """A cold try: `data split kto.jsonl --test-size 4` warned "Only 4 held-out labelled answers", `train --dataset
    kto.jsonl --test-size 4`, which draws the same split, said nothing of it."""
    rows = [{"question": f"Q{i}?", "answer": f"A{i}.", "good": i % 2 == 0} for i in range(30)]
    path = write_rows(tmp_path / "kto.jsonl", rows)
    args = ["train", "--method", "kto", "--model", str(tiny_model_dir), "--dataset", path, "--map", "good=label"]
    assert main([*args, "--test-size", "4", *SMALL, "--detach"]) == 0
    (said,) = [w for w in warnings_of(capsys.readouterr().err) if w.startswith("warning: Only")]
    assert said.startswith("warning: Only 4 held-out labelled answers.") and said.endswith("Keep at least 5 held out.")
    assert main([*args, "--test-size", "5", *SMALL, "--detach"]) == 0
    assert not [w for w in warnings_of(capsys.readouterr().err) if w.startswith("warning: Only")]  # a usable split
