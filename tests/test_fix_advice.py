"""Each refusal's "how to fix it", followed as written: the flag, value, setting or column it names is used, and the
refusal goes away. A review (2026-12-06) triggered ~30 refusals and warnings from the CLI on tiny files with the
default model, did exactly what each said, and ran again:

Each row: message (module) | trigger | advice followed | result ("fixed": refusal gone; "right": says what state
is needed, nothing to follow).
- a field is not read: `good` (notices) | kto on {question,answer,good} | --map good=label | refused next (below)
- Read as unpaired_preference, needs: messages (data) | --map good=label | no `messages` column to map | WRONG: the
  question/answer columns' shape (prompt and completion) went unsaid; now named as alternatives (tested below)
- KTO weights lopsided (run_preflight) | 2 good, 1 bad | --undesirable-weight 1.5 (all g,b < 40 tried) | fixed
- KTO held-out of 1 row (run_preflight) | 3+1 rows | --kto-loss-type apo_zero_unpaired | fixed
- KTO batch_size 1 (config) | --batch-size 1 | kto_loss_type apo_zero_unpaired | fixed
- batch size 8 > 3 rows (run_preflight) | 4-row file | --batch-size 1 / 2 | fixed
- the same with --grad-accum 4 (overfitting) | batch 32 on 20 rows | "a batch size of 6 gives 4 steps per pass" |
  WRONG: 6 x 4 rows a step is still one pass a step; now counts the accumulation and processes (tested below)
- GRPO 8 prompts a step > 3 prompts (run_preflight) | 4 prompts | --batch-size 3 | fixed
- `rewards` is empty (config) | grpo without --rewards | the example list given | fixed
- contains_column: no such column (rewards) | qa.csv, {contains_column: answer} | --format prompt_only | fixed
- regex invalid / length needs a target / unknown check (rewards) | --rewards '[...]' | the forms named | fixed
- function not registered (rewards) | {function: myfn} | a built-in reward, {regex: ...} | fixed
- reward model is a lora run (rewards, score) | {model: LORA_RUN}, score LORA_RUN | a method reward run | right
- DPO / KTO / reward model need pairs (methods) | dpo on chat rows | an SFT method, or a preference file | fixed
- exo_pair needs label smoothing (config) | --dpo-loss-type exo_pair | --dpo-label-smoothing 0.001 | fixed
- ipo with beta 0.05 (run_preflight) | --beta 0.05 | --beta 0.5 | fixed
- label smoothing ignored with sigmoid (config) | --dpo-label-smoothing 0.2 | robust / exo_pair | right
- max_length / lora_r / learning_rate / warmup_ratio / scheduler (config) | out of range | the value named | fixed
- grpo_group_size 1 / grpo_temperature 0 (config) | the flags | 4-16 / 0.7-1.0 | fixed
- device cuda without a GPU (config) | --device cuda | --device cpu / auto | fixed
- target layers name no layer (training) | --lora-targets bogus_proj | q_proj... / all-linear | fixed
- test split impossible (splits) | --test-size 0.9 / 5 on 4 rows | 1-3 rows, 0.1, --test-size 0 | fixed
- unknown setting / not a whole number / YAML (config) | learning_rte, max_steps: one, a bad line | `learning_rate`,
  a number; "line 4, column 6" is the place | fixed
- early stopping measured once per epoch (overfitting) | --early-stopping-patience 2 | 'Evaluate every N steps', the
  Train page's label: no flag of the CLI | WRONG in the CLI: now names `eval_every`, `--eval-every` (tested below)
- early stopping, no held-out rows (overfitting) | --test-size 0 + patience | only "save a split on the Data page"
  | the CLI's own way went unsaid: now `test_size`, `--test-size 0.1` (tested below)
- sample: temperature 0 with top_k; top_p 0; min_p 1.5; max_new_tokens (sampling) | --setting | as said | fixed
- tokens --row 10 out of range (cli) | 4-row file | 0 to 3 | fixed
- a reply cut: raise the max length to 61 (checks) | tokens --max-length 30 | --max-length 61 (60 still cuts) | fixed
- weight-0 last reply under last_assistant (checks) | tokens --policy last_assistant | --policy all_assistant | fixed
- no end-of-turn marker (checks) | a Q:/A: template | {{ eos_token }} in its generation block | fixed
- no generation prompt (prompt_checks) | a template without one | its `{% if add_generation_prompt %}` line | warns
  next that 'A: ' ends in a space (this tokenizer); that fix ('A:', the space in the reply) works | fixed in two
- UTF-16 / Latin-1 file (readers) | saved so | the iconv command given; "line 2, column 4" is the place | fixed
- unclosed quote / a zip of 2 files (readers) | quote.csv, two.zip | close it (line 2 right) / unzip one | fixed
- no assistant turn: prompts for GRPO? (data) | rows of one user turn | --map messages=prompt | fixed
- evaluate: no held-out rows (commands/evaluate) | a run with --test-size 0 | --data FILE | fixed
- evaluate --data: rows the run trained on (commands/evaluate) | that run, a file with a trained row | "leave out
  --data", refused there (no held-out rows) | WRONG: now only "a file without them" for such a run (tested below)
- runs resume a finished run / export a running one / model not cached (runs, models) | as said | right
"""

from __future__ import annotations

import json
import re

from ftlib import overfitting
from ftlib.config import RunConfig
from ftlib.data import load_file
from ftlib.splits import count_test_rows


def test_early_stopping_once_per_epoch_names_the_setting_and_setting_it_ends_the_warning():
    """The CLI printed "set 'Evaluate every N steps'", the Train page's label, which no flag is called."""
    config = RunConfig(model="m", dataset="x", early_stopping_patience=2, max_steps=20)
    (warning,) = overfitting.preflight_warnings(config, eval_rows=10)
    flag = re.search(r"`--([\w-]+)` in the CLI", warning).group(1)  # the flag the CLI takes for it
    setting = flag.replace("-", "_")
    followed = RunConfig(model="m", dataset="x", early_stopping_patience=2, max_steps=20, **{setting: 5})
    assert overfitting.preflight_warnings(followed, eval_rows=10) == []


def test_early_stopping_without_held_out_rows_names_the_test_size_and_it_holds_rows_out():
    """`train --test-size 0 --early-stopping-patience 2` was told only to save a split on the Data page."""
    config = RunConfig(model="m", dataset="rows.jsonl", early_stopping_patience=2, eval_every=5, test_size=0)
    (warning,) = overfitting.preflight_warnings(config, eval_rows=0)
    test_size = float(re.search(r"`--test-size ([\d.]+)`", warning).group(1))
    held_out = count_test_rows(40, test_size)
    assert held_out > 0 and overfitting.preflight_warnings(config, eval_rows=held_out) == []


def test_a_label_mapped_alone_reads_its_question_and_answer_columns_as_prompt_and_completion(tmp_path):
    """{question, answer, good} with `--map good=label`: the refusal named only `messages` (the closest shape by
    count), a field no column holds; the prompt and completion its columns are went unsaid. Since, the two columns
    the unpaired shape's guess names are read as them, said in a note (`mapping.labelled_map`)."""
    path = tmp_path / "rated.jsonl"
    rows = [("Hi", "Hello!", True), ("Thanks", "Whatever", False), ("Help", "Sure", True)]
    path.write_text("".join(json.dumps({"question": q, "answer": a, "good": g}) + "\n" for q, a, g in rows))
    result = load_file(path, column_map={"label": "good"})
    said = " ".join(n.message for n in result.notices)
    assert "so `question` is read as the prompt and `answer` is read as the answer it marks" in said
    assert (result.format, len(result.rows)) == ("unpaired_preference", 3)


def test_a_batch_bigger_than_the_split_is_told_a_batch_size_that_gives_the_steps_it_says():
    """With gradient accumulation 4 the warning said "A batch size of 6 gives 4 steps per pass" of 20 rows, where
    6 x 4 rows a step still made every step one pass over all 20."""
    from ftlib.overfitting import schedule_warnings, steps_per_pass

    config = RunConfig(model="m", dataset="x", max_steps=10, batch_size=32, grad_accum=4)
    (warning,) = [w for w in schedule_warnings(config, 20) if w.startswith("Batch size")]
    said = re.search(
        r"A batch size of (\d+)(?: and gradient accumulation (\d+))? gives? (\d+) steps per pass", warning
    )
    followed = RunConfig(
        model="m", dataset="x", max_steps=10, batch_size=int(said[1]), grad_accum=int(said[2] or config.grad_accum)
    )
    assert steps_per_pass(followed, 20) == int(said[3]) > 1
    assert not [w for w in schedule_warnings(followed, 20) if w.startswith("Batch size")]


def test_rows_a_run_without_held_out_rows_trained_on_are_not_sent_back_to_its_held_out_rows(
    varied_dir, adapter_template, tmp_path, capsys
):
    """`evaluate RUN --data FILE` on a run trained with no held-out rows said "Evaluate on the run's held-out rows
    (leave out --data)": leaving it out is refused (the run has none)."""
    from ftlib import workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    def chat(question: str) -> dict:
        return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": "The Nile."}]}

    trained = [chat(f"Name a river, {n}.") for n in "ab"]
    workspace.save_split("rivers-all", trained, [])
    make_run("all-run", {"model": str(varied_dir), "dataset": "rivers-all"}, adapter=adapter_template)
    data = tmp_path / "mixed.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in [chat("Name a sea."), trained[1]]), encoding="utf-8")
    argv = ["evaluate", "all-run", "--max-new-tokens", "2"]
    assert main([*argv, "--data", str(data)]) == 0
    warning = capsys.readouterr().err.splitlines()[0]
    assert "rows the run trained on (line 2)" in warning
    if "leave out --data" in warning:  # the advice, followed
        assert main(argv) == 0, capsys.readouterr().err
    else:
        assert warning.endswith("Evaluate on a file without them.")
