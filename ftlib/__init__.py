"""ftlib: the engine behind the fine-tuning studio. No Streamlit in here; pages only draw.

Data flows one way: file -> data (canonical rows) -> templates + tokens (ids, labels, per-token records)
-> batching -> training (run directory) -> sampling / evaluate.
"""

import os

__version__ = "0.1.0"

# Hub kernels, which transformers 5.25 turns on by default once the `kernels` package is installed, swap layers'
# forwards on every `train()` / `eval()` (undoing the CPU fast path's own, ftlib.cpu_norm) and download kernels from
# the Hub, where the studio downloads nothing behind the user's back. Off in every process that imports ftlib, for
# models TRL loads itself too (a full GRPO run's reference model); `load_model` also asks for them off.
os.environ.setdefault("USE_HUB_KERNELS", "0")


def hub_allowed() -> bool:
    """Hub downloads are opt-in: `FTLIB_ALLOW_HUB=1` (ftlib.models reads hub ids from the local cache otherwise)."""
    return os.environ.get("FTLIB_ALLOW_HUB", "").strip().lower() in {"1", "true", "yes", "on"}


# And no library reaches the Hub unless that is on: bitsandbytes, imported by PEFT, otherwise asks it for a CPU
# kernel at import (online: a download; offline: network timeouts). huggingface_hub reads this when first imported,
# so it is set before any library that uses it.
if not hub_allowed():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
