"""Helper 162: six things helper 157's walk of the alignment CLI found (tests/test_cli_walk_h157.py)."""

from __future__ import annotations

import pytest

from ftlib import workspace
from tests.test_cli_errors import one_error_line
from tests.test_evaluate_runs import KTO_ROWS, nothing_loads, reward_run  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("nothing_loads")
def test_a_reward_model_on_labelled_answers_offers_data_pair_in_lower_case(tmp_path, capsys, reward_run):  # noqa: F811
    """`evaluate <reward run> --data kto.jsonl` read "...can be evaluated: This unpaired row ..." (a capital after
    the colon) and said nothing of `data pair`, which turns the good and bad answers to one prompt into pairs."""
    data = tmp_path / "kto.jsonl"
    workspace.write_jsonl(data, KTO_ROWS)
    line = one_error_line(capsys, ["evaluate", reward_run.id, "--data", str(data)])
    assert line.startswith(
        "error: None of the 4 test rows can be evaluated: none is a preference pair (the first is an unpaired row): "
    ), line
    assert f"`python -m ftlib data pair {data} --out pairs.jsonl` makes 2 preference pairs." in line, line


@pytest.mark.parametrize("name", ["tuned.gguf", "tuned.ZIP", "model.safetensors"])
def test_runs_export_out_named_as_a_file_is_refused_before_the_export_is_built(tmp_path, capsys, monkeypatch, name):
    """`runs export RUN --gguf --out x.gguf` made a folder named x.gguf holding <name>.gguf (and its Modelfile):
    --out is a folder, and a name ending .gguf, .zip or .safetensors is meant as a file. Refused before the
    conversion, with the folder to give; an existing empty folder of that name is still taken."""
    from ftlib import export
    from ftlib.testing import make_run

    make_run("to-export", {"model": "default", "dataset": "chat_style"})
    for build in ("export_adapter", "export_merged", "export_gguf", "export_model"):
        monkeypatch.setattr(export, build, lambda *a, **k: pytest.fail("built before --out was checked"))
    out = tmp_path / name
    line = one_error_line(capsys, ["runs", "export", "to-export", "--gguf", "f16", "--out", str(out)])
    assert line == (
        f"error: --out: {name} names a file, but --out is the folder the export's files are copied into (with --gguf, "
        "NAME.gguf and its Modelfile; with --zip, also FOLDER.zip beside it): give a folder, e.g. --out "
        f"{tmp_path / name.split('.')[0]}. Nothing was written."
    )
    assert not out.exists()
    out.mkdir()  # a folder the user made with that name: theirs to name so
    from ftlib.export_out import check_out

    check_out(out)
