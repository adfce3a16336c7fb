"""The feed connector over feedparser's own test corpus of malformed and odd feeds.

The corpus is not committed: the test downloads the source distribution of
the installed feedparser from the package index (``pip download``) into
``.pytest_cache/feedparser-sdist`` once, unpacks the test folders listed in
``FOLDERS``, serves every file from the feed sandbox and fetches it with the
real ``FeedConnector``. Each fetch returns items (with warnings for what was
odd) or raises one of our ``SourceError`` family: nothing else may escape.
Without network the test is skipped, saying so.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

import pytest

from connectors.feeds import FeedConnector
from monitor.config import FeedSource, HttpConfig
from monitor.errors import SourceError
from monitor.models import Cursor
from monitor.sandbox.feed_server import FeedServer

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".pytest_cache" / "feedparser-sdist"
#: the sdist's test folders used: malformed documents, odd encodings and entities, compression
FOLDERS = ("illformed", "encoding", "entities", "compression", "http")
#: feedparser's test files say which Content-Type they are served with
_HEADER = re.compile(rb"^Header:\s*Content-type:\s*(\S[^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def sdist() -> Path:
    """The feedparser sdist of the installed version, downloaded once into the cache.

    Skips the test when the package index cannot be reached.
    """
    wanted = version("feedparser")
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(f"feedparser-{wanted}.tar.gz"))
    if found:
        return found[0]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         f"feedparser=={wanted}", "-d", str(CACHE), "--disable-pip-version-check", "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    found = sorted(CACHE.glob(f"feedparser-{wanted}.tar.gz"))
    if done.returncode != 0 or not found:
        reason = (done.stderr.strip().splitlines() or ["no archive"])[-1]
        pytest.skip(f"cannot download feedparser {wanted}'s sdist (no network?): {reason}")
    return found[0]


def unpacked(archive: Path) -> Path:
    """The corpus folders of ``archive``, unpacked beside it (once)."""
    target = CACHE / archive.name.removesuffix(".tar.gz")
    marker = target / ".complete"
    if not marker.exists():
        with tarfile.open(archive) as tar:
            members = [
                m
                for m in tar.getmembers()
                if any(f"/tests/{folder}/" in m.name for folder in FOLDERS)
            ]
            tar.extractall(CACHE, members=members, filter="data")
        marker.touch()
    return target / "tests"


@pytest.fixture(name="corpus", scope="module")
def fixture_corpus() -> list[Path]:
    tests = unpacked(sdist())
    files = sorted(p for folder in FOLDERS for p in (tests / folder).rglob("*") if p.is_file())
    assert len(files) > 100, f"the corpus looks incomplete: {len(files)} files in {tests}"
    return files


@pytest.fixture(name="feeds", scope="module")
def fixture_feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def fetch(feeds: FeedServer, path: Path, index: int) -> str | None:
    """Serve ``path`` and fetch it once; a description of what escaped, or None."""
    body = path.read_bytes()
    header = _HEADER.search(body[:2000])
    content_type = header.group(1).decode("latin-1").strip() if header else "application/xml"
    url = feeds.set_response(f"/corpus/{index}", body, content_type=content_type)
    source = FeedSource.model_validate({"name": f"corpus{index}", "kind": "feed", "url": url})
    connector = FeedConnector(source, HttpConfig(connect_timeout=5, read_timeout=10, attempts=1))
    try:
        connector.fetch(Cursor())
    except SourceError:
        return None
    except Exception as err:  # what this test is looking for
        return f"{path.name}: {type(err).__name__}: {err}"
    finally:
        connector.close()
    return None


class TestFeedparserCorpus:
    def test_no_exception_but_ours_escapes(self, corpus: list[Path], feeds: FeedServer) -> None:
        """Every corpus file gives items or a SourceError from FeedConnector.fetch."""
        with ThreadPoolExecutor(8) as pool:
            escaped = [
                e
                for e in pool.map(lambda pair: fetch(feeds, pair[1], pair[0]), enumerate(corpus))
                if e
            ]
        assert escaped == [], f"{len(escaped)} of {len(corpus)} files: {escaped[:10]}"
