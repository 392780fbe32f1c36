"""README's own DPO example, a file of `{"prompt", "good", "bad"}` rows (its `uf.jsonl`), inspected without `--map`
is read as prompts with two fields beside them; the warning said only how to imitate `good` ("To imitate it as the
answer instead (SFT, DPO), map it to `completion`"), which is no DPO data at all, and never the mapping README gives
(`--map good=chosen --map bad=rejected`). It now names that pair (helper 264, following the README)."""

from __future__ import annotations

import json
import shlex

from ftlib.cli import main
from ui.labels import on_data_page

ROWS = [
    {"prompt": f"How do I store {food}?", "good": f"- Keep {food} cool.\n- Keep it dry.", "bad": f"Keep {food}."}
    for food in ("rice", "flour", "coffee", "tea", "oats", "lentils")
]


def test_a_prompt_with_a_better_and_a_worse_answer_is_told_the_pair_mapping(tmp_path, capsys):
    path = tmp_path / "uf.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    assert main(["data", "inspect", str(path)]) == 0
    said = capsys.readouterr().out
    assert "(SFT, DPO)" not in said and "`--map good=chosen --map bad=rejected` in the CLI" in said
    flags = said.split("`--map good=chosen", 1)[1].split("`", 1)[0]
    assert main(["data", "inspect", str(path), "--json", *shlex.split("--map good=chosen" + flags)]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "preference"  # the mapping given reads DPO's pairs
    warning = next(line for line in said.splitlines() if "Where `good`" in line)
    assert on_data_page(warning).endswith("(their boxes under Field mapping above).")
