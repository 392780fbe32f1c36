"""Every canonical row kind through the encoder: tool calls, reasoning, per-turn weights, raw text, prompt-only and
unpaired rows, on the built-in templates (checked against transformers) and the tokenizer's own; and the encoding
boundary (checks read an encoding, tokens never calls checks, one spelling of -100)."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from ftlib.checks import preflight
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import TOOL_TEMPLATES, add_missing_special_tokens, get_template
from ftlib.tokens import Encoded, encode_row, encode_rows, unpaired_partner
from tests.test_template_fixtures import ROWS, TOOLS, hf_messages

ROOT = Path(__file__).resolve().parents[1]
DOVER = ROWS["tool_call"]


@pytest.fixture(scope="module")
def builtin_tokenizers(smol_tokenizer):
    """Per tool-aware built-in, SmolLM2 with the template's control tokens added (a preview)."""
    return {
        name: add_missing_special_tokens(smol_tokenizer, get_template(name, smol_tokenizer)) for name in TOOL_TEMPLATES
    }


def trained_text(enc: Encoded) -> str:
    return "".join(t.text for t in enc.tokens if t.trained)


def texts_of(enc: Encoded, trained: bool) -> list[str]:
    return [t.text for t in enc.tokens if t.trained == trained]


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", TOOL_TEMPLATES)
def test_tool_builtins_render_and_mask_as_transformers(name, shape, builtin_tokenizers):
    """The built-ins that show tools render what apply_chat_template renders from the same row (tools=, tool_calls,
    reasoning_content) and train exactly its {% generation %} mask."""
    tok = builtin_tokenizers[name]
    template = get_template(name, tok)
    row = ROWS[shape]
    out = tok.apply_chat_template(
        hf_messages(row["messages"], template.reads_reasoning),
        tools=row.get("tools"),
        chat_template=template.source,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    enc = encode_row(row, tok, template)
    assert enc.input_ids == out["input_ids"]
    weights = [m.get("weight", 1) for m in row["messages"]]
    expected = [
        0 if t.message is not None and weights[t.message] == 0 else m
        for t, m in zip(enc.tokens, out["assistant_masks"], strict=True)
    ]
    assert [int(label != IGNORE_INDEX) for label in enc.labels] == expected
    # Both keep reasoning in every turn and show tools: nothing is rewritten, nothing dropped, nothing wrong.
    checks = preflight(enc, tok, template)
    assert not [c for c in checks if c.severity == "error"]
    assert not {c.code for c in checks} & {"not_prefix_preserving", "reasoning_dropped", "tools_not_shown"}


@pytest.mark.parametrize("name", [*TOOL_TEMPLATES, "tokenizer_qwen2_5", "tokenizer_llama3_1"])
def test_the_high_tide_example(name, builtin_tokenizers, smol_tokenizer):
    """Issue 14's example: the call's name and arguments and the final answer are trained, the result is not."""
    if name.startswith("tokenizer_"):
        from tests.test_template_fixtures import MODELS, fixture_tokenizer

        tok = fixture_tokenizer(smol_tokenizer, MODELS[name.removeprefix("tokenizer_")])
        template = get_template("tokenizer", tok)
    else:
        tok = builtin_tokenizers[name]
        template = get_template(name, tok)
    enc = encode_row(DOVER, tok, template)
    trained = trained_text(enc)
    assert "lookup_tide" in trained and '{"harbour": "Dover"}' in trained
    assert "High tide in Dover is at 14:05." in trained
    assert "High tide 14:05" not in trained.replace("High tide in Dover is at 14:05.", "")
    assert "When is high tide" not in trained and "High and low tide times" not in trained  # user, schema
    calls = [t for t in enc.tokens if t.segment == "tool_call"]
    assert calls and all(t.trained and t.message == 1 for t in calls)
    assert all("tool call (trained)" in t.reason for t in calls)
    result = [t for t in enc.tokens if t.message == 2]
    assert result and not any(t.trained for t in result)
    assert all(t.reason.startswith("tool result — masked") for t in result if t.segment == "content")
    eots = [t for t in enc.tokens if t.segment == "end_of_turn" and t.trained]
    assert [t.message for t in eots] == [1, 3]


def test_a_template_that_drops_tools_says_so_and_names_one_that_shows_them(smol_tokenizer):
    """SmolLM2's own template writes neither the schemas nor the call: detected by rendering."""
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(DOVER, smol_tokenizer, template)
    assert "lookup_tide" not in enc.text
    checks = {c.code: c for c in preflight(enc, smol_tokenizer, template)}
    assert checks["tool_calls_dropped"].severity == "error" and "message 2" in checks["tool_calls_dropped"].message
    assert checks["tools_not_shown"].severity == "warning"
    for code in ("tool_calls_dropped", "tools_not_shown"):
        assert (
            "'ChatML + tools (Hermes)' (--template hermes)" in checks[code].fix
            and "'Llama-3.1 + tools' (--template llama31)" in checks[code].fix
        )
    # The answer is still trained, the result still masked.
    assert "High tide in Dover is at 14:05." in trained_text(enc)


@pytest.mark.parametrize("template, refused", [("tokenizer", True), ("hermes", False)])
def test_a_training_run_is_refused_before_it_starts_when_its_template_drops_the_tool_calls(
    tiny_model_dir, smol_tokenizer, template, refused
):
    """The Tokens page says so row by row; the Train page and the CLI must too, before launch: under a template
    that writes no tool call, a tool-calling row trains the model to answer with an empty turn."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight as run_preflight

    plain = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}
    config = RunConfig(model=str(tiny_model_dir), dataset="x", template=template)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([DOVER, plain], []))
    dropped = [e for e in report.errors if "leaves out the tool calls" in e]
    if refused:
        assert not report.ok and dropped == [dropped[0]] and dropped[0].startswith("In 1 of 2 training rows (row 1): ")
        assert "'ChatML + tools (Hermes)' (--template hermes)" in dropped[0]  # the fix
        assert any("does not show the row's tool definitions" in w for w in report.warnings)
    else:
        assert report.ok and not dropped, report.errors


def test_a_template_refusing_tool_turns_names_the_templates_that_take_them(smol_tokenizer):
    from ftlib.templates import TemplateError

    with pytest.raises(TemplateError, match="pick a template that shows them \\(hermes, llama31\\)"):
        encode_row(DOVER, smol_tokenizer, get_template("gemma", smol_tokenizer))


@pytest.mark.parametrize("name", ["chatml", "hermes", "tokenizer"])
def test_reasoning_is_trained_where_the_template_writes_it(name, smol_tokenizer):
    template = get_template(name, smol_tokenizer)
    enc = encode_row(ROWS["reasoning"], smol_tokenizer, template)
    # chatml and SmolLM2's own read no reasoning field: it goes inline as <think> in the content, and is trained.
    assert "<think>\n91 = 7 × 13, so it has divisors.\n</think>\n\nNo: 91 is 7 times 13." in enc.text
    trained = trained_text(enc)
    assert trained.startswith("<think>\n91 = 7 × 13") and trained.endswith("No: 91 is 7 times 13.<|im_end|>")
    kinds = {t.segment for t in enc.tokens if t.trained}
    assert {"reasoning", "content", "end_of_turn"} <= kinds
    assert any("reasoning (trained" in t.reason for t in enc.tokens)
    checks = {c.code: c for c in preflight(enc, smol_tokenizer, template)}
    # Written inline, it is said (a review: transformers and TRL leave it out under these templates, silently here).
    inline = name != "hermes"
    assert set(checks) <= {"pad_is_eos", "reasoning_inline"} and ("reasoning_inline" in checks) == inline
    if inline:
        said = checks["reasoning_inline"]
        assert (
            said.severity == "info" and "reasoning of message 2 is written into the reply as <think>" in said.message
        )


@pytest.mark.parametrize("name", ["chatml", "hermes", "tokenizer"])
def test_weight_zero_masks_its_turn_with_its_own_reason(name, smol_tokenizer):
    template = get_template(name, smol_tokenizer)
    enc = encode_row(ROWS["weight_zero"], smol_tokenizer, template)
    zero = [t for t in enc.tokens if t.message == 1]
    assert zero and not any(t.trained for t in zero)
    assert all("weight 0" in t.reason for t in zero)
    assert trained_text(enc).strip() == "A reef knot holds.<|im_end|>"
    checks = {c.code: c for c in preflight(enc, smol_tokenizer, template)}
    assert checks["weight_zero"].severity == "info" and "Message 2" in checks["weight_zero"].message
    everything = encode_row(ROWS["weight_zero"], smol_tokenizer, template, "all_assistant")
    assert everything.labels == enc.labels
    only_zero = {"messages": ROWS["weight_zero"]["messages"][:2]}
    enc = encode_row(only_zero, smol_tokenizer, template)
    assert enc.num_trained == 0
    assert "weight 0" in preflight(enc, smol_tokenizer, template)[0].message


def test_raw_text_trains_every_token_plus_eos_as_trl(smol_tokenizer):
    """TRL's language modelling: text + eos, tokenized as is, every token a label."""
    text = "The tide turns twice a day.\nIt waits for no one."
    enc = encode_row({"text": text}, smol_tokenizer, "chatml")
    reference = smol_tokenizer(text + smol_tokenizer.eos_token)["input_ids"]
    assert enc.input_ids == reference and enc.labels == reference
    assert enc.kind == "text" and enc.text == text + "<|im_end|>"
    assert {t.segment for t in enc.tokens} == {"text", "end_of_text"}
    assert {c.severity for c in preflight(enc, smol_tokenizer, get_template("chatml", smol_tokenizer))} <= {"info"}
    cut = encode_row({"text": text}, smol_tokenizer, "chatml", max_length=4)
    assert cut.labels == reference[:4] and cut.truncated


def test_prompt_only_rows_are_shown_with_nothing_trained(smol_tokenizer):
    template = get_template("chatml", smol_tokenizer)
    for policy in ("all_assistant", "everything"):
        enc = encode_row(
            {"prompt": [{"role": "user", "content": "Write a sea shanty."}]}, smol_tokenizer, template, policy
        )
        assert enc.kind == "prompt_only" and enc.num_trained == 0
        assert enc.text.endswith("<|im_start|>assistant\n")  # shown as the model gets it
        checks = preflight(enc, smol_tokenizer, template)
        # Worth knowing, not an error: GRPO's data (pirate_prompts, a shipped sample, showed red on Tokens)
        assert checks[0].code == "prompt_only" and checks[0].severity == "info"
        assert "for GRPO" in checks[0].message and "SFT, DPO and KTO cannot train it" in checks[0].message


def test_unpaired_rows_train_the_answer_and_keep_their_label(smol_tokenizer):
    rows = [
        {
            "prompt": [{"role": "user", "content": "Greet me"}],
            "completion": [{"role": "assistant", "content": "Ahoy!"}],
            "label": True,
        },
        {
            "prompt": [{"role": "user", "content": "Greet me"}],
            "completion": [{"role": "assistant", "content": "No."}],
            "label": True,
        },
        {
            "prompt": [{"role": "user", "content": "Greet me"}],
            "completion": [{"role": "assistant", "content": "Go away."}],
            "label": False,
        },
    ]
    for row in rows:
        enc = encode_row(row, smol_tokenizer, "chatml")
        assert enc.kind == "unpaired" and enc.label is row["label"]
        assert trained_text(enc) == row["completion"][0]["content"] + "<|im_end|>"
        assert enc.as_dict()["label"] is row["label"]
        # A bad answer's trained tokens say they are pushed down (a good one's read as any reply's)
        reasons = {t.reason for t in enc.tokens if t.trained}
        assert (
            all(r.endswith("never imitated: training makes it less likely (KTO)") for r in reasons) is not row["label"]
        )
        assert all(t.pushed_down is not row["label"] for t in enc.tokens if t.trained)
        assert not any("the bad answer's" in t.reason or t.pushed_down for t in enc.tokens if not t.trained)
    assert [unpaired_partner(rows, i) for i in range(3)] == [2, 2, 0]
    assert unpaired_partner(rows[:2], 0) is None
    assert unpaired_partner([ROWS["chat"]], 0) is None


def test_encode_rows_equals_encode_row_for_every_kind(smol_tokenizer):
    rows = [
        *ROWS.values(),
        {"text": "Plain text."},
        {"prompt": "Just a prompt"},
        {"prompt": "Greet me", "completion": "Ahoy!", "label": False},
        {"prompt": "Pick", "chosen": "A", "rejected": "B", "tools": TOOLS},
    ]
    template = get_template("hermes", smol_tokenizer)
    for row, got in zip(rows, encode_rows(rows, smol_tokenizer, template), strict=True):
        assert got.as_dict() == encode_row(row, smol_tokenizer, template).as_dict()


# ------------------------------------------------------------------------------------------ the encoding boundary


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_checks_read_an_encoding_and_tokens_never_call_checks():
    assert "ftlib.checks" not in _imports(ROOT / "ftlib" / "tokens.py")
    assert "ftlib.checks" not in _imports(ROOT / "ftlib" / "masks.py")
    assert "ftlib.tokens" in _imports(ROOT / "ftlib" / "checks.py")


def test_nothing_outside_tokens_reads_private_fields_of_an_encoding():
    private = {"_all_ids", "_offsets", "_seg", "_trained", "_special", "_records"}
    for path in [*(ROOT / "ftlib").rglob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        if path.name == "tokens.py":
            continue
        attrs = {n.attr for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Attribute)}
        assert not attrs & private, (path, attrs & private)


def test_the_ignore_index_is_spelled_once_in_ftlib():
    """`-100` appears as a number only in rows.py (IGNORE_INDEX); everywhere else code uses the name."""
    for path in (ROOT / "ftlib").rglob("*.py"):
        toks = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
        for a, b in zip(toks, toks[1:], strict=False):
            if a.string == "-" and b.type == tokenize.NUMBER and b.string == "100":
                assert path.name == "rows.py", f"{path}:{b.start[0]} spells -100; use ftlib.rows.IGNORE_INDEX"


# ------------------------------------------------------------------------------------------ a training run


def test_a_run_trains_every_tool_call_and_reasoning_row(tiny_model_dir, smol_tokenizer, tmp_path):
    """A LoRA run on tool-call and reasoning rows keeps every row and trains exactly the Tokens page's labels:
    the calls, the reasoning and the answers, never the tool results."""
    import torch

    from ftlib.training import RunConfig, build_trainer
    from tests.test_training import _record_inputs, batch_rows

    rows = [ROWS[s] for s in ("tool_call", "tool_call_with_text", "reasoning", "reasoning_multi", "weight_zero")]
    config = RunConfig(
        model=str(tiny_model_dir),
        method="lora",
        template="hermes",
        max_steps=2,
        batch_size=3,
        save_every=0,
        max_length=512,
        learning_rate=1e-3,
        group_by_length=False,
    )
    prepared = build_trainer(config, tmp_path, rows=(rows, rows[:1]))
    assert (prepared.train_rows, prepared.eval_rows, prepared.dropped) == (len(rows), 1, 0)
    seen = _record_inputs(prepared.trainer)
    before = {n: p.detach().clone() for n, p in prepared.trainer.model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    template = get_template("hermes", smol_tokenizer)
    expected = {tuple(e.input_ids): e.labels for e in (encode_row(r, smol_tokenizer, template) for r in rows)}
    got = {}
    for batch in seen:
        for ids, labels in batch_rows(batch):  # padded, or laid end to end (padding-free)
            got[tuple(ids.tolist())] = labels.tolist()
    assert got == expected  # every row, every label (2 steps of 3 rows cover all 5)
    for row in rows:
        enc = encode_row(row, smol_tokenizer, template)
        text = trained_text(enc)
        assert "High tide 14:05<" not in text and "Granny knot." not in text
        if "tools" in row:
            assert '"name": "lookup_tide"' in text
        if any(m.get("reasoning") for m in row["messages"]):
            assert "<think>" in text
    after = dict(prepared.trainer.model.named_parameters())
    assert any(not torch.equal(before[n], after[n].detach()) for n in before)


def test_reasoning_the_file_wrote_inline_is_not_said_to_be_moved_inline(smol_tokenizer):
    """Reasoning the file wrote in the content (`inline_think`) is trained as the file wrote it: nothing to say."""
    template = get_template("chatml", smol_tokenizer)
    turn = {
        "role": "assistant",
        "content": "No.",
        "reasoning": "91 = 7 × 13.",
        "inline_think": ["<think>\n", "\n</think>\n\n"],
    }
    enc = encode_row({"messages": [{"role": "user", "content": "Is 91 prime?"}, turn]}, smol_tokenizer, template)
    assert "<think>\n91 = 7 × 13.\n</think>\n\nNo." in enc.text
    assert "reasoning_inline" not in {c.code for c in preflight(enc, smol_tokenizer, template)}


def test_grpo_prompts_cut_by_the_max_length_are_said_as_prompts_without_a_mask_policy(smol_tokenizer, tiny_model_dir):
    """A cold walk: GRPO prompts all longer than the max length were refused with "another mask policy usually fixes
    it" (GRPO's form has none) and held-out prompts "score no token" (a GRPO prompt is scored by its answers)."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight as run_preflight

    config = RunConfig(
        model=str(tiny_model_dir), dataset="x", method="grpo", rewards=[{"contains": "a"}], max_length=16
    )
    story = "Tell me a long story about harbour number {}, its ships, its sailors and its long, long history."
    long = [{"prompt": [{"role": "user", "content": story.format(i)}]} for i in range(4)]
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=(long, long[:2]))
    said = " ".join(report.errors + report.warnings)
    assert "None of the 4 training rows can be trained: each has a prompt longer than the max length of 16." in said
    assert "mask policy" not in said and "score no token" not in said
    assert "Held-out prompts 1, 2 are longer than the max length of 16 and will be left out of the evaluation." in said
