"""Evaluate says it will score nothing before it loads anything (helper 137, from a newcomer's walk).

The walk: an OpenAI-style file of tool-calling chats, trained with the Hermes template at max length 256, so every
held-out row's last reply begins past the cut. The Train page's pre-flight warned "Evaluate will have nothing to
score"; the Evaluate page drew its button as for any run, and pressing it loaded both models (tens of seconds on a
CPU) before refusing, without a word of *Answer at: the first reply*, which did score rows. Now the page and the CLI
say it first, with a tokenizer only, by the same rule (`references.nothing_scored` over `references_past`), naming
the rows, the *Answer at* that scores some (computed), and the max length a new run needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib import workspace
from ftlib.references import nothing_scored
from ftlib.testing import make_random_adapter, make_run
from ftlib.training import run_template
from tests.test_preflight_final_replies import TEST, TRAIN, WALK_CUT, config, places

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "20260101-000000-lora-convert"
NONE = f"None of the 3 test rows can be evaluated at the run's max length of {WALK_CUT} tokens: "


@pytest.fixture
def walk_run(tiny_model_dir, tmp_path):
    """The walk's run: its held-out rows' last replies all begin past its max length."""
    workspace.save_split("convert", TRAIN, TEST, {"format": "messages"})
    adapter = make_random_adapter(str(tiny_model_dir), tmp_path / "adapter" / "adapter", seed=1)
    settings = {"model": str(tiny_model_dir), "dataset": "convert", "template": "hermes", "method": "lora"}
    return make_run(RUN_ID, {**settings, "max_length": WALK_CUT}, adapter=adapter).path


def test_the_rule_names_the_rows_another_answer_at_and_the_length(tiny_model_dir, smol_tokenizer):
    where = places(TEST, smol_tokenizer, tiny_model_dir)
    assert min(where["final_start"]) > WALK_CUT  # the walk's shape holds: every last reply begins past the cut
    template = run_template(config(tiny_model_dir, WALK_CUT), smol_tokenizer)
    said = nothing_scored(TEST, smol_tokenizer, template, WALK_CUT)
    last = "the reference answer (the last reply) of each of the 3 test rows (test rows 1, 2, 3) begins after it"
    assert said.startswith(NONE + last), said
    assert " Answer at the first reply (`--answer-at first`): 3 rows can be scored. Or train a new run " in said
    assert f"with a max length of at least {max(where['length'])} tokens, which keeps them whole." in said
    # Answered at the first reply (or at every reply, which begins with it) something is scored: nothing to refuse.
    assert nothing_scored(TEST, smol_tokenizer, template, WALK_CUT, "first") is None
    assert nothing_scored(TEST, smol_tokenizer, template, WALK_CUT, "every") is None
    assert nothing_scored(TEST, smol_tokenizer, template, WALK_CUT, split_long=True) is None  # bfd_split: in pieces
    # Even the first reply past the cut: no other choice scores, and none is offered.
    early = min(where["final_start"]) // 4
    said = nothing_scored(TEST, smol_tokenizer, template, early, "first")
    assert said.startswith(f"None of the 3 test rows can be evaluated at the run's max length of {early} tokens")
    assert "Answer at" not in said and " Train a new run with a max length of at least " in said


def test_the_cli_refuses_before_loading_a_model(walk_run, no_model, capsys):
    from ftlib.cli import main

    assert main(["evaluate", RUN_ID]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: " + NONE) and err.count("\n") == 1, err
    assert "Answer at the first reply (`--answer-at first`): 3 rows can be scored." in err, err


def test_the_page_says_it_before_the_button_loads_anything(walk_run, no_model, tiny_model_dir):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith(NONE) and "Answer at the first reply (**Answer at** above): 3 rows" in e for e in errors)
    assert next(b for b in at.button if b.label == "Evaluate").disabled
    assert not [i.value for i in at.info if i.value.startswith("Press **Evaluate**")]
    # The choice it names scores rows: the refusal goes and the button comes back.
    next(r for r in at.radio if r.label == "Answer at").set_value("first").run()
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert not next(b for b in at.button if b.label == "Evaluate").disabled
