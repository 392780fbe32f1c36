"""Drive the real app in headless Chromium: start the Streamlit server, open pages, fill the forms, take screenshots.

Shared by the real-browser tests (tests/test_browser.py) and the README screenshot script (bench/screenshots.py),
so both click through the app the same way. Chromium is Debian's (/usr/bin/chromium); nothing is downloaded.

    server = StreamlitServer(workspace, port=free_port(), env={"FTLIB_MODEL_DIRS": "/models"}).start()
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = new_page(browser, server.url)
        use_model(page, "/models/tiny")
        load_sample_and_split(page, "chat_style")
        ...
    server.stop()

Waiting: Streamlit reruns the script after every interaction. A helper that clicks waits until the server has
finished a rerun for the page since the click (counted from the page's websocket), then until `stApp`'s
`data-test-script-state` says "notRunning"; every helper waits for the content it expects, never for a fixed
time. Not known here: what the pages compute (that is ftlib) or what a test asserts.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# No sandbox (often root in CI), no GPU, and nothing that phones home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
PAGES = ("Home", "Data", "Tokens", "Batches", "Train", "Compare", "Evaluate")
# Titles as the pages draw them (some carry an emoji).
TITLES = {
    "Home": "Fine-tuning studio",
    "Data": "Data",
    "Tokens": "Tokens",
    "Batches": "Batches",
    "Train": "Train",
    "Compare": "Compare",
    "Evaluate": "Evaluate",
}
EXCEPTION = '[data-testid="stException"]'
LOAD_TIMEOUT_MS = 120_000  # the first page that loads torch and a tokenizer takes a while on 2 CPU cores
STEP_TIMEOUT_MS = 60_000
MAX_SHOT_HEIGHT = 16_000  # pixels; a full-page screenshot taller than this is cut


# ---------------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` in its own process group on a localhost port, logging to `log_path`."""

    def __init__(
        self, workspace: Path, port: int | None = None, env: dict[str, str] | None = None, log_path: Path | None = None
    ):
        self.workspace = Path(workspace)
        self.port = port or free_port()
        self.env = dict(env or {})
        self.log_path = Path(log_path or self.workspace.parent / f"streamlit-{self.port}.log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The app's address: at the sub-path `STREAMLIT_SERVER_BASE_URL_PATH` names, if the server's env sets one."""
        base = self.env.get("STREAMLIT_SERVER_BASE_URL_PATH", "").strip("/")
        return f"http://localhost:{self.port}" + (f"/{base}" if base else "")

    def start(self, timeout: float = 90.0) -> StreamlitServer:
        env = dict(os.environ, FTLIB_WORKSPACE=str(self.workspace), **self.env)
        env.setdefault("FTLIB_HOME", "/tmp/fthome")
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
        ]
        with open(self.log_path, "ab") as log:
            # Its own session, so stop() can take down the server and anything it forked, and nothing else.
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Streamlit exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling a socket, not waiting on the UI
        raise TimeoutError(f"Streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the server's process group (a crash, not a shutdown). Training runs live in their own sessions."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None

    def log(self, last_chars: int = 20_000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-last_chars:]
        except OSError:
            return "(no server log)"


def stop_runs(workspace: Path) -> list[int]:
    """Kill the training processes still running in `workspace` (they live in their own sessions, so stopping
    the server leaves them); returns their pids."""
    killed = []
    for status in Path(workspace).glob("runs/*/status.json"):
        try:
            pid = int(json.loads(status.read_text(encoding="utf-8")).get("pid") or 0)
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace") if pid else ""
        except (OSError, ValueError):
            continue
        if str(status.parent) in cmdline:  # ours, not a recycled pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # the run is its own session leader: its group is its children
                killed.append(pid)
    return killed


# ---------------------------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------------------------


def launch_chromium(playwright, **kwargs):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **kwargs)


# Counts the script runs the server has finished for a page, so a helper can wait for the rerun its own click
# caused. Read from the websocket, not the DOM: a busy Chromium may handle "script started" and "script finished"
# in one React batch, so `data-test-script-state` never shows "running" for a quick run (this missed a rerun
# in CI). Only whole-script runs count: fragment reruns (the Train page's live view) and runs cut short for a
# newer rerun do not.
_FINISHED_RUNS = weakref.WeakKeyDictionary()


# What each page's connection did, for a failure report: websockets opened and closed, sessions begun, script runs
# finished, a crashed tab (an 8-session test twice found two pages without their grid and could not say why).
_WIRE = weakref.WeakKeyDictionary()


class _Wire:
    """One page's story with times: websockets, script runs, navigations, errors of the page's own code, console
    errors and warnings, failed requests. A polling fragment (Compare's grid, the Train page's live view) finishes a
    run every half second, and a disconnected page repeats its complaint as often: those are counted, not listed,
    so the rare events stay in view."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.events: collections.deque[str] = collections.deque(maxlen=60)
        self.fragment_runs, self.last_fragment, self.run_begun, self.last_message = 0, 0.0, 0.0, 0.0
        # Which side went quiet when a page stops updating: the browser's timed fragment reruns asked for since the
        # server's last message (a page whose timer died asks for none; a server ignoring them gets them), and the
        # fragment the server last told the browser to poll.
        self.asked_since, self.last_asked, self.polled_fragment = 0, "", ""
        self.fragment_total = 0  # fragment runs finished since the page opened (fragment_runs counts since a note)
        self.last_event, self.repeats, self.last_repeat = "", 0, 0.0
        self.page_errors: list[str] = []  # uncaught errors of the page's own code (Streamlit's browser side)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def note(self, event: str) -> None:
        if event == self.last_event:  # a message repeated on a timer: counted, not listed
            self.repeats, self.last_repeat = self.repeats + 1, self.elapsed()
            return
        self._flush()
        self.last_event = event
        self.events.append(f"{self.elapsed():7.1f}s {event}")

    def page_error(self, error) -> None:
        self.page_errors.append(str(error))
        self.note(f"page error: {error}"[:300])

    def begun(self) -> None:  # a new_session message: every script run, fragment runs included, starts with one
        self.run_begun = self.elapsed()

    def finished(self, status: str) -> None:
        if status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
            self.fragment_total += 1
            self._flush_repeats()
            self.fragment_runs, self.last_fragment, self.last_event = self.fragment_runs + 1, self.elapsed(), ""
        else:
            self.note(f"script run begun at {self.run_begun:.1f}s finished: {status}")

    def _flush_repeats(self) -> None:
        if self.repeats:
            self.events.append(f"{self.last_repeat:7.1f}s ... the line above {self.repeats} more time(s)")
            self.repeats = 0

    def _flush(self) -> None:
        self._flush_repeats()
        if self.fragment_runs:
            self.events.append(f"{self.last_fragment:7.1f}s ... {self.fragment_runs} fragment run(s) finished")
            self.fragment_runs = 0

    def asked(self, fragment_id: str, auto: bool) -> None:
        self.asked_since += 1
        what = fragment_id or "the whole script"
        self.last_asked = f"{'timed' if auto else 'a'} rerun of {what} at {self.elapsed():.1f}s"

    def lines(self) -> list[str]:
        self._flush()
        last = f", the last a {self.last_asked}" if self.asked_since else ""
        return [
            *self.events,
            f"{self.elapsed():7.1f}s (now; the last message from the server at {self.last_message:.1f}s; since then "
            f"the browser asked for {self.asked_since} rerun(s){last}; the server last set a timer on fragment "
            f"{self.polled_fragment or '(none)'})",
        ]


def _count_finished_runs(page) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    counted = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
    _FINISHED_RUNS[page] = 0
    wire = _WIRE[page] = _Wire()

    def on_frame(payload) -> None:
        if not isinstance(payload, bytes):
            return
        wire.last_message, wire.asked_since = wire.elapsed(), 0
        message = ForwardMsg.FromString(payload)
        kind = message.WhichOneof("type")
        if kind == "auto_rerun":
            wire.polled_fragment = f"{message.auto_rerun.fragment_id} every {message.auto_rerun.interval:g} s"
        if kind == "script_finished":
            wire.finished(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished))
            if message.script_finished in counted:
                _FINISHED_RUNS[page] += 1
        elif kind == "new_session":
            wire.begun()

    def on_sent(payload) -> None:
        if not isinstance(payload, bytes):
            return
        with contextlib.suppress(Exception):  # a message this reader does not know: not a rerun
            message = BackMsg.FromString(payload)
            if message.WhichOneof("type") == "rerun_script":
                wire.asked(message.rerun_script.fragment_id, message.rerun_script.is_auto_rerun)

    def on_socket(socket) -> None:
        wire.note(f"websocket open {socket.url}")
        socket.on("framereceived", on_frame)
        socket.on("framesent", on_sent)
        socket.on("close", lambda _socket: wire.note("websocket closed"))

    # A reconnect (server restart) opens a new websocket; each one is counted.
    page.on("websocket", on_socket)
    page.on("crash", lambda _page: wire.note("the tab crashed"))
    # A reload or navigation, a script error, a failed request: what else can leave a page blank or stuck.
    page.on("framenavigated", lambda frame: frame == page.main_frame and wire.note(f"navigated to {frame.url}"))
    page.on("pageerror", wire.page_error)
    page.on(
        "console", lambda msg: msg.type in ("error", "warning") and wire.note(f"console {msg.type}: {msg.text}"[:300])
    )
    page.on("requestfailed", lambda request: wire.note(f"request failed: {request.url} {request.failure}"[:300]))


def wire_log(page) -> str:
    """The page's connection events (see _WIRE) and the app's connection and script state attributes now."""
    wire = _WIRE.get(page)
    lines = wire.lines() if wire is not None else []
    try:
        app = page.locator('[data-testid="stApp"]')
        lines.append(
            f"now: connection {app.get_attribute('data-test-connection-state', timeout=2_000)}, "
            f"script {app.get_attribute('data-test-script-state', timeout=2_000)}"
        )
    except Exception as error:  # a crashed or closed tab: say so rather than fail the report
        lines.append(f"now: unreadable ({type(error).__name__})")
    return "\n".join(lines)


def finished_runs(page) -> int:
    """How many whole-script runs the server has finished for this page so far."""
    return _FINISHED_RUNS[page]


def blank_page(browser, **context_kwargs):
    """A page in a fresh browser context: its own cookies, so its own Streamlit session."""
    context = browser.new_context(viewport=VIEWPORT, **context_kwargs)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    _count_finished_runs(page)
    return page


def page_url(base_url: str, name: str) -> str:
    return f"{base_url}/{'' if name == 'Home' else name}"


def new_page(browser, url: str, **context_kwargs):
    """A fresh browser context (its own Streamlit session) on the app's home page."""
    page = blank_page(browser, **context_kwargs)
    page.goto(url)
    wait_for_title(page, "Home", LOAD_TIMEOUT_MS)
    return page


def wait_idle(page, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Wait until the script rerun has ended (the app is connected and not running)."""
    page.locator(
        '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
    ).wait_for(timeout=timeout)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout)


def rerun_after(page, action, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Do `action` (a click, an Enter) and wait until the rerun it causes has started and ended."""
    before = finished_runs(page)
    action()
    deadline = time.monotonic() + timeout / 1000
    while finished_runs(page) <= before:
        if time.monotonic() > deadline:
            raise AssertionError(f"No rerun of the script finished within {timeout / 1000:.0f} s of the action")
        page.wait_for_timeout(50)  # lets Playwright deliver the websocket frames to the counter
    wait_idle(page, timeout)


def _main(page):
    return page.locator('[data-testid="stMain"]')


def wait_for_title(page, name: str, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Wait until the page shows its title and the script is idle; an exception box instead fails at once."""
    title = _main(page).locator("h1").filter(has_text=TITLES[name]).first
    title.or_(page.locator(EXCEPTION).first).wait_for(timeout=timeout)
    wait_idle(page, timeout)
    if page.locator(EXCEPTION).count():
        raise AssertionError(f"The {name} page shows an exception: {exceptions(page)}")
    if not title.is_visible():
        raise AssertionError(f"The {name} page has no title {TITLES[name]!r}")


def open_page(page, name: str, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Click the page in the sidebar navigation (the session and its state stay) and wait until it is drawn."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=re.compile(rf"\b{name}$")).click()
    wait_for_title(page, name, timeout)


def exceptions(page) -> list[str]:
    """Texts of the Streamlit exception boxes on the page (empty when all is well)."""
    return page.locator(EXCEPTION).all_inner_texts()


def screenshot(page, folder: Path | None, name: str, full_page: bool = True) -> Path | None:
    """Save `<folder>/<name>.png` (nothing when `folder` is None); `full_page` captures the whole scrolled page."""
    if folder is None:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.lower()}.png"
    if not full_page:
        page.screenshot(path=str(path))
        return path
    # Streamlit scrolls inside stMain, not the document, so Chromium's full_page sees one screen: grow the
    # viewport to the content's height for the shot, then put it back.
    size = page.viewport_size
    height = page.locator('[data-testid="stMain"]').evaluate("el => el.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), MAX_SHOT_HEIGHT)})
    try:
        wait_idle(page)
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Steps through the app
# ---------------------------------------------------------------------------------------------------------------


def use_model(page, spec: str) -> None:
    """Type the model into the sidebar box (Enter commits it) and check that the app accepted it. A new session
    starts from the model last chosen in the workspace, so the box may hold it already: read once it shows a value
    (a new session's box reads '' for a moment after its first run; typed over, Enter on the value the session
    already has started no rerun, and the wait for one cost 20 s, twice a test)."""
    from playwright.sync_api import expect

    wait_idle(page)
    box = page.locator('[data-testid="stSidebar"]').get_by_label("Model", exact=True)
    expect(box).not_to_have_value("", timeout=LOAD_TIMEOUT_MS)  # the box is never empty once drawn ("default")
    if box.input_value() != spec:
        box.fill(spec)
        try:
            rerun_after(page, lambda: box.press("Enter"), timeout=20_000)
        except AssertionError:
            # The session may hold `spec` already (the remembered model) while the box read something else for a
            # moment: Enter on the session's own value starts no rerun. Anything else still fails below.
            if box.input_value() != spec:
                raise
        wait_idle(page)
    errors = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentError"]').all_inner_texts()
    if errors:
        raise AssertionError(f"The app refused the model {spec!r}: {errors}")
    if box.input_value() != spec:
        raise AssertionError(f"The model box shows {box.input_value()!r}, not {spec!r}")


def _centre(page, element, frames: int = 50) -> None:
    """Scroll `element` to the middle of the screen at once (not the page's smooth scroll), and wait until it stays
    there: a box just opened in an expander moves while the expander grows."""
    last = None
    for _ in range(frames):
        element.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")
        top = element.bounding_box()["y"]
        if last is not None and abs(top - last) < 1:
            return
        last = top
        page.wait_for_timeout(50)


def select_option(page, label: str, option: str, attempts: int = 4) -> None:
    """Pick `option` in the selectbox labelled `label` (a combobox with a listbox, not a native <select>)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = (
        _main(page)
        .locator('[data-testid="stSelectbox"]')
        .filter(has=page.get_by_role("combobox", name=label, exact=True))
    )
    if box.get_by_role("combobox").input_value() == option:
        return  # already chosen: picking it again would not rerun the script
    choice = page.get_by_role("listbox").get_by_role("option", name=option, exact=True)

    def open_and_pick() -> None:
        for attempt in range(attempts):
            # The list closes when the page scrolls or moves under it (a fragment's timed rerun can do that too,
            # even after the option showed), and Playwright scrolls to reach an option below the fold: centre
            # the box first, and retry the whole open-and-click. The Open button lists every option (typing
            # would filter them). Centred by the page's own smooth scroll, the box was still moving when the
            # button was clicked, and Train's Device (just shown in its expander) opened no list: every first try
            # waited out its 5 s, in 6 browser tests. A list shows within a second: the first try waits 2 s, the
            # others 5 s each, as every try did.
            _centre(page, box)
            box.get_by_role("button", name="Open").click()
            try:
                choice.click(timeout=2_000 if attempt == 0 else 5_000)
                return
            except PlaywrightTimeout:
                if attempt == attempts - 1:
                    raise
                page.keyboard.press("Escape")

    rerun_after(page, open_and_pick)


def set_number(page, label: str, value) -> None:
    """Type a value into a number input; Enter commits it and reruns the script."""
    box = _main(page).get_by_label(label, exact=True)
    if box.input_value() == str(value):
        return  # unchanged: Enter would not rerun the script
    box.fill(str(value))
    rerun_after(page, lambda: box.press("Enter"))


def click_button(page, name: str) -> None:
    _main(page).get_by_role("button", name=name, exact=True).click()


def load_sample_and_split(page, sample: str = "chat_style", split_name: str | None = None) -> str:
    """On the Data page: pick a shipped sample, save a train/test split; returns the split's name."""
    open_page(page, "Data")
    select_option(page, "Sample", sample)
    main = _main(page)
    main.get_by_text("Valid rows").first.wait_for()
    if split_name:
        box = main.get_by_label("Name of the saved split", exact=True)
        box.fill(split_name)
        rerun_after(page, lambda: box.press("Enter"))
    rerun_after(page, lambda: click_button(page, "Save split"))
    saved = main.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Saved")
    return re.search(r"Saved (\S+):", saved.inner_text()).group(1)


def token_pills(page) -> dict[str, list[str]]:
    """The Tokens page's pills by kind (trained, masked, special), each as its shown text (spaces as ·).

    Only the token view counts: the legend above it shows one sample pill of each kind.
    """
    view = _main(page).locator(".ft-wrap:not(.ft-legend)").first
    view.wait_for()
    return {kind: view.locator(f".ft-tok.ft-{kind}").all_inner_texts() for kind in ("trained", "masked", "special")}


def open_expander(page, label: str) -> None:
    summary = _main(page).locator('[data-testid="stExpander"] summary').filter(has_text=label).first
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()
        summary.locator("xpath=..").and_(page.locator("details[open]")).wait_for()


def start_run(
    page, max_steps: int, batch_size: int = 2, max_length: int | None = None, device: str | None = None
) -> str:
    """On the Train page: a LoRA run with these settings, started with the button; returns its run id."""
    open_page(page, "Train")
    main = _main(page)
    if not main.get_by_role("radio", name="LoRA", exact=True).is_checked():
        rerun_after(page, main.get_by_role("radiogroup").first.get_by_text("LoRA", exact=True).click)
    set_number(page, "Batch size", batch_size)
    set_number(page, "Max steps (0 = use epochs)", max_steps)
    if max_length is not None:
        set_number(page, "Max length (tokens)", max_length)
    if device is not None:
        open_expander(page, "More settings")
        select_option(page, "Device", device)
    heading = run_heading(page)
    earlier = heading.locator("code").inner_text() if heading.count() else None
    rerun_after(page, lambda: click_button(page, "Start training"))
    # The page selects the new run; until its rerun lands the heading may still name the earlier one.
    new = heading.filter(has_not_text=earlier) if earlier else heading
    new.wait_for()
    wait_idle(page)
    return new.locator("code").inner_text()


def start_grpo_run(
    page, rewards: str, max_steps: int, batch_size: int = 2, answer_tokens: int = 8, before_start=None
) -> str:
    """On the Train page, with a split of prompts active: a GRPO run with these rewards (JSON text), started with
    the button (`before_start()` first, once the form is filled); returns its run id."""
    open_page(page, "Train")
    main = _main(page)
    box = main.get_by_label("Rewards (a JSON or YAML list)", exact=True)
    box.fill(rewards)
    rerun_after(page, lambda: box.press("Control+Enter"))  # a text area commits on Ctrl+Enter
    set_number(page, "Answers per prompt", 2)
    set_number(page, "Max answer length (tokens)", answer_tokens)
    set_number(page, "Batch size", batch_size)
    set_number(page, "Max steps (0 = use epochs)", max_steps)
    open_expander(page, "More settings")
    select_option(page, "Device", "cpu")
    if before_start is not None:
        before_start()
    rerun_after(page, lambda: click_button(page, "Start training"))
    run_heading(page).wait_for()
    wait_idle(page)
    return run_heading(page).locator("code").inner_text()


def preview_rewards(page, timeout: float = 120_000) -> None:
    """On the Train page's GRPO form: press "Preview the rewards" and wait for the preview; then the button is back
    and the page has stopped polling (no fragment run for two poll periods)."""
    rerun_after(page, lambda: click_button(page, "Preview the rewards"))
    _main(page).get_by_text("Answers are sampled at temperature").first.wait_for(timeout=timeout)
    wait_idle(page, timeout)
    button = _main(page).get_by_role("button", name="Preview the rewards", exact=True)
    deadline = time.monotonic() + timeout / 1000
    while not button.is_enabled():  # the page's one rerun after the preview brings it back
        assert time.monotonic() < deadline, f"the Preview button stayed disabled after the preview:\n{wire_log(page)}"
        page.wait_for_timeout(100)
    wire = _WIRE[page]
    before = wire.fragment_total
    page.wait_for_timeout(2_500)
    assert wire.fragment_total == before, f"the finished preview still polls:\n{wire_log(page)}"


def answers_step(page, after: int = 0, timeout: float = 300_000) -> int:
    """Wait until the Train page's live table of GRPO's answers shows a step above `after`; returns that step."""
    handle = page.wait_for_function(
        r"""(after) => {
        const heads = [...document.querySelectorAll('[data-testid="stMain"] h4')];
        const head = heads.find((h) => /Latest answers \(step \d+\)/.test(h.innerText));
        const step = head ? Number(head.innerText.match(/step (\d+)/)[1]) : 0;
        return step > after ? step : false;
    }""",
        arg=after,
        timeout=timeout,
    )
    return int(handle.json_value())


def run_heading(page):
    """The '#### <icon> `run id` — state' line of the selected run on the Train page."""
    return _main(page).locator("h4").filter(has=page.locator("code")).filter(has_text=" — ")


def run_state(page) -> str:
    # After the first dash: a stopped run's state reads "stopped — resumable".
    return run_heading(page).inner_text().split("—", 1)[-1].strip()


def wait_run_state(page, states: tuple[str, ...] = ("finished",), timeout: float = 300_000) -> str:
    """Wait until the selected run's heading shows one of `states` (the page polls by itself every 2 s)."""
    pattern = re.compile("— (" + "|".join(map(re.escape, states)) + ")$")
    run_heading(page).filter(has_text=pattern).wait_for(timeout=timeout)
    wait_idle(page)
    return run_state(page)


def wait_progress(page, step: int, timeout: float = 300_000) -> None:
    """Wait until the Train page's progress bar reads 'step N of ...' with N >= `step` (the run is training)."""
    page.wait_for_function(
        """(step) => {
        const bar = document.querySelector('[data-testid="stMain"] [data-testid="stProgress"]');
        const shown = bar && bar.innerText.match(/step (\\d+) of/);
        return shown !== null && Number(shown[1]) >= step;
    }""",
        arg=step,
        timeout=timeout,
    )


def progress_text(page, timeout: float = 30_000) -> str:
    """The progress bar's text on the Train page: 'step N of M · ...'.

    Read in the page, once the bar has text: the page's own 2 s poll redraws the bar, and a read in the middle
    of a redraw saw it empty (a restart test failed on '' while its screenshot showed 'step 20 of 20').
    """
    handle = page.wait_for_function(
        """() => {
        const bar = document.querySelector('[data-testid="stMain"] [data-testid="stProgress"]');
        const text = bar ? bar.innerText.trim() : "";
        return text.length > 0 ? text : false;
    }""",
        timeout=timeout,
    )
    return handle.json_value()


def generate_compare(page, timeout: float = 300_000) -> dict[str, list[str]]:
    """On the Compare page: press Generate and wait for the whole grid; returns row (model) name -> cell texts.

    A cell's text is its tokens' text, or "" for a cell that has none; the end markers are left out.
    """
    press_generate(page, timeout)
    return wait_grid(page, timeout)


def press_generate(page, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """On the Compare page: press Generate; the grid fills in the background (see `wait_grid`)."""
    rerun_after(page, lambda: click_button(page, "Generate"), timeout)


def waiting_position(page, timeout: float = LOAD_TIMEOUT_MS) -> int:
    """The position in line the page shows while its work waits for the device ('... position N in line ...')."""
    handle = page.wait_for_function(
        """() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const found = main && main.innerText.match(/position (\\d+) in line/);
        return found ? Number(found[1]) : false;
    }""",
        timeout=timeout,
    )
    return handle.json_value()


STALLED_S = 60.0  # seconds without a message from the server after which a polling page has stalled


def wait_grid(page, timeout: float = 300_000) -> dict[str, list[str]]:
    """On the Compare page, after Generate: wait until the grid is whole; returns row name -> cell texts."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    main = _main(page)
    # An exception box instead of the grid fails at once, with its text; so does an error that stopped the page's
    # own code (Streamlit's browser side then disconnects for good: the grid would never come).
    deadline = time.monotonic() + timeout / 1000
    while True:
        if _WIRE[page].page_errors:
            raise AssertionError(f"The Compare page's code stopped with an error: {_WIRE[page].page_errors}")
        try:
            main.locator(".ftgen").first.or_(page.locator(EXCEPTION).first).wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
    if page.locator(EXCEPTION).count():
        raise AssertionError(f"The Compare page shows an exception: {exceptions(page)}")
    # The Stop button exists only while the job runs; the script reruns once when it ends. While it runs the grid
    # polls twice a second: a page the server has said nothing to for a minute has stalled, and fails now.
    stop = main.get_by_role("button", name="Stop", exact=True)
    while True:
        try:
            stop.wait_for(state="detached", timeout=5_000)
            break
        except PlaywrightTimeout:
            wire = _WIRE[page]
            if wire.elapsed() - wire.last_message > STALLED_S:
                raise AssertionError(
                    f"The Compare page stalled with its Stop button shown:\n{wire_log(page)}"
                ) from None
            if time.monotonic() > deadline:
                raise
    wait_idle(page, timeout)
    rows: dict[str, list[str]] = {}
    cells = main.locator(".ftgen[data-model]")
    for i in range(cells.count()):
        cell = cells.nth(i)
        # Each token's own text is its span's first text node; its hover card (hidden until hovered) follows it. A line
        # break is drawn as ↵ before it (ui.compare_view.answer_html): the text is the model's, without the mark.
        texts = cell.locator("span.tok").evaluate_all(
            "els => els.map(e => e.firstChild && e.firstChild.nodeType === 3"
            " ? e.firstChild.textContent.replaceAll('↵\\n', '\\n') : '')"
        )
        rows.setdefault(cell.get_attribute("data-model"), []).append("".join(texts))
    return rows


def evaluate_run(page, rows: int, timeout: float = 300_000) -> dict[str, str]:
    """On the Evaluate page: score `rows` held-out rows with base and tuned; returns the metrics shown."""
    set_number(page, "Rows to evaluate", rows)
    rerun_after(page, lambda: click_button(page, "Evaluate"), timeout)
    main = _main(page)
    main.locator("h3").filter(has_text="Side by side").wait_for(timeout=timeout)
    wait_idle(page, timeout)
    metrics = main.locator('[data-testid="stMetric"]')
    return {
        metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip(): metrics.nth(i)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
        .strip()
        for i in range(metrics.count())
    }


def metrics_shown(page) -> dict[str, str]:
    """Every metric on the page: label -> value (those in a closed expander read as '')."""
    metrics = _main(page).locator('[data-testid="stMetric"]')
    return {
        metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip(): metrics.nth(i)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
        .strip()
        for i in range(metrics.count())
    }


def measure_cost(page, timeout: float = 300_000) -> dict[str, str]:
    """On the Evaluate page, after an evaluation: measure what fine-tuning cost; returns the metrics shown."""
    rerun_after(page, lambda: click_button(page, "Measure what it cost"), timeout)
    _main(page).get_by_text("Everyday loss, tuned").wait_for(timeout=timeout)
    wait_idle(page, timeout)
    return metrics_shown(page)


# ---------------------------------------------------------------------------------------------------------------
# The whole path, as a newcomer walks it
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TourSettings:
    """What the tour picks: the model, a shipped sample, and a short LoRA run."""

    model: str = "default"
    sample: str = "chat_style"
    max_steps: int = 5
    batch_size: int = 2
    max_length: int | None = None  # None: the form's default
    device: str | None = None  # None: the form's default (auto)
    evaluate_rows: int = 0  # 0: only visit the Evaluate page
    full_page: bool = True  # screenshots of the whole page, or of the first screen


@dataclass
class TourResult:
    """What the tour saw on each page, for the caller to check."""

    home_text: str = ""
    split: str = ""
    tokens: dict[str, list[str]] = field(default_factory=dict)
    run_id: str = ""
    run_state: str = ""
    run_progress: str = ""
    compare: dict[str, list[str]] = field(default_factory=dict)
    evaluate: dict[str, str] = field(default_factory=dict)
    cost: dict[str, str] = field(default_factory=dict)  # the metrics once what fine-tuning cost is measured
    exceptions: dict[str, list[str]] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)


def tour(page, settings: TourSettings, shots: Path | None = None) -> TourResult:
    """Home -> Data (sample, split) -> Tokens -> Batches -> Train (a run, to the end) -> Compare -> Evaluate.

    Starts on a fresh page (see new_page); takes a screenshot of every page into `shots` when given.
    """
    seen = TourResult()

    def shoot(name: str) -> None:
        seen.exceptions[name] = exceptions(page)
        shot = screenshot(page, shots, name, full_page=settings.full_page)
        if shot:
            seen.screenshots.append(shot)

    use_model(page, settings.model)
    seen.home_text = _main(page).inner_text()
    shoot("Home")
    seen.split = load_sample_and_split(page, settings.sample)
    shoot("Data")
    open_page(page, "Tokens")
    seen.tokens = token_pills(page)
    shoot("Tokens")
    open_page(page, "Batches")
    shoot("Batches")
    seen.run_id = start_run(page, settings.max_steps, settings.batch_size, settings.max_length, settings.device)
    seen.run_state = wait_run_state(page, ("finished", "failed", "interrupted", "stopped — resumable"))
    seen.run_progress = progress_text(page)
    shoot("Train")
    open_page(page, "Compare")
    seen.compare = generate_compare(page)
    shoot("Compare")
    open_page(page, "Evaluate")
    if settings.evaluate_rows:
        seen.evaluate = evaluate_run(page, settings.evaluate_rows)
        seen.cost = measure_cost(page)
    shoot("Evaluate")
    return seen


# ---------------------------------------------------------------------------------------------------------------
# Many users at once
# ---------------------------------------------------------------------------------------------------------------


def open_at_once(browser, url: str, names: list[str], timeout: float = LOAD_TIMEOUT_MS * 2, on_requested=None) -> list:
    """One new browser context per name, all loading their page (by URL) at the same time; returns the pages.

    Each page is waited for only after every one has been asked for, so the server serves them concurrently;
    `on_requested()` is called at that moment.
    """
    pages = []
    for name in names:
        page = blank_page(browser)
        page.goto(page_url(url, name), wait_until="commit")
        pages.append(page)
    if on_requested is not None:
        on_requested()
    for name, page in zip(names, pages, strict=True):
        wait_for_title(page, name, timeout)
    return pages
