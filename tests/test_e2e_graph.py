"""End to end on Facebook and Instagram: ``social-monitor poll`` as a process, a fake Graph API,
a real SMTP server and a real SQLite file.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.graph_server import (
    DEFAULT_TOKEN,
    DEMO_IG_ID,
    DEMO_PAGE_ID,
    Comment,
    GraphServer,
    IgComment,
    demo_graph_data,
    rate_limit_error,
)
from monitor.sandbox.smtp_server import SmtpServer

NOW = datetime.now(UTC).replace(microsecond=0)
SCRIPT = Path(sys.executable).with_name("social-monitor")
ABUSIVE_FB = "2000000002_3"  # "This school is a f*cking joke, ..." on a 6-day-old post
ABUSIVE_REPLY = "2000000003_3"  # "shut up you stupid b1tch ..."
COMPLAINT = "2000000002_1"  # a fair complaint about a late trip letter
ABUSIVE_IG = "17900000000000203"
SPORTS_DAY = f"{DEMO_PAGE_ID}_2000000001"  # 20 days old
CAROUSEL = "17900000000000101"


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``social-monitor --config CONFIG ARGS`` with the tokens in its environment."""
    return subprocess.run(
        [str(SCRIPT), "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "FB_PAGE_TOKEN": DEFAULT_TOKEN, "IG_TOKEN": DEFAULT_TOKEN},
        check=False,
    )


@pytest.fixture(name="graph")
def fixture_graph() -> Iterator[GraphServer]:
    with GraphServer(demo_graph_data(NOW)) as server:
        yield server


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path], graph: GraphServer, smtp: SmtpServer) -> Path:
    return write_config(
        f"""
[[sources]]
name = "fb"
kind = "facebook_page"
page_id = "{DEMO_PAGE_ID}"
token_env = "FB_PAGE_TOKEN"
api_url = "{graph.base_url}"

[[sources]]
name = "insta"
kind = "instagram"
account_id = "{DEMO_IG_ID}"
token_env = "IG_TOKEN"
api_url = "{graph.base_url}"
""",
        smtp_port=smtp.port,
    )


def hidden(graph: GraphServer, platform_id: str) -> bool:
    found = graph.find(platform_id)
    assert isinstance(found, Comment | IgComment)
    return found.is_hidden if isinstance(found, Comment) else found.hidden


def hides(graph: GraphServer) -> list[str]:
    """The comment ids the server was asked to hide, in order."""
    return [
        r.path.rsplit("/", 1)[-1]
        for r in graph.requests()
        if r.method == "POST"
        and (r.form.get("is_hidden") == "true" or r.form.get("hide") == "true")
    ]


def alert_text(smtp: SmtpServer) -> str:
    """The plain-text bodies of every SLT alert received."""
    texts = []
    for message in smtp.messages:
        body = message.get_body(("plain",))
        if message["To"] == "slt@test.sch.uk" and body is not None:
            texts.append(body.get_content())
    return "\n".join(texts)


class TestPoll:
    def test_abusive_hidden_benign_left_alone_alerted_once(
        self, config: Path, graph: GraphServer, smtp: SmtpServer
    ) -> None:
        """Abusive comments are hidden and alerted once; the rest stays; poll 2 does nothing."""
        first = run(config, "poll")
        assert first.returncode == 0, first.stdout + first.stderr
        assert hidden(graph, ABUSIVE_FB)
        assert hidden(graph, ABUSIVE_REPLY)
        assert hidden(graph, ABUSIVE_IG)
        assert not hidden(graph, COMPLAINT)
        assert sorted(hides(graph)) == sorted([ABUSIVE_FB, ABUSIVE_REPLY, ABUSIVE_IG])
        text = alert_text(smtp)
        assert "f*cking joke" in text
        assert "b1tch" in text
        assert "sh1t" in text
        assert "disappointed" not in text
        sent = len(smtp.messages)
        second = run(config, "poll")
        assert second.returncode == 0, second.stdout + second.stderr
        assert len(smtp.messages) == sent
        assert len(hides(graph)) == 3
        assert "fb: 0 fetched" in second.stdout

    def test_comment_naming_a_pupil_in_full_is_hidden(
        self, config: Path, graph: GraphServer, smtp: SmtpServer
    ) -> None:
        """A comment giving a roster pupil's full name is hidden; a first name alone is not."""
        (config.parent / "pupils.csv").write_text(
            "first_name,last_name,photo_consent\nJamie,Whitfield,yes\n"
        )
        config.write_text(config.read_text() + '\n[roster]\npath = "pupils.csv"\n')
        named = graph.add_comment(SPORTS_DAY, "Well done Jamie Whitfield in the relay!", at=NOW)
        first_only = graph.add_comment(SPORTS_DAY, "Well done Jamie, what a run!", at=NOW)
        result = run(config, "poll", "--source", "fb")
        assert result.returncode == 0, result.stdout + result.stderr
        assert hidden(graph, named.id)
        assert not hidden(graph, first_only.id)
        text = alert_text(smtp)
        assert "pupil_name" in text
        # email.privacy_surnames (on by default): the email shortens, the evidence keeps it.
        assert "Jamie W." in text and "Whitfield" not in text

    def test_new_comment_on_a_20_day_old_post(
        self, config: Path, graph: GraphServer, smtp: SmtpServer
    ) -> None:
        """A comment added to a 20-day-old post after the first poll is found and hidden."""
        assert run(config, "poll").returncode == 0
        late = graph.add_comment(SPORTS_DAY, "what a load of sh1t this school is", at=NOW)
        second = run(config, "poll")
        assert second.returncode == 0, second.stdout + second.stderr
        # The re-read overlaps the last comment seen (same-second safety): 1 new of 2.
        assert "fetched, 1 new, 1 findings, 1 hidden" in second.stdout
        assert hidden(graph, late.id)

    def test_expired_token_on_one_source_others_proceed(
        self,
        write_config: Callable[..., Path],
        graph: GraphServer,
        smtp: SmtpServer,
    ) -> None:
        """An expired Facebook token fails that source (exit 3); a feed is still polled."""
        with FeedServer() as feeds:
            feed = feeds.set_response(
                "/comments/feed/",
                wordpress_comments_feed(
                    [("Parent", "this school is a f*cking joke", "Trip", 41, 301, NOW)]
                ),
            )
            config = write_config(
                f"""
[[sources]]
name = "fb"
kind = "facebook_page"
page_id = "{DEMO_PAGE_ID}"
token_env = "FB_PAGE_TOKEN"
api_url = "{graph.base_url}"

[[sources]]
name = "blog"
kind = "feed"
url = "{feed}"
""",
                smtp_port=smtp.port,
            )
            graph.tokens.clear()
            result = run(config, "poll")
        assert result.returncode == 3
        assert "fb: FAILED" in result.stdout
        assert "access token was refused" in result.stdout
        assert "blog: 1 fetched" in result.stdout
        assert DEFAULT_TOKEN not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        subjects = " ".join(str(m["Subject"]) for m in smtp.messages)
        assert "fb" in subjects
        # The next poll tries once more, cheaply: one request, no storm.
        before = len(graph.requests())
        again = run(config, "poll", "--source", "fb")
        assert again.returncode == 3
        assert len(graph.requests()) == before + 1

    def test_rate_limit_window_then_every_comment_recovered(
        self, config: Path, graph: GraphServer, smtp: SmtpServer
    ) -> None:
        """While throttled the source is skipped without a request; after it, all is found."""
        assert run(config, "poll").returncode == 0
        graph.fail(rate_limit_error(80001, 5), times=None)
        throttled = run(config, "poll", "--source", "fb")
        assert throttled.returncode == 3
        assert "skipped: rate-limited until" in throttled.stdout
        arrived = [
            graph.add_comment(SPORTS_DAY, "what a load of sh1t", at=NOW),
            graph.add_comment(f"{DEMO_PAGE_ID}_2000000003", "Can't wait for the fair!", at=NOW),
        ]
        graph.add_ig_comment(CAROUSEL, "Congratulations Year 6", at=NOW)
        before = len(graph.requests())
        skipped = run(config, "poll", "--source", "fb")
        assert skipped.returncode == 3
        assert "skipped: rate-limited until" in skipped.stdout
        assert len(graph.requests()) == before, "no requests while throttled"
        # The announced window passes (moved in the state file: no sleeping in tests).
        graph.clear_failures()
        with sqlite3.connect(config.parent / "state" / "monitor.db") as db:
            past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            db.execute("UPDATE sources SET rate_limited_until=? WHERE name='fb'", (past,))
        recovered = run(config, "poll")
        assert recovered.returncode == 0, recovered.stdout + recovered.stderr
        assert "fetched, 2 new, 1 findings, 1 hidden" in recovered.stdout.split("insta:")[0]
        assert "fetched, 1 new" in recovered.stdout.split("insta:")[1]
        assert hidden(graph, arrived[0].id)
        assert not hidden(graph, arrived[1].id)
