"""What a loaded model holds: its parameters (trainable ones apart, 4-bit ones unpacked, tied ones once), the dtype
and device of its weights and the bytes they take (`python -m ftlib models info`). Moved out of models.py, which
re-exports both names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class ModelInfo:
    """`model_info`'s answer: parameters (4-bit ones unpacked), the first parameter's dtype and device, bytes."""

    name: str
    parameters: int
    trainable_parameters: int
    dtype: str
    device: str
    memory_bytes: int

    def as_dict(self) -> dict:
        return asdict(self)


def model_info(model, name: str = "") -> ModelInfo:
    """Parameter counts, dtype, device and the bytes the weights and buffers occupy."""
    seen: set[int] = set()
    params = trainable = nbytes = 0
    for p in model.parameters():
        if id(p) in seen:  # tied weights count once
            continue
        seen.add(id(p))
        n = p.numel()
        # bitsandbytes packs two 4-bit values per byte into a uint8 tensor of half the element count.
        if p.dtype.is_floating_point is False and hasattr(p, "quant_state"):
            n *= 2
        params += n
        trainable += n if p.requires_grad else 0
        nbytes += p.numel() * p.element_size()
    nbytes += sum(b.numel() * b.element_size() for b in model.buffers())
    first = next(model.parameters())
    return ModelInfo(
        name=name or getattr(model.config, "_name_or_path", ""),
        parameters=params,
        trainable_parameters=trainable,
        dtype=str(first.dtype).replace("torch.", ""),
        device=str(first.device),
        memory_bytes=nbytes,
    )


__all__ = ["ModelInfo", "model_info"]
