"""How one row picks its next token: decoding settings (`DecodingSetting`, the presets, `parse_setting`) and the
logits processing the decoding loop and the next-token view share (`penalize_repeats`, `process_logits`).

The order and formulas are transformers' (`generation/logits_process.py`): the repetition penalty first, on every
decoding (greedy too), then temperature, top-k, top-p and min-p, on sampled rows only.

    parse_setting("temperature=0.8,min_p=0.05,repetition_penalty=1.2")
    scores = process_logits(penalize_repeats(logits, seen, penalty), temperature, top_k, top_p, min_p)

Not known here: models, prompts, the decoding loop (`ftlib.sampling`), Streamlit.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass

from ftlib.errors import UserError

MAX_REPETITION_PENALTY = 10.0
# The seeds a grid takes (the Compare page's box and `sample --seed`): one range, so either reproduces the other.
SEED_RANGE = (0, 2**31 - 1)
# What an answer is given when no one says otherwise, here only: `sample` and `evaluate` (--max-new-tokens,
# --batch-size), the Evaluate page's boxes (whose kept results the CLI's then find) and the engine's generate and
# evaluate. Compare's grid starts longer on purpose (its own GRID_TOKENS).
DEFAULT_NEW_TOKENS = 64  # the longest answer, in tokens
ANSWER_BATCH = 8  # rows answered together in one decoding loop


class SamplingError(UserError):
    """A decoding setting or request that cannot work; the message says how to fix it."""


# ---------------------------------------------------------------- decoding settings


def short_number(value: float) -> str:
    """`value` as short as it reads back exactly: `:g` (0.9, 1, 1e-05) where its 6 significant digits are the value,
    else Python's shortest text that reads back as it (0.9999999, which `:g` writes 1: top_p "off").

    >>> short_number(0.9), short_number(1.0), short_number(0.9999999)
    ('0.9', '1', '0.9999999')
    """
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


@dataclass(frozen=True)
class DecodingSetting:
    """How one row picks its next token. `temperature=0` means greedy (always the most likely token).

    `min_p` keeps the tokens at least `min_p` times as likely as the most likely one (Nguyen et al. 2024, "Turning
    Up the Heat: Min-p Sampling"; transformers' MinPLogitsWarper). `repetition_penalty` lowers the logit of every
    token already in the prompt or the answer: a positive logit divided by it, a negative one multiplied (Keskar et
    al. 2019, CTRL; transformers' RepetitionPenaltyLogitsProcessor), so each becomes less likely than before against
    every token not yet used (not always less likely outright: `penalize_repeats`); it applies to greedy decoding too.
    """

    temperature: float = 1.0  # divides the logits: <1 sharpens, >1 flattens; 0 = greedy
    top_k: int = 0  # keep only the k most likely tokens; 0 = off
    top_p: float = 1.0  # keep the smallest set of most likely tokens whose probabilities reach p; 1 = off
    name: str = ""  # display label; not part of the seed
    min_p: float = 0.0  # keep tokens at least min_p x the most likely one's probability; 0 = off
    repetition_penalty: float = 1.0  # >1 discourages tokens already seen, <1 encourages them; 1 = off

    def __post_init__(self) -> None:
        t, k, p = self.temperature, self.top_k, self.top_p
        m, r = self.min_p, self.repetition_penalty
        # Below 0.001 the logits / temperature overflow float32 (1e-50: inf, then NaN probabilities); it is greedy.
        if not _number(t) or not (t == 0 or 0.001 <= t <= 100):
            raise SamplingError(f"temperature must be 0 (greedy) or a number from 0.001 to 100, got {t!r}.")
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise SamplingError(f"top_k must be a whole number >= 0 (0 turns it off), got {k!r}.")
        if not _number(p) or not 0 < p <= 1:
            raise SamplingError(
                f"top_p must be above 0 and at most 1 (1 turns it off), got {p!r}. "
                "For always the most likely token use greedy (temperature=0)."
            )
        if not _number(m) or not 0 <= m < 1:
            raise SamplingError(
                f"min_p must be at least 0 and below 1 (0 turns it off; 0.05-0.1 is usual), got {m!r}."
            )
        if not _number(r) or not 0 < r <= MAX_REPETITION_PENALTY:
            raise SamplingError(
                f"repetition_penalty must be above 0 and at most {MAX_REPETITION_PENALTY:g} (1 turns it off; 1.1-1.3 "
                f"is usual), got {r!r}."
            )
        if t == 0 and (k or p < 1 or m):
            raise SamplingError(
                "temperature 0 means greedy decoding, which always takes the most likely token, so top_k/top_p/min_p "
                "would have no effect. Remove them, or use a temperature above 0 to sample."
            )

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    @property
    def key(self) -> str:
        """Canonical text of the values (the seed depends on it, the name does not); `parse_setting` reads it back as
        these very values, so distinct settings have distinct keys (`short_number`). Settings without min-p and a
        repetition penalty, and values of 6 significant digits, keep the keys (and so the seeds) they always had."""
        n = short_number
        penalty = f"repetition_penalty={n(self.repetition_penalty)}" if self.repetition_penalty != 1 else ""
        if self.greedy:
            return f"temperature=0,{penalty}" if penalty else "greedy"
        parts = [f"temperature={n(self.temperature)}"]
        if self.top_k:
            parts.append(f"top_k={self.top_k}")
        if self.top_p < 1:
            parts.append(f"top_p={n(self.top_p)}")
        if self.min_p:
            parts.append(f"min_p={n(self.min_p)}")
        if penalty:
            parts.append(penalty)
        return ",".join(parts)

    @property
    def label(self) -> str:
        return self.name or self.key

    def as_dict(self) -> dict:
        return asdict(self)


GREEDY = DecodingSetting(temperature=0.0, name="greedy")
PRESETS: dict[str, DecodingSetting] = {
    "greedy": GREEDY,
    "precise": DecodingSetting(temperature=0.3, top_k=20, name="precise"),
    "balanced": DecodingSetting(temperature=0.7, top_p=0.9, name="balanced"),
    "creative": DecodingSetting(temperature=1.0, top_p=0.95, name="creative"),
    "wild": DecodingSetting(temperature=1.5, name="wild"),
}


def presets_said() -> str:
    """Each preset's values in words, for a newcomer choosing columns before any grid shows them.

    >>> presets_said().split("; ")[:2]
    ['greedy: always the likeliest token (temperature 0)', 'precise: temperature 0.3, top-k 20']
    """
    said = []
    for name, s in PRESETS.items():
        if s.greedy:
            said.append(f"{name}: always the likeliest token (temperature 0)")
            continue
        parts = [f"temperature {short_number(s.temperature)}"]
        parts += [f"top-k {s.top_k}"] if s.top_k else []
        parts += [f"top-p {short_number(s.top_p)}"] if s.top_p < 1 else []
        parts += [f"min-p {short_number(s.min_p)}"] if s.min_p else []
        said.append(f"{name}: {', '.join(parts)}")
    return "; ".join(said)


_ALIASES = {
    "temperature": "temperature",
    "temp": "temperature",
    "t": "temperature",
    "top_k": "top_k",
    "topk": "top_k",
    "k": "top_k",
    "top_p": "top_p",
    "topp": "top_p",
    "p": "top_p",
    "min_p": "min_p",
    "minp": "min_p",
    "repetition_penalty": "repetition_penalty",
    "repeat_penalty": "repetition_penalty",  # llama.cpp's and Ollama's name
    "rep_penalty": "repetition_penalty",
}
_KEYS = "temperature, top_k, top_p, min_p, repetition_penalty"


def parse_setting(text: str) -> DecodingSetting:
    """A preset name, `key=value` pairs (keys: temperature, top_k, top_p, min_p, repetition_penalty), or a preset
    followed by pairs that change it.

    >>> parse_setting("temperature=0.8,top_p=0.9").key
    'temperature=0.8,top_p=0.9'
    >>> parse_setting("greedy").greedy, parse_setting("t=0,repeat_penalty=1.2").key
    (True, 'temperature=0,repetition_penalty=1.2')
    >>> parse_setting("balanced,min_p=0.05").key  # a preset, changed
    'temperature=0.7,top_p=0.9,min_p=0.05'
    >>> parse_setting("balanced,temperature=0").key  # made greedy: the preset's filters would do nothing
    'greedy'
    >>> parse_setting("temprature=2")
    Traceback (most recent call last):
    ...
    ftlib.decoding.SamplingError: Cannot read the decoding setting 'temprature=2': 'temprature' is not a decoding \
setting. Did you mean temperature=2? The settings are temperature, top_k, top_p, min_p, repetition_penalty (or a \
preset: greedy, precise, balanced, creative, wild).
    """
    text = (text or "").strip()
    if text.lower() in PRESETS:
        return PRESETS[text.lower()]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    values: dict = {}
    if parts and parts[0].lower() in PRESETS:  # a preset with changes: "greedy,repetition_penalty=1.2"
        preset = PRESETS[parts.pop(0).lower()]
        base = {k: v for k, v in preset.as_dict().items() if k != "name"}
    else:
        base = {}
    for part in parts:
        if part.count("=") > 1 or ";" in part:  # "temperature=0.8 top_p=0.9": pairs not split by commas
            raise SamplingError(
                f"Cannot read the decoding setting '{text}': '{part}' holds more than one key=value pair. Separate "
                "them with commas: temperature=0.8,top_p=0.9."
            )
        key, sep, raw = part.partition("=")
        name = _ALIASES.get(key.strip().lower().replace("-", "_"))  # top-p as the CLI's options spell words
        # A key misspelt ("temprature=2"): the nearest one named, as the CLI's options are ("=2": no key, said below)
        if sep and name is None and (preset := key.strip().lower()) in PRESETS:  # "greedy=1": a preset takes no value
            raise SamplingError(
                f"Cannot read the decoding setting '{text}': '{key.strip()}' is a preset, which takes no value: give "
                f"it alone ({preset}), first with changes ({preset},repetition_penalty=1.2), or the settings "
                f"themselves ({_KEYS})."
            )
        if sep and name is None and key.strip():
            import difflib

            near = difflib.get_close_matches(key.strip().lower().replace("-", "_"), list(_ALIASES), n=1, cutoff=0.75)
            meant = f" Did you mean {_ALIASES[near[0]]}={raw.strip()}?" if near else ""
            raise SamplingError(
                f"Cannot read the decoding setting '{text}': '{key.strip()}' is not a decoding setting.{meant} The "
                f"settings are {_KEYS} (or a preset: {', '.join(PRESETS)})."
            )
        if not sep or name is None:
            raise SamplingError(
                f"Cannot read the decoding setting '{text}': '{part}' is not key=value with a key among "
                f"{_KEYS} (or a preset: {', '.join(PRESETS)})."
            )
        if name in values:  # "temperature=0.8,temperature=0.2": the label would keep both, the last would win
            raise SamplingError(f"'{text}' gives {name} twice: give each of {_KEYS} once.")
        try:
            values[name] = int(raw) if name == "top_k" else float(raw)
        except ValueError:
            kind = "a whole number" if name == "top_k" else "a number"
            raise SamplingError(f"'{part}' in '{text}': {raw.strip()!r} is not {kind}.") from None
    if not values and not base:
        raise SamplingError(f"Empty decoding setting. Use a preset ({', '.join(PRESETS)}) or temperature=0.8,...")
    if values.get("temperature") == 0:  # a preset made greedy: its own top_k/top_p/min_p would do nothing (the
        # user's own would still be refused, as they asked for them), as the Compare page drops them
        base = {k: v for k, v in base.items() if k not in ("top_k", "top_p", "min_p")}
    return DecodingSetting(**{**base, **values}, name=text)


def row_seed(seed: int, setting: DecodingSetting) -> int:
    """The seed of one row's generator: stable across processes (crc32, not Python's salted hash)."""
    return zlib.crc32(f"{int(seed)}|{setting.key}".encode()) & 0x7FFFFFFF


# ---------------------------------------------------------------- logits processing


def penalize_repeats(logits, seen, penalty):
    """transformers' RepetitionPenaltyLogitsProcessor, row by row: where `seen` is set, a logit > 0 is divided by
    the row's `penalty`, one < 0 multiplied. A penalty > 1 so always lowers a seen token's logit and its odds against
    every unseen token, but not always its probability: where a likelier seen token drops more, a seen token with a
    small positive logit can gain (logits 10 and 0.1 seen, 5 not: 0.1's probability rises about 70-fold at penalty 2).

    `logits` [B, V] float, `seen` [B, V] bool (the tokens of the row's prompt and answer so far; no padding),
    `penalty` [B] tensor or a number (1 = off). Returns a new tensor; `logits` is not changed.
    """
    import torch

    penalty = torch.as_tensor(penalty, dtype=logits.dtype, device=logits.device).expand(logits.shape[0])[:, None]
    penalized = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(seen, penalized, logits)


def settings_on_device(top_k, top_p, min_p, device) -> tuple:
    """(top_k, min_p, the rows top_p filters) on `device`, from the [B] settings on the CPU: `process_logits`'s
    `on_device`."""
    import torch

    rows = torch.as_tensor(top_p, dtype=torch.float64).lt(1).nonzero().squeeze(1)
    return torch.as_tensor(top_k).to(device), torch.as_tensor(min_p).to(device), rows.to(device)


def process_logits(logits, temperature, top_k, top_p, min_p=0.0, on_device=None):
    """Per-row temperature, then top-k, top-p and min-p (transformers' order); removed tokens become -inf.

    `logits` is [B, V] float; `temperature` (>0), `top_k` (0 = off), `top_p` (1 = off), `min_p` (0 = off) are [B]
    tensors (or numbers). The result matches transformers' Temperature/TopK/TopP/MinP logits warpers row by row.
    `on_device`: `settings_on_device(top_k, top_p, min_p, device)`, made once for a decoding loop: copying the
    settings to a GPU at every token waits for it each time.
    """
    import torch

    rows, vocab = logits.shape
    device = logits.device
    temperature = torch.as_tensor(temperature, dtype=logits.dtype, device=device).expand(rows)
    # Which filters run is decided on the CPU copies of the settings: on a GPU, asking the device (`.any()`, `.max()`)
    # waits for it at every generated token. Settings given on the CPU (as sampling.generate gives them) cost no wait.
    k_host = torch.as_tensor(top_k, dtype=torch.long).cpu().expand(rows)
    # float64 on the CPU, as the Python float transformers' TopPLogitsWarper keeps: its threshold 1 - p is taken in
    # float64 before it meets the float32 scores (1 - float32(0.9999) is 1.7e-8 off, enough to keep one more token).
    top_p = torch.as_tensor(top_p, dtype=torch.float64, device="cpu").expand(rows)
    min_host = torch.as_tensor(min_p, dtype=logits.dtype).cpu().expand(rows)
    top_k, min_p, p_rows = on_device or settings_on_device(k_host, top_p, min_host, device)
    scores = logits / temperature[:, None]
    k_on = top_k > 0
    if bool((k_host > 0).any()):
        kmax = int(min(int(k_host.max()), vocab))
        kth = torch.topk(scores, kmax, dim=-1).values.gather(1, (top_k.clamp(1, kmax) - 1)[:, None])
        # Ties with the k-th score survive, exactly as in TopKLogitsWarper.
        kth = torch.where(k_on[:, None], kth, torch.full_like(kth, -math.inf))
        scores = scores.masked_fill(scores < kth, -math.inf)
    p_on = top_p < 1
    if bool(p_on.any()):
        from ftlib.nucleus import top_p_remove

        on = p_on.nonzero().squeeze(1)
        idx = p_rows
        sub = scores[idx]
        # Drop the low tail whose mass is at most 1-p; the most likely token always stays (TopPLogitsWarper's set,
        # found among the top tokens instead of sorting the vocabulary: ftlib.nucleus).
        remove = top_p_remove(sub, top_p[on])
        scores = scores.clone()
        scores[idx] = sub.masked_fill(remove, -math.inf)
    if bool((min_host > 0).any()):
        # MinPLogitsWarper: over what top-k and top-p kept (renormalised), below min_p x the top probability goes;
        # the top token has exactly that and min_p < 1, so it always stays. min_p = 0 removes nothing.
        probs = scores.softmax(-1)
        scores = scores.masked_fill(probs < min_p[:, None] * probs.amax(-1, keepdim=True), -math.inf)
    return scores


__all__ = [
    "ANSWER_BATCH",
    "DEFAULT_NEW_TOKENS",
    "GREEDY",
    "PRESETS",
    "DecodingSetting",
    "SamplingError",
    "parse_setting",
    "penalize_repeats",
    "process_logits",
    "settings_on_device",
    "row_seed",
    "short_number",
]
