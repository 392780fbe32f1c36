"""`--test-size`'s help (train --help, and the Train form's, both from ftlib/config.py) said it holds rows out "when
`dataset` is a plain data file", yet a shipped sample is split with it too, as README says ("A data file (or a shipped
sample) as `dataset` is split when the run is queued, with `test_size`"): a newcomer training on `chat_style` read
that the setting did nothing there (helper 264, following the README)."""

from __future__ import annotations

from ftlib.config import RunConfig, field_specs
from ftlib.run_data import read_dataset


def test_test_size_says_it_splits_a_shipped_sample_as_it_does():
    data = read_dataset(RunConfig(dataset="chat_style", test_size=7))
    assert len(data.test) == 7 and len(data.train) == 171 - 7  # the sample is split with the run's test_size
    said = field_specs()["test_size"].help
    assert "shipped sample" in said
