"""A run's place in its device's queue: which runs exclude each other (`slot`, `conflict`), and what a queued run
waits behind, in words (`place_in_line`; `runs.queue_place` by id).

    conflict(slot({"device": "cuda"}), slot({"device": "cuda:1"}))   # True: "cuda" means every GPU
    place_in_line(RunDir(path))  # "Queued: 2nd in line, after lora · chat_style · Nov 30 14:15 (training, ...)."

Not known here: starting runs and settling dead ones (runs.py), what a run folder holds (rundir.py).
"""

from __future__ import annotations

from ftlib.errors import plural
from ftlib.run_create import QUEUED_MESSAGE
from ftlib.run_picker import kept_summary, numbered_labels
from ftlib.run_summary import doing_words, ordinal
from ftlib.rundir import ACTIVE, DONE, RunDir, run_folders


def slot(status: dict) -> tuple[str, str]:
    """What a run occupies: its device, and the rendezvous of a run on several machines ("" for one machine)."""
    return status.get("device") or "cpu", status.get("rendezvous") or ""


def conflict(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two runs' slots (`slot`) exclude each other. `cuda` means "the GPUs" and blocks every
    `cuda:N`; `cuda:0` and `cuda:1` can run side by side. Two machines' halves of one run (the same rendezvous)
    never wait for each other: sharing a workspace (on one host, or a home folder several machines mount), the second
    half queued behind the first, which waited for it until the rendezvous timed out.

    >>> conflict(("cuda", ""), ("cuda:1", "")), conflict(("cuda:0", ""), ("cuda:1", ""))
    (True, False)
    >>> conflict(("cpu", "r1"), ("cpu", "r1"))  # two machines' halves of one run
    False
    """
    (a, ra), (b, rb) = a, b
    if ra and ra == rb:
        return False
    if a == b:
        return True
    return (a == "cuda" and b.startswith("cuda")) or (b == "cuda" and a.startswith("cuda"))


def place_in_line(run: RunDir, named: int = 3) -> str:
    """Where a queued run is in its device's line and behind what (what a page and `runs show` say of it, rather
    than "Waiting for its turn."); "" for a run not queued.

    "Queued: 2nd in line, after lora-a · lora · chat_style · Nov 30 14:15 #2 (training, step 5 of 12)." The runs
    training on its device come first, then the runs queued before it, in the order they will start; the first
    `named` are named as the Train page's picker names them (`ftlib.run_picker.numbered_labels`: the base model
    where runs used several, a number where picker texts are equal). A resumed run's own message follows
    ("Waiting to resume from checkpoint-9.").
    """
    status = run.read_status()
    if status.get("state") != "queued":
        return ""
    place = (status.get("queued_at", 0), run.id)
    # Listed once: the runs ahead and the names they are numbered among come from this one listing. Listed twice,
    # a run deleted in between was counted in neither "ahead" nor the line's ordinal, though it had been in line.
    folders = run_folders()
    training, waiting, states = [], [], {}
    for other in folders:
        theirs = other.read_status()
        states[other.id] = theirs.get("state")
        if other == run or not conflict(slot(status), slot(theirs)):
            continue
        if theirs.get("state") in ACTIVE:
            training.append(other)
        elif theirs.get("state") == "queued" and (theirs.get("queued_at", 0), other.id) < place:
            waiting.append(((theirs.get("queued_at", 0), other.id), other))
    own = "" if status.get("message") in (None, "", QUEUED_MESSAGE) else f" {status['message']}"
    if not training and not waiting:
        return f"Queued: next in line; it starts as soon as the queue moves (within seconds).{own}"
    # Named as the Train page's picker names them (its labels over every run, numbers included): two runs of one
    # minute read alike by their own labels, and without their base model where runs used several (helper 65's walk).
    # An ended run's summary is read again only when its files change (`kept_summary`): a queued run's page asks at
    # every poll, and with 100 finished runs reading each one's summary took 8 times what the rest of this does.
    every = {
        info.id: info for info in (kept_summary(r.path) if states.get(r.id) in DONE else r.summary() for r in folders)
    }
    ahead = [every[r.id] for r in training + [r for _, r in sorted(waiting, key=lambda w: w[0])]]
    labels = numbered_labels(list(every.values()))
    names = [f"{labels[info.id]} ({doing_words(info)})" for info in ahead[:named]]
    if len(ahead) > named:
        names.append(plural(len(ahead) - named, "more run"))
    after = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Queued: {ordinal(len(ahead) + 1)} in line, after {after}.{own}"


__all__ = ["conflict", "place_in_line", "slot"]
