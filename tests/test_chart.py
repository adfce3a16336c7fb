"""The digest's chart: a valid PNG whose bars have the right heights, and the text sparkline."""

from __future__ import annotations

import struct
import zlib

import pytest

from monitor.chart import WIDTH_PER_DAY, bar_chart_png, sparkline

BAR, BASELINE, SHADE = 1, 2, 3


def decode(png: bytes) -> tuple[int, int, list[tuple[int, int, int]], list[bytes]]:
    """Width, height, palette and pixel rows of an 8-bit indexed PNG; checks every CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        chunks.append((kind, data))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 3)
    plte = chunks[1][1]
    palette = [tuple(plte[i : i + 3]) for i in range(0, len(plte), 3)]
    raw = zlib.decompress(chunks[2][1])
    stride = width + 1
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(r[0] == 0 for r in rows)  # filter type None
    return width, height, palette, [r[1:] for r in rows]  # type: ignore[return-value]


def bar_height(rows: list[bytes], day: int) -> int:
    """Rows of bar colour in the middle column of ``day``'s bar."""
    x = day * WIDTH_PER_DAY + 4
    return sum(1 for r in rows if r[x] == BAR)


class TestPng:
    def test_valid_indexed_png_sized_per_day(self) -> None:
        """30 days make a 540-pixel-wide indexed PNG with a four-colour palette."""
        width, height, palette, _ = decode(bar_chart_png([0] * 30))
        assert (width, height) == (30 * WIDTH_PER_DAY, 90)
        assert len(palette) == 4

    @pytest.mark.parametrize(
        ("counts", "heights"),
        [
            ([0, 1, 2, 4], [0, 22, 44, 88]),
            ([0, 0, 0], [0, 0, 0]),
            ([1, 100], [1, 88]),
            ([7], [88]),
        ],
        ids=["proportional", "all zero", "one finding still shows", "single day"],
    )
    def test_bar_heights_are_proportional(self, counts: list[int], heights: list[int]) -> None:
        """The busiest day fills the plot; any finding shows at least one pixel."""
        _, _, _, rows = decode(bar_chart_png(counts))
        assert [bar_height(rows, d) for d in range(len(counts))] == heights

    def test_baseline_runs_under_every_day(self) -> None:
        """The bottom row is the baseline, so empty days still have a place."""
        _, _, _, rows = decode(bar_chart_png([0, 3, 0]))
        bottom = rows[-1]
        for day in range(3):
            assert bottom[day * WIDTH_PER_DAY] == BASELINE

    def test_weekends_are_shaded(self) -> None:
        """A shaded day's background is the pale shade, an unshaded one's is white."""
        _, _, _, rows = decode(bar_chart_png([0, 0], shaded=[False, True]))
        assert rows[0][2] == 0
        assert rows[0][WIDTH_PER_DAY + 2] == SHADE

    def test_small(self) -> None:
        """Thirty days compress to well under 2 KB, fine inline in an email."""
        assert len(bar_chart_png(list(range(30)))) < 2048

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"counts": []}, "at least one day"),
            ({"counts": [1, -1]}, "negative"),
            ({"counts": [1, 2], "shaded": [True]}, "shaded"),
            ({"counts": [1], "height": 5}, "height"),
        ],
    )
    def test_bad_input_is_refused(self, kwargs: dict[str, object], error: str) -> None:
        """Nonsense in, a clear error out."""
        with pytest.raises(ValueError, match=error):
            bar_chart_png(**kwargs)  # type: ignore[arg-type]


class TestSparkline:
    @pytest.mark.parametrize(
        ("counts", "line"),
        [
            ([0, 0, 0], "▁▁▁"),
            ([0, 1, 7], "▁▂█"),
            ([7, 7], "██"),
            ([], ""),
        ],
    )
    def test_blocks_scale_to_the_busiest_day(self, counts: list[int], line: str) -> None:
        """One block per day; zero is the lowest block, any finding at least the second."""
        assert sparkline(counts) == line
