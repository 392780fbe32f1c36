"""The Evaluate page for a reward-model run: its score head on the run's held-out preference pairs.

A reward model writes no answers, so there is no base-vs-tuned loss to show: each held-out pair's chosen and rejected
answers are scored (`ftlib.reward_eval.PairsJob`, in a thread that never calls st.*), and the page shows how often
the chosen answer scores higher (accuracy), by how much (margin), the loss, and the pairs themselves, worst first.
The numbers are TRL's RewardTrainer's (the Train page's held-out chart plots the same during training). Scores
measured to their end are kept in the run's folder (`ftlib.eval_results.KeptPairsJob`): a reload, another tab or a
later visit with the same number of pairs shows them again, saying when they were measured; scores kept for another
number of pairs are named, so that number can be set again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ftlib import eval_results as K
from ftlib.errors import plural
from ftlib.reward_eval import RANKED_RIGHT, PairsJob
from ftlib.rundir import run_folder_of
from ui import alerts
from ui.common import restore_kept, run_job_section, skipped_rows
from ui.evaluate_view import (
    ACCURACY_HELP,
    changed_said,
    csv_download,
    how_sure,
    kept_said,
    places_of,
    say_others,
    with_places,
)
from ui.inputs import number_in_range
from ui.kept import default_for, keep
from ui.tables import BREAKS_SAID, one_line

JOB_KEY = "evaluate_pairs_job"  # (run name, its PairsJob): the last scoring of this session


def pairs_section(run_name: str, label: str, info, run_path: str) -> None:
    """Everything the page shows for reward-model run `run_name` (named `label`; `info`: its ftlib.evaluate.RunInfo,
    its adapter or model folder `run_path`) on its held-out rows."""
    rows = info.test_rows
    st.caption(
        "A reward model writes no answers: it scores them. Here it scores each held-out pair's chosen and rejected "
        "answer; a good one scores the chosen answer higher."
    )
    c1, _ = st.columns([1, 2])
    rows_key = f"evaluate_pairs_rows_{run_name}"
    n_rows = number_in_range(
        c1,
        "Pairs to score",
        1,
        len(rows),
        default_for(rows_key, min(50, len(rows)), range(1, len(rows) + 1)),
        key=rows_key,
        help="One forward pass per answer: fast, even on a CPU.",
        on_change=keep,
        args=(rows_key,),
    )
    keep(rows_key)
    folder = run_folder_of(run_path)
    # Everything that decides the scores (`ftlib.eval_results`): scores kept with the run under it are shown again.
    kept_key = None if n_rows is None else K.pairs_key(run_path, **K.run_rows(info, int(n_rows)))
    # Scored earlier with these very choices (a reload, another tab, another day): those scores, not nothing.
    restore_kept(
        JOB_KEY, run_name, kept_key, lambda: K.KeptPairsJob.restored(folder, kept_key, run_name, rows, int(n_rows))
    )
    words = {
        "idle": "Press **Score the pairs** to have the reward model score the held-out pairs.",
        "done": "scored",
        "error": "Could not score the pairs",
        "empty": "Stopped before any pair was scored.",
    }
    job = run_job_section(
        JOB_KEY,
        run_name,
        label,
        "Score the pairs",
        lambda: K.KeptPairsJob(run_name, rows, limit=int(n_rows), run_dir=folder, key=kept_key).start(),
        words,
        disabled=n_rows is None,
    )
    say_others(st.session_state.get(JOB_KEY), run_name, folder, kept_key)  # scored with other choices: said
    if job is not None:
        _result(job, run_name, kept_key, info)


def _result(job: PairsJob, run_name: str, kept_key: dict | None, info=None) -> None:
    result = job.result
    agg = result.aggregates()
    if job.cancelled:
        st.warning(f"Stopped early: {plural(len(result.rows), 'pair')} scored.", icon=alerts.WARNING)
    if getattr(job, "measured_at", None) is not None:  # kept from an earlier visit (a reload, another tab)
        st.caption(kept_said(job.measured_at, "Score the pairs"))
    if said := changed_said(getattr(job, "kept_key", None), kept_key, "Score the pairs"):
        st.caption(said)
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Accuracy",
        f"{agg['reward_accuracy']:.0%}",
        help="Share of pairs whose chosen answer scores higher than the rejected one (a tie counts as wrong).",
    )
    m2.metric("Mean margin", f"{agg['mean_reward_margin']:+.3f}", help="Chosen score minus rejected score, averaged.")
    m3.metric("Loss", f"{agg['loss']:.3f}", help="Mean of -log sigmoid(margin): what training minimised.")
    how_sure(result.accuracy_stats().sentence(RANKED_RIGHT), ACCURACY_HELP)
    st.caption(
        f"On {plural(agg['pairs'], 'held-out pair')}; TRL's RewardTrainer formulas, as the Train page's held-out "
        "chart plots them during training. A score means nothing alone: only which of two answers scores higher."
    )
    # each skipped row's line in the file beside it in the expander, not in a caption outside it
    places = places_of(info, [i for i, _ in result.skipped]) if info is not None else None
    skipped_rows(result.skipped, f"{plural(len(result.skipped), 'row')} not scored", places)
    table = pd.DataFrame([r.as_dict() for r in result.rows])
    table.insert(0, "row", table.pop("index") + 1)
    table = with_places(table, info) if info is not None else table  # each pair's line in the file: a `where` column
    table = table.sort_values("margin")  # the pairs it ranks worst first: what to read
    st.markdown("**The pairs, worst ranked first**")
    shown = ["row", "where"] if "where" in table else ["row"]
    texts = ["prompt", "chosen", "rejected"]
    broken = table[texts].map(lambda text: "\n" in text or "\r" in text).to_numpy().any()
    table[texts] = table[texts].map(one_line)  # the grid shows a break as a space: each is ⏎ (the CSV keeps them)
    st.dataframe(
        table[[*shown, *texts, "chosen_score", "rejected_score", "margin", "ranked_right"]],
        hide_index=True,
        width="stretch",
    )
    if broken:
        st.caption(BREAKS_SAID)
    csv_download(result, f"eval-{run_name}.csv")  # built on the click, not on each rerun


__all__ = ["pairs_section"]
