"""Helper 119's small items.

1. A chat UI's feedback export (thumbs_up/thumbs_down, 👍/👎, votes, likes) read as KTO's good/bad labels.
2. `data inspect --model` and `batch` on raw text (format `text`) said its lengths were "written with the model's own
   template": raw text is encoded with no chat template.
3. The Batches page worked out which rows its cut warning names (the split's rows less those a run refuses); the
   engine's `batch_costs.cut_warnings`, which `batch` calls too, does it now.
4. A merged export loaded the adapter's tokenizer three times (its stops, the save, the merged folder's stops): once.
"""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.readers import DataError

PROMPTS = ["Name a prime.", "Capital of Peru?", "Boiling point of water at sea level?", "Opposite of tall?"]
ANSWERS = [("7", "9"), ("Lima", "Cusco"), ("100 C", "50 C"), ("Short", "Wide")]


def _feedback_file(good: str, bad: str) -> bytes:
    rows = []
    for prompt, (right, wrong) in zip(PROMPTS, ANSWERS, strict=True):
        rows += [
            {"prompt": prompt, "completion": right, "label": good},
            {"prompt": prompt, "completion": wrong, "label": bad},
        ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        ("thumbs_up", "thumbs_down"),
        ("Thumbs Up", " thumbs-down "),
        ("up", "DOWN"),
        ("👍", "👎"),
        ("👍🏽", "👎\ufe0f"),
        ("upvote", "downvote"),
        ("like", "Dislike"),
    ],
)
def test_a_chat_uis_feedback_words_are_read_as_good_and_bad(good, bad):
    result = load_bytes(_feedback_file(good, bad), "feedback.jsonl")
    assert result.format == "unpaired_preference" and result.errors == []
    assert [r["label"] for r in result.rows] == [True, False] * 4
    assert [r["completion"][0]["content"] for r in result.rows if r["label"]] == [a for a, _ in ANSWERS]


@pytest.mark.parametrize("value", ["neutral", "meh", "sideways", "thumbs_sideways"])
def test_a_value_that_judges_neither_way_is_refused_naming_every_spelling_read(value):
    result = load_bytes(_feedback_file("thumbs_up", value), "feedback.jsonl")
    assert [e.row for e in result.errors] == [2, 4, 6, 8]
    message = result.errors[0].message
    assert (
        "the 'label' must be true, 1, yes, good or desirable (a good answer) or false, 0, no, bad or undesirable "
        f"(a bad one), in any case, not '{value}' (a feedback export's thumbs_up/thumbs_down, up/down, "
        "upvote/downvote, like/dislike, 👍/👎 are read too)"
    ) in message, message
    assert "Read the file as" in message and "--format" in message


def test_a_rating_beside_thumbs_is_still_refused_as_a_rating():
    with pytest.raises(DataError, match=r"holds ratings \(3 besides 0 and 1; lines 2, 4, 6, 8\)"):
        load_bytes(_feedback_file("thumbs_up", "3"), "feedback.jsonl")


def test_positive_and_negative_may_be_a_sentiment_class_so_are_refused_with_why():
    # A review-classification set: the 'negative' answers are right answers about bad reviews, not bad answers.
    result = load_bytes(_feedback_file("positive", "Negative"), "reviews.jsonl")
    assert result.rows == [] and len(result.errors) == 8
    message = result.errors[1].message
    assert "not 'Negative': 'positive' and 'negative' are as often a sentiment class of the text" in message
    assert "where they judge the answer, write true and false" in message


def test_a_thumbs_down_row_read_as_answers_to_imitate_is_refused_not_trained():
    result = load_bytes(_feedback_file("thumbs_up", "thumbs_down"), "feedback.jsonl", fmt="prompt_completion")
    assert result.rows == [] and "this row has a good/bad label ('label': 'thumbs_up')" in result.errors[0].message


DOCUMENTS = [
    "Harbour log, 3 May. Wind from the north-west at four knots; two trawlers in, one out before noon, nets mended.",
    "Tide tables are posted at the harbour master's door.",
    "Calm.",
]


def test_raw_text_lengths_name_no_chat_template_in_inspect_and_batch(tmp_path, capsys):
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in DOCUMENTS))
    assert main(["data", "inspect", str(path), "--model", "default", "--max-length", "16"]) == 0
    [said] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tokens:")]
    tokenizer = "the tokenizer of `SmolLM2-135M-Instruct`, the embedded default"  # no brackets in the line's own
    assert f"(raw text, no chat template: {tokenizer}); 1 row is longer than" in said, said
    assert main(["batch", str(path), "--model", "default", "--max-length", "16"]) == 0
    said = capsys.readouterr()
    [cut] = [line for line in (said.out + said.err).splitlines() if "longer than the max length" in line]
    assert "template" not in cut.split("or shorten those rows")[0], cut
    assert "(the longest row has " in cut and " tokens: a max length of " in cut, cut


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def test_cut_warnings_numbers_a_splits_rows_past_those_a_run_refuses(smol_tokenizer):
    from ftlib import batch_costs, batching
    from ftlib.templates import get_template

    template = get_template("chatml", smol_tokenizer)
    long_answer = "The ferry leaves at seven, calls at the two islands, and is back by noon. " * 3
    rows = [_chat("Refused?", "Yes."), _chat("Ferry?", "At seven."), _chat("The ferry's day?", long_answer)]
    # Row 1 stands for one a run refuses (the page's `failed`): encoded are rows 2 and 3 only, as the page has them.
    examples, _, _ = batching.encode_examples(rows[1:], smol_tokenizer, template, "all_assistant", first=2, pairs=True)
    args = (smol_tokenizer, template, "all_assistant", 40)
    [said] = batch_costs.cut_warnings(examples, rows, None, *args, failed={1: "refused"})
    assert (
        said.startswith("1 training row is longer than the max length of 40 tokens and cut")
        and "(training row 3)" in said
    )
    # `batch`'s call, with the file's own numbers and nothing refused, says the same of the row it numbers so
    [own] = batch_costs.cut_warnings(examples, rows[1:], [5, 9], *args)
    assert own == said.replace("(training row 3)", "(training row 9)")


def test_a_merged_export_loads_the_tokenizer_once(tmp_path, monkeypatch):
    from transformers import AutoTokenizer

    from ftlib import export
    from ftlib.models import load_tokenizer
    from ftlib.testing import make_random_adapter, make_run, make_tiny_model

    tiny = make_tiny_model(tmp_path / "tiny")
    adapter = make_random_adapter(str(tiny), tmp_path / "adapter")
    load_tokenizer(str(tiny)).save_pretrained(str(adapter))  # as a run saves it
    run = make_run("r-merge", {"dataset": "d", "model": str(tiny)}, adapter=adapter, root=tmp_path / "runs", step=4)
    loads, load = [], AutoTokenizer.from_pretrained.__func__

    def counted(cls, name, *args, **kwargs):
        loads.append(str(name))
        return load(cls, name, *args, **kwargs)

    monkeypatch.setattr(AutoTokenizer, "from_pretrained", classmethod(counted))
    merged = export.export_merged(run)
    assert loads == [str(run.adapter_dir)], loads
    assert (merged / "tokenizer_config.json").is_file() and (merged / "generation_config.json").is_file()
    from ftlib.stops import eos_list

    said = [
        eos_list(json.loads((f / "generation_config.json").read_text())["eos_token_id"])
        for f in (merged, run.adapter_dir)
    ]
    assert said[0] == said[1] and said[0], said  # the stops the adapter's tokenizer gives, written with it
    loads.clear()
    assert export.export_merged(run) == merged and len(loads) == 1  # built: its stops checked with the same one
