"""A bfd_split run's words: its later pieces are trained, all but each one's first token (TRL's collator masks a
packed sequence's position 0), so no word says "every token trained" nor that text past the max length "was never
trained" (a reviewer's reading of e7b78b2, 99eadd4, 3652d14)."""

from ftlib.config import field_specs
from ui.form import CHOICE_LABELS


def test_the_choice_and_its_help_say_every_token_kept_not_every_token_trained():
    label = CHOICE_LABELS["packing_strategy"]["bfd_split"]
    assert "every token kept" in label and "trained" not in label
    said = field_specs()["packing_strategy"].help
    assert "every token trained" not in said
    assert "every token kept and trained but each later piece's first" in said


def test_evaluate_says_a_bfd_split_runs_longer_rows_were_scored_in_the_pieces_training_split_them_into(
    capsys, tmp_path, varied_dir, adapter_template
):
    """Under bfd_split TRL cut no row: it trained a longer one in pieces of the max length, each read on its own.
    Evaluate scores it in those pieces (tests/test_evaluate_split.py), and neither the CLI's note nor the page's
    caption says it was scored on its first max_length tokens or that the rest "was never trained"."""
    import json

    from ftlib.eval_runs import run_info
    from tests.test_evaluate_lines import ROWS, TEST_AT, cli, open_page, run_on, saved_with_lines

    saved_with_lines(tmp_path, ROWS, TEST_AT, name="chats")
    run = run_on("chats", varied_dir, adapter_template, packing=True, packing_strategy="bfd_split")
    assert run_info(run.path).split_long
    out = cli(capsys, "evaluate", run.id, "--max-new-tokens", "4")[0]
    note = next(line for line in out.splitlines() if "longer than the run's max length" in line)
    assert note.startswith("note: Row 1 was longer than the run's max length (64 tokens) and was scored in pieces")
    assert "never trained" not in note and "first 64 tokens only" not in note, note
    assert "rows cut at the run's max length: 0" in out and "rows scored in pieces of the run's max length: 1" in out
    json.loads(cli(capsys, "evaluate", run.id, "--json")[0])  # kept: the page shows it at its boxes' defaults
    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    captions = [c.value for c in at.caption if "longer than the run's max length" in c.value]
    assert len(captions) == 1 and "scored in pieces of 64 tokens" in captions[0] and "never trained" not in captions[0]
    # The per-token view of that row (the first listed) shows all of it, and says why some tokens are not scored
    assert any("Scored in pieces of 64 tokens, as training split the row" in c.value for c in at.caption)

    saved_with_lines(tmp_path, ROWS, TEST_AT, name="cut")
    cut = run_on("cut", varied_dir, adapter_template, packing=True)  # bfd: the tail never trained, said so
    assert not run_info(cut.path).split_long
    assert "What lies past it was never trained" in cli(capsys, "evaluate", cut.id, "--max-new-tokens", "4")[0]


# Far past a max length of 64 (the default template writes ~36 tokens around a short turn).
LONG = " ".join(["lantern"] * 80)


def test_batch_names_no_row_cut_or_left_out_where_a_bfd_split_run_keeps_them(tmp_path, capsys):
    """`batch --packing-strategy bfd_split` said a row whose answer lies past the max length 'would train nothing'
    and that the long answer was cut, though a bfd_split run keeps both whole (TRL's packing splits them): only under
    bfd do they name them. A row whose policy trains nothing is named under either."""
    import json

    from ftlib.cli import main

    def chat(user: str, answer: str) -> dict:
        return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}

    data = tmp_path / "chats.jsonl"
    rows = [chat("Hi.", "Hello."), chat(LONG, "Fine."), chat("Describe it.", LONG)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    said = {}
    for strategy in ("bfd", "bfd_split"):
        argv = ["batch", str(data), "--max-length", "64", "--batch-size", "2", "--json"]
        assert main([*argv, "--packing-strategy", strategy]) == 0
        said[strategy] = json.loads(capsys.readouterr().out)
    assert [(r["row"], r["reason"]) for r in said["bfd"]["untrained_rows"]] == [(2, "cut")]
    assert len(said["bfd"]["cut_warnings"]) == 1 and "longer than the max length" in said["bfd"]["cut_warnings"][0]
    assert said["bfd_split"]["untrained_rows"] == [] and said["bfd_split"]["cut_warnings"] == []
    assert main(["batch", str(data), "--max-length", "64", "--packing-strategy", "bfd_split"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_the_batches_page_warns_of_no_cut_row_under_the_train_pages_bfd_split(tiny_model_dir):
    from ftlib import workspace
    from tests.test_packing_split import DOCS, MAX
    from tests.test_pages_train import page

    workspace.save_split("documents", DOCS, DOCS[1:2])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_length").set_value(MAX).run()
    at.toggle(key="train_packing").set_value(True).run()
    at.switch_page("pages/3_Batches.py").run()
    assert any("longer than the max length" in w.value for w in at.warning)  # bfd: the documents are cut
    at.switch_page("pages/4_Train.py").run()
    at.selectbox(key="train_packing_strategy").set_value("bfd_split").run()
    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    assert not [w.value for w in at.warning if "max length" in w.value]  # split, every token kept: none is cut


def test_the_heatmaps_note_on_pieces_is_the_engines():
    """The sentence under Evaluate's per-token view of a bfd_split run's longer row was composed by the page; the
    engine says it (`loss_words.pieces_note`), only for a row past the max length of a run that split such rows."""
    from ftlib.loss_words import pieces_note

    said = pieces_note(65, 64, split=True)
    assert said.startswith("Scored in pieces of 64 tokens, as training split the row (packing_strategy bfd_split)")
    assert said.endswith("so the first token of each piece after the first is not scored either.")
    assert [pieces_note(64, 64, True), pieces_note(65, None, True), pieces_note(65, 64, False)] == ["", "", ""]
