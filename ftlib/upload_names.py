"""What an upload is called: the name it had on the user's machine and when it was uploaded, from the name it is
stored under in the workspace's uploads/ (`workspace.save_upload`: "20261129-231833-af4651-faq_export.csv").

Not known here: where uploads are stored or how a name is made safe (workspace.py, file_names.py).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

# The stored name's prefix: the upload's date and time, then a random tag (none in older uploads' names).
UPLOAD_PREFIX = re.compile(r"^\d{8}-\d{6}-(?:[0-9a-f]{6}-)?")


def upload_name(path: str | Path) -> str:
    """The name an upload had on the user's machine (as `safe_name` kept it), without the stored prefix.

    >>> upload_name("/ws/uploads/20261129-231833-af4651-faq_export.csv")
    'faq_export.csv'
    """
    name = Path(path).name
    return UPLOAD_PREFIX.sub("", name, count=1) or name


def upload_label(path: str | Path) -> str:
    """An upload as the Data page names it: its name on the user's machine and when it was uploaded (the stored
    name's prefix); a file not named as an upload is named as it is.

    >>> upload_label("/ws/uploads/20261129-231833-af4651-faq_export.csv")
    'faq_export.csv (uploaded 2026-11-29 23:18)'
    """
    n = Path(path).name
    if not UPLOAD_PREFIX.match(n):
        return n
    return f"{upload_name(n)} (uploaded {n[:4]}-{n[4:6]}-{n[6:8]} {n[9:11]}:{n[11:13]})"


def upload_labels(paths: list[str | Path]) -> dict[str, str]:
    """`upload_label` of each stored upload, by its stored name; two that read alike (teammates' `train.jsonl` of one
    minute) are told apart by the second and the stored tag: reopening one must not pick the other's rows.

    >>> names = ["20261205-150301-ab12cd-t.csv", "20261205-150344-ef34a0-t.csv", "20261204-090000-t.csv"]
    >>> list(upload_labels(names).values())  # doctest: +NORMALIZE_WHITESPACE
    ['t.csv (uploaded 2026-12-05 15:03:01, ab12cd)', 't.csv (uploaded 2026-12-05 15:03:44, ef34a0)',
     't.csv (uploaded 2026-12-04 09:00)']
    """
    labels = {Path(p).name: upload_label(p) for p in paths}
    alike = Counter(labels.values())
    for n, label in labels.items():
        if alike[label] > 1 and (tag := UPLOAD_PREFIX.match(n)):  # the tag: "ab12cd", none in older uploads' names
            tag = ", " + tag.group(0)[16:-1] if len(tag.group(0)) > 16 else ""
            labels[n] = f"{upload_name(n)} (uploaded {n[:4]}-{n[4:6]}-{n[6:8]} {n[9:11]}:{n[11:13]}:{n[13:15]}{tag})"
    return labels


__all__ = ["UPLOAD_PREFIX", "upload_label", "upload_labels", "upload_name"]
