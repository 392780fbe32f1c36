"""Helper 151's cold walk in a real browser (OpenAI tool-call chats, Parquet pairs, GRPO prompts with an `answer`
column): each test failed before its fix."""

from __future__ import annotations

import re

from ftlib import splits
from tests.test_pages_alignment import _grpo_page


def test_too_few_grpo_prompts_are_not_said_to_have_their_wording_copied():
    """Saving a split of 12 GRPO prompts warned that a run 'copies their wording within a few steps': a prompt has no
    answer to copy (the model writes its own); what it fits to is the rewards. Other kinds keep their warning."""
    prompts = splits.split_warnings(12, 5, kind="prompt_only")[0]
    assert prompts.startswith("Only 12 training prompts. "), prompts
    assert "it soon fits its answers to their rewards and learns little" in prompts, prompts
    assert "wording" not in prompts, prompts
    assert "it soon copies their wording and learns little" in splits.split_warnings(12, 5)[0]
    assert "it soon copies their wording" in splits.split_warnings(12, 5, kind="preference")[0]


def test_grpos_memory_caption_counts_the_answers_it_estimates_for(tiny_model_dir):
    """A GRPO run's estimate counts each prompt and an answer of up to the max answer length (ftlib.memory), but its
    caption read 'longest sequence 21 tokens' for 21-token prompts with 64-token answers."""
    at = _grpo_page(tiny_model_dir)
    at.button(key="train_rewards_example").click().run()
    at.number_input(key="train_grpo_max_new_tokens").set_value(48).run()
    assert not at.exception
    said = next(c.value for c in at.caption if "parameters trained;" in c.value)
    found = re.search(r"longest prompt (\d+) tokens, each answer up to 48 more \((\d+) in all\)\.$", said)
    assert found and int(found[1]) + 48 == int(found[2]), said
    assert "longest sequence" not in said, said


def test_a_tool_call_weighted_0_is_not_said_to_count_in_trains_held_out_loss():
    """OpenAI fine-tuning rows whose tool call has `"weight": 0` (only the answer after the tool result trained):
    Evaluate said 'Train's held-out loss differs: it counts every reply the run trains (a tool call too), not only the
    last reply', though the run trains the last reply alone and Train's first held-out point equalled the base loss
    (1.577 and 1.578). A tool call that is trained is still said."""
    from ftlib.loss_words import train_heldout_note

    def chat(weight: int) -> dict:
        called = [{"type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]
        call = {"role": "assistant", "content": "", "weight": weight, "tool_calls": called}
        asked = [{"role": "user", "content": "Weather?"}, call, {"role": "tool", "content": "{}"}]
        return {"messages": [*asked, {"role": "assistant", "content": "Sunny."}]}

    said = train_heldout_note([chat(0)] * 3, total=3)
    assert said.startswith("Train's held-out loss differs: it averages each batch's mean rather than"), said
    assert "a tool call too" not in said, said
    assert "counts every reply the run trains (a tool call too)" in train_heldout_note([chat(1)] * 3, total=3)


def test_compare_says_a_weight_0_tool_call_reference_was_never_trained(varied_dir, adapter_template):
    """A test row of OpenAI fine-tuning shape, its tool call weighted 0, picked on Compare and asked at its first
    reply: the reference read 'Reference answer from the test split:' over nothing (an empty line where a text was
    looked for), then 'Its tool calls:', and nowhere that the run was never taught that call."""
    from ftlib import workspace
    from tests.test_evaluate_tools import ROW
    from tests.test_pages_compare import TEST_ROWS, open_page
    from tests.test_pages_compare_tools import tool_run

    tool_run(varied_dir, adapter_template)
    weighted = {**ROW, "messages": [{**m, "weight": 0} if m.get("tool_calls") else m for m in ROW["messages"]]}
    workspace.save_split("weather", [ROW], [TEST_ROWS[0], weighted], {"format": "messages"}, overwrite=True)
    at = open_page("pages/5_Compare.py", varied_dir)
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    next(s for s in at.selectbox if s.label.startswith("Test row")).set_value(1).run()
    at.radio(key="compare_answer_at").set_value("first").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    captions = [c.value for c in at.caption]
    assert "Reference answer from the test split: tool calls, no text:" in captions, captions
    assert "Its tool calls:" not in captions, captions
    assert any(c.startswith("This reply has weight 0 in the data") and "never trained" in c for c in captions)
    at.radio(key="compare_answer_at").set_value("last").run()  # the answer after the tool result: trained, a text
    captions = [c.value for c in at.caption]
    assert "Reference answer from the test split:" in captions and not any("never trained" in c for c in captions)


def test_a_grid_whose_answers_ended_early_is_not_taken_as_a_slow_server():
    """Compare: a first grid (6 answers, most ending after 12-18 tokens, one at 70) wrote 160 tokens in 41 s, and the
    note beside the slider then said a grid of 6 x 96 tokens would take 'about 2 min 28 s ... at the 3.9 tokens/s of
    your last grid'; it took 32 s. Its answers decode in one batch until the longest ends, so the pace is the grid's
    answers times the longest over the seconds; the note gives no tokens/s beside the finished grid's own."""
    from ftlib import decode_rate
    from ui.compare_view import first_grid_note, long_grid_note

    lengths = [15, 18, 70, 14, 13, 15]  # about the walk's first grid: 145 tokens
    rate = decode_rate.grid_rate(lengths, 41.0)
    assert rate == 6 * 70 / 41.0
    seconds = decode_rate.grid_work(6, 96) / rate
    assert 50 < seconds < 60  # 96 steps at the 41 s / 70 steps it took, not sum(lengths) / 41 s: 170 s
    assert decode_rate.grid_rate([], 3.0) is None and decode_rate.grid_rate([0, 0], 3.0) is None
    assert decode_rate.grid_rate([5], 0.0) is None
    assert long_grid_note(6, 512, rate).endswith("on this CPU at your last grid's pace.")
    assert "tokens/s" not in long_grid_note(6, 512, rate) + first_grid_note(6, 96, 40, rate)


def test_the_data_pages_skipped_rows_show_names_as_code_and_point_above(tmp_path, monkeypatch):
    """Data page, a JSONL of chats with bad rows: the table of skipped rows read "it has `content`" with its
    backticks (markdown an HTML table does not render), and told a row of prompts to use "Field mapping on the Data
    page, messages -> prompt (CLI: --map messages=prompt)" on the Data page itself."""
    import json

    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the local-path box reads allowed folders only
    good = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    rows = [good] * 3 + [{"messages": [{"content": "Hi"}]}, {"messages": [{"role": "user", "content": "Hi"}]}]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = with_path(data_page(), path)
    (body,) = [h.proto.body for h in at.get("html") if "why it is skipped" in h.proto.body]
    assert "it has <code>content</code>)" in body and "`" not in body, body
    assert "Field mapping above, messages -&gt; prompt</td>" in body and "CLI" not in body, body
