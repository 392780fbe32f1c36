"""`python -m ftlib models prepare|info MODEL`."""

from __future__ import annotations

import json
import sys

from ftlib.commands import DEVICE_HELP, device_name


def register(sub) -> None:
    p = sub.add_parser("models", help="prepare and inspect models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.required = True
    prep = msub.add_parser("prepare", help="resolve a model once (converts the embedded default)")
    prep.add_argument("model", nargs="?", default="default")
    prep.set_defaults(handler=_prepare)
    info = msub.add_parser("info", help="parameter count, dtype, device and memory of a model")
    info.add_argument("model", nargs="?", default="default")
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
        for key, value in info.items():
            print(f"{key}: {value}")
    return 0
