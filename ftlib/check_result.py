"""What a pre-flight check reports (`Check`), shared by ftlib.checks and ftlib.prompt_checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    """One finding of a pre-flight check: a stable `code` ("double_bos"), its `severity` (one of SEVERITIES: an error
    stops `train`), what is wrong and the fix in plain words; `for_engineers`: pages fold it away."""

    code: str
    severity: str  # "error" | "warning" | "info"
    message: str  # what is wrong, in plain words
    fix: str  # what to do about it
    for_engineers: bool = False  # only matters to someone writing their own training code: pages fold it away

    def as_dict(self) -> dict:
        return asdict(self)


__all__ = ["SEVERITIES", "Check"]
