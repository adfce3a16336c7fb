"""Mail server faults: down, deferring (4xx) and refusing the login.

Polls go on whatever the mail server does; alerts wait in the outbox, named
in ``status``, and each reaches its reader once, with the Message-ID fixed
when it was queued, after the server is back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import SOURCES, World, make_world, stop_world


def down(world: World) -> None:
    world.smtp.stop()


def deferring(world: World) -> None:
    world.smtp.mail_reply = "451 4.3.0 Mail server temporarily busy, try again later"


def greylisting(world: World) -> None:
    world.smtp.rcpt_reply = "450 4.2.0 Greylisted, please retry"


#: fault -> how it starts, and the words status must use for it
KNOWN_SMTP_FAULTS: dict[str, tuple[Callable[[World], None], str]] = {
    "down": (down, "refused the connection"),
    "4xx on MAIL": (deferring, "451"),
    "4xx on RCPT": (greylisting, "450"),
}


def heal(world: World) -> None:
    world.smtp.reset_failures()
    world.smtp.start()


def message_ids(world: World) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in world.smtp.messages)


class TestTemporaryFailures:
    @pytest.mark.parametrize("fault", KNOWN_SMTP_FAULTS)
    def test_alerts_wait_named_in_status_then_go_once(self, world: World, fault: str) -> None:
        """Polls succeed (exit 0) and act; the alerts wait, named in status; once the server
        is back each goes exactly once."""
        start, words = KNOWN_SMTP_FAULTS[fault]
        start(world)
        arrivals = world.arrive_everywhere("queued")
        first = world.poll()
        assert first.returncode == 0, first.stdout + first.stderr
        assert "queued for the next poll" in first.stdout
        assert all(f"{s}: FAILED" not in first.stdout for s in SOURCES)
        for a in arrivals:  # hidden already: the mail server does not hold up the platforms
            if a.source != "blog" and "f*cking" in a.text:
                assert world.is_hidden(a)
        status = world.status(process=True)
        assert status["outbox_pending"] > 0
        assert words in str(status["outbox_waiting_error"])
        second = world.poll()  # still down: nothing lost, nothing doubled
        assert second.returncode == 0
        heal(world)
        later = world.arrive_everywhere("later")
        third = world.poll()
        assert third.returncode == 0, third.stdout + third.stderr
        world.assert_acted_once(arrivals + later)
        assert max(message_ids(world).values()) == 1
        after = world.status()
        assert (after["outbox_pending"], after["outbox_failed"]) == (0, 0)
        assert after["outbox_waiting_error"] is None


@pytest.fixture(name="login_world")
def fixture_login_world(tmp_path: Path) -> Iterator[World]:
    """A world whose mail server wants a login, and a config that gives a wrong password."""
    world = make_world(
        tmp_path, email_extra='username = "monitor"\npassword_env = "SMTP_PASSWORD"\n'
    )
    world.smtp.credentials = ("monitor", "the-right-one")
    yield world
    stop_world(world)


class TestLoginRefused:
    def test_exit_1_named_without_the_password_then_every_alert_goes_once(
        self, login_world: World
    ) -> None:
        """A refused login exits 1 and is named in status (never the password); no alert is
        given up: once the password is fixed every one goes, once."""
        world = login_world
        arrivals = world.arrive_everywhere("auth")
        refused = world.poll(process=True)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert all(f"{s}: FAILED" not in refused.stdout for s in SOURCES)
        status = world.status(process=True)
        error = str(status["outbox_waiting_error"] or status["outbox_errors"])
        assert "rejected the login" in error and "email.password" in error
        assert world.smtp.messages == []
        world.smtp.credentials = ("monitor", "smtp-password-c4f3")
        fixed = world.poll()
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        world.assert_acted_once(arrivals)
        assert max(message_ids(world).values()) == 1
        assert world.status()["outbox_failed"] == 0
