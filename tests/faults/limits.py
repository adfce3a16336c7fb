"""Helpers for the credentials-and-limits faults: what the platforms saw, and time passing.

The platforms' answers themselves come from the sandboxes (``graph_error``
with usage headers, ``XServer.rate_limit``, a feed's status and headers);
these helpers count what each server received, find the admin's emails about
one source, and end a rate-limit window that is minutes long without waiting
for it.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from monitor.cli import COMMANDS, build_parser
from monitor.sandbox.graph_server import GraphServer
from tests.faults.harness import FEED_PATH, SECRETS, Arrival, World, body_text

#: the tokens an admin puts in place of revoked ones; like the harness's SECRETS, never shown
ROTATED = {
    "FB_TOKEN": "fb-page-token-rotated-51d2",
    "IG_TOKEN": "ig-page-token-rotated-a9e0",
    "X_BEARER": "x-bearer-token-rotated-77c1",
    "X_ACCESS_TOKEN": "x-access-token-rotated-0b6f",
}

#: what a Graph throttle carries in ``X-App-Usage`` (percentages of the app's quota)
APP_USAGE_FULL = json.dumps({"call_count": 100, "total_cputime": 23, "total_time": 31})


def graph(world: World, source: str) -> GraphServer:
    """The fake Graph API behind ``source`` ("fb" or "insta")."""
    return world.fb if source == "fb" else world.insta


def requests_to(world: World, source: str) -> int:
    """How many requests ``source``'s platform has received so far."""
    if source == "blog":
        return len(world.feeds.requests(FEED_PATH))
    if source == "x":
        return len(world.x.requests())
    return len(graph(world, source).requests())


def business_usage(object_id: str, kind: str, regain_minutes: int) -> str:
    """An ``X-Business-Use-Case-Usage`` value as the Graph API sends it (one object, one type)."""
    usage = {
        "type": kind,
        "call_count": 100,
        "total_cputime": 9,
        "total_time": 12,
        "estimated_time_to_regain_access": regain_minutes,
    }
    return json.dumps({object_id: [usage]}, separators=(",", ":"))


def end_window_now(world: World, source: str) -> None:
    """Let ``source``'s stored rate-limit window end now, as if its minutes had passed.

    The Graph API announces its windows in whole minutes (a blog host's
    ``Retry-After`` is often minutes too); rather than sleep through one, the
    stored "until" (already checked by the caller) is moved to a second ago.
    """
    past = datetime.now(UTC) - timedelta(seconds=1)
    with closing(sqlite3.connect(world.db)) as db, db:
        db.execute(
            "UPDATE sources SET rate_limited_until=? WHERE name=?", (past.isoformat(), source)
        )


def admin_about(world: World, source: str) -> list[EmailMessage]:
    """Every email the admin received about ``source`` (its name in the subject)."""
    return [m for m in world.emails("admin@test.sch.uk") if f" {source}" in str(m["Subject"])]


def hide_notices(world: World, source: str, event: str) -> list[EmailMessage]:
    """The admin's emails that hiding on ``source`` is ``blocked`` or works ``again``."""
    wanted = "Cannot hide" if event == "blocked" else "Hiding"
    return [m for m in admin_about(world, source) if wanted in str(m["Subject"])]


def alerts_quoting(world: World, text: str) -> list[str]:
    """The plain text of each alert (to SLT or the DSL) that quotes ``text``."""
    bodies = [body_text(m) for m in world.emails() if "admin@" not in str(m["To"])]
    return [b for b in bodies if text in b]


def readable(message: EmailMessage) -> str:
    """Everything a reader of ``message`` sees: its subject and every text part, decoded."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return "\n".join(parts)


def assert_no_secret_shown(world: World, *outputs: str) -> None:
    """No token, original or rotated, in any email or in ``outputs``."""
    shown = [readable(m) for m in world.emails()] + list(outputs)
    for secret in (*SECRETS.values(), *ROTATED.values()):
        assert not any(secret in s for s in shown), secret


def assert_acted_once_except(world: World, arrivals: Iterable[Arrival], source: str) -> None:
    """``World.assert_acted_once`` for every platform but ``source`` (whose refused hide
    requests are counted by the caller)."""
    others = [a for a in arrivals if a.source != source]
    world.assert_acted_once(others, platforms={a.source for a in others})


def status_text(world: World) -> str:
    """``status`` as a person reads it (no ``--json``), run in this process; it must exit 0."""
    args = build_parser().parse_args(["--config", str(world.path), "status"])
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = COMMANDS["status"](args)
    assert code == 0, buffer.getvalue()
    return buffer.getvalue()
