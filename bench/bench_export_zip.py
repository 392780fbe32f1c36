"""What a download's zip costs at zlib's levels: `export._write_zip` of a model folder, wall time and size per level.

    .venv/bin/python -m bench.bench_export_zip [--folder PATH] [--levels 1,6]

`--folder`: a merged model or adapter folder (default: the default model's own folder, whose fp32 weights were
converted from bf16, so half their bytes are zeros and compress far better than a trained model's). Each level writes
the zip into a temporary folder once; prints seconds and MiB per level.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=None, help="the folder to zip (default: the default model's)")
    parser.add_argument("--levels", default="1,6", help="zlib levels, comma-separated (1 fastest, 9 smallest)")
    args = parser.parse_args(argv)
    try:
        levels = [int(level) for level in args.levels.split(",")]
    except ValueError:
        parser.error(f"--levels: {args.levels!r} is not a list of whole numbers such as 1,6")
    if not all(0 <= level <= 9 for level in levels):
        parser.error("--levels: zlib's levels are 0 to 9")

    from ftlib import export
    from ftlib.models import resolve_model

    folder = Path(args.folder or resolve_model("default"))
    print(f"{folder}: {sum(p.stat().st_size for p in folder.rglob('*') if p.is_file()) / 2**20:.0f} MiB of files")
    with tempfile.TemporaryDirectory() as scratch:
        for level in levels:
            export.ZIP_LEVEL = level
            target = Path(scratch) / f"level{level}.zip"
            start = time.perf_counter()
            export._write_zip(folder, target)
            took = time.perf_counter() - start
            print(f"level {level}: {took:.1f} s, {target.stat().st_size / 2**20:.0f} MiB", flush=True)
            target.unlink()


if __name__ == "__main__":
    main()
