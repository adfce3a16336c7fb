"""The poller's rule-specific steps: per-rule recipients and the EXIF probe before storing."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

import connectors
from monitor.config import Config, load_config
from monitor.engine import build_engine
from monitor.exif import GPS_IFD
from monitor.models import Media
from monitor.poller import Poller
from monitor.sandbox.feed_server import FeedServer
from monitor.store import Store
from tests.scripted import SCRIPT, FakeClock
from tests.test_poller import comment

SOURCE = '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://x.test/f"\n'


@pytest.fixture(autouse=True)
def _scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    SCRIPT.__init__()  # type: ignore[misc]
    monkeypatch.setitem(connectors.REGISTRY, "feed", "tests.scripted:ScriptedConnector")


def poll(config: Config) -> Store:
    store = Store(config.storage.path)
    clock = FakeClock()
    Poller(config, store, build_engine(config), clock=clock, sleep=clock.sleep).poll(
        config.sources[0]
    )
    return store


class TestRecipients:
    def test_defaults_dsl_and_slt(self, write_config: Callable[..., Path]) -> None:
        """Safeguarding goes to the DSL one by one; the rest to SLT in one email."""
        config = load_config(write_config(SOURCE))
        SCRIPT.fetches = [
            [comment("1", "whats ur snap"), comment("2", "shit"), comment("3", "07911 123456")]
        ]
        rows = poll(config).outbox()
        assert sorted((r.recipients, r.payload["urgent"]) for r in rows) == [
            (("dsl@test.sch.uk",), True),
            (("slt@test.sch.uk",), False),
        ]

    def test_rule_and_source_recipients(self, write_config: Callable[..., Path]) -> None:
        """[rules.x] recipients and a source's override send that rule's findings elsewhere."""
        config = load_config(
            write_config(
                '[rules.personal_info]\nrecipients = ["dpo@test.sch.uk"]\n'
                + SOURCE
                + '[sources.rules.safeguarding]\nrecipients = ["deputy-dsl@test.sch.uk"]\n'
            )
        )
        SCRIPT.fetches = [
            [comment("1", "whats ur snap"), comment("2", "shit"), comment("3", "07911 123456")]
        ]
        rows = poll(config).outbox()
        assert sorted(r.recipients for r in rows) == [
            ("deputy-dsl@test.sch.uk",),
            ("dpo@test.sch.uk",),
            ("slt@test.sch.uk",),
        ]


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (53.0, 48.0, 0.0), 3: "W", 4: (1.0, 33.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(name="server")
def fixture_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


class TestExifProbe:
    def test_located_photo_is_found_and_stored(
        self, write_config: Callable[..., Path], server: FeedServer
    ) -> None:
        """New items' images are probed before storing; location_metadata fires on them."""
        config = load_config(write_config(SOURCE))
        url = server.set_response("/p.jpg", jpeg_with_gps(), content_type="image/jpeg")
        photo = dataclasses.replace(comment("1", "trip!"), media=(Media(url=url),))
        SCRIPT.fetches = [[photo]]
        store = poll(config)
        [finding] = store.findings()
        assert finding.finding.rule == "location_metadata"
        stored = store.stored_item("blog", "1")
        assert stored is not None
        assert stored.item.media[0].location == "53.800000,-1.550000"

    def test_failed_probe_keeps_the_item(self, write_config: Callable[..., Path]) -> None:
        """An image that cannot be fetched is stored and vetted all the same."""
        config = load_config(write_config(SOURCE))
        photo = dataclasses.replace(
            comment("1", "shit"), media=(Media(url="http://127.0.0.1:9/x.jpg"),)
        )
        SCRIPT.fetches = [[photo]]
        store = poll(config)
        assert [f.finding.rule for f in store.findings()] == ["abuse"]
