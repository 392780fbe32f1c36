"""Start-up: from launching the app to the default model loaded and the first page answering.

    .venv/bin/python -m bench.bench_startup [--rounds 3]

Needs the one-time conversion done (`python -m ftlib models prepare default`) and Debian's chromium. Each round
starts a fresh `streamlit run app.py` on a free port and a fresh headless Chromium, and times:

- `home`: launch -> the Home page drawn in the browser (server up, app script run, navigation drawn);
- `model`: launch -> the Compare page drawn with its Generate button, which it shows only after loading the
  default model and tokenizer (`ui.common`'s cached loaders): the first page that answers with the model ready.

The two are separate launches (the second does not benefit from the first's server). Best of `--rounds` is
reported; the first round also pays the OS file cache, which a server restart normally has warm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser driver the real-browser tests use

TARGET_S = 5.0


def time_launch(until: str) -> float:
    """Seconds from launching the server to `until` ('home' or 'model') answering in a fresh browser."""
    from browser_app import StreamlitServer, launch_chromium, page_url, wait_for_title
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch_chromium(pw)  # started before the clock: the browser is the user's, not the app's
        server = StreamlitServer(Path(tmp) / "workspace")
        start = time.perf_counter()
        try:
            server.start()
            page = browser.new_page()
            if until == "home":
                page.goto(server.url)
                wait_for_title(page, "Home")
            else:
                page.goto(page_url(server.url, "Compare"))
                page.get_by_role("button", name="Generate", exact=True).wait_for(timeout=120_000)
            return time.perf_counter() - start
        finally:
            server.stop()
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from ftlib.models import default_model_dir

    if not (default_model_dir() / "config.json").is_file():
        raise SystemExit("Convert the default model first: python -m ftlib models prepare default")
    best = {"home": float("inf"), "model": float("inf")}
    for round_ in range(args.rounds):
        for until in best:
            seconds = time_launch(until)
            best[until] = min(best[until], seconds)
            print(f"round {round_ + 1}: launch -> {until}: {seconds:.2f} s", flush=True)
    print(f"\nbest of {args.rounds}: launch -> Home drawn {best['home']:.2f} s; launch -> default model loaded and "
          f"Compare answering {best['model']:.2f} s (target < {TARGET_S:.0f} s)")
    return 0 if best["model"] < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
