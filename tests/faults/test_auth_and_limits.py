"""Credentials and limits: rate limits, expired tokens and revoked permissions, on every platform.

Each platform's fake answers as the real one does (status, headers, error
body), its real client library reads the answer, and ``social-monitor poll``
runs as a process:

* **A rate limit is a wait, not a failure.** The poll carries on with the
  other platforms; ``status`` says until when, in plain words; the admin is
  not emailed; no poll calls the platform before the window ends; afterwards
  everything that arrived meanwhile is vetted, hidden and alerted once.
* **An expired or revoked credential** is told to the admin at once, in one
  email naming the config key to fix (never the secret); ``status`` names it;
  the other platforms carry on; once a valid credential is in place
  everything that arrived meanwhile is acted on once, and "checking again" is
  emailed once.
* **A permission revoked in the middle of a run** (reading still works,
  hiding does not): the finding is still alerted to SLT, saying it could not
  be hidden and why; the admin is told once which permission is missing; the
  item waits, and once the permission is back it is hidden by one request.
  Feeds cannot hide anything, so this one is about Facebook, Instagram and X.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from monitor.sandbox.graph_server import DEMO_IG_ID, DEMO_PAGE_ID, graph_error
from monitor.sandbox.x_server import SCHOOL_ID
from tests.faults.harness import SOURCES, Arrival, World, body_text
from tests.faults.limits import (
    APP_USAGE_FULL,
    ROTATED,
    admin_about,
    alerts_quoting,
    assert_acted_once_except,
    assert_no_secret_shown,
    business_usage,
    end_window_now,
    graph,
    hide_notices,
    requests_to,
    status_text,
)

#: a Python exception's repr leaking into a message meant for a person
REPR = re.compile(r"\b\w+(Error|Exception)\(|\(\s*'")
#: how far the stored "until" may be from the window the platform announced
SLACK = timedelta(seconds=1)


def flagged(arrival: Arrival) -> bool:
    """Whether ``arrival`` is one the abuse rule flags (see ``harness.abusive``)."""
    return "f*cking" in arrival.text


def now() -> datetime:
    return datetime.now(UTC)


def sleep_until(moment: datetime) -> None:
    """Wait until just after ``moment``, and no longer."""
    time.sleep(max(0.0, (moment - now()).total_seconds()) + 0.05)


# -- 1. rate limits ------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A rate limit as one platform answers it, and how its window ends in the test."""

    source: str
    #: makes the platform answer every request (or one endpoint's) with its throttle
    inject: Callable[[World], None]
    #: the wait the platform announced
    window: timedelta
    #: how ``status`` must put it, besides the time it ends
    words: str
    #: True: the window is seconds long and is waited out; False: minutes long, ended early
    waited: bool


def feed_429(world: World) -> None:
    """A blog host's 429 with ``Retry-After`` in seconds, as WordPress hosts and CDNs send."""
    world.feed_fault = {
        "body": b"<html><body><h1>429 Too Many Requests</h1></body></html>",
        "status": 429,
        "content_type": "text/html; charset=UTF-8",
        "headers": {"Retry-After": "120"},
    }
    world.serve_feed()


def fb_page_limit(world: World) -> None:
    """Error 32 on HTTP 400, the Page's ``X-Business-Use-Case-Usage`` announcing 5 minutes."""
    headers = {
        "X-App-Usage": APP_USAGE_FULL,
        "X-Business-Use-Case-Usage": business_usage(DEMO_PAGE_ID, "pages", 5),
    }
    world.fb.fail(graph_error(32, "(#32) Page request limit reached", headers=headers), None)


def fb_user_limit(world: World) -> None:
    """Error 17 on HTTP 403 with only ``X-App-Usage`` (no time announced: a minute is assumed)."""
    failure = graph_error(
        17, "(#17) User request limit reached", status=403, headers={"X-App-Usage": APP_USAGE_FULL}
    )
    world.fb.fail(failure, None)


def insta_app_limit(world: World) -> None:
    """Error 4 on HTTP 403, ``X-Business-Use-Case-Usage`` of type instagram announcing 2 minutes."""
    headers = {
        "X-App-Usage": APP_USAGE_FULL,
        "X-Business-Use-Case-Usage": business_usage(DEMO_IG_ID, "instagram", 2),
    }
    failure = graph_error(4, "(#4) Application request limit reached", status=403, headers=headers)
    world.insta.fail(failure, None)


def x_mentions_429(world: World) -> None:
    """X's mentions endpoint (450 a window) answers 429 with ``x-rate-limit-*`` for 3 seconds.

    The account's own posts are read first, so the fetch fails half-way: nothing
    it read may be lost or half-stored.
    """
    reset = datetime.fromtimestamp(int(time.time()) + 3, UTC)
    world.x.rate_limit(f"/2/users/{SCHOOL_ID}/mentions", reset)


ANNOUNCED = "rate limit.*as the usage headers announce"
LIMITS = {
    "blog-429-retry-after": Limit("blog", feed_429, timedelta(minutes=2), "slow down", False),
    "fb-32-buc-usage": Limit("fb", fb_page_limit, timedelta(minutes=5), ANNOUNCED, False),
    "fb-17-app-usage": Limit(
        "fb", fb_user_limit, timedelta(minutes=1), "rate limit.*no time announced", False
    ),
    "insta-4-buc-usage": Limit("insta", insta_app_limit, timedelta(minutes=2), ANNOUNCED, False),
    # the reset (whole seconds, 2 to 3 s away) plus X's one-second margin; waited out
    "x-429-reset": Limit("x", x_mentions_429, timedelta(seconds=3.5), "rate limit", True),
}


class TestRateLimit:
    @pytest.mark.parametrize("case", LIMITS)
    def test_is_waited_out_without_calling_then_everything_is_acted_on_once(
        self, world: World, case: str
    ) -> None:
        """A rate limit on one platform: the poll exits 3 with that source skipped "until" the
        time the platform named (``status`` says so in plain words, no admin email: it is a
        wait, not a failure), the other platforms are acted on in the same poll, a poll inside
        the window sends that platform no request at all, and the first poll after it vets,
        hides and alerts everything that arrived meanwhile, once."""
        limit = LIMITS[case]
        source, others = limit.source, [s for s in SOURCES if s != limit.source]
        assert world.poll().returncode == 0
        arrivals = world.arrive_everywhere("before")
        limit.inject(world)

        started = now()
        first = world.poll()
        ended = now()
        assert first.returncode == 3, first.stdout + first.stderr
        assert re.search(
            rf"^{source}: skipped: rate-limited until \d\d:\d\d:\d\d UTC$",
            first.stdout,
            re.MULTILINE,
        ), first.stdout
        assert not [s for s in SOURCES if f"{s}: FAILED" in first.stdout], first.stdout
        world.assert_acted_once([a for a in arrivals if a.source != source])

        status = world.source_status(source)
        until = datetime.fromisoformat(status["rate_limited_until"])
        assert started + limit.window - SLACK <= until <= ended + limit.window + SLACK, until
        error = status["last_error"]
        assert status["error_category"] == "rate_limited"
        assert re.search(limit.words, error, re.IGNORECASE), error
        assert f"{until:%H:%M:%S} UTC" in error, f"the time it ends is not named: {error}"
        assert not REPR.search(error), f"not plain words: {error}"
        assert all(world.source_status(s)["healthy"] for s in others)
        assert world.emails("admin@test.sch.uk") == [], "a rate limit is a wait, not a failure"
        (line,) = [t for t in status_text(world).splitlines() if t.startswith(f"{source} [")]
        assert "waiting for the platform's rate limit" in line and "FAILING" not in line, line

        arrivals += world.arrive_everywhere("during")
        calls = requests_to(world, source)
        assert now() + SLACK < until, "the window ends before the test can poll inside it"
        inside = world.poll()
        assert inside.returncode == 3, inside.stdout + inside.stderr
        assert requests_to(world, source) == calls, "called the platform inside its window"
        assert world.source_status(source)["rate_limited_until"] == status["rate_limited_until"]
        world.assert_acted_once([a for a in arrivals if a.source != source])
        assert all(world.alerts_naming(a.text) == 0 for a in arrivals if a.source == source)

        if limit.waited:
            sleep_until(until)
        else:
            end_window_now(world, source)
        world.clear_faults()
        after = world.poll()
        assert after.returncode == 0, after.stdout + after.stderr
        world.assert_acted_once(arrivals)
        status = world.source_status(source)
        assert (status["healthy"], status["rate_limited_until"]) == (True, None)
        assert world.emails("admin@test.sch.uk") == []


# -- 2. expired or revoked credentials --------------------------------------------------------


@dataclass(frozen=True)
class Revoked:
    """A credential the platform stops accepting, and how the admin puts a valid one in place."""

    source: str
    revoke: Callable[[World], None]
    renew: Callable[[World], None]
    #: the config key the admin email must name (where the credential or address lives)
    key: str
    #: how the email must name the problem
    words: str


def feed_refuses(status: int) -> Callable[[World], None]:
    def refuse(world: World) -> None:
        """The blog went private (401 asks for a login) or its host now forbids us (403)."""
        world.feed_fault = {
            "body": f"<html><body><h1>{status}</h1></body></html>".encode(),
            "status": status,
            "content_type": "text/html; charset=UTF-8",
            "headers": {"WWW-Authenticate": 'Basic realm="Class blog"'} if status == 401 else {},
        }
        world.serve_feed()

    return refuse


def feed_public(world: World) -> None:
    world.feed_fault = None
    world.serve_feed()


def graph_token_revoked(source: str, variable: str) -> Callable[[World], None]:
    def revoke(world: World) -> None:
        """The Page token expired: the Graph API now accepts only a newly generated one
        (error 190/463, ``OAuthException``, ``WWW-Authenticate``)."""
        graph(world, source).tokens = {ROTATED[variable]}

    return revoke


def rotated(variable: str) -> Callable[[World], None]:
    def renew(world: World) -> None:
        """The admin stores the new token where the config points."""
        world.env[variable] = ROTATED[variable]

    return renew


def x_bearer_revoked(world: World) -> None:
    """The app's bearer token was regenerated in the developer portal: X answers 401."""
    world.x.bearer_token = ROTATED["X_BEARER"]


EXPIRED = {
    "blog-401": Revoked(
        "blog", feed_refuses(401), feed_public, "sources.blog.url", r"refused.*HTTP 401"
    ),
    "blog-403": Revoked(
        "blog", feed_refuses(403), feed_public, "sources.blog.url", r"refused.*HTTP 403"
    ),
    "fb-190": Revoked(
        "fb",
        graph_token_revoked("fb", "FB_TOKEN"),
        rotated("FB_TOKEN"),
        "token_env = FB_TOKEN",
        r"token was refused.*190.*expired",
    ),
    "insta-190": Revoked(
        "insta",
        graph_token_revoked("insta", "IG_TOKEN"),
        rotated("IG_TOKEN"),
        "token_env = IG_TOKEN",
        r"token was refused.*190.*expired",
    ),
    "x-401": Revoked(
        "x", x_bearer_revoked, rotated("X_BEARER"), "bearer_token_env = X_BEARER", r"refused.*401"
    ),
}


class TestExpiredCredential:
    @pytest.mark.parametrize("case", EXPIRED)
    def test_admin_is_told_once_then_everything_is_acted_on_once(
        self, world: World, case: str
    ) -> None:
        """A credential refused on one platform: that source alone fails (exit 3) and the admin
        gets one email at once naming the problem and the config key to fix, never a secret;
        ``status`` says the same; the other platforms carry on; a further failing poll sends no
        second email; once a valid credential is in place everything that arrived meanwhile is
        vetted, hidden and alerted once, and "checking again" is emailed once."""
        revoked = EXPIRED[case]
        source = revoked.source
        assert world.poll().returncode == 0
        arrivals = world.arrive_everywhere("before")
        revoked.revoke(world)

        first = world.poll()
        assert first.returncode == 3, first.stdout + first.stderr
        assert [s for s in SOURCES if f"{s}: FAILED" in first.stdout] == [source], first.stdout
        world.assert_acted_once([a for a in arrivals if a.source != source])
        (notice,) = world.health(source, "failing")
        body = body_text(notice)
        assert revoked.key in body, f"the email does not name {revoked.key}: {body}"
        assert re.search(revoked.words, body, re.IGNORECASE), body
        status = world.source_status(source)
        assert (status["healthy"], status["error_category"]) == (False, "auth")
        assert revoked.key in status["last_error"]
        assert status["last_error"] in body
        assert not REPR.search(status["last_error"]), status["last_error"]

        arrivals += world.arrive_everywhere("during")
        again = world.poll()
        assert again.returncode == 3, again.stdout + again.stderr
        assert len(world.health(source, "failing")) == 1, "told twice"
        world.assert_acted_once([a for a in arrivals if a.source != source])
        assert all(world.alerts_naming(a.text) == 0 for a in arrivals if a.source == source)

        revoked.renew(world)
        fixed = world.poll()
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        world.assert_acted_once(arrivals)
        assert world.source_status(source)["healthy"] is True
        assert len(world.health(source, "recovered")) == 1
        steady = world.poll()
        assert steady.returncode == 0, steady.stdout + steady.stderr
        world.assert_acted_once(arrivals)
        assert [len(world.health(source, e)) for e in ("failing", "recovered")] == [1, 1]
        assert len(admin_about(world, source)) == 2
        assert world.emails("admin@test.sch.uk") == admin_about(world, source)
        assert_no_secret_shown(world, first.stdout + first.stderr, fixed.stdout + fixed.stderr)


# -- 3. a permission revoked in the middle of a run -----------------------------------------------


@dataclass(frozen=True)
class Withdrawn:
    """Hiding refused while reading still works, and how the admin gives it back."""

    source: str
    withdraw: Callable[[World], None]
    restore: Callable[[World], None]
    #: what the alert and the admin's email must name: the permission (or key) to fix
    fix: str


def graph_hide_refused(
    source: str, code: int, message: str, status: int
) -> Callable[[World], None]:
    def withdraw(world: World) -> None:
        """Someone removed the hide permission from the token: reads work, each hide is refused."""
        graph(world, source).fail(graph_error(code, message, status=status, method="POST"), None)

    return withdraw


def graph_hide_restored(source: str) -> Callable[[World], None]:
    def restore(world: World) -> None:
        graph(world, source).clear_failures()

    return restore


def x_read_only(world: World) -> None:
    """The app's permissions were set to Read only: hiding answers 403 ``oauth1-permissions``."""
    world.x.access_level = "read"


def x_read_write(world: World) -> None:
    world.x.access_level = "read-write"


def x_user_token_revoked(world: World) -> None:
    """The school account's access token was revoked: reads (bearer) work, hiding is 401."""
    world.x.access_token = ROTATED["X_ACCESS_TOKEN"]


WITHDRAWN = {
    "fb-200": Withdrawn(
        "fb",
        graph_hide_refused(
            "fb",
            200,
            "(#200) Requires pages_manage_engagement permission to manage the object",
            403,
        ),
        graph_hide_restored("fb"),
        "pages_manage_engagement",
    ),
    "insta-10": Withdrawn(
        "insta",
        graph_hide_refused(
            "insta", 10, "(#10) Application does not have permission for this action", 400
        ),
        graph_hide_restored("insta"),
        "instagram_manage_comments",
    ),
    "x-403-read-only": Withdrawn("x", x_read_only, x_read_write, "Read and write"),
    "x-401-user-token": Withdrawn(
        "x", x_user_token_revoked, rotated("X_ACCESS_TOKEN"), "access_token_env = X_ACCESS_TOKEN"
    ),
}


class TestPermissionWithdrawn:
    @pytest.mark.parametrize("case", WITHDRAWN)
    def test_alerted_with_the_failure_admin_told_then_hidden_once(
        self, world: World, case: str
    ) -> None:
        """Hiding refused for a missing permission while reading works: the poll succeeds, SLT's
        alert says the comment could not be hidden and why, the admin is told once which
        permission to grant, the platform is not asked again and again, nothing is lost; once
        the permission is back each waiting comment is hidden by one request, nothing is
        alerted twice and the admin is told once that hiding works again."""
        withdrawn = WITHDRAWN[case]
        source = withdrawn.source
        assert world.poll().returncode == 0
        withdrawn.withdraw(world)
        arrivals = world.arrive_everywhere("withdrawn")

        first = world.poll()
        assert first.returncode == 0, first.stdout + first.stderr
        assert re.search(rf"^{source}: .*0 hidden, 1 could not be hidden$", first.stdout, re.M)
        assert_acted_once_except(world, arrivals, source)
        (waiting,) = [a for a in arrivals if a.source == source and flagged(a)]
        assert not world.is_hidden(waiting)
        (alert,) = alerts_quoting(world, waiting.text)
        assert re.search(r"not (been )?hidden|could not hide", alert, re.IGNORECASE), alert
        assert withdrawn.fix in alert, f"the alert does not say why: {alert}"
        (blocked,) = hide_notices(world, source, "blocked")
        assert withdrawn.fix in body_text(blocked), body_text(blocked)
        assert world.health(source, "failing") == [], "reading works: the source is not failing"
        status = world.source_status(source)
        assert status["healthy"] is True
        assert withdrawn.fix in status["cannot_hide"], status
        assert f"CANNOT HIDE: {status['cannot_hide']}" in status_text(world)

        arrivals += world.arrive_everywhere("still")
        (later,) = [a for a in arrivals[-8:] if a.source == source and flagged(a)]
        tries = sum(world.hides(source).values())
        second = world.poll()
        assert second.returncode == 0, second.stdout + second.stderr
        assert sum(world.hides(source).values()) - tries <= 1, "asked again for every comment"
        assert len(hide_notices(world, source, "blocked")) == 1, "told twice"
        (alert,) = alerts_quoting(world, later.text)
        assert withdrawn.fix in alert
        assert len(alerts_quoting(world, waiting.text)) == 1
        assert not world.is_hidden(waiting) and not world.is_hidden(later)

        withdrawn.restore(world)
        before = world.hides(source)
        third = world.poll()
        assert third.returncode == 0, third.stdout + third.stderr
        done = world.hides(source) - before
        assert done == {waiting.platform_id: 1, later.platform_id: 1}, done
        assert world.is_hidden(waiting) and world.is_hidden(later)
        (restored,) = hide_notices(world, source, "again")
        assert world.source_status(source)["cannot_hide"] is None
        assert world.poll().returncode == 0
        assert world.hides(source) - before == done, "hidden again after it was done"
        assert_acted_once_except(world, arrivals, source)
        for a in arrivals:
            if a.source == source:
                assert len(alerts_quoting(world, a.text)) == (1 if flagged(a) else 0), a
        assert len(hide_notices(world, source, "blocked")) == 1
        assert len(hide_notices(world, source, "again")) == 1
        assert world.emails("admin@test.sch.uk") == [blocked, restored]
        assert_no_secret_shown(world, first.stdout + first.stderr, third.stdout + third.stderr)
