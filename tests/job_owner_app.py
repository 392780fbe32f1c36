"""A one-button Streamlit app for tests/test_job_owner_browser.py: **Start** starts a job that holds the CPU's device
lease until it is cancelled (no safe point, so nobody else gets the device meanwhile), kept in `st.session_state` as
the Compare and Evaluate pages keep theirs. It imports ui.common as every page does, which is what has the job
watched for its browser session. The job notes when it began and why it ended, one JSON line each, in the file
`FTLIB_TEST_JOB_LOG` names."""

from __future__ import annotations

import json
import os
import threading

import streamlit as st

import ui.common  # noqa: F401 (what every page imports)
from ftlib import jobs


def note(**event) -> None:
    with open(os.environ["FTLIB_TEST_JOB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(event) + "\n")


class Holding(jobs.BackgroundJob):
    kind = "generation"

    def work(self) -> None:
        note(event="began")
        while not self.cancelled:
            threading.Event().wait(0.02)
        note(event="ended", why=self.cancelled_why)


def page() -> None:
    if st.button("Start"):
        st.session_state["job"] = Holding(label="a closed tab's grid", device="cpu").start()
    job = st.session_state.get("job")
    st.write("Running" if job is not None and not job.done else "Idle")


if __name__ == "__main__":  # what `streamlit run` names the script; pytest's doctest collection only imports it
    page()
