"""Start-up: from launching the app to the default model loaded and the first page answering.

    .venv/bin/python -m bench.bench_startup [--rounds 3]

Needs the one-time conversion done (`python -m ftlib models prepare default`) and Debian's chromium. Each round
starts a fresh server the way `make run` does (`streamlit run serve.py`, which loads the default model in a
background thread as the server starts) on a free port, and a fresh headless Chromium, and times from launch:

- `home`: the Home page drawn in the browser (server up, app script run, navigation drawn);
- `model`: in the same launch, the server log's "default model loaded" line (tokenizer and model in the shared
  cache the pages read);
- `compare`: a separate launch whose first visitor goes straight to the Compare page, until its Generate button
  is drawn (the page shows it only with the model loaded): the worst case, model loading and the browser's
  first page competing for the same 2 cores.

Start-up is when both the first page answers and the model is loaded: max(home, model). Best of `--rounds`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TARGET_S = 5.0


def time_launch(first_page: str) -> dict[str, float]:
    """Seconds from launching the server to `first_page` ('Home' or 'Compare') answering in a fresh browser, and
    to the server logging that the default model is loaded."""
    from playwright.sync_api import sync_playwright

    from tests.browser_app import StreamlitServer, launch_chromium, page_url, wait_for_title

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch_chromium(pw)  # started before the clock: the browser is the user's, not the app's
        server = StreamlitServer(Path(tmp) / "workspace")
        start = time.perf_counter()
        try:
            server.start()
            page = browser.new_page()
            page.goto(page_url(server.url, first_page))
            if first_page == "Home":
                wait_for_title(page, "Home")
            else:
                page.get_by_role("button", name="Generate", exact=True).wait_for(timeout=120_000)
            times = {first_page.lower(): time.perf_counter() - start}
            while "default model loaded" not in server.log():
                if time.perf_counter() - start > 120:
                    raise TimeoutError(f"The server never logged the model as loaded:\n{server.log()}")
                time.sleep(0.05)  # polling a file, not waiting on the UI
            times["model"] = time.perf_counter() - start
            return times
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
    best: dict[str, float] = {}
    for round_ in range(args.rounds):
        home = time_launch("Home")
        compare = time_launch("Compare")
        seen = {
            "home": home["home"],
            "model": home["model"],
            "start-up": max(home.values()),
            "compare": compare["compare"],
        }
        for name, seconds in seen.items():
            best[name] = min(best.get(name, float("inf")), seconds)
        print(
            f"round {round_ + 1}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in seen.items()),
            flush=True,
        )
    print(
        f"\nbest of {args.rounds}: launch -> Home drawn {best['home']:.2f} s, default model loaded "
        f"{best['model']:.2f} s: start-up {best['start-up']:.2f} s (target < {TARGET_S:.0f} s); a first visit "
        f"straight to Compare sees its model at {best['compare']:.2f} s"
    )
    return 0 if best["start-up"] < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
