"""End to end on X: ``social-monitor poll`` as a process against a fake X API, SMTP and SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.rules import RULE_IDS
from monitor.sandbox.smtp_server import SmtpServer
from monitor.sandbox.x_server import SCHOOL_ID, XData, XServer

SCRIPT = Path(sys.executable).with_name("social-monitor")
NOW = datetime.now(UTC)
ABUSIVE = "this school is a f*cking joke"
MENTIONS = f"/2/users/{SCHOOL_ID}/mentions"
SECRETS = {
    "X_BEARER": "e2e-bearer-token",
    "X_CONSUMER_KEY": "e2e-consumer-key",
    "X_CONSUMER_SECRET": "e2e-consumer-secret",
    "X_ACCESS_TOKEN": "e2e-access-token",
    "X_ACCESS_TOKEN_SECRET": "e2e-access-token-secret",
}
SOURCE = """
[[sources]]
name = "x"
kind = "twitter"
user_id = "{user_id}"
bearer_token_env = "X_BEARER"
consumer_key_env = "X_CONSUMER_KEY"
consumer_secret_env = "X_CONSUMER_SECRET"
access_token_env = "X_ACCESS_TOKEN"
access_token_secret_env = "X_ACCESS_TOKEN_SECRET"
api_url = "{api_url}"
"""


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``social-monitor`` with the X secrets in its environment."""
    return subprocess.run(
        [str(SCRIPT), "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **SECRETS},
        check=False,
    )


@pytest.fixture(name="data")
def fixture_data() -> XData:
    """The school posted once; a parent replied kindly and someone abusively."""
    data = XData()
    data.add_user(SCHOOL_ID, "Test Primary", "TestPrimary")
    data.add_user("3000000001", "Sam Parent", "sam_parent")
    data.add_user("3000000002", "anon", "anon_troll")
    data.add_user("3000000003", "Cool Coach", "coolcoach")
    root = data.post(SCHOOL_ID, "Sports day photos are up!", NOW - timedelta(hours=3))
    data.post("3000000001", "Lovely day, thank you", NOW - timedelta(hours=2), reply_to=root)
    data.post("3000000002", ABUSIVE, NOW - timedelta(hours=1), reply_to=root)
    return data


@pytest.fixture(name="x")
def fixture_x(data: XData) -> Iterator[XServer]:
    with XServer(
        data,
        bearer_token=SECRETS["X_BEARER"],
        consumer_key=SECRETS["X_CONSUMER_KEY"],
        access_token=SECRETS["X_ACCESS_TOKEN"],
    ) as server:
        yield server


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path], x: XServer, smtp: SmtpServer) -> Path:
    return write_config(SOURCE.format(user_id=SCHOOL_ID, api_url=x.base_url), smtp_port=smtp.port)


def source_status(config: Path) -> dict[str, object]:
    result = run(config, "status", "--json")
    assert result.returncode == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    assert isinstance(source, dict)
    return source


class TestPoll:
    def test_abusive_reply_is_hidden_and_alerted_once(
        self, config: Path, data: XData, x: XServer, smtp: SmtpServer
    ) -> None:
        """The abusive reply is hidden on X and reaches SLT in one email; poll 2 does nothing."""
        first = run(config, "poll")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "1 hidden" in first.stdout
        (abusive,) = [t for t in data.tweets.values() if ABUSIVE in t.text]
        assert abusive.hidden is True
        assert [t.id for t in data.tweets.values() if t.hidden] == [abusive.id]
        (put,) = x.requests(method="PUT")
        assert put.body == {"hidden": True}
        (message,) = smtp.messages
        assert message["To"] == "slt@test.sch.uk"
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert ABUSIVE in text
        assert f"https://x.com/anon_troll/status/{abusive.id}" in text

        second = run(config, "poll")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "0 new" in second.stdout
        assert len(x.requests(method="PUT")) == 1
        assert len(smtp.messages) == 1

    def test_abusive_mention_outside_conversations_says_report_by_hand(
        self, config: Path, data: XData, x: XServer, smtp: SmtpServer
    ) -> None:
        """A mention X cannot hide is alerted with its link and "report or block it by hand"."""
        run(config, "poll")
        mention = data.post("3000000002", "@TestPrimary you lot are sh1t", NOW)
        result = run(config, "poll")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "could not be hidden" in result.stdout
        assert data.tweets[mention].hidden is False
        body = smtp.messages[-1].get_body(("plain",))
        assert body is not None
        text = " ".join(body.get_content().split())
        assert "report or block it by hand" in text
        assert f"https://x.com/anon_troll/status/{mention}" in text

    @pytest.mark.skipif(
        "safeguarding" not in RULE_IDS,
        reason="needs the safeguarding rule (monitor.rules.RULE_IDS has no 'safeguarding' yet)",
    )
    def test_safeguarding_mention_goes_to_the_dsl(
        self, config: Path, data: XData, smtp: SmtpServer
    ) -> None:
        """A contact-seeking mention towards pupils is sent to the DSL as urgent, on its own."""
        run(config, "poll")
        mention = data.post(
            "3000000003", "@TestPrimary your goalkeeper is great, what's your snap? dm me", NOW
        )
        result = run(config, "poll")
        assert result.returncode == 0, result.stdout + result.stderr
        urgent = [m for m in smtp.messages if m["To"] == "dsl@test.sch.uk"]
        assert len(urgent) == 1
        assert "safeguarding" in str(urgent[0]["Subject"]).lower()
        body = urgent[0].get_body(("plain",))
        assert body is not None
        text = " ".join(body.get_content().split())
        assert f"https://x.com/coolcoach/status/{mention}" in text
        assert "report or block it by hand" in text  # a mention: X cannot hide it


class TestRateLimit:
    def test_open_window_skips_the_source_with_exit_3(
        self, config: Path, data: XData, x: XServer
    ) -> None:
        """A 429 exits 3; while its window is open the next poll does not call X at all."""
        assert run(config, "poll").returncode == 0
        data.post("3000000001", "@TestPrimary is there school on Monday?", NOW)
        x.rate_limit(MENTIONS, NOW + timedelta(minutes=10))
        limited = run(config, "poll")
        assert limited.returncode == 3, limited.stdout + limited.stderr
        assert "skipped: rate-limited until" in limited.stdout
        calls = len(x.requests())
        skipped = run(config, "poll")
        assert skipped.returncode == 3
        assert "skipped: rate-limited until" in skipped.stdout
        assert len(x.requests()) == calls
        assert source_status(config)["rate_limited_until"] is not None

    def test_after_the_window_every_mention_is_read(
        self, config: Path, data: XData, x: XServer, smtp: SmtpServer
    ) -> None:
        """Mentions that arrived before and during a 429 window are all read when it ends."""
        assert run(config, "poll").returncode == 0
        seen = source_status(config)["items_seen"]
        arrived = [data.post("3000000001", "@TestPrimary question one", NOW)]
        # X says the window resets now: the poll after this one is already allowed.
        x.fail(MENTIONS, 429, reset=datetime.now(UTC) - timedelta(seconds=5))
        limited = run(config, "poll")
        assert limited.returncode == 3, limited.stdout + limited.stderr
        arrived.append(data.post("3000000002", "@TestPrimary this is f*cking useless", NOW))
        after = run(config, "poll")
        assert after.returncode == 0, after.stdout + after.stderr
        assert "2 new" in after.stdout
        assert source_status(config)["items_seen"] == seen + len(arrived)  # type: ignore[operator]
        body = smtp.messages[-1].get_body(("plain",))
        assert body is not None
        assert "this is f*cking useless" in body.get_content()
