"""Review h243: faults found reviewing the commits since 343909eb, newest first, each with the test that failed."""

from __future__ import annotations

import json

import pytest

# A template that refuses a system turn by its own raise, as Gemma's does (our own words and markup).
NO_SYSTEM = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('No system turn here') }}{% endif %}"
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
)


def test_data_inspect_names_the_template_that_refuses_a_row_once(tiny_model_dir, tmp_path, capsys):
    """cb803fc3: `data inspect --model` names the row a template refuses, but said the template twice in a row:
    "cannot be written with the custom template: The custom template refused this conversation: ...". Now once."""
    from ftlib.cli import main

    (tmp_path / "nosys.jinja").write_text(NO_SYSTEM)
    turns = [{"role": "user", "content": "Name a moon of Saturn."}, {"role": "assistant", "content": "Titan."}]
    rows = [turns, [{"role": "system", "content": "Be brief."}, *turns]]
    data = tmp_path / "moons.jsonl"
    data.write_text("".join(json.dumps({"messages": r}) + "\n" for r in rows))
    flags = ["--model", str(tiny_model_dir), "--template-file", str(tmp_path / "nosys.jinja")]
    assert main(["data", "inspect", str(data), *flags]) == 2
    said = capsys.readouterr().err
    assert f"{data}, line 2 cannot be written with the custom template, which refused it: No system turn here." in said
    assert said.count("custom template") == 2, said  # this sentence's and the fix's "The custom template takes no"
    assert "takes no system turn: merge the system text" in said and "--line 2" in said


def test_a_file_of_one_empty_object_is_not_counted_again(tmp_path):
    """eabd3516: a file of one row `{}` said "The one row of one.jsonl is an empty object {} (1 row)": twice."""
    from ftlib.data import DataError, load_file

    (tmp_path / "one.jsonl").write_text("{}\n")
    with pytest.raises(DataError) as refused:
        load_file(tmp_path / "one.jsonl")
    assert str(refused.value).startswith("The one row of one.jsonl is an empty object {}: there is nothing in it")
    (tmp_path / "two.jsonl").write_text("{}\n{}\n")
    with pytest.raises(DataError) as refused:
        load_file(tmp_path / "two.jsonl")
    assert str(refused.value).startswith("Every row of two.jsonl is an empty object {} (2 rows): there is nothing")
