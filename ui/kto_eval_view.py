"""The Evaluate page's part for a KTO run: its held-out answers labelled good and bad under the base and the tuned
model (`ftlib.kto_eval`, scored by the held-out evaluation's job after its answers and kept with it): how many good
answers tuning made more likely, how many bad answers less likely, and the mean change of each, as two metrics and a
small table. The loss numbers above it score the good answers only; this is what KTO trains for."""

from __future__ import annotations

import streamlit as st

from ftlib.errors import plural
from ftlib.kto_eval import LabelShift
from ftlib.loss_words import NATS_CHANGE_SAID  # once where this part shows changes in nats
from ui.tables import html_table

HEADING = "**Answers labelled good and bad** ({n}): did tuning move each the way its label asks?"


def _change(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:+.{digits}f}"  # NaN: no answer of that label


def labels_section(shift: LabelShift, base: str = "Base", base_said: str = "the base model", beta=None) -> None:
    """Draw `shift` (a KTO run's held-out answers, `kto_eval.label_shift`); `base`/`base_said`: the base model's name
    in the metrics and in sentences; `beta`: the run's, to relate the changes to the Train page's held-out rewards."""
    good, bad = shift.side(True), shift.side(False)
    st.markdown(HEADING.format(n=len(shift.answers)))
    k1, k2 = st.columns(2)
    k1.metric(
        "Good answers more likely",
        f"{good['moved']} of {good['answers']}",
        f"{_change(good['mean_change'])} nats (mean)" if good["answers"] else None,
        help=f"Answers labelled good that the tuned model finds more likely than {base_said} did. The change is the "
        "tuned model's log-probability of the whole answer minus the base's (nats; above 0: more likely).",
    )
    k2.metric(
        "Bad answers less likely",
        f"{bad['moved']} of {bad['answers']}",
        f"{_change(bad['mean_change'])} nats (mean)" if bad["answers"] else None,
        delta_color="inverse",  # a bad answer made less likely is the good direction
        help=f"Answers labelled bad that the tuned model finds less likely than {base_said} did (below 0: less "
        "likely).",
    )
    table = [
        {
            "label": label,
            "answers": side["answers"],
            "moved as labelled": f"{side['moved']} ({way} likely)",
            f"mean change vs {base} (nats)": _change(side["mean_change"]),
            "per token": _change(side["mean_change_per_token"], 3),
        }
        for label, way, side in (("good", "more", good), ("bad", "less", bad))
    ]
    st.html(html_table(table, widths={"label": "4em", "answers": "5em"}))
    trl = (
        f" The Train page's held-out rewards of good and bad answers are beta ({beta:g}) times these mean changes."
        if beta is not None
        else ""
    )
    skipped = f" {plural(len(shift.skipped), 'answer')} could not be scored." if shift.skipped else ""
    st.caption(
        "Each answer is scored after its prompt under both models: its log-probability summed over its tokens, as KTO "
        "sums it (the per-token mean changes are beside them for answers of different lengths; more or less likely "
        "is the same either way). The loss above scores the good answers only; KTO also trains the bad ones down, "
        "and preference tuning often makes both less likely than before: the gap between the two mean changes is then "
        "what it learned. " + NATS_CHANGE_SAID + trl + skipped
    )
