"""The Train page's parts for the reward model and GRPO: which rewards exist, what they would reinforce before
launch, GRPO's latest answers while it trains, and a reward model's score view.

Only drawing: the preview's generation runs in `ftlib.reward_preview.RewardPreviewJob` (a thread that never calls
st.*), the rewards are `ftlib.rewards`, a run's answers are read from its folder (`RunDir.latest_completions`).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from ftlib.config import RunConfig
from ftlib.demo_data import EXAMPLE_REWARDS
from ftlib.errors import UserError
from ftlib.metrics import EQUAL_RECENT, EQUAL_REWARDS_FIX, equal_recently
from ftlib.model_names import model_said
from ftlib.rewards import text_problems, weighted_parts
from ftlib.rundir import RunDir
from ui import alerts
from ui.common import cached_split, model_set_for, user_errors
from ui.form import typed, widget_key
from ui.fragments import polling_fragment
from ui.labels import in_form_words
from ui.tables import BREAKS_SAID, html_table, one_line

PREVIEW_KEY = "grpo_preview"  # session key: (what the preview depends on, the job)
# The settings the preview's result depends on (`ftlib.reward_preview.preview_rewards` reads these, and the split's
# rows): a change to any other (the run name, max steps, learning rate...) keeps the preview, about a minute of CPU.
PREVIEW_SETTINGS = (
    *("model", "dataset", "rewards", "template", "template_source", "mask_policy", "max_length"),
    *("grpo_group_size", "grpo_temperature", "grpo_max_new_tokens", "grpo_loss_type", "seed"),
)
POLL_SECONDS = 1.0
REWARD_EXAMPLES = [
    ('{"regex": "^Ahoy"}', "1 when the answer matches the pattern (here: starts with Ahoy), else 0"),
    ('{"contains": "because"}', "1 when the text occurs in the answer (case-sensitive), else 0"),
    (
        '{"contains_column": "answer"}',
        "1 when the answer contains the prompt row's value of that column (a file of prompts with, e.g., an "
        "`answer` column: GSM8K), else 0",
    ),
    (
        '{"final_answer": "answer"}',
        "1 when the answer's final answer (in <answer> tags, else its last \\boxed{}, else after ####, else its last "
        "number) equals the column's (GSM8K's after ####), else 0: the right number said on the way does not count",
    ),
    ('{"length": {"target": 40}}', "closer to 40 words is better: 1 at 40, 0 at 0 or 80 and beyond"),
    (
        '{"not_repeating": {}}',
        "share of sentences, three-word runs and characters not repeated: keeps answers from collapsing into loops",
    ),
    ('{"check": "chat_style"}', "a shipped sample's behaviour check: chat_style = opens with 'Ahoy!'"),
    ('{"model": "RUN_ID"}', "the score of a reward model you trained here (method: reward), for any answer"),
    ('{"function": "NAME"}', "a Python function the server's operator registered (never code from the browser)"),
]


# What the Use-the-example button writes into the Rewards box, one reward per line: the rewards measured on the
# pirate_prompts sample, which its description on the Data page names.
EXAMPLE_TEXT = "[\n" + ",\n".join(json.dumps(r) for r in EXAMPLE_REWARDS) + "\n]"  # rewards_text's
# The empty box's grey text: a sentence, so it cannot be taken for rewards already written.
REWARDS_PLACEHOLDER = "No rewards yet. Write a list here, or press “Use the example rewards” below."


# For prompts of no other kind: nothing in the rows says what a right answer is, so only the shape of one.
PLAIN_REWARDS = [{"not_repeating": {}, "weight": 1.0}, {"length": {"target": 40}, "weight": 0.5}]


def example_rewards(rows) -> tuple[list[dict], str]:
    """(the rewards “Use the example rewards” writes for a split's training `rows`, what they do in words): rows
    carrying a field that holds their answer (`columns`, a GSM8K row's `answer`; `column_values.answer_field`) are
    checked against it by the column reward its values fit (`final_answer.column_kind`: `final_answer` for GSM8K's
    "#### 13", MATH's \\boxed{}, a number; `contains_column` for free text); prompts in the pirate_prompts sample's
    style (a pirate, "Ahoy") get its measured rewards (EXAMPLE_REWARDS); any other prompts only not_repeating and
    length. The pirate check on a math set scored every answer 0: GRPO learned nothing (helper 89's walk).

    >>> example_rewards([{"prompt": [], "columns": {"level": 2, "answer": "#### 6"}}])[0][0]
    {'final_answer': 'answer', 'weight': 1.0}
    >>> example_rewards([{"prompt": [], "columns": {"answer": "It is Paris."}}])[0][0]
    {'contains_column': 'answer', 'weight': 1.0}
    >>> example_rewards([{"prompt": [{"role": "system", "content": "Be a pirate."}]}])[0] == EXAMPLE_REWARDS
    True
    """
    from ftlib.column_values import answer_field, found
    from ftlib.final_answer import column_kind

    rows = list(rows)
    field = next((f for r in rows if isinstance(r.get("columns"), dict) and (f := answer_field(r["columns"]))), None)
    if field:
        kind = column_kind(found(r.get("columns"), field) for r in rows)
        rewards = [{kind: field, "weight": 1.0}, {"not_repeating": {}, "weight": 0.5}]
        if kind == "final_answer":
            checked = (  # in code marks: a caption's markdown would drop <answer> as HTML
                "each answer's final answer (in `<answer>` tags, else its last `\\boxed{}`, else after ####, else "
                f"its last number) is checked against its row's `{field}` (final_answer: 1 when they are equal, e.g. "
                "13 for a GSM8K solution ending “#### 13”, else 0; the right number said on the way does not count)"
            )
        else:
            checked = (
                f"each answer is checked against its row's `{field}` (contains_column: 1 when the answer holds it, "
                "else 0)"
            )
        return rewards, (
            f"Written for this split: {checked}, and not_repeating at weight 0.5 keeps answers from collapsing into "
            "loops."
        )
    said = " ".join(str(t.get("content", "")) for r in rows for t in r.get("prompt") or [] if isinstance(t, dict))
    if "pirate" in said.lower() or "ahoy" in said.lower():
        return list(EXAMPLE_REWARDS), (
            "Written for prompts in the pirate_prompts sample's style: chat_style is 1 when an answer opens with "
            "'Ahoy!', and not_repeating at weight 2 keeps the model from learning “Ahoy! Ahoy! Ahoy!”."
        )
    return list(PLAIN_REWARDS), (
        "These rows carry no answer to check against (no field like `answer` beside the prompts), so the example "
        "only rewards answers that do not repeat themselves and run about 40 words: add a reward for what the model "
        "should learn (a regex, contains, a reward model)."
    )


def rewards_text(rewards: list[dict]) -> str:
    """Rewards as the box holds them: a JSON list, one reward per line."""
    return "[\n" + ",\n".join(json.dumps(r) for r in rewards) + "\n]"


def _insert_example(text: str = EXAMPLE_TEXT) -> None:
    st.session_state[widget_key("rewards", {})] = text  # a callback: runs before the box is drawn again


def rewards_box(where, value, rows=None) -> str:
    """Under GRPO's Rewards box: a hint (not an error) while it is empty and nothing was typed yet; else what refuses
    the rewards typed (`ftlib.rewards.text_problems`: Python code, a bad shape, a run, sample or function that cannot
    be used), right under the box; then a button that writes the example rewards for the split's training `rows` in
    (`example_rewards`; None: the pirate_prompts sample's), and what they do. Returns the refusal ("" when none), so
    the form names the box and the page starts nothing."""
    text = str(value or "")
    problem = ""
    if not text.strip() and not typed("rewards"):
        where.info("Add at least one reward to start: GRPO learns only from what its rewards score.", icon=alerts.INFO)
    else:
        problem = next(iter(text_problems(text)), "")
        # a reward model's run not found: the runs are listed below on this page, not by `runs list` in a shell
        problem = problem.replace(" (`python -m ftlib runs list`)", " (the **Runs** list below)")
        if problem:
            where.error(problem, icon=alerts.ERROR)
    rewards, words = example_rewards(rows) if rows is not None else (EXAMPLE_REWARDS, "")
    where.button(
        "Use the example rewards",
        key="train_rewards_example",
        on_click=_insert_example,
        args=(rewards_text(rewards),),
    )
    if words:
        where.caption(f"“Use the example rewards”: {words}")
    return problem


def rewards_unwritten(values: dict) -> bool:
    """True for GRPO with an empty Rewards box the user has not typed in: the page shows the hint, not a refusal, and
    no Start button (once they type, an empty box is refused like any bad value)."""
    return values.get("method") == "grpo" and not str(values.get("rewards") or "").strip() and not typed("rewards")


def reward_help() -> None:
    """The reward kinds, each with an example to copy; `weight` scales one against the others."""
    with st.expander("Rewards you can use", expanded=False):
        st.markdown(
            "Each reward scores every answer GRPO writes; the total is the weighted sum, and answers that beat the "
            'others to the same prompt become more likely. Add `"weight": 0.5` to any of them. For example (what '
            f"“Use the example rewards” writes, for the pirate_prompts sample): `{json.dumps(EXAMPLE_REWARDS)}`"
        )
        st.dataframe(
            pd.DataFrame([{"reward": example, "scores": what} for example, what in REWARD_EXAMPLES]),
            hide_index=True,
            width="stretch",
        )


CUT = "cut"  # the live table's column marking an answer cut at the max answer length (✂)


# The table's column widths in pixels: at 1280 px (the sidebar open, ~780 px of table) the model's answer began at
# the right edge once a "row's answer" column was shown, streamlit's "medium" and auto widths summing past it
# (helper 281's walk). Fixed and narrow before it, the answer takes what is left: with 2 rewards, the total, the
# advantage, the cut mark and a row's answer, it begins at 574 px.
PROMPT_PX, NUMBER_PX, CUT_PX, TEXT_PX, ANSWER_PX = 140, 72, 36, 110, 420


def table_columns(columns: list[str], texts: tuple[str, ...] = ()) -> tuple[list[str], dict]:
    """The order and `st.column_config` of a table of answers with `columns`: the prompt, then the numbers (each
    reward, the total, the advantage; a score), the `CUT` mark where rows have one, the columns of text `texts`
    (what the prompt's row carries for the rewards: "row's answer"), then the answer, the widest, last: what is cut
    off on a narrow screen is the end of an answer, never a number or the mark. Widths in pixels (`*_PX`).

    >>> order, config = table_columns(["prompt", "length", "total", "answer"])
    >>> order, config["answer"]["width"], config["total"]["width"]
    (['prompt', 'length', 'total', 'answer'], 420, 72)
    """
    numbers = [c for c in columns if c not in ("prompt", "answer", CUT, *texts)]
    order = [c for c in ("prompt", *numbers, CUT, *texts, "answer") if c in columns]
    config = {
        "prompt": st.column_config.TextColumn(width=PROMPT_PX),
        "answer": st.column_config.TextColumn(width=ANSWER_PX),
        **{c: st.column_config.TextColumn(width=TEXT_PX, help=f"{c} (the prompt's row)") for c in texts},
        CUT: st.column_config.TextColumn(
            width=CUT_PX, help="✂: the answer stopped at the max answer length, not at its own end"
        ),
        # a header cut to "advan…" at this width: its whole name on hover
        **{c: st.column_config.NumberColumn(format="%.3f", width=NUMBER_PX, help=c) for c in numbers},
    }
    return order, config


def _table(rows: list[dict], texts: tuple[str, ...] = ()) -> None:
    """Rows of answers and their numbers, in `table_columns`' order and widths."""
    frame = pd.DataFrame(rows)
    order, config = table_columns(list(frame.columns), texts)
    st.dataframe(frame, hide_index=True, width="stretch", column_order=order, column_config=config)


def _scores_table(rows: list[dict]) -> None:
    """A reward model's scores of answers, best first, each answer's line breaks marked ⏎ (`ui.tables.one_line`:
    the grid shows a break as a space, and a list scored against a paragraph read as the same words) and said so."""
    best_first = sorted(rows, key=lambda row: -row["score"])
    _table([{**row, "answer": one_line(row["answer"])} for row in best_first])
    if any("\n" in row["answer"] or "\r" in row["answer"] for row in rows):
        st.caption(BREAKS_SAID)


def preview_table(rows: list[dict], limit: int | None = None) -> None:
    """The preview's answers prompt by prompt: the question, the whole prompt folded (its system message says what
    the rewards look for, its tools what the model may call), then each answer in full (the cells wrap) with each
    reward's score, the total and the advantage: no prompt column repeated on every row, nothing cut off on the
    right. Prompts that differ only in their tools are two prompts (`ftlib.reward_preview.preview_prompt`). An answer
    the `limit` (max answer length) cut ends "… [cut at 64 tokens]", as Evaluate's GRPO table says it."""
    from ftlib.reward_preview import preview_prompt
    from ui.grpo_eval_view import cut_answer  # here: that module imports this one

    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(preview_prompt(row), []).append(row)
    for number, members in enumerate(groups.values(), start=1):
        st.markdown(f"**Prompt {number}:** {members[0]['prompt']}")
        turns, tools = members[0].get("messages") or [], members[0].get("tools") or []
        if len(turns) > 1 or tools:
            with st.expander("The whole prompt (system message included)"):
                for turn in turns:
                    st.markdown(f"**{turn.get('role', '?')}**: {turn.get('content', '')}")
                if tools:
                    st.markdown(f"**tools**: {', '.join(_tool_name(t) for t in tools)}")
        if members[0].get("columns"):  # the row's other fields: the rewards get them (e.g. the right answer)
            given = "; ".join(f"`{k}` = {json.dumps(v, ensure_ascii=False)}" for k, v in members[0]["columns"].items())
            st.caption(f"Given to the rewards beside the prompt: {given}")
        shown = [
            {
                "answer": cut_answer(r["answer"], r.get("at_limit"), limit, r.get("at_context") is True),
                **{
                    k: v if v is None else round(float(v), 3)
                    for k, v in r.items()
                    if k not in ("prompt", "answer", "at_limit", "at_context", "messages", "tools", "columns")
                },
            }
            for r in members
        ]
        st.html(html_table(shown, widths={"answer": "55%"}, breaks=("answer",)))  # a list read as a list


def _tool_name(tool) -> str:
    """A tool schema's function name, as the prompt's tools are listed (`{"type": "function", "function": {...}}`
    or the function itself)."""
    function = tool.get("function", tool) if isinstance(tool, dict) else tool
    name = function.get("name") if isinstance(function, dict) else None
    return f"`{name}`" if name else "(a tool without a name)"


def preview_key(config: RunConfig) -> str:
    """What a reward preview's result depends on, as one string: two configs with the same key get the same preview.

    >>> preview_key(RunConfig(name="a", max_steps=5)) == preview_key(RunConfig(name="b", max_steps=50))
    True
    """
    settings = config.to_dict()
    return json.dumps({name: settings[name] for name in PREVIEW_SETTINGS}, sort_keys=True)


def reward_preview(config: RunConfig, split: str) -> None:
    """Before launch: a few answers from the model as it is now, and what each reward gives them."""
    st.markdown("#### What the rewards see")
    who = f"`{model_said(config.model)}`"  # the embedded default by its name, as every page says it
    total = total_words(config.rewards)
    st.caption(
        f"{config.grpo_group_size} answers by {who} to each of three training prompts, written the way "
        f"training writes them: sampled at temperature {config.grpo_temperature:g} (Sampling temperature, under More "
        "settings), so some read oddly; the rewards should score those low. Beside each answer, each reward's "
        f"score and the total{f' ({total})' if total else ''}. GRPO makes the answers with a positive advantage (a "
        "better total than the others to the same prompt) more likely, and those below it less."
    )
    wanted = preview_key(config)
    previous = st.session_state.get(PREVIEW_KEY)
    job = previous[1] if previous and previous[0] == wanted else None
    if st.button("Preview the rewards", key="grpo_preview_button", disabled=job is not None and not job.done):
        from ftlib.reward_preview import RewardPreviewJob

        with user_errors("Could not preview the rewards"):
            train, _, _ = cached_split(split)
            model_set = model_set_for(config.model, ())
            job = RewardPreviewJob(model_set.model, model_set.tokenizer, config, train, lock=model_set.lock).start()
        st.session_state[PREVIEW_KEY] = (wanted, job)
    if job is None:
        return

    if not job.done:

        def result() -> None:
            if job.done:
                # Once, as Compare's grid does: the page draws the finished preview (below) and the button above
                # comes back; nothing polls a finished preview (it redrew its table every second).
                st.rerun()
            st.caption(f"⏳ {job.waiting}" if job.waiting else "Writing answers and scoring them...")

        polling_fragment(result, POLL_SECONDS)  # a new id on every page run while it polls: ui/fragments.py
        return
    # Drawn by the page, not by the fragment (its table may exceed 10 kB: ui/fragments.py), where the fragment stood.
    with st.container():
        finished_preview(job, config)


def finished_preview(job, config: RunConfig) -> None:
    """A finished reward preview: its error, or a verdict on what it would teach, its table and a caption."""
    if job.error:
        st.error(f"Could not preview the rewards: {job.error}", icon=alerts.ERROR)
        return
    from ftlib.reward_preview import cut_note, flat_prompts

    flat, prompts = flat_prompts(job.rows)
    if flat == prompts:
        st.warning(
            "Every answer to each prompt got the same total, so GRPO would learn nothing from them (advantage 0 "
            "everywhere). Use a reward that tells this model's answers apart, or more answers per prompt.",
            icon=alerts.WARNING,
        )
    elif flat:
        st.info(
            f"{flat} of {prompts} prompts got the same total for all their answers: those teach nothing.",
            icon=alerts.INFO,
        )
    limit = config.grpo_max_new_tokens
    if note := cut_note(job.rows, limit, "above"):  # a reward checking a final number scored a cut answer 1.0, unsaid
        st.warning(note, icon=alerts.WARNING)
    preview_table(job.rows, limit)
    st.caption(
        f"Answers are sampled at temperature {config.grpo_temperature:g}, as training samples them: odd ones are "
        "expected, and the rewards should score them low."
    )


PARTS_CAPTION = (
    "An answer's total reward is the weighted sum of its rewards' scores, the number GRPO learns from: each reward's "
    "part is its weight × its mean score, and the parts add up to the mean total{where}."
)


def reward_parts(specs: list, sides: dict[str, tuple[dict, float | None]], where: str = "") -> bool:
    """A table of each reward's mean score, its weight and its part of the mean total (weight × mean), for each side
    (`sides`: name -> (mean score by reward name, the mean total the run or the evaluation reports), e.g. "base" and
    "tuned"), and a total row with the reported totals, which the parts add up to (`ftlib.rewards.weighted_parts`).
    False, drawing nothing, for rewards that cannot be read (a config.json edited by hand)."""
    try:
        parts = {side: weighted_parts(specs, means) for side, (means, _) in sides.items()}
    except UserError:
        return False
    rows = []
    for i, first in enumerate(next(iter(parts.values()))):
        row = {"reward": first.label, "weight": first.weight}
        for side, side_parts in parts.items():
            row[f"{side}: mean score"], row[f"{side}: × weight"] = side_parts[i].mean, side_parts[i].part
        rows.append(row)
    total = {"reward": "total (weighted sum)", "weight": None}
    for side, (_, reported) in sides.items():
        total[f"{side}: mean score"], total[f"{side}: × weight"] = None, reported
    rows.append(total)
    numbers = [c for c in rows[0] if c not in ("reward", "weight")]
    # The total row has no weight or mean score of its own: blank there, not the grid's grey "None" (helper 60). The
    # grid draws a missing value as its `placeholder` whatever the Styler's na_rep says (helper 89's walk still saw
    # "None"), so both are blank.
    formats = {"weight": "{:g}", **dict.fromkeys(numbers, "{:.3f}")}
    st.dataframe(pd.DataFrame(rows).style.format(formats, na_rep=""), hide_index=True, placeholder="")
    st.caption(PARTS_CAPTION.format(where=where))
    return True


def step_reward_parts(specs: list, metrics: list[dict], kept_step: int | None = None) -> None:
    """A GRPO run's rewards at its last logged step and at the held-out evaluation the page shows (the one early
    stopping kept, else the latest): each reward's mean, weight and part of the total, the total being the run's
    logged `reward` (`eval_reward`), the Reward and Held-out reward above; then `equal_rewards_share`."""
    last = next((r for r in reversed(metrics) if r.get("kind") == "train" and r.get("reward") is not None), None)
    if last is None:
        return
    evals = [r for r in metrics if r.get("kind") == "eval" and r.get("eval_reward") is not None]
    held_out = ([r for r in evals if kept_step is not None and r.get("step") == kept_step] or evals or [None])[-1]
    sides = {f"step {last['step']}": (_means(last, "reward_"), last["reward"])}
    if held_out is not None:
        sides[f"held-out, step {held_out['step']}"] = (_means(held_out, "eval_reward_"), held_out["eval_reward"])
    st.markdown("**Each reward's part of the total**")
    reward_parts(specs, sides, where=" (the Reward above)")
    equal_rewards_share(metrics)


def equal_rewards_share(metrics: list[dict]) -> None:
    """A GRPO run's share of groups with equal rewards per step (TRL's `frac_reward_zero_std`, 0 to 1, recorded
    since 2026-12-08: nothing drawn for runs without it), and a warning where the last `EQUAL_RECENT` logged steps
    all had equal rewards in every group (`ftlib.metrics.equal_recently`, by the CLI's `equal rewards` mark, which
    reads `reward_std` 0 where no share is logged), in the CLI's words (`EQUAL_REWARDS_FIX`)."""
    train = (r for r in metrics if r.get("kind") == "train")
    shares = {r["step"]: r["frac_reward_zero_std"] for r in train if r.get("frac_reward_zero_std") is not None}
    if shares:
        st.markdown("**Groups with equal rewards**")
        st.line_chart(pd.Series(shares, name="share of groups"), height=160, x_label="step", y_label="share")
        st.caption(
            "Per step, the share of prompts whose answers all got the same reward (frac_reward_zero_std): each "
            "answer's advantage (its reward minus its group's mean) is 0, so GRPO learns nothing from them. 0 is best."
        )
    if equal_recently(metrics):
        st.warning(
            f"The last {EQUAL_RECENT} steps had equal rewards in every group: nothing to learn from them; "
            f"{in_form_words(EQUAL_REWARDS_FIX)}.",  # the box's label, not the CLI's setting name
            icon=alerts.WARNING,
        )


def _means(row: dict, prefix: str) -> dict:
    """A metrics row's per-reward means by reward name (`reward_<name>`, `eval_reward_<name>`)."""
    return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}


def total_words(specs: list, columns=()) -> str:
    """How an answer's total is made of the columns' scores, for the tables of answers: "total = 2 × regex + 0.5 ×
    not_repeating" ("" for rewards that cannot be read); `columns`: the table's, so a run that named its rewards
    otherwise (before 2026-12-04, every function "function") is said in its own names."""
    try:
        parts = weighted_parts(specs, dict.fromkeys(columns))
    except UserError:
        return ""
    return "total = " + " + ".join(f"{p.weight:g} × {p.name}" for p in parts)


def completions_table(run: RunDir) -> None:
    """GRPO's answers of its latest logged step, with each reward's score, the total and the advantage (live); an
    answer the run's max answer length cut ends "… [cut at 64 tokens]", with a note above the table saying what that
    means (rows written before `at_limit` was recorded are unknown: no mark, no note). A text's line breaks are ⏎
    (`ui.tables.one_line`: the grid draws a break as a space), said under the table where there was any."""
    from ftlib.reward_preview import cut_note
    from ui.grpo_eval_view import column_cell, cut_answer  # here: that module imports this one

    latest = run.latest_completions()
    if latest is None:
        return
    step, rows = latest
    config = run.read_config()
    st.markdown(f"#### Latest answers (step {step})")
    total = total_words(config.get("rewards") or [], rows[0] if rows else ())
    st.caption(
        f"What GRPO wrote at this step and how each reward scored it{f' ({total})' if total else ''}. Advantage "
        "above 0: made more likely; below 0: less. A prompt whose answers all score the same teaches nothing from "
        "its rewards (advantage 0); with a Beta above 0 the KL penalty still pulls those answers towards the "
        "starting model."
    )
    limit = config.get("grpo_max_new_tokens")
    if note := cut_note(rows, limit, "for the next run"):
        st.warning(note, icon=alerts.WARNING)
    # The answer's cell says its cut at its end, which a cell narrower than the answer hides (an answer of 48
    # tokens runs past the column's right edge: which 3 of 4 were cut could not be told), so a narrow "cut" column
    # before the answer marks it too (✂), where the flag is known; the key itself is no number column. Streamlit's
    # "auto" height fits a few rows and scrolls past ten: a fixed 320 px drew blank rows under 2 prompts x 2
    # answers (a newcomer's walk).
    known = any(isinstance(r.get("at_limit"), bool) for r in rows)
    # What each prompt's row carries for the rewards (a GSM8K row's `answer`), beside the answer: whether it is right
    # can be told (helper 89's walk: the table had the answers and no reference). "row's answer": the model's is
    # "answer".
    fields = prompt_fields(run, config)
    names = list(dict.fromkeys(k for found in fields.values() for k in found))
    shown = [
        {
            **{k: v for k, v in r.items() if k not in ("at_limit", "at_context")},
            **({CUT: "✂" if r.get("at_limit") is True else ""} if known else {}),
            **{f"row's {n}": column_cell(fields.get(str(r.get("prompt", "")), {}).get(n)) for n in names},
            "answer": cut_answer(str(r.get("answer", "")), r.get("at_limit"), limit, r.get("at_context") is True),
        }
        for r in rows
    ]
    # The grid draws a break as a space (a worked answer's lines, a list, ran into one): each is ⏎, and said so
    texts = ("prompt", "answer", *(f"row's {n}" for n in names))
    broken = any(isinstance(row.get(c), str) and ("\n" in row[c] or "\r" in row[c]) for row in shown for c in texts)
    _table(
        [{**row, **{c: one_line(row[c]) for c in texts if isinstance(row.get(c), str)}} for row in shown],
        tuple(f"row's {n}" for n in names),
    )
    if broken:
        st.caption(BREAKS_SAID)


def prompt_fields(run: RunDir, config: dict) -> dict[str, dict]:
    """The fields beside each prompt of a GRPO run's rows, by the prompt's last turn (`ftlib.row_fields`: read from
    the run's saved split); {} for rows of prompts only, or rows that cannot be read any more."""
    from ftlib.row_fields import run_split

    where = run_split(run.path, config)
    return {} if where is None else _prompt_fields(*where)


@st.cache_data(max_entries=8, show_spinner=False)
def _prompt_fields(folder: str, stamp: int) -> dict[str, dict]:
    """`row_fields.prompt_fields` of the split in `folder` as of its meta.json's `stamp` (read once, not every
    second: the live table redraws while the run trains)."""
    from ftlib.row_fields import prompt_fields as read

    return read(folder)


def _reward_model(run_id: str):
    """The run's reward model, loaded once per run folder and output (the workspace can change under a server)."""
    from ftlib import runs

    run = runs.find(run_id)
    output = run.output()
    stamp = output[0].stat().st_mtime_ns if output else 0
    return _load_reward_model(run_id, str(run.path), stamp)


# The folder and its time are part of the key (a parameter named with a leading _ would not be).
@st.cache_resource(max_entries=2, show_spinner="Loading the reward model...")
def _load_reward_model(run_id: str, folder: str, stamp: int):
    from ftlib.rewards import load_reward_model

    return load_reward_model(run_id)


def score_panel(run_id: str) -> None:
    """Score answers to a prompt with a finished reward model (`python -m ftlib score` in the browser)."""
    st.markdown("#### Score answers with this reward model")
    st.caption("Write a prompt and a few answers: the reward model gives each a score; higher means preferred.")
    # A system prompt too, as `python -m ftlib score --system` takes one: a reward model scores the whole conversation.
    system = st.text_input("System message (optional)", "", key=f"score_system_{run_id}")
    prompt = st.text_input("Prompt", "How do I sleep better?", key=f"score_prompt_{run_id}")
    messages = ([{"role": "system", "content": system}] if system.strip() else []) + [
        {"role": "user", "content": prompt}
    ]
    boxes = [
        st.text_area(f"Answer {i + 1}", text, key=f"score_answer_{run_id}_{i}", height=80)
        for i, text in enumerate(
            ["- Go to bed at the same time.\n- Keep the room dark.", "Go to bed at the same time. Keep the room dark."]
        )
    ]
    answers = [a for a in boxes if a.strip()]
    # `ftlib score` refuses an empty --response; here the boxes are fixed, so an empty one is left out, and said.
    empty = [f"Answer {n}" for n, text in enumerate(boxes, start=1) if not text.strip()]
    key = f"score_result_{run_id}"
    if st.button("Score", key=f"score_button_{run_id}"):
        # As `ftlib score` refuses: a reward model scores a conversation, and an empty turn's score means nothing.
        if not prompt.strip():
            st.warning(
                "The prompt is empty: write the question the answers reply to, then press Score.", icon=alerts.WARNING
            )
        elif not answers:
            st.warning(
                "Every answer is empty: write at least one answer to score, then press Score.", icon=alerts.WARNING
            )
        else:
            with user_errors("Could not score the answers"):
                scores = _reward_model(run_id).score(messages, answers)
            rows = [{"answer": a, "score": s} for a, s in zip(answers, scores, strict=True)]
            st.session_state[key] = (messages, answers, rows)
    scored = st.session_state.get(key)
    # Only the scores of the prompt and answers in the boxes now (as Compare's `score_answers`): an edit asks for a
    # new press, never shows the old scores beside new text.
    if scored and scored[:2] == (messages, answers):
        if empty:
            it = "it" if len(empty) == 1 else "them"
            st.info(
                f"{' and '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty: left out of the scores (an empty "
                f"answer's score means nothing). Write {it} and press **Score** to score {it} too.",
                icon=alerts.INFO,
            )
        _scores_table(scored[2])
    elif scored:
        st.caption("The prompt or the answers changed since they were scored: press **Score** to score them.")


# Under Compare's grid where no reward model is trained here: how to get one, in the Train page's words.
NO_REWARD_MODEL = (
    "No reward model here to score these answers: train one on the Train page (method **Reward model**, on "
    "preference pairs) and they can be scored here."
)


def score_answers(messages: list[dict], labels: dict, job, tools: list | None = None) -> None:
    """The Compare grid's answers scored by a reward model trained here: which answer it prefers, and by how much.
    `tools`: the test row's tool schemas, so the reward model reads the conversation as it trained on it."""
    from ftlib.rewards import reward_runs

    choices = reward_runs()
    if not choices:  # one line, not a heading over an empty section (helper 240's walk)
        st.caption(NO_REWARD_MODEL)
        return
    st.subheader("What a reward model thinks of these answers")
    # Offered by the names the Train page's picker gives their runs (the caption below says the same), not run ids
    names = _run_names()
    run_id = st.selectbox(
        "Reward model", choices, key="compare_reward_model", format_func=lambda run: names.get(run, run)
    )
    # Each row's model as the grid's row names it ("r7/merged", a run's short label), not its raw name ("base", a
    # run id): one name per model across the page (helper 66's follow-up).
    shown = [name for name, _ in labels["shown"]]
    cells = [(m, _plain(s)) for m in shown for s in labels["settings"]]
    answers = ["".join(t.text for t in tokens) for tokens in job.snapshot()]
    if st.button("Score the answers", key="compare_score"):
        with user_errors("Could not score the answers"):
            scores = _reward_model(run_id).score(messages, answers, tools)
        rows = [
            {"model": m, "setting": s, "answer": a, "score": x}
            for (m, s), a, x in zip(cells, answers, scores, strict=True)
        ]
        st.session_state["compare_scores"] = (run_id, answers, rows)
    scored = st.session_state.get("compare_scores")
    # Only the scores of the answers on the grid now, by the reward model picked now: a new grid (another seed, prompt
    # or setting) or another reward model asks for a new press, never shows the old scores beside new answers.
    if scored and scored[0] == run_id and scored[1] == answers:
        said = f"**{names[run_id]}**" if run_id in names else f"`{run_id}`"
        st.caption(f"Scored by {said}: higher means the reward model prefers it.")
        _scores_table(scored[2])


def _run_names() -> dict[str, str]:
    """Every run's name as the Train page's picker gives it, by run id (`ftlib.run_picker.numbered_labels`)."""
    from ftlib.run_picker import listed_summaries, numbered_labels

    return numbered_labels(listed_summaries())


def _plain(label: str) -> str:
    """A grid column's markdown heading as plain text for a table: "**balanced**  \n:gray[temperature 0.7 · ...]"
    -> "balanced (temperature 0.7 · ...)".

    >>> _plain("**balanced**  \\n:gray[temperature 0.7 · top-p 0.9]"), _plain("greedy")
    ('balanced (temperature 0.7 · top-p 0.9)', 'greedy')
    """
    name, _, detail = label.partition("  \n")
    name = name.replace("**", "").strip()
    detail = detail.strip()
    if detail.startswith(":gray[") and detail.endswith("]"):
        detail = detail[len(":gray[") : -1]
    return f"{name} ({detail})" if detail else name


__all__ = [
    "EXAMPLE_TEXT",
    "NO_REWARD_MODEL",
    "REWARDS_PLACEHOLDER",
    "completions_table",
    "example_rewards",
    "prompt_fields",
    "reward_help",
    "reward_preview",
    "rewards_box",
    "rewards_unwritten",
    "score_answers",
    "score_panel",
    "table_columns",
]
