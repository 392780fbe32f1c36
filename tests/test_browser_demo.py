"""What a demo audience sees, in the real app in headless Chromium (issue 19): what AppTest cannot show.

One walk on the tiny model, each step checked where the browser shows it:
- a model name that does not exist: one line in the sidebar with the fix, and the last good model kept;
- a test share of 5 on the Data page: refused by name, Save disabled; after saving, the sidebar names the dataset;
- a Tokens row of 9999: refused by name; the token view's text equals the chat template's text exactly;
- a run stopped ('Stopping…', then 'stopped — resumable') and resumed: its time adds up both parts, the picker's
  icon follows;
- Compare and Evaluate offer that run, not a newer test run on other data; Compare's columns name each preset's
  values and a token's hover card lists the alternatives; Evaluate shows both answers of every row side by side,
  and what fine-tuning cost.

Fixtures and the driver are the real-browser test's (tests/test_browser.py, tests/browser_app.py).
"""

from __future__ import annotations

import re

import pytest

from ftlib import lease, runs, workspace
from ftlib.models import load_tokenizer
from ftlib.templates import get_template, render
from ftlib.testing import make_run
from tests.browser_app import (
    _main,
    click_button,
    evaluate_run,
    generate_compare,
    new_page,
    open_page,
    progress_text,
    rerun_after,
    screenshot,
    select_option,
    set_number,
    start_run,
    use_model,
    wait_progress,
    wait_run_state,
)
from tests.test_browser import (  # noqa: F401
    RUN,
    artefacts_dir,
    browser,
    diagnostics,
    first_step,
    server_workspace,
    start_server,
)

pytestmark = pytest.mark.browser

STOP_STEPS = 12  # stopped mid-way: the test holds the device while it presses Stop


def alert_text(text: str) -> str:
    """An error box's text after its icon: the Material Symbols ligature ui.alerts gives every error box is the word
    "error" in the DOM (aria-hidden; a screen reader hears alerts.CSS's "Error: " instead)."""
    return text.removeprefix("error").strip()


def errors(page) -> list[str]:
    return [alert_text(t) for t in _main(page).locator('[data-testid="stAlertContentError"]').all_inner_texts()]


def token_view_text(page) -> str:
    """The Tokens page's rendered text as the page shows it, with the visible ·/↵/→ markers turned back."""
    shown = _main(page).locator(".ft-text").first.inner_text()
    return shown.replace("↵\n", "\n").replace("↵", "\n").replace("·", " ").replace("→", "\t")


def test_what_a_newcomer_sees_is_what_is_true(browser, start_server, tiny_model_dir, request):  # noqa: F811
    server = start_server()
    page = new_page(browser, server.url)
    shots = artefacts_dir("demo")
    with diagnostics(request, "demo", [page]):
        sidebar = page.locator('[data-testid="stSidebar"]')
        # A bad model name: one line with the fix, the last good model stays.
        box = sidebar.get_by_label("Model", exact=True)
        box.fill("no-such/model")
        rerun_after(page, lambda: box.press("Enter"))
        refusal = alert_text(sidebar.locator('[data-testid="stAlertContentError"]').inner_text())
        assert refusal.startswith("no-such/model cannot be used:") and "Use default" in refusal, refusal
        assert box.input_value() == "default"
        use_model(page, str(tiny_model_dir))

        # Data: a test share of 5 is refused by name and nothing can be saved; 0.1 saves, and the sidebar says so.
        open_page(page, "Data")
        select_option(page, "Sample", "chat_style")
        set_number(page, "Test ratio", 5)
        assert any(e.startswith("Test ratio:") and "between 0 and 1" in e for e in errors(page)), errors(page)
        save = _main(page).get_by_role("button", name="Save split", exact=True)
        assert save.is_disabled()
        screenshot(page, shots, "test-share-refused", full_page=False)
        set_number(page, "Test ratio", 0.1)
        assert not errors(page) and save.is_enabled()
        rerun_after(page, lambda: click_button(page, "Save split"))
        assert "Dataset: chat_style" in sidebar.inner_text()

        # Tokens: row 9999 is refused by name; the token view shows the template's text exactly.
        open_page(page, "Tokens")
        set_number(page, "Row (1 to 153)", 9999)  # rows counted from 1 on screen, as on the Data page
        assert errors(page) == ["Row (1 to 153): 9999 is out of range. Use a number from 1 to 153."]
        set_number(page, "Row (1 to 153)", 4)  # train[3]
        train, _, _ = workspace.load_split("chat_style")
        tokenizer = load_tokenizer(str(tiny_model_dir))
        expected = render(get_template("tokenizer", tokenizer), train[3]["messages"])
        assert token_view_text(page) == expected

        # Train: a run stopped mid-way shows 'Stopping…' and then 'stopped — resumable' (stored as interrupted);
        # resumed, it finishes, and its time adds up both attempts (the parts named), with the picker's icon
        # following each state.
        stopped = "stopped — resumable"
        run_id = start_run(page, STOP_STEPS, **RUN)
        first_step(run_id)
        # The test takes the device once the run has logged its first step and keeps it while it presses Stop: the
        # run, waiting for its next turn, is still 'stopping' when the page shows it, however fast the machine, and
        # stops mid-way (a turn, 0.25 s, of steps at most after the first), where 80 steps were trained to be sure
        # of it. Stop is a button of the runs section's fragment: its click reruns the fragment, not the script.
        with lease.hold("cpu", "generation", "the test"):
            wait_progress(page, 1)
            click_button(page, "Stop")
            assert wait_run_state(page, ("stopping",), timeout=60_000) == "stopping"
            assert _main(page).get_by_role("button", name="Stopping…").count() == 1
        assert wait_run_state(page, (stopped,), timeout=120_000) == stopped
        assert runs.find(run_id).summary().step < STOP_STEPS
        first_part = runs.find(run_id).summary().parts_s
        assert len(first_part) == 1
        rerun_after(page, lambda: click_button(page, "Resume"))
        assert wait_run_state(page, ("finished",), timeout=300_000) == "finished"
        screenshot(page, shots, "train-after-resume")
        info = runs.find(run_id).summary()
        assert len(info.parts_s) == 2 and info.step == STOP_STEPS
        text = progress_text(page)
        parts = re.search(
            r"(\d+:\d\d:\d\d) in all \((\d+:\d\d:\d\d) before the stop \+ (\d+:\d\d:\d\d) after resuming\)", text
        )
        assert parts, text

        def seconds(hms: str) -> int:
            h, m, s = map(int, hms.split(":"))
            return 3600 * h + 60 * m + s

        total, one, two = map(seconds, parts.groups())
        assert abs(total - (one + two)) <= 1 and one >= 1  # the whole run's time, not the resumed part only
        picked = _main(page).get_by_role("combobox", name="Run", exact=True).input_value()
        assert picked.startswith("✅ lora · chat_style"), picked  # the picker's icon follows the state

        # A newer two-step test run on another dataset: Compare and Evaluate still offer the real one first.
        finished = runs.find(run_id)
        make_run(
            "20990101-000000-lora-numbers",
            {"model": str(tiny_model_dir), "dataset": "numbers"},
            adapter=finished.adapter_dir,
            metrics=[{"kind": "train", "step": s, "loss": 9.0} for s in (1, 2)],
        )
        open_page(page, "Compare")
        chips = _main(page).locator('[data-testid="stMultiSelect"]').first.inner_text()
        assert "lora · chat_style" in chips and f"{STOP_STEPS} steps" in chips and "numbers" not in chips, chips
        # Each cell's answer at its least, 8 new tokens (the slider's Home): what is checked below is the grid's
        # shape, its headers and one token's hover card; 3 x 2 answers of 96 tokens with their cards took ~12 s.
        rerun_after(page, lambda: _main(page).get_by_role("slider", name="Max new tokens").press("Home"))
        grid = generate_compare(page)
        assert list(grid) == ["base", run_id] and all(len(cells) == 3 for cells in grid.values())
        headers = _main(page).get_by_text("temperature 0.7 · top-k off · top-p 0.9")
        assert headers.count() == 1  # the 'balanced' column names its values
        token = _main(page).locator(".ftgen .tok:visible").first
        token.hover()
        card = token.locator(".card")
        card.wait_for(state="visible")
        assert card.inner_text().startswith("model ") and card.locator(".alt").count() >= 2
        screenshot(page, shots, "compare-hover-card", full_page=False)

        open_page(page, "Evaluate")
        chosen = _main(page).get_by_role("combobox", name="Run", exact=True).input_value()
        assert chosen.startswith("lora · chat_style") and f"{STOP_STEPS} steps · last step's loss" in chosen, chosen
        evaluate_run(page, 2)
        main = _main(page)
        # Each row: its prompt, then the reference, the base and the tuned answer next to each other, with losses.
        # Its place in the file beside its number where the split kept it ("(line 12 of chat_style.jsonl)").
        assert main.get_by_text(re.compile(r"^Held-out row \d+( \(line \d+ of [^)]+\))? · the prompt$")).count() == 2
        for header in (
            r"Reference answer \(the test split's\)",
            r"Base model · loss \d+\.\d{3}",
            r"Tuned model · loss .*",
        ):
            assert main.get_by_text(re.compile(f"^{header}$")).count() == 2, header
        rerun_after(page, lambda: click_button(page, "Measure what it cost"))
        _main(page).get_by_text("Everyday loss, tuned").wait_for(timeout=300_000)
        assert _main(page).get_by_text("everyday questions unrelated to your data").count() >= 1
        screenshot(page, shots, "evaluate")
