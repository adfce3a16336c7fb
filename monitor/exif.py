"""The EXIF probe: download a published image and read the GPS position in it, if any.

A photo taken on a phone often carries where it was taken (a pupil's home,
the school) in its EXIF data, and platforms do not always strip it. Reading
it needs the image itself, which is I/O, so it is done here, once per new
item, before items are stored: the pure ``location_metadata`` rule then reads
``Media.location``.

The download is bounded: the session's timeouts (``monitor.http``), a size
cap (the first ``max_bytes`` are enough: EXIF sits at the start of a JPEG,
and a cut-off file still yields it), and only media that look like images.
A probe that fails for any reason leaves the media as it was: it must never
cost the item.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import requests
import structlog

from monitor.config import HttpConfig
from monitor.http import build_session
from monitor.models import Item, Media

log = structlog.get_logger(__name__)

#: the EXIF tag of the GPS sub-directory
GPS_IFD = 0x8825
_LATITUDE_REF, _LATITUDE, _LONGITUDE_REF, _LONGITUDE = 1, 2, 3, 4
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif")
#: how much of an image is read at most: EXIF comes first, so this is plenty
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def looks_like_image(media: Media) -> bool:
    """Whether ``media`` is worth probing: an image type, or no type and an image file name."""
    if media.type:
        return media.type.lower().startswith(("image", "photo"))
    return urlsplit(media.url).path.lower().endswith(_IMAGE_SUFFIXES)


def gps_location(data: bytes) -> str | None:
    """The GPS position in an image's EXIF data as "lat,lon" (decimal degrees), or None.

    Reads what it can of a truncated image. Never raises.
    """
    # Pillow is imported on first use: most polls bring no image, and the
    # daemon's idle memory is 1.8 MB less without it.
    from PIL import Image  # noqa: PLC0415

    try:
        # Opening parses the headers (EXIF included) without decoding pixels,
        # so the head of a large image is enough.
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # not an image, or one of the many things Pillow's parsers raise
        return None
    try:
        lat = _degrees(gps.get(_LATITUDE), gps.get(_LATITUDE_REF), "S")
        lon = _degrees(gps.get(_LONGITUDE), gps.get(_LONGITUDE_REF), "W")
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return f"{lat:.6f},{lon:.6f}"


def _number(value: Any) -> float:
    """An EXIF rational (Pillow's IFDRational, a tuple or a number) as a float."""
    if isinstance(value, tuple) and len(value) == 2:
        return float(Fraction(int(value[0]), int(value[1])))
    return float(value)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """Degrees, minutes, seconds (rationals) and a hemisphere to signed decimal degrees."""
    if not isinstance(value, Sequence) or len(value) != 3:
        return None
    d, m, s = (
        float(Fraction(str(v))) if not isinstance(v, int | float) else float(v) for v in value
    )
    degrees = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip().upper().startswith(negative):
        degrees = -degrees
    return degrees


class ExifProbe:
    """Downloads images (bounded) and reads their GPS position. Use as a context manager."""

    def __init__(self, http: HttpConfig, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._session = build_session(
            connect_timeout=http.connect_timeout, read_timeout=http.read_timeout
        )
        self._max_bytes = min(max_bytes, http.max_bytes)

    def __enter__(self) -> ExifProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def location(self, url: str) -> str | None:
        """The GPS position of the image at ``url``, or None (none found, or any failure)."""
        try:
            data = self._download(url)
        except (requests.RequestException, OSError, ValueError) as err:
            log.info("exif_probe_failed", url=url, error=type(err).__name__)
            return None
        return gps_location(data) if data else None

    def _download(self, url: str) -> bytes:
        with self._session.get(url, stream=True) as response:
            if response.status_code != 200:
                return b""
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(chunk_size=64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size >= self._max_bytes:
                    # Enough: EXIF is at the start; the rest is pixels.
                    break
            return b"".join(chunks)[: self._max_bytes]

    def probe(self, item: Item) -> Item:
        """``item`` with ``location`` filled in on its image media. Never raises."""
        if not any(looks_like_image(m) and m.location is None for m in item.media):
            return item
        media: list[Media] = []
        for m in item.media:
            probed = m
            if looks_like_image(m) and m.location is None:
                try:
                    probed = dataclasses.replace(m, location=self.location(m.url))
                except Exception:  # a probe must never cost the item
                    log.exception("exif_probe_crashed", url=m.url)
            media.append(probed)
        return dataclasses.replace(item, media=tuple(media))


def probe_items(items: Iterable[Item], http: HttpConfig) -> list[Item]:
    """Every item, its image media probed for GPS data.

    Never raises: a failed probe leaves its item as it was.
    """
    out = list(items)
    if not any(looks_like_image(m) for item in out for m in item.media):
        return out
    with ExifProbe(http) as probe:
        return [probe.probe(item) for item in out]
