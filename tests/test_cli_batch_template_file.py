"""`batch --template-file`: a row the custom template refuses is shown with that template (helper 159's walk with a
Mistral-style template)."""

from __future__ import annotations

import json

from ftlib.cli import main

# A Mistral-style template: no system role, and it says so.
NO_SYSTEM = (
    "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]{% else %}{{ m.content }}{{ eos_token }}{% endif %}"
    "{% endfor %}"
)


def test_batch_shows_a_refused_row_with_the_template_file_it_was_refused_by(tmp_path, capsys):
    """`batch --template-file` pointed at `tokens ... --template tokenizer`: the model's own template, which renders
    the row, not the custom one that refused it."""
    import shlex

    template_file = tmp_path / "mistral style.jinja"  # a space: the command quotes the path
    template_file.write_text(NO_SYSTEM, encoding="utf-8")
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    data = tmp_path / "chats.jsonl"
    data.write_text(json.dumps({"messages": [*chat, {"role": "assistant", "content": "Hello."}]}) + "\n")
    assert main(["batch", str(data), "--template-file", str(template_file)]) == 2
    err = capsys.readouterr().err
    assert "System role not supported" in err, err
    shown = err.split("See the row with `")[1].split("`")[0]
    assert f"--template-file {shlex.quote(str(template_file))}" in shown and "--template " not in shown, shown
    # The command shown refuses the row as batch did.
    assert main(shlex.split(shown)[3:]) == 2
    assert "System role not supported" in capsys.readouterr().err
