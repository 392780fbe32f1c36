"""`python -m ftlib runs export ID [--merged | --gguf [TYPE]] [--zip] [--out DIR] [--json]`, or `--remove`: a
finished run's adapter, full model, merged model or GGUF file as a folder to load or copy, or the copies exports
left removed (`ftlib.export`, `ftlib.export_out`).

Registered by `runs` (ftlib/commands/runs.py), which passes its resolver of a run given by id or name. What the
command line tells alone (no such run, --remove beside a build, an --out in the way) is refused before `python -m
ftlib` imports torch and PEFT (`_check`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ftlib.commands import json_text
from ftlib.user_paths import user_path


def register(rsub, resolve) -> None:
    """Add `export` to the `runs` actions; `resolve(given) -> run id` (commands.runs.run_id: an id, or a name one run
    has)."""
    export = rsub.add_parser(
        "export",
        help="print the folder of a finished run's adapter (PEFT) or full model, of its merged model (--merged) or "
        "of its GGUF file (--gguf), or copy it to --out DIR; or remove the copies exports left (--remove)",
    )
    export.add_argument("id", help="the finished run, by id or by name (`runs list` shows both) or by its folder")
    export.add_argument("--merged", action="store_true", help="merge the adapter into the base model first")
    export.add_argument("--zip", action="store_true", help="also write a .zip of the folder and print its path")
    export.add_argument(
        "--gguf",
        nargs="?",
        const="q8_0",
        choices=("q8_0", "f16", "f32"),
        metavar="TYPE",
        help="one GGUF file for llama.cpp and Ollama, with an Ollama Modelfile (runs on the default model): weights "
        "in q8_0 (the default), f16 or f32",
    )
    export.add_argument(
        "--out",
        metavar="DIR",
        help="copy the export to DIR (made if missing; refused if it holds anything) and print DIR; with --zip, "
        "also DIR.zip. Without it the export stays in the run's folder",
    )
    export.add_argument(
        "--remove",
        action="store_true",
        help="remove the exported copies an export or a download left in the run's folder (a merged model, GGUF "
        "files, zips); the adapter or model stays, and an export builds them again",
    )
    export.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: {run, kind (adapter, model, merged or gguf), gguf_type (null but for --gguf), "
        "path (the folder: the run's own, or the copy at --out), size (its bytes), zip and zip_size (with --zip, "
        "else null), notes (what to know to load it, as said on stderr)}; with --remove: {run, freed (bytes)}",
    )
    export.set_defaults(handler=_export, check=lambda args: _check(args, resolve))


def _check(args, resolve) -> None:
    """`runs export`'s refusals that need no library, before `ftlib.cli` imports them: the run (`resolve`), --remove
    beside an option that builds an export, an --out in the way (`export_out.check_out`: before a merge or a GGUF
    conversion, minutes on a large model, not only after), what --gguf cannot write (`export.gguf_refusal`), a base
    lost with config.json (`export.unknown_base_refusal`), an adapter that does not fit the base the run's config.json
    names, to merge (`adapter_shapes.merge_refusal`). Leaves the run's RunDir on `args.checked`."""
    from ftlib import runs
    from ftlib.adapter_shapes import merge_refusal
    from ftlib.errors import UserError
    from ftlib.export import gguf_refusal, unknown_base_refusal
    from ftlib.export_out import check_out

    args.checked = runs.find(resolve(args.id))  # the RunDir `_export` works on
    given = {"--merged": args.merged, "--zip": args.zip, "--gguf": args.gguf, "--out": args.out}
    if args.remove and (building := [flag for flag, value in given.items() if value]):
        named, verb = " and ".join(building), "builds" if len(building) == 1 else "build"
        raise UserError(
            f"runs export: --remove removes the exported copies, which {named} {verb}: give one or the other."
        )
    if args.out and not args.remove:
        check_out(user_path(args.out).absolute(), args.zip)
    run = args.checked  # --remove beside either was refused above
    if args.gguf and (said := gguf_refusal(run)):  # a reward model, another base than the default model
        raise UserError(said)
    if (args.merged or args.gguf) and (said := unknown_base_refusal(run)):
        raise UserError(said)  # before the shapes: read as {}, config.json would name the default model
    if (args.merged or args.gguf) and (said := merge_refusal(run.id, run.adapter_dir, _base(run))):
        raise UserError(said)  # an adapter of another base than the run's config.json names


def _base(run) -> str:
    """The base model `run`'s config.json names (`default` where it names none, as a merge reads it)."""
    return str(run.read_config().get("model") or "default")


def _export(args) -> int:
    from ftlib import downloads, export
    from ftlib.export_progress import stage_lines

    run, told = args.checked, stage_lines(sys.stderr)  # a merge's and a zip's stages, one line each
    if args.remove:
        return _remove_exported(run, args)
    if args.gguf:
        folder, kind = export.export_gguf(run, args.gguf, told), "gguf"
    elif args.merged:
        folder, kind = export.export_merged(run, told), "merged"
    elif run.output() is not None and run.output()[1]:
        folder, kind = export.export_model(run), "model"  # a full fine-tune: its model is what there is to export
    else:
        folder, kind = export.export_adapter(run), "adapter"
    kind = "model" if folder == run.model_dir else kind  # --merged of a full fine-tune: its own model
    if args.out:
        written = export.copy_export(folder, Path(args.out), zip_too=args.zip, run=run, progress=told)
    else:
        written = [folder, export.zip_folder(folder, told)] if args.zip else [folder]
    folder = written[0]
    notes = downloads.loading_notes(run, folder)
    for note in notes:  # on stderr: stdout stays the paths a script reads
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        from ftlib.disk_use import tree_bytes

        archive = Path(written[1]) if len(written) > 1 else None
        print(
            json_text(
                {
                    "run": run.id,
                    "kind": kind,
                    "gguf_type": args.gguf,
                    "path": str(folder),
                    "size": tree_bytes(folder),
                    "zip": None if archive is None else str(archive),
                    "zip_size": None if archive is None else archive.stat().st_size,
                    "notes": notes,
                }
            )
        )
    else:
        print(*written, sep="\n")
    return 0


def _remove_exported(run, args) -> int:
    """`runs export ID --remove`: the run's exported copies removed (`export.remove_exported`), what was freed said;
    refused beside an option that builds an export (one or the other: `_check`)."""
    from ftlib import export
    from ftlib.memory import human

    freed = export.remove_exported(run)
    if args.json:
        print(json_text({"run": run.id, "freed": freed}))
    elif freed:
        print(f"{run.id}: removed the exported copies ({human(freed)} freed); its own result is untouched")
    else:
        print(f"{run.id}: no exported copies to remove")
    return 0
