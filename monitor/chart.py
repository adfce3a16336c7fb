"""The digest's chart: findings per day as a small bar chart, a PNG made with zlib.

A dependency such as matplotlib would be hundreds of megabytes for thirty
bars, so this writes the PNG itself: an indexed-colour image (four palette
entries, one byte per pixel) whose rows compress to a few hundred bytes. The
chart carries no text, because a PNG cannot use the reader's fonts; the
digest prints the dates, the total and the busiest day beside it, and the
same numbers as a text sparkline in the plain-text part.

Layout: one bar per day, oldest on the left; days marked ``shaded`` (the
weekend) get a pale background so weekly rhythm is visible; a day without
findings shows only the baseline.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

__all__ = ["BAR", "WIDTH_PER_DAY", "bar_chart_png", "sparkline"]

#: palette indices
_BACKGROUND, _BAR, _BASELINE, _SHADE = 0, 1, 2, 3
_PALETTE = (
    (0xFF, 0xFF, 0xFF),  # background
    (0x1F, 0x3A, 0x5F),  # bars: the alerts' navy
    (0x8C, 0x8C, 0x8C),  # baseline
    (0xEE, 0xEE, 0xF2),  # weekend shading
)
#: the bar colour, for the HTML legend
BAR = "#1f3a5f"
#: pixels per day (the bar and a gap of two)
WIDTH_PER_DAY = 18
_GAP = 2
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SPARKS = "▁▂▃▄▅▆▇█"


def bar_chart_png(counts: Sequence[int], *, height: int = 90, shaded: Sequence[bool] = ()) -> bytes:
    """A PNG bar chart of ``counts`` (one bar per value, left to right).

    The tallest bar fills the height above the baseline; an all-zero series
    draws only the baseline. ``shaded`` marks days with a pale background
    (default: none). The image is ``len(counts) * WIDTH_PER_DAY`` wide.

    Raises:
        ValueError: ``counts`` is empty or has a negative value, ``shaded``
            has another length, or ``height`` is below 10.
    """
    if not counts:
        raise ValueError("a chart needs at least one day")
    if any(c < 0 for c in counts):
        raise ValueError("counts cannot be negative")
    if shaded and len(shaded) != len(counts):
        raise ValueError(f"shaded has {len(shaded)} days, counts {len(counts)}")
    if height < 10:
        raise ValueError("height must be at least 10 pixels")
    width = len(counts) * WIDTH_PER_DAY
    top = max(counts) or 1
    plot = height - 2  # the last row is the baseline, one row of headroom
    # Each bar's height in rows, rounded up so a single finding is always visible.
    bars = [0 if c == 0 else max(1, -(-c * plot // top)) for c in counts]
    rows: list[bytes] = []
    for y in range(height):
        from_bottom = height - 1 - y
        row = bytearray()
        for day, bar in enumerate(bars):
            ground = _SHADE if shaded and shaded[day] else _BACKGROUND
            if from_bottom == 0:
                colour = _BASELINE
            elif from_bottom <= bar:
                colour = _BAR
            else:
                colour = ground
            row += bytes([colour]) * (WIDTH_PER_DAY - _GAP) + bytes([ground]) * _GAP
        rows.append(b"\x00" + bytes(row))  # filter type 0 (None) per row
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    palette = b"".join(bytes(rgb) for rgb in _PALETTE)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def sparkline(counts: Sequence[int]) -> str:
    """``counts`` as block characters ("▁▁▃█▁"), for the plain-text part.

    Zero is the lowest block, so every day keeps its place in the line.
    """
    top = max(counts, default=0)
    if top == 0:
        return _SPARKS[0] * len(counts)
    last = len(_SPARKS) - 1
    return "".join(_SPARKS[0 if c == 0 else max(1, -(-c * last // top))] for c in counts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
