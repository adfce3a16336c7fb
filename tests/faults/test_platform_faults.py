"""Platform faults: each platform's server misbehaves while the others carry on.

For every platform (the blog's feed, Facebook, Instagram, X) and every
transport or payload fault, ``social-monitor poll`` runs as a process: it
exits 3, the faulted source is reported failing in ``status --json`` and in
the admin's email in plain words, the other platforms' new comments are
vetted, hidden and alerted in the same poll, and once the fault clears every
comment that arrived meanwhile is hidden by one request and alerted in one
email.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from monitor.sandbox.feed_server import RSS
from monitor.sandbox.graph_server import GRAPH_JSON, Failure, GraphServer, server_error
from tests.faults.harness import SOURCES, World, body_text
from tests.faults.proxy import RESET, TRUNCATE, Fault

#: longer than the config's http.read_timeout (0.5 s)
SLOW = 2.0
#: a Python exception's repr leaking into a message meant for a person
REPR = re.compile(r"\b\w+(Error|Exception|Read)\(|\(\s*'")


def graph(world: World, source: str) -> GraphServer:
    return world.fb if source == "fb" else world.insta


def five_xx(world: World, source: str) -> None:
    if source == "blog":
        world.feed_fault = {
            "body": b"<html><body>503 Service Unavailable</body></html>",
            "status": 503,
            "content_type": "text/html",
        }
        world.serve_feed()
    elif source == "x":
        world.x.fail("/2/", 503, times=1_000)
    else:
        graph(world, source).fail(server_error(503), times=None)


def timeout(world: World, source: str) -> None:
    if source == "blog":
        world.feed_fault = {"body": b"", "delay": SLOW}
        world.serve_feed()
    elif source == "x":
        world.proxies["x"].inject(Fault(delay=SLOW))
    else:
        graph(world, source).delay = SLOW


def reset(world: World, source: str) -> None:
    if source == "blog":
        world.feed_fault = {"reset": True}
        world.serve_feed()
    else:
        world.proxies[source].inject(RESET)


def truncated(world: World, source: str) -> None:
    world.proxies[source].inject(TRUNCATE)


def malformed(world: World, source: str) -> None:
    if source == "blog":
        world.feed_fault = {
            "body": b'<?xml version="1.0"?><rss version="2.0"><channel><title>Comments',
            "content_type": RSS,
        }
        world.serve_feed()
    elif source == "x":
        world.proxies["x"].inject(Fault(status=200, body=b'{"data": [{"id": "1", "text": '))
    else:
        body = b'{"data": [{"id": "1", "message": '
        graph(world, source).fail(Failure(status=200, body=body, content_type=GRAPH_JSON), None)


#: fault -> how it is injected, and the words ``status`` and the email must use for it
KNOWN_FAULTS: dict[str, tuple[Callable[[World, str], None], str]] = {
    "5xx": (five_xx, r"HTTP 503|503|failed"),
    "timeout": (timeout, r"timed out|did not answer"),
    "reset": (reset, r"reset"),
    "truncated": (truncated, r"cut off|incomplete|broken"),
    "malformed": (malformed, r"not a feed|unreadable|not JSON|malformed"),
}


class TestEachPlatformInTurn:
    @pytest.mark.parametrize("fault", KNOWN_FAULTS)
    def test_fails_alone_is_named_then_everything_is_caught_up_once(
        self, world: World, fault: str
    ) -> None:
        """Each platform in turn has the fault: its poll fails alone (exit 3), status and the
        admin's email name it in plain words, the others are vetted and acted on in the same
        poll, and the next poll catches up everything that arrived meanwhile, once."""
        inject, words = KNOWN_FAULTS[fault]
        arrivals = world.arrive_everywhere("before")
        previous: str | None = None
        for source in (*SOURCES, None):
            world.clear_faults()
            if source is not None:
                inject(world, source)
            result = world.poll()
            expected = 0 if source is None else 3
            assert result.returncode == expected, result.stdout + result.stderr
            failed = [s for s in SOURCES if f"{s}: FAILED" in result.stdout]
            assert failed == ([] if source is None else [source]), result.stdout
            # everything that arrived on a source that is up now has been acted on, once
            world.assert_acted_once([a for a in arrivals if a.source != source])
            status = {s["name"]: s for s in world.status()["sources"]}
            if previous is not None:
                assert status[previous]["healthy"] is True
                assert len(world.health(previous, "recovered")) == 1
            if source is not None:
                error = status[source]["last_error"]
                assert status[source]["healthy"] is False
                assert re.search(words, error, re.IGNORECASE), error
                assert not REPR.search(error), f"not plain words: {error}"
                (notice,) = world.health(source, "failing")
                assert error in body_text(notice)
            if source is not None:
                arrivals += world.arrive_everywhere(f"after-{source}")
            previous = source
        assert all(len(world.health(s, e)) == 1 for s in SOURCES for e in ("failing", "recovered"))


class TestShortBurst:
    def test_one_5xx_on_every_platform_is_retried_within_the_poll(self, world: World) -> None:
        """A single 503 on each platform is absorbed by the poll's own retry: nothing reported."""
        for source in SOURCES:
            world.proxies[source].inject(Fault(status=503, body=b"{}"), times=1)
        arrivals = world.arrive_everywhere("burst")
        result = world.poll()
        assert result.returncode == 0, result.stdout + result.stderr
        status = {s["name"]: s for s in world.status()["sources"]}
        for source in SOURCES:
            assert world.proxies[source].injected == 1
            assert status[source]["consecutive_failures"] == 0
        assert world.emails("admin@") == []
        world.assert_acted_once(arrivals)
