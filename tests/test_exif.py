"""The EXIF probe against a real local HTTP server serving real JPEGs made with Pillow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from monitor.config import HttpConfig
from monitor.exif import GPS_IFD, ExifProbe, gps_location, looks_like_image, probe_items
from monitor.models import Item, ItemKind, Media
from monitor.sandbox.feed_server import FeedServer

HTTP = HttpConfig(connect_timeout=2, read_timeout=2, attempts=1)


def jpeg(gps: dict[int, object] | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG, with a GPS EXIF block when ``gps`` is given."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make: EXIF without GPS is common and must not count
    if gps is not None:
        exif.get_ifd(GPS_IFD).update(gps)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# Leeds: 53° 48' 0" N, 1° 33' 0" W
LEEDS = {1: "N", 2: (53.0, 48.0, 0.0), 3: "W", 4: (1.0, 33.0, 0.0)}


def item(*media: Media) -> Item:
    return Item(
        source="s",
        platform_id="1",
        kind=ItemKind.POST,
        text="trip!",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        media=media,
    )


@pytest.fixture(name="server")
def fixture_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


class TestReading:
    def test_gps_to_decimal_degrees(self) -> None:
        """Degrees, minutes, seconds and hemispheres become signed decimal degrees."""
        assert gps_location(jpeg(LEEDS)) == "53.800000,-1.550000"

    @pytest.mark.parametrize(
        "data",
        [jpeg(), b"", b"not an image", jpeg(LEEDS)[:200], jpeg({1: "N", 2: (1.0, 2.0)})],
    )
    def test_no_position(self, data: bytes) -> None:
        """No GPS block, not an image, cut short, or a malformed position: None, never an error."""
        assert gps_location(data) is None

    @pytest.mark.parametrize(
        ("media", "expected"),
        [
            (Media(url="https://x.test/a", type="image/jpeg"), True),
            (Media(url="https://x.test/a", type="photo"), True),
            (Media(url="https://x.test/a.JPG"), True),
            (Media(url="https://x.test/a.mp4", type="video/mp4"), False),
            (Media(url="https://x.test/a.mp4"), False),
        ],
    )
    def test_which_media_are_probed(self, media: Media, expected: bool) -> None:
        """Images by type, or by file name when the type is unknown."""
        assert looks_like_image(media) is expected


class TestProbe:
    def test_fills_location_over_http(self, server: FeedServer) -> None:
        """An image with GPS gets its location; one without stays None; others untouched."""
        located = server.set_response("/a.jpg", jpeg(LEEDS), content_type="image/jpeg")
        plain = server.set_response("/b.jpg", jpeg(), content_type="image/jpeg")
        video = Media(url=server.url("/c.mp4"), type="video/mp4")
        [probed] = probe_items([item(Media(url=located), Media(url=plain), video)], HTTP)
        assert [m.location for m in probed.media] == ["53.800000,-1.550000", None, None]
        assert server.requests("/c.mp4") == []

    def test_failures_keep_the_item(self, server: FeedServer) -> None:
        """404, reset, timeout and refused connections leave the item as it was."""
        gone = server.url("/gone.jpg")
        reset = server.set_response("/reset.jpg", b"", reset=True)
        slow = server.set_response("/slow.jpg", jpeg(LEEDS), delay=4)
        original = item(
            Media(url=gone),
            Media(url=reset),
            Media(url=slow),
            Media(url="http://127.0.0.1:9/x.jpg"),
        )
        fast = HttpConfig(connect_timeout=1, read_timeout=0.5, attempts=1)
        [probed] = probe_items([original], fast)
        assert probed.media == original.media

    def test_size_cap_reads_only_the_head(self, server: FeedServer) -> None:
        """A large image is read only up to the cap; EXIF at its head is still found."""
        big = jpeg(LEEDS, size=(3000, 3000)) + b"\0" * 2_000_000
        url = server.set_response("/big.jpg", big, content_type="image/jpeg", chunked=True)
        with ExifProbe(HTTP, max_bytes=64 * 1024) as probe:
            assert probe.location(url) == "53.800000,-1.550000"

    def test_items_without_images_need_no_request(self, server: FeedServer) -> None:
        """Text-only items pass through untouched and nothing is downloaded."""
        plain = item()
        assert probe_items([plain], HTTP) == [plain]
        assert server.requests() == []
