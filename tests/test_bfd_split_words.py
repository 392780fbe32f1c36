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
