"""`python -m ftlib score RUN --prompt TEXT --response A --response B ...`: a reward model's scores of answers.

    python -m ftlib score 20261201-101500-reward-pairs --prompt "How do I sleep better?" \\
        --response "- Go to bed at the same time." --response "Go to bed at the same time." --json
    {"scores": [1.93, -0.41]}

RUN is a finished run trained with `method: reward` (its id, as `runs list` prints it, or its name). Each answer is
scored after the prompt, rendered with the chat template the reward model trained with; higher means preferred. Without
`--json` it prints one line per answer, best first.
"""

from __future__ import annotations

import sys

from ftlib.commands import DEVICE_HELP, device_name, json_text
from ftlib.user_paths import user_path


def register(sub) -> None:
    p = sub.add_parser("score", help="score answers to a prompt with a trained reward model")
    p.add_argument("run", help="a finished reward-model run: its id, its name or its folder")
    p.add_argument("--prompt", required=True, help="the question or instruction the answers reply to")
    p.add_argument("--system", default=None, help="an optional system prompt before it")
    p.add_argument(
        "--response", action="append", required=True, metavar="TEXT", help="an answer to score (repeat the flag)"
    )
    # auto, as `sample` and `evaluate` take it (`models.pick_device`: a GPU when there is one): its default was cpu,
    # so a reward model scored on the CPU beside an idle GPU
    p.add_argument("--device", default=None, type=device_name, help=DEVICE_HELP)
    p.add_argument("--json", action="store_true", help='print {"scores": [...]}')
    p.set_defaults(handler=_score)


def _reward_run(given: str, run_id):
    """The run `given` names: by id or by name, as `runs show` takes a run (one name given to several runs is refused
    with their ids), or by its folder (as `sample` and `evaluate` take one); a folder that is not a run's is refused
    with what to do with it."""

    from ftlib.errors import UserError
    from ftlib.rundir import RunDir

    path = user_path(given)
    if path.is_dir():
        if (path / "config.json").is_file() and (path / "status.json").is_file():
            return RunDir(path)
        raise UserError(
            f"{given} is a folder but not a run's: score takes a reward-model run (its id, name or folder). An "
            "exported reward model loads in transformers as AutoModelForSequenceClassification (a merged export) or "
            "with PEFT on its base (an adapter)."
        )
    return run_id(given, hint="Train a reward model first (method reward on preference pairs). ")


def _score(args) -> int:
    from ftlib.commands.runs import run_id
    from ftlib.errors import UserError
    from ftlib.rewards import load_reward_model

    # A reward model scores a conversation: an empty prompt or answer gets a number that means nothing.
    if not args.prompt.strip():
        raise UserError("score: --prompt is empty: give the question the answers reply to.")
    if empty := [n for n, text in enumerate(args.response, start=1) if not text.strip()]:
        raise UserError(f"score: --response {empty[0]} is empty: give each answer to score its text.")
    prompt = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.prompt}
    ]
    run = _reward_run(args.run, run_id)
    scores = load_reward_model(run, device=args.device).score(prompt, args.response)
    if args.json:
        print(json_text({"scores": scores}))
        return 0
    for score, text in sorted(zip(scores, args.response, strict=True), key=lambda pair: -pair[0]):
        print(f"{score:+.4f}  {text[:100]!r}{' (cut here)' if len(text) > 100 else ''}")
    # On stderr, stdout staying the scores: bare numbers such as -2.5230 said nothing of how to read them
    said = "A higher score is an answer the reward model prefers"
    if len(scores) == 1:
        said += ", but a score on its own means little: give two --response or more to compare answers to one prompt."
    else:
        said = f"Best first. {said}; only the differences between answers to one prompt mean something."
    print(f"note: {said}", file=sys.stderr)
    return 0
