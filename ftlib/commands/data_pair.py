"""`python -m ftlib data pair FILE --out PAIRS.jsonl`: answers labelled good or bad -> preference pairs for DPO.

python -m ftlib data pair feedback.jsonl --out pairs.jsonl      # prompt/completion/label rows (thumbs up/down)
python -m ftlib data pair ratings.csv --map answer=completion --map thumbs_up=label --out pairs.jsonl
python -m ftlib train --method dpo --dataset pairs.jsonl        # or --method reward

Registered by `ftlib.commands.data_files` (beside `data files` and `data remove`). The pairing is
`ftlib.feedback_pairs`: per identical prompt, the i-th good answer with the i-th bad one, every row left out named.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def register(dsub) -> None:
    from ftlib.commands import add_data_options

    pair = dsub.add_parser(
        "pair",
        help="pair answers labelled good or bad (prompt, completion, label) into preference pairs for DPO",
        description="Reads FILE's answers labelled good or bad (KTO's unpaired rows: `prompt`, `completion`, a "
        "true/false `label`) and writes {prompt, chosen, rejected} rows to --out: per prompt (identical: prompts "
        "differing only in spaces or line breaks are not merged, and said), its i-th good answer with its i-th bad "
        "one in file order (zipped, not every combination: a prompt with many answers would outweigh the others). "
        "Prints how many pairs it wrote and every row it left out with why (a prompt with only good or only bad "
        "answers, the answers an uneven prompt has over, an answer labelled both good and bad under one prompt), "
        "and on stderr the rows it could not read and the fields nothing reads (in no pair either). The pairs are "
        "text where every row is, else turns.",
    )
    pair.add_argument("file", help="a .jsonl, .json, .csv, .tsv or .parquet file of answers labelled good or bad")
    add_data_options(pair)
    pair.add_argument("--out", required=True, type=Path, help="the .jsonl file to write (replaced if it exists)")
    pair.set_defaults(handler=_pair)


def _pair(args) -> int:
    from ftlib.commands import file_notes, file_warnings, inspect_command, load_data, os_error_message
    from ftlib.errors import UserError, plural
    from ftlib.feedback_pairs import feedback_pairs, pairs_jsonl
    from ftlib.format_notes import format_label
    from ftlib.workspace import write_files

    out: Path = args.out
    if out.is_dir():
        raise UserError(f"--out {out} is a folder: give the file to write, e.g. --out {out / 'pairs.jsonl'}.")
    if (
        out.suffix.lower() != ".jsonl"
    ):  # the pairs are JSON lines: another name is read as another format, or not at all
        raise UserError(
            f"--out {out} must end in .jsonl: the pairs are written as JSON lines, which a file named so is read as "
            f"(e.g. --out {out.with_suffix('.jsonl')})."
        )
    if out.exists() and Path(args.file).exists() and out.samefile(args.file):
        raise UserError(f"--out {out} is FILE itself: writing the pairs there would replace the answers it reads.")
    result = load_data(args)
    if result.kind == "preference":
        raise UserError(
            f"{args.file} holds preference pairs already (prompt, chosen, rejected): DPO and a reward model train on "
            "it as it is. `data pair` pairs answers labelled good or bad (prompt, completion, label)."
        )
    if result.kind != "unpaired":
        raise UserError(
            f"{args.file} is read as {format_label(result.format)}, not as answers labelled good or bad: `data pair` "
            "reads rows of `prompt`, `completion` and a true/false `label` (--format unpaired_preference, with "
            "--map COLUMN=FIELD where the file names them otherwise)."
        )
    if not result.rows:
        raise UserError(f"no valid rows in {args.file}: see why with `python -m ftlib data inspect {args.file}`.")
    made = feedback_pairs(result.rows, result.row_numbers, result.where, result.errors)
    if not made.pairs:
        good = sum(bool(r["label"]) for r in result.rows)
        # The file as this command read it: without its --map a judging column (`feedback`) is not the label, and
        # train refuses the rows as conversations.
        read_as = inspect_command(args).removeprefix("python -m ftlib data inspect ")
        raise UserError(
            f"no prompt in {args.file} has both a good and a bad answer ({good} good, {len(result.rows) - good} "
            f"bad), so there is nothing to pair and nothing was written. KTO trains on the rows as they are: "
            f"`python -m ftlib train --method kto --dataset {read_as}`."
        )
    try:
        write_files({out: pairs_jsonl(made.pairs)})
    except OSError as exc:
        raise UserError(os_error_message(exc, "write", out, "pick a writable path with --out")) from exc
    # Rows the reader could not read at all (not pairs, not left out), the fields nothing reads (a rater, a comment:
    # not in the pairs either), other file-level warnings, then how the file was read: said as `train` says them.
    for line in [*file_warnings(result, args), *file_notes(result)]:
        print(line, file=sys.stderr)
    used = 2 * len(made.pairs)
    print(
        f"wrote {plural(len(made.pairs), 'preference pair')} from {plural(made.prompts, 'prompt')} to {out} "
        f"({used} of {plural(len(result.rows), 'answer')} used)"
    )
    if made.left_out:
        kinds = Counter(_kind(why) for _, why in made.left_out)
        print(f"left out {plural(len(made.left_out), 'row')} ({', '.join(f'{k}: {n}' for k, n in kinds.items())}):")
        for number, why in made.left_out:
            print(f"  {result.where(number)}: {why}")
    print(f"next: `python -m ftlib train --method dpo --dataset {out}` (or --method reward)")
    return 0


def train_hint(method: str, loaded, fmt: str | None, maps: list[str]) -> str:
    """What `train` adds to its refusal of DPO or a reward model on a file of answers labelled good or bad (`loaded`,
    its LoadResult; None for a saved split): the `data pair` command that makes pairs of it, with their counts
    (`feedback_pairs.pair_hint`); "" otherwise, or where no prompt has both a good and a bad answer."""
    import shlex

    from ftlib.feedback_pairs import PAIRS_ONLY, pairing_way

    if method not in PAIRS_ONLY or loaded is None or loaded.kind != "unpaired":
        return ""
    words = ["python -m ftlib data pair", shlex.quote(loaded.source)]
    words += (["--format", shlex.quote(fmt)] if fmt else []) + [f"--map {shlex.quote(m)}" for m in maps]
    return pairing_way(method, loaded.rows, f"`{' '.join(words)} --out pairs.jsonl`")  # the Train page's sentence


# Columns that hold each prompt's answer in published reasoning sets (GSM8K's `answer`, MATH's `solution`).
ANSWER_COLUMNS = ("answer", "solution", "final_answer", "ground_truth")


def no_rewards_hint(message: str, given, args) -> str:
    """`message` (train's refusal of a GRPO run with no `rewards`), its example made one the data allows: where
    the prompts carry a column of answers (ANSWER_COLUMNS, `rows.with_columns`), the column reward its values fit
    (`final_answer.column_kind`: `{"final_answer": COLUMN}` or `{"contains_column": COLUMN}`), not a regex. Any
    other message, a column of objects, or data that cannot be read here (refused later in its own words), as it
    was."""
    from ftlib.column_values import texts
    from ftlib.commands import column_map
    from ftlib.final_answer import column_kind
    from ftlib.methods import REWARD_EXAMPLE
    from ftlib.run_data import DataOptions, absolute_paths, read_dataset

    if not message.startswith("`rewards` is empty") or REWARD_EXAMPLE not in message:
        return message
    try:  # read as the run would be, with a stand-in reward
        stand_in = type(given)(given.file, given.sets, {**given.flags, "rewards": [{"not_repeating": {}}]})
        data = read_dataset(absolute_paths(stand_in.config()), DataOptions(args.fmt, column_map(args.map or [])))
    except Exception:  # noqa: BLE001 (a hint only: whatever fails here is refused later in its own words)
        return message
    rows = [row.get("columns") or {} for row in [*data.train, *data.test]]
    has = {k for columns in rows for k in columns}
    column = next((c for c in ANSWER_COLUMNS if c in has), None)
    values = [columns[column] for columns in rows if column in columns]
    if column is None or any(texts(v) is None for v in values):  # objects: reward_columns.column_reward says the path
        return message
    # Free text ("It is Paris.") has no final answer to compare: `final_answer` would score nearly every answer 0.
    kind = column_kind(values)
    example = f'--rewards \'[{{"{kind}": "{column}"}}]\''
    if kind == "final_answer":
        said = (
            "1 where an answer's final answer (<answer> tags, \\boxed{}, after ####, else its last number) equals "
            f"that of the prompt's `{column}`"
        )
    else:
        items = " (or any item of its list)" if any(isinstance(v, list) for v in values) else ""
        said = f"1 where an answer contains the prompt's `{column}`{items} in whole words"
    return message.replace(f"e.g. {REWARD_EXAMPLE}.", f"e.g. {example}: {said}, a column these prompts carry.")


def _kind(why: str) -> str:
    """A left-out row's reason in a few words, for the count line."""
    if why.startswith("the same answer to this prompt"):
        return "answers labelled both good and bad"
    if "set aside when the file was read" in why:  # its other answer was in a row refused
        return (
            "a good answer whose bad one was set aside"
            if "prompt's bad answer" in why
            else "a bad answer whose good one was set aside"
        )
    if "answers only" in why:
        return "good answers only" if "good answers only" in why else "bad answers only"
    return "extra answers of uneven prompts"


__all__ = ["register", "train_hint"]
