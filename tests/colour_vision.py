"""Colour arithmetic for the accessibility tests: WCAG 2.1 contrast, colour-blindness simulation, colour distance.

- `contrast(fg, bg)`: WCAG 2.1 contrast ratio (relative luminance of sRGB, (L1 + 0.05) / (L2 + 0.05)); 4.5 is the
  floor for normal text (success criterion 1.4.3), 3.0 for large text and for non-text marks (1.4.11).
- `simulate(colour, kind)`: the colour as seen with protanopia, deuteranopia or tritanopia, by the severity-1.0
  matrices of Machado, Oliveira & Fernandes (2009), applied to linear RGB.
- `distance(a, b)`: CIE76 ΔE*ab in CIELAB (D65); about 2.3 is a just-noticeable difference, ~10 tells two fills
  apart at a glance.
- `over(rgba, bg)`: a translucent colour composited on its background, as the browser paints it.
"""

from __future__ import annotations

import re

MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def rgb(colour: str) -> tuple[float, ...]:
    """'#rgb', '#rrggbb' or 'rgba(r,g,b,a)' as (r, g, b[, a]) with r, g, b in 0..255."""
    colour = colour.strip()
    if m := re.fullmatch(r"rgba?\(([^)]*)\)", colour):
        return tuple(float(v) for v in m.group(1).split(","))
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    return tuple(float(int(hexes[i : i + 2], 16)) for i in (0, 2, 4))


def over(colour: str, bg: str = "#ffffff") -> str:
    """`colour` (maybe translucent) painted over the opaque `bg`, as '#rrggbb'."""
    top, base = rgb(colour), rgb(bg)
    alpha = top[3] if len(top) == 4 else 1.0
    return "#" + "".join(f"{round(alpha * t + (1 - alpha) * b):02x}" for t, b in zip(top[:3], base[:3], strict=True))


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)


def luminance(colour: str) -> float:
    r, g, b = (_linear(v) for v in rgb(colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two opaque colours, 1..21."""
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def simulate(colour: str, kind: str) -> str:
    """`colour` as a person with `kind` ('protanopia', 'deuteranopia', 'tritanopia') sees it (Machado 2009)."""
    lin = [_linear(v) for v in rgb(colour)[:3]]
    out = [sum(m * c for m, c in zip(row, lin, strict=True)) for row in MACHADO[kind]]
    return "#" + "".join(f"{round(_gamma(c)):02x}" for c in out)


def lab(colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(v) for v in rgb(colour)[:3])
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def distance(a: str, b: str) -> float:
    """CIE76 ΔE*ab between two opaque colours."""
    return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5
