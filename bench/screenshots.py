"""The README's pictures: one screenshot of every page, taken by walking the real app in headless Chromium.

    .venv/bin/python -m bench.screenshots [--out docs/screenshots] [--steps 8]

Walks the same path as the real-browser test (tests/browser_app.py's `tour`), on the embedded default model
and a fresh temporary workspace: the `chat_style` sample split, its tokens, a short LoRA run, base vs tuned on
Compare, a few held-out rows on Evaluate. Needs the one-time conversion (`python -m ftlib models prepare
default`) and Debian's chromium (`make setup-test`). Takes a few minutes on 2 CPU cores, mostly the run.
Screenshots show the top of each page, at most `--height` pixels of it (long pages are cut).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--steps", type=int, default=8, help="training steps of the pictured run")
    parser.add_argument("--evaluate-rows", type=int, default=4)
    parser.add_argument("--height", type=int, default=1800, help="the most pixels of a page shown")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from tests import browser_app
    from tests.browser_app import StreamlitServer, TourSettings, launch_chromium, new_page, stop_runs, tour

    browser_app.MAX_SHOT_HEIGHT = args.height

    from ftlib.models import default_model_dir

    if not (default_model_dir() / "config.json").is_file():
        raise SystemExit("Convert the default model first: python -m ftlib models prepare default")
    settings = TourSettings(
        model="default",
        sample="chat_style",
        max_steps=args.steps,
        batch_size=4,
        max_length=256,
        evaluate_rows=args.evaluate_rows,
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        workspace = Path(tmp) / "workspace"
        server = StreamlitServer(workspace).start()
        browser = launch_chromium(pw)
        try:
            page = new_page(browser, server.url)
            seen = tour(page, settings, args.out)
        finally:
            browser.close()
            server.stop()
            stop_runs(workspace)
    problems = {name: errors for name, errors in seen.exceptions.items() if errors}
    if problems or seen.run_state != "finished":
        print(f"run {seen.run_state}; exceptions: {problems}", file=sys.stderr)
        return 1
    for shot in seen.screenshots:
        print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
