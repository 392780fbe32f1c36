"""A max length typed on Tokens that no run takes (0 = no limit) is that page's preview: said so beside the one
training uses, kept through visits to other pages for the session, and given up for a max length chosen since."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from tests.test_pages_train import SFT_ROWS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = {"Tokens": "pages/2_Tokens.py", "Batches": "pages/3_Batches.py", "Train": "pages/4_Train.py"}
BOXES = {"Tokens": "tok_max_length", "Batches": "batch_max_length", "Train": "train_max_length"}


def test_a_preview_only_max_length_outlives_a_visit_until_the_max_length_is_chosen_again(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)

    def visit(where: str) -> int:
        at.switch_page(PAGES[where]).run()
        assert not at.exception, at.exception
        return at.number_input(key=BOXES[where]).value

    def captions() -> list[str]:
        return [c.value for c in at.caption]

    at.run()
    visit("Batches")
    at.number_input(key="batch_max_length").set_value(96).run()  # the max length training uses
    assert visit("Tokens") == 96
    at.number_input(key="tok_max_length").set_value(0).run()  # no limit: this preview's own
    said = "No limit: for this preview only; training cuts at 96."
    assert said in captions()
    assert "for this preview only (kept while you visit other pages)" in at.number_input(key="tok_max_length").help
    for elsewhere in ("Train", "Batches", "Data"):
        if elsewhere == "Data":
            at.switch_page("pages/1_Data.py").run()
        else:
            assert visit(elsewhere) == 96  # what training uses is unchanged by the preview
        assert visit("Tokens") == 0, elsewhere  # the preview comes back (it went back to 96)
        assert said in captions()

    # A max length chosen since, on another page: the last change wins, and the preview is given up.
    at.switch_page(PAGES["Train"]).run()
    at.number_input(key="train_max_length").set_value(256).run()
    assert visit("Tokens") == 256
    assert "Max length (tokens) 256, as set on the Train page." in captions()
    assert visit("Batches") == 256 and visit("Tokens") == 256
