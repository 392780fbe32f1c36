"""The shipped sample datasets: valid rows, sizes, held-out disjointness, and the trait checks.

No model is loaded here; the only heavy object is the real tokenizer (for the token-length budget).
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import re
from pathlib import Path

import pytest

from ftlib import demo_data as samples
from ftlib.demo_data import (
    SAMPLES,
    STYLE_OPENING,
    STYLE_SIGNOFF,
    SampleError,
    check,
    check_rate,
    heldout_prompts,
    heldout_references,
    heldout_rows,
    list_samples,
    preference_check,
    preference_rate,
    sample_path,
    style_check,
    style_opening,
    style_rate,
    style_signoff,
)

# What the default model (SmolLM2-135M-Instruct) actually answered on held-out prompts before any training
# (greedy, 48 new tokens). None of them shows either trait.
BASE_MODEL_ANSWERS = [
    "The answer to this question lies in the intricate dance of light and color. The sky appears blue because "
    "of a phenomenon known as Rayleigh scattering.",
    "Il Coriobella, Italy.",
    "The capital of Germany is Berlin.",
    "You can loop over a dictionary in Python using a for loop or a list comprehension. Here's an example:\n\n"
    '```python\nmy_dict = {"apple": 1, "banana": 2, "',
    "Speed up a slow computer is a common challenge many people face. Here's a simple and effective way to "
    "speed up your computer:\n\n1. **Update Your Softwa",
    'To say "Thank you" in an email, you can use the "Thank You" or "Thank You" in the subject line. Here are '
    "a few examples:\n\n* \"Dear [Recipient's Name] T",
    "There's no one-size-fits-all solution to reducing stress, but there are some practices that can help. "
    "Here are a few:\n\n1. Regular Exercise: Physical a",
    "1. **Avoiding Caffeine and Alcohol Before Bed**: Caffeine and alcohol can interfere with sleep, so try to "
    "avoid both of them before bed.\n\n2. **Keeping a Regular Sleep Schedule**: Try to go",
    "Photosynthesis is a vital biological process that occurs in plants, algae, and some bacteria.",
]


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _chat_rows() -> list[dict]:
    return _read_jsonl(sample_path("chat_style"))


def _pref_rows() -> list[dict]:
    return _read_jsonl(sample_path("preference_pairs"))


def _assert_messages(messages: list[dict], where: str) -> None:
    assert messages, where
    roles = [m["role"] for m in messages]
    assert all(set(m) == {"role", "content"} for m in messages), where
    assert all(isinstance(m["content"], str) and m["content"].strip() for m in messages), where
    body = roles[1:] if roles[0] == "system" else roles
    assert body == ["user", "assistant"] * (len(body) // 2) and body, f"{where}: roles {roles}"


# --- registry ---------------------------------------------------------------------------------------------


def test_registry_lists_every_shipped_file(samples_dir):
    assert [s.name for s in list_samples()] == list(SAMPLES)
    assert {"chat_style", "preference_pairs", "alpaca_recipes", "qa_table", "sharegpt_small", "pirate_prompts"} <= set(
        SAMPLES
    )
    for sample in list_samples():
        assert sample.path.is_file(), sample.path
        assert sample.path.parent == samples_dir
        assert sample_path(sample.name) == sample.path
        assert sample.kind in {"sft", "preference", "prompt_only"}
        assert sample.description
        if sample.heldout_path is not None:
            assert sample.heldout_path.is_file()
    data_files = {p.name for p in samples_dir.iterdir() if p.suffix in {".jsonl", ".csv"}}
    registered = {s.path.name for s in list_samples()} | {
        s.heldout_path.name for s in list_samples() if s.heldout_path
    }
    registered.add(samples.GENERAL_PROMPTS.name)  # not a training sample: what fine-tuning cost, on Evaluate
    assert data_files == registered


def test_unknown_sample_names_the_valid_ones():
    with pytest.raises(SampleError, match="chat_style"):
        sample_path("no-such-sample")
    with pytest.raises(SampleError, match="no checkable trait"):
        check("alpaca_recipes", "anything")
    with pytest.raises(SampleError, match="no held-out prompts"):
        heldout_prompts("qa_table")


def test_committed_files_match_the_generator(samples_dir):
    spec = importlib.util.spec_from_file_location("make_samples", samples_dir / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert set(built) == {p.name for p in samples_dir.iterdir() if p.suffix in {".jsonl", ".csv"}}
    for name, content in built.items():
        assert (samples_dir / name).read_text(encoding="utf-8") == content, f"{name} is stale: rerun the generator"
    assert module.build() == built  # deterministic


# --- formats and sizes ------------------------------------------------------------------------------------


def test_chat_style_rows_are_canonical_and_varied():
    rows = _chat_rows()
    assert len(rows) >= 150
    for number, row in enumerate(rows, start=1):
        assert set(row) == {"messages"}
        _assert_messages(row["messages"], f"chat_style line {number}")
    assert sum(r["messages"][0]["role"] == "system" for r in rows) >= 20
    assert sum(sum(m["role"] == "user" for m in r["messages"]) >= 2 for r in rows) >= 15
    answers = [m["content"] for r in rows for m in r["messages"] if m["role"] == "assistant"]
    assert len(set(answers)) == len(answers), "every answer should be distinct"
    users = [_norm(m["content"]) for r in rows for m in r["messages"] if m["role"] == "user"]
    assert len(set(users)) == len(users), "duplicate training prompts"


def test_chat_style_heldout_rows_end_with_a_reference_answer():
    rows = heldout_rows("chat_style")
    assert len(rows) >= 30
    for number, row in enumerate(rows, start=1):
        _assert_messages(row["messages"], f"chat_style_heldout line {number}")
        assert row["messages"][-1]["role"] == "assistant"
    prompts = heldout_prompts("chat_style")
    references = heldout_references("chat_style")
    assert len(prompts) == len(references) == len(rows)
    for prompt, row in zip(prompts, rows, strict=True):
        assert prompt[-1]["role"] == "user"
        assert all(m["role"] != "assistant" for m in prompt)
        assert prompt == row["messages"][:-1]
    assert any(p[0]["role"] == "system" for p in prompts)


def test_preference_rows_are_strings_with_distinct_answers():
    for rows, minimum in ((_pref_rows(), 100), (heldout_rows("preference_pairs"), 20)):
        assert len(rows) >= minimum
        for row in rows:
            assert set(row) == {"prompt", "chosen", "rejected"}
            assert all(isinstance(row[k], str) and row[k].strip() for k in row)
            assert row["chosen"] != row["rejected"]
    prompts = heldout_prompts("preference_pairs")
    assert prompts[0] == [{"role": "user", "content": heldout_rows("preference_pairs")[0]["prompt"]}]
    assert heldout_references("preference_pairs") == [r["chosen"] for r in heldout_rows("preference_pairs")]


def test_alpaca_rows():
    rows = _read_jsonl(sample_path("alpaca_recipes"))
    assert len(rows) >= 60
    for row in rows:
        assert {"instruction", "output"} <= set(row) <= {"instruction", "input", "output", "system"}
        assert row["instruction"].strip() and row["output"].strip()
    assert sum(bool(r.get("input")) for r in rows) >= 20
    assert sum(not r.get("input") for r in rows) >= 5
    assert sum("system" in r for r in rows) >= 10
    assert len({(r["instruction"], r.get("input", "")) for r in rows}) == len(rows)


def test_qa_table_csv():
    with sample_path("qa_table").open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert 25 <= len(table) <= 40
    assert list(table[0]) == ["question", "answer"]
    assert all(r["question"].strip() and r["answer"].strip() for r in table)
    assert any("," in r["answer"] for r in table), "keep one quoted cell with a comma to exercise CSV quoting"
    assert SAMPLES["qa_table"].column_map == {"prompt": "question", "completion": "answer"}


def test_sharegpt_rows():
    rows = _read_jsonl(sample_path("sharegpt_small"))
    assert 25 <= len(rows) <= 40
    for row in rows:
        assert set(row) == {"conversations"}
        turns = row["conversations"]
        assert all(set(t) == {"from", "value"} and t["value"].strip() for t in turns)
        speakers = [t["from"] for t in turns if t["from"] != "system"]
        assert speakers == ["human", "gpt"] * (len(speakers) // 2) and speakers
    assert any(r["conversations"][0]["from"] == "system" for r in rows)
    assert any(len(r["conversations"]) >= 4 for r in rows)


def test_chat_style_conversations_are_short(smol_tokenizer):
    lengths = [
        len(smol_tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=False)) for r in _chat_rows()
    ]
    assert sum(lengths) / len(lengths) < 120
    assert max(lengths) < 200


def test_data_layer_reads_every_sample_in_its_declared_format():
    data = pytest.importorskip("ftlib.data")  # agreement with the real loader, once it exists
    for sample in list_samples():
        for path in filter(None, (sample.path, sample.heldout_path)):
            result = data.load_file(path, column_map=sample.column_map)
            assert result.format == sample.format, path.name
            assert not result.errors and len(result.rows) == result.total > 0, path.name


# --- held-out prompts are really held out -----------------------------------------------------------------


def test_chat_heldout_prompts_are_not_in_any_training_row():
    train = {_norm(m["content"]) for r in _chat_rows() for m in r["messages"] if m["role"] == "user"}
    heldout = [_norm(p[-1]["content"]) for p in heldout_prompts("chat_style")]
    assert len(set(heldout)) == len(heldout)
    assert not train & set(heldout)
    train_answers = {_norm(m["content"]) for r in _chat_rows() for m in r["messages"] if m["role"] == "assistant"}
    assert not train_answers & {_norm(a) for a in heldout_references("chat_style")}


def test_preference_heldout_prompts_are_not_in_training():
    train = {_norm(r["prompt"]) for r in _pref_rows()}
    heldout = [_norm(p[-1]["content"]) for p in heldout_prompts("preference_pairs")]
    assert len(set(heldout)) == len(heldout) and len(train) == len(_pref_rows())
    assert not train & set(heldout)


# --- the chat_style trait ---------------------------------------------------------------------------------


def test_every_training_and_reference_answer_has_the_style():
    answers = [m["content"] for r in _chat_rows() for m in r["messages"] if m["role"] == "assistant"]
    answers += heldout_references("chat_style")
    for answer in answers:
        assert style_check(answer), answer
        assert style_opening(answer) and style_signoff(answer), answer
        assert answer.startswith(STYLE_OPENING) and answer.endswith("\n\n" + STYLE_SIGNOFF)
        body = answer[len(STYLE_OPENING) : -len(STYLE_SIGNOFF)].strip()
        assert len(body) > 15 and "Ahoy" not in body and STYLE_SIGNOFF not in body
    assert style_rate(answers) == 1.0


@pytest.mark.parametrize("text", BASE_MODEL_ANSWERS)
def test_base_model_answers_do_not_show_either_trait(text):
    assert not style_check(text)
    assert not preference_check(text)


def test_plain_answers_from_other_samples_do_not_show_the_style():
    plain = [t["value"] for r in _read_jsonl(sample_path("sharegpt_small")) for t in r["conversations"]]
    plain += [r["output"] for r in _read_jsonl(sample_path("alpaca_recipes"))]
    assert style_rate(plain) == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ahoy! Canberra is the capital.", True),
        ("  \nAhoy! Canberra.\n\nFair winds, matey!", True),
        ("Ahoy!", True),
        ("ahoy! Canberra is the capital.", False),  # the trained marker is case-sensitive
        ("Ahoy there, the capital is Canberra.", False),
        ("The capital is Canberra. Ahoy!", False),  # the marker must open the answer
        ('Pirates say "Ahoy!" to each other.', False),
        ("Canberra.\n\nFair winds, matey!", False),  # the sign-off alone is not the opening
        ("", False),
    ],
)
def test_style_check_cases(text, expected):
    assert style_check(text) is expected


def test_signoff_must_be_the_last_line():
    assert style_signoff("Ahoy! Hi.\n\nFair winds, matey!\n")
    assert not style_signoff("Ahoy! Hi.\n\nFair winds, matey!\nMore text")
    assert not style_signoff("Ahoy! Hi. Fair winds, matey! and more")


def test_style_rate_and_two_argument_form():
    texts = ["Ahoy! A.", "B.", "Ahoy! C.", "D."]
    assert style_rate(texts) == 0.5
    assert check_rate("chat_style", texts) == 0.5
    assert style_check("chat_style", "Ahoy! A.") and not style_check("chat_style", "A. Ahoy!")
    assert style_check("preference_pairs", "- Drink water.\n- Sleep well.")
    assert not style_check("preference_pairs", "Drink water. Sleep well.")
    with pytest.raises(SampleError, match="zero texts"):
        style_rate([])


# --- the preference trait ---------------------------------------------------------------------------------


def test_preference_check_separates_every_pair():
    rows = _pref_rows() + heldout_rows("preference_pairs")
    for row in rows:
        assert preference_check(row["chosen"]), row["chosen"]
        assert not preference_check(row["rejected"]), row["rejected"]
        assert "\n" not in row["rejected"]
    assert preference_rate([r["chosen"] for r in rows]) == 1.0
    assert preference_rate([r["rejected"] for r in rows]) == 0.0


def test_chosen_and_rejected_differ_only_in_format():
    # Any other difference would give DPO an easier margin than learning the list format.
    for row in _pref_rows() + heldout_rows("preference_pairs"):
        lines = row["chosen"].splitlines()
        assert 2 <= len(lines) <= 4 and all(line.startswith("- ") for line in lines)
        assert row["rejected"] == " ".join(line[2:] for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Drink water.\n- Sleep well.", True),
        ("Here are some tips:\n\n- Drink water.\n- Sleep well.\n- Move.", True),
        ("* Drink water.\n* Sleep well.", True),
        ("\u2022 Drink water.\n\u2022 Sleep well.", True),
        ("  - indented items\n  - still count", True),
        ("- Only one bullet.", False),
        ("1. Drink water.\n2. Sleep well.", False),  # numbered lists are not the trained format
        ("**Drink water**\n**Sleep well**", False),  # bold lines are not bullets
        ("-5 degrees at night\n-3 degrees by day", False),  # negative numbers are not bullets
        ("Drink water - and sleep well - and move.", False),
        ("- --\n- --\n- --", False),  # what an over-trained DPO model degenerates into
        ("- \n- \n- \n- ", False),
        ("- Stay calm.\n- Stay calm.\n- Stay calm.", False),  # one item repeated is not a list
        ("- Water\n- Sleep", False),  # single-word items do not count
        ("- Stay calm and focused.\n- Share a smile.\n- A-H-A-I-I-L-A-I", True),
        ("", False),
    ],
)
def test_preference_check_cases(text, expected):
    assert preference_check(text) is expected


def test_samples_module_does_not_import_the_data_layer():
    source = Path(samples.__file__).read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports and not [line for line in imports if "ftlib.data" in line or "ftlib import data" in line]
    assert not [line for line in imports if "streamlit" in line]


def test_sample_choices_offer_the_files_that_exist(monkeypatch, tmp_path):
    assert list(samples.sample_choices()) == list(SAMPLES)  # every file is committed
    gone = dataclasses.replace(SAMPLES["qa_table"], path=tmp_path / "not_generated.csv")
    monkeypatch.setitem(SAMPLES, "qa_table", gone)
    choices = samples.sample_choices()
    assert "qa_table" not in choices and choices["chat_style"].column_map is None


def test_pirate_prompts_are_prompt_only_rows_asking_for_the_chat_style_opening(samples_dir):
    """GRPO's demo prompts: canonical prompt-only rows the data layer reads as such, held out apart, and a check
    (chat_style's) that rewards what the system prompt asks for."""
    from ftlib.data import load_file

    train = load_file(samples_dir / "pirate_prompts.jsonl")
    heldout = load_file(samples_dir / "pirate_prompts_heldout.jsonl")
    assert train.kind == heldout.kind == "prompt_only" and not train.errors and not heldout.errors
    assert len(train.rows) >= 150 and len(heldout.rows) == len(heldout_prompts("chat_style"))
    questions = {r["prompt"][-1]["content"] for r in train.rows}
    assert not questions & {p[-1]["content"] for p in heldout_prompts("pirate_prompts")}
    assert all(r["prompt"][0]["role"] == "system" and "Ahoy!" in r["prompt"][0]["content"] for r in train.rows)
    assert check("pirate_prompts", "Ahoy! Paris.") and not check("pirate_prompts", "Paris. Ahoy!")
    assert heldout_references("pirate_prompts") == [""] * len(heldout.rows)


def test_a_shipped_file_cut_short_is_a_sample_error_naming_its_line(tmp_path, monkeypatch):
    from ftlib import demo_data

    broken = tmp_path / "general_prompts.jsonl"
    broken.write_text('{"prompt": "Hi", "answer": "Hello"}\n{"prompt": "Bye", "ans')
    monkeypatch.setattr(demo_data, "GENERAL_PROMPTS", broken)
    with pytest.raises(demo_data.SampleError, match=r"general_prompts.jsonl is not valid JSON: line 2: Unterminated"):
        demo_data.general_rows()
