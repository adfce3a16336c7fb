"""The daemon under faults, the outbox when the state file is locked at the wrong moment, and
a malformed feed's validators.

* ``social-monitor run`` runs as a real process against the World (every source every
  second, backoff capped at 2 s). While one platform fails (5xx, connection resets, a rate
  limit, a refused or expired credential) or the mail server is down or deferring, the
  process stays up, the other platforms are polled and acted on, ``status --json`` (a
  process of its own) names the trouble in plain words, the admin is told once that the
  source is failing and once that it recovered (a rate limit is waited out to its reset,
  without an email), every comment that arrived meanwhile is
  vetted, hidden and alerted once, and SIGTERM ends the daemon with exit 0.
* Another program takes the SQLite write lock just as the mail server accepts a message, so
  the outbox cannot mark it sent: the next flush sends it again with the same Message-ID
  (mail clients show it once), then marks it sent; no email is lost.
* A feed that arrives malformed (cut off) never leaves its ``ETag``/``Last-Modified`` in the
  cursor: the next poll reads the whole corrected feed, not a 304, and a comment cut off
  mid-way is read in full next time instead of being vetted as the fragment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.config import load_config
from monitor.engine import build_engine
from monitor.mailer import Mailer
from monitor.outbox import flush
from monitor.poller import Poller
from monitor.sandbox.feed_server import wordpress_comments_feed
from monitor.sandbox.graph_server import server_error
from monitor.store import Store
from tests.faults.daemon import RunningDaemon, acted_on, vetted_at
from tests.faults.harness import (
    FEED_PATH,
    SECRETS,
    SOURCES,
    Arrival,
    World,
    abusive,
    benign,
    body_text,
)
from tests.faults.locking import LockOnAccept
from tests.faults.proxy import RESET

#: a Python exception's repr leaking into a message meant for a person
REPR = re.compile(r"\b\w+(Error|Exception|Read)\(|\(\s*'")


# -- the daemon under faults ------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformFault:
    """One platform's trouble: how it starts, and the words status and the email use for it."""

    source: str
    start: Callable[[World], None]
    words: str
    #: the admin is emailed (a rate limit is waited out to the second instead)
    emails_admin: bool = True


def _graph_503(world: World) -> None:
    world.fb.fail(server_error(503), times=None)


def _insta_resets(world: World) -> None:
    world.proxies["insta"].inject(RESET)


def _x_rate_limited(world: World) -> None:
    world.x.rate_limit("/2/", reset=datetime.now(UTC) + timedelta(seconds=5))


def _fb_token_expired(world: World) -> None:
    world.fb.tokens.clear()  # the sandbox then answers Graph error 190/463


def _x_bearer_revoked(world: World) -> None:
    world.x.bearer_token = "regenerated-in-the-portal"  # a token X no longer accepts


def _feed_401(world: World) -> None:
    world.feed_fault = {"body": b"Unauthorized", "status": 401, "content_type": "text/plain"}
    world.serve_feed()


PLATFORM_FAULTS: dict[str, PlatformFault] = {
    "fb 503": PlatformFault("fb", _graph_503, r"HTTP 503"),
    "insta reset": PlatformFault("insta", _insta_resets, r"reset the connection"),
    "x rate-limited": PlatformFault(
        "x", _x_rate_limited, r"rate limit.*paused until", emails_admin=False
    ),
    "fb token expired (Graph 190)": PlatformFault(
        "fb", _fb_token_expired, r"access token was refused.*Generate a new token"
    ),
    "x bearer token refused (401)": PlatformFault(
        "x", _x_bearer_revoked, r"refused the bearer token \(HTTP 401\)"
    ),
    "blog 401": PlatformFault("blog", _feed_401, r"refused access \(HTTP 401\)"),
}


def heal(world: World) -> None:
    """Every platform answers normally again, with the credentials the config gives."""
    world.clear_faults()
    world.fb.tokens.add(SECRETS["FB_TOKEN"])
    world.x.bearer_token = SECRETS["X_BEARER"]


@pytest.fixture(name="daemon")
def fixture_daemon(world: World) -> Iterator[RunningDaemon]:
    """``social-monitor run`` against the world (killed at teardown if a test left it running)."""
    daemon = RunningDaemon(world)
    yield daemon
    daemon.close()


def started(world: World, daemon: RunningDaemon) -> list[Arrival]:
    """Comments arrive everywhere and the daemon, just started, acts on them all."""
    arrivals = world.arrive_everywhere("before")
    daemon.wait_for(lambda: acted_on(world, arrivals), "the daemon acts on the first comments", 30)
    return arrivals


def last_polls(world: World) -> dict[str, datetime | None]:
    """Each source's last poll, from ``status``."""
    return {
        s["name"]: datetime.fromisoformat(s["last_poll"]) if s["last_poll"] else None
        for s in world.status()["sources"]
    }


def settled(world: World, daemon: RunningDaemon) -> None:
    """Wait for one more poll of every source after now, and an empty outbox: whatever would
    have been done twice has had its chance to be."""
    mark = datetime.now(UTC)
    daemon.wait_for(
        lambda: (
            all(t is not None and t > mark for t in last_polls(world).values())
            and world.status()["outbox_pending"] == 0
        ),
        "every source is polled once more and the outbox is empty",
    )


def failed_polls(daemon: RunningDaemon, source: str) -> int:
    """Polls of ``source`` the daemon logged as failed or skipped."""
    return sum(
        1
        for e in daemon.events()
        if e.get("event") == "poll_finished" and e.get("source") == source and e.get("ok") is False
    )


class TestDaemonUnderPlatformFaults:
    @pytest.mark.parametrize("name", PLATFORM_FAULTS)
    def test_keeps_running_names_it_and_catches_up_once(
        self, world: World, daemon: RunningDaemon, name: str
    ) -> None:
        """While one platform fails the daemon stays up and keeps polling and acting on the
        others; status (a separate process) names the fault in plain words; the admin is
        emailed "failing" once and "recovered" once (a rate limit is waited out without an
        email, and without asking again before its reset); every comment that arrived
        meanwhile is vetted, hidden and alerted exactly once; SIGTERM exits 0."""
        fault = PLATFORM_FAULTS[name]
        source = fault.source
        arrivals = started(world, daemon)
        began = datetime.now(UTC)

        fault.start(world)
        during = world.arrive_everywhere("during")
        elsewhere = [a for a in during if a.source != source]
        daemon.wait_for(
            lambda: world.source_status(source)["last_error"] is not None,
            f"{source}'s fault is reported",
        )
        status = world.status(process=True)
        assert status["daemon"] is not None and status["daemon"]["pid"] == daemon.proc.pid
        (entry,) = [s for s in status["sources"] if s["name"] == source]
        error = str(entry["last_error"])
        assert re.search(fault.words, error, re.IGNORECASE), error
        assert not REPR.search(error), f"not plain words: {error}"
        if fault.emails_admin:
            assert entry["healthy"] is False
        else:  # a rate limit is a wait, not a failure
            assert (entry["healthy"], entry["error_category"]) == (True, "rate_limited")
            assert entry["rate_limited_until"] is not None

        daemon.wait_for(
            lambda: acted_on(world, elsewhere), "the other platforms' comments are acted on"
        )
        others = {s["name"]: s for s in world.status()["sources"] if s["name"] != source}
        for other in others.values():
            assert other["healthy"] is True, other
            assert datetime.fromisoformat(other["last_success"]) > began
        if fault.emails_admin:
            daemon.wait_for(lambda: world.health(source, "failing"), "the admin is told")
            (notice,) = world.health(source, "failing")
            assert error in body_text(notice)
            # Polled again (backing off) and failing again: still that one email.
            daemon.wait_for(
                lambda: world.source_status(source)["consecutive_failures"] >= 2,
                f"{source} fails a second poll",
            )
        assert len(world.health(source, "failing")) == (1 if fault.emails_admin else 0)

        heal(world)
        daemon.wait_for(lambda: world.source_status(source)["healthy"], f"{source} recovers")
        everything = arrivals + during
        daemon.wait_for(lambda: acted_on(world, everything), "everything is caught up")
        settled(world, daemon)

        world.assert_acted_once(everything)
        expected = 1 if fault.emails_admin else 0
        assert len(world.health(source, "failing")) == expected
        assert len(world.health(source, "recovered")) == expected
        for other in set(SOURCES) - {source}:
            assert world.health(other, "failing") == world.health(other, "recovered") == []
        if not fault.emails_admin:
            assert failed_polls(daemon, source) == 1, "asked again inside the rate-limit window"
        assert max(Counter(str(m["Message-ID"]) for m in world.smtp.messages).values()) == 1
        assert daemon.terminate() == 0
        daemon.assert_sound()


def _smtp_down(world: World) -> None:
    world.smtp.stop()


def _smtp_deferring(world: World) -> None:
    world.smtp.mail_reply = "451 4.3.0 Mail server temporarily busy, try again later"


#: the mail server's trouble -> how it starts, and the words status uses for it
SMTP_FAULTS: dict[str, tuple[Callable[[World], None], str]] = {
    "down": (_smtp_down, "refused the connection"),
    "4xx": (_smtp_deferring, "451"),
}


class TestDaemonWhileTheMailServerFails:
    @pytest.mark.parametrize("name", SMTP_FAULTS)
    def test_polls_and_hides_on_then_every_email_goes_once(
        self, world: World, daemon: RunningDaemon, name: str
    ) -> None:
        """With the mail server down (or deferring) while Facebook fails too, the daemon stays
        up, polls and hides on every other platform; the alerts and the admin's "failing" email
        wait in the outbox, named in status; once the server is back each goes exactly once,
        and "recovered" goes once Facebook is back."""
        start, words = SMTP_FAULTS[name]
        arrivals = started(world, daemon)
        settled(world, daemon)
        delivered = len(world.smtp.messages)

        start(world)
        world.fb.fail(server_error(503), times=None)
        during = world.arrive_everywhere("mail-down")
        elsewhere = [a for a in during if a.source != "fb"]
        daemon.wait_for(
            lambda: acted_on(world, elsewhere, emailed=False),
            "the other platforms' comments are vetted and hidden",
        )
        daemon.wait_for(
            lambda: words in str(world.status()["outbox_waiting_error"]),
            "status names the mail server's trouble",
        )
        daemon.wait_for(
            lambda: world.source_status("fb")["consecutive_failures"] >= 2,
            "fb fails a second poll",
        )
        status = world.status(process=True)
        assert status["daemon"] is not None and status["daemon"]["pid"] == daemon.proc.pid
        assert status["outbox_pending"] > 0
        assert words in str(status["outbox_waiting_error"])
        fb = next(s for s in status["sources"] if s["name"] == "fb")
        assert fb["healthy"] is False and "HTTP 503" in str(fb["last_error"])
        assert len(world.smtp.messages) == delivered, "a message got through a failing server"

        world.smtp.reset_failures()
        world.smtp.start()
        daemon.wait_for(lambda: world.health("fb", "failing"), "the admin is told, late")
        daemon.wait_for(lambda: acted_on(world, elsewhere), "the waiting alerts go")
        assert world.health("fb", "recovered") == []

        heal(world)
        everything = arrivals + during
        daemon.wait_for(lambda: world.health("fb", "recovered"), "fb's recovery is emailed")
        daemon.wait_for(lambda: acted_on(world, everything), "everything is caught up")
        settled(world, daemon)

        world.assert_acted_once(everything)
        assert len(world.health("fb", "failing")) == len(world.health("fb", "recovered")) == 1
        assert max(Counter(str(m["Message-ID"]) for m in world.smtp.messages).values()) == 1
        after = world.status()
        assert (after["outbox_pending"], after["outbox_failed"]) == (0, 0)
        assert after["outbox_waiting_error"] is None
        assert daemon.terminate() == 0
        daemon.assert_sound()


# -- the state file locked just as the mail server says 250 --------------------------------


@pytest.fixture(name="locking_smtp")
def fixture_locking_smtp(world: World) -> LockOnAccept:
    """The world's mail server replaced, on the same port, by one that lets another program
    take the state file's write lock as it accepts a message."""
    world.smtp.stop()
    server = LockOnAccept(world.db, port=world.smtp.port)
    server.start()
    world.smtp = server  # stop_world stops it
    return server


class TestLockedWhenMarkingSent:
    def test_resent_with_the_same_message_id_then_marked_sent(
        self, world: World, locking_smtp: LockOnAccept, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The server accepts an alert, and before the outbox can mark it sent another program
        holds the write lock (longer than the store waits for it). The flush does not crash:
        it reports the lock and keeps that email and the rest queued. Once the lock is gone the
        next flush sends that email again with the same Message-ID (a mail client shows it
        once), sends the rest, and marks every one sent; a further flush sends nothing."""
        for variable, secret in SECRETS.items():
            monkeypatch.setenv(variable, secret)
        config = load_config(world.path)
        arrivals = world.arrive_everywhere("locked-at-250")
        with Store(config.storage.path, busy_timeout=0.2) as store:
            poller = Poller(config, store, build_engine(config), sleep=lambda _: None)
            reports = [poller.poll(s) for s in config.sources]
            assert all(r.ok for r in reports), [r.error for r in reports]
            queued = store.outbox()
            assert len(queued) >= 2
            mailer = Mailer(config.email)

            locking_smtp.lock_after = 1
            first = flush(store, config, mailer)
            assert locking_smtp.holding
            (accepted,) = locking_smtp.messages
            assert accepted["Message-ID"] == queued[0].message_id
            assert first.sent == 0 and first.pending == len(queued), first
            assert "locked by another program" in str(first.error)
            assert [r.id for r in store.outbox()] == [r.id for r in queued], "a row was lost"

            locking_smtp.release()
            second = flush(store, config, mailer)
            assert (second.sent, second.pending, second.error) == (len(queued), 0, None)
            assert store.outbox() == []
            assert flush(store, config, mailer).sent == 0

        received = Counter(str(m["Message-ID"]) for m in locking_smtp.messages)
        assert received == Counter({r.message_id: 1 for r in queued}) + Counter(
            {queued[0].message_id: 1}
        )
        again = locking_smtp.messages[1]
        assert (again["Subject"], body_text(again)) == (accepted["Subject"], body_text(accepted))
        for a in arrivals:  # each flagged comment in one email (by Message-ID), hidden once
            ids = {str(m["Message-ID"]) for m in world.emails() if a.text in body_text(m)}
            flagged = "f*cking" in a.text
            assert len(ids) == (1 if flagged else 0), a
            if a.source != "blog":
                assert world.hides(a.source)[a.platform_id] == (1 if flagged else 0), a


# -- a malformed feed and its validators ----------------------------------------------------

V1 = ('"v1"', format_datetime(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), usegmt=True))
V2 = ('"v2"', format_datetime(datetime(2026, 1, 5, 10, 0, tzinfo=UTC), usegmt=True))


def serve(world: World, body: bytes, validators: tuple[str, str]) -> None:
    """The blog's comments feed answers ``body`` with this ETag and Last-Modified."""
    etag, modified = validators
    world.feeds.set_response(FEED_PATH, body, etag=etag, last_modified=modified)


def cut_inside(body: bytes, arrivals: list[Arrival], where: str) -> bytes:
    """``body`` cut off before its first comment, or in the middle of the text of the last
    abusive one of ``arrivals`` in it (another arrival before it stays whole)."""
    if where == "before any comment":
        return body[: body.index(b"<item>") - 20]
    at = {a.text: body.index(a.text.encode()) for a in arrivals}
    last = max(at[a.text] for a in arrivals if "f*cking" in a.text)
    assert min(at.values()) < last
    return body[: last + 12]


class TestMalformedFeed:
    @pytest.mark.parametrize("where", ["inside a comment", "before any comment"])
    def test_the_next_poll_reads_the_whole_corrected_feed(self, world: World, where: str) -> None:
        """The feed answers cut off (feedparser flags it malformed), with new validators. The
        poll keeps whatever whole comments it holds, but not the cut-off one and not those
        validators: the next poll asks with the old ones, gets the whole corrected feed (not a
        304 that would hide the rest) and every comment is vetted, in full, exactly once. The
        poll after that is conditional again."""
        serve(world, wordpress_comments_feed(world.feed_comments), V1)
        assert world.poll("--source", "blog").returncode == 0
        arrivals = [
            world.arrive("blog", make(f"{n}-malformed"))
            for n, make in enumerate((abusive, benign, abusive))
        ]
        whole = wordpress_comments_feed(world.feed_comments)
        cut = cut_inside(whole, arrivals, where)
        serve(world, cut, V2)
        malformed = world.poll("--source", "blog")
        if where == "before any comment":
            assert malformed.returncode == 3, malformed.stdout + malformed.stderr
            assert "not a feed" in world.source_status("blog")["last_error"]
        else:
            assert malformed.returncode == 0, malformed.stdout + malformed.stderr
            assert "malformed" in malformed.stderr and "cut off" in malformed.stderr
            # The whole comments before the cut are read now; the cut-off one is not stored.
            read = {a.text: vetted_at(world.db, a) is not None for a in arrivals}
            assert read == {a.text: a.text.encode() in cut for a in arrivals}, read
            assert list(read.values()).count(False) == 1

        serve(world, whole, V2)  # the same validators: the body had been cut in transit
        corrected = world.poll("--source", "blog")
        assert corrected.returncode == 0, corrected.stdout + corrected.stderr
        again = world.poll("--source", "blog")
        assert again.returncode == 0, again.stdout + again.stderr

        requests = world.feeds.requests(FEED_PATH)
        sent = [
            (r.headers.get("if-none-match"), r.headers.get("if-modified-since")) for r in requests
        ]
        assert sent == [(None, None), V1, V1, V2], sent
        world.assert_acted_once(arrivals)
        assert world.source_status("blog")["healthy"] is True
