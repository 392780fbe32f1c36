"""`python -m ftlib models prepare|info MODEL`."""

from __future__ import annotations

import json
import sys

from ftlib.commands import DEVICE_HELP, device_name

# What `train --model` and `sample --model` take, said where a positional once stood bare in the help.
MODEL_HELP = "default (the embedded SmolLM2-135M-Instruct, the default), a local model folder or a cached hub id"


def register(sub) -> None:
    p = sub.add_parser("models", help="prepare and inspect models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.required = True
    prep = msub.add_parser("prepare", help="resolve a model once (converts the embedded default)")
    prep.add_argument("model", nargs="?", default="default", help=MODEL_HELP)
    prep.set_defaults(handler=_prepare)
    info = msub.add_parser("info", help="parameter count, dtype, device and memory of a model")
    info.add_argument("model", nargs="?", default="default", help=MODEL_HELP)
    info.add_argument("--device", default=None, type=device_name, help=DEVICE_HELP)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_info)


def _prepare(args) -> int:
    from ftlib.models import resolve_model

    def progress(message: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    path = resolve_model(args.model, progress=progress)
    print(path)
    return 0


def _info(args) -> int:
    from ftlib.models import load_model, model_info

    info = model_info(load_model(args.model, device=args.device), name=args.model).as_dict()
    if args.json:
        print(json.dumps(info))
    else:
        print("\n".join(info_lines(info)))
    return 0


def info_lines(info: dict) -> list[str]:
    """`models info`'s text: counts and bytes with their units (it printed `memory_bytes: 538060288` and
    `trainable_parameters: ...`, the JSON's field names); --json keeps the fields.

    >>> for line in info_lines({"name": "default", "parameters": 134515008, "trainable_parameters": 134515008,
    ...             "dtype": "float32", "device": "cpu", "memory_bytes": 538060288}):
    ...     print(line)
    model: SmolLM2-135M-Instruct (embedded default)
    parameters: 134.5M (134,515,008), all trainable
    weights: float32 on cpu, 513 MiB
    """
    from ftlib.memory import human
    from ftlib.model_names import model_said

    count, trainable = info["parameters"], info["trainable_parameters"]
    short = f"{count / 1e9:.2f}B" if count >= 1e9 else f"{count / 1e6:.1f}M" if count >= 1e6 else f"{count / 1e3:.1f}K"
    some = "all trainable" if trainable == count else f"{trainable:,} trainable"
    return [
        f"model: {model_said(info['name'])}",  # the embedded default by its name, as the pages say it
        f"parameters: {short} ({count:,}), {some}",
        f"weights: {info['dtype']} on {info['device']}, {human(info['memory_bytes'])}",
    ]
