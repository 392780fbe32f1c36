"""One lock, within this process, around every transformers model the studio builds: `from_pretrained` loads and the
meta-device `from_config` builds that read a model's shape (a leaf module: every loader imports it, it imports none).

Why: transformers 5.25's `from_pretrained` swaps `PreTrainedModel.tie_weights` for a no-op on the CLASS, for the
whole process, while it loads (`transformers.initialization.no_tie_weights`; it also sets torch's default dtype).
The app loads models in several threads of one process (Streamlit sessions: Compare and Evaluate load, the Train
page's memory estimate builds a meta model). A model built in another thread meanwhile came out untied: the Train
page's estimate said 163M parameters for the 135M default (its lm_head counted apart from the embeddings). Two
overlapping loads could leave tying off for good: the second saves the first's no-op as the "original" and puts it
back last, after which a tied model loads with an untied lm_head that no weight fills.

    with building_models():
        model = AutoModelForCausalLM.from_pretrained(path)   # no other build of this process runs meanwhile
"""

from __future__ import annotations

import threading

# Re-entrant: a load that reads a model's shape on the way (a check inside a loader) takes it again without blocking.
_BUILDING = threading.RLock()


def building_models():
    """The process-wide re-entrant lock held around each transformers model build (`with building_models(): ...`).
    Blocks while another thread of this process builds or loads one; other processes are not affected (each has its
    own transformers classes). Held only for the build itself, never while the model runs."""
    return _BUILDING
