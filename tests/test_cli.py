"""The command line as an IT admin runs it: a real process, feed and SMTP servers, SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.engine import rules_compiled
from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.smtp_server import SmtpServer

NOW = datetime.now(UTC)
ABUSIVE = "this school is a f*cking joke"
BENIGN = "Really disappointed with how the trip was handled, please explain."
SCRIPT = Path(sys.executable).with_name("social-monitor")


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``social-monitor`` console script."""
    return subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SOCIAL_MONITOR_CONFIG": "/nonexistent/monitor.toml", **(env or {})},
        check=False,
    )


def comments(*texts: str) -> bytes:
    return wordpress_comments_feed(
        [
            ("Parent " + str(i), t, "Trip", 41, 300 + i, NOW - timedelta(minutes=60 - i))
            for i, t in enumerate(texts)
        ]
    )


@pytest.fixture(name="feeds")
def fixture_feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path], feeds: FeedServer, smtp: SmtpServer) -> Path:
    url = feeds.set_response("/comments/feed/", comments(BENIGN, ABUSIVE))
    return write_config(
        f'[[sources]]\nname = "blog"\nkind = "feed"\nurl = "{url}"\n', smtp_port=smtp.port
    )


def status(config: Path) -> dict[str, object]:
    result = run("--config", str(config), "status", "--json")
    assert result.returncode == 0, result.stderr
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


class TestPoll:
    def test_flagged_comment_alerted_once(self, config: Path, smtp: SmtpServer) -> None:
        """The abusive comment reaches SLT in one email; a second poll sends nothing new."""
        first = run("--config", str(config), "poll")
        assert first.returncode == 0, first.stderr
        assert len(smtp.messages) == 1
        message = smtp.messages[0]
        assert message["To"] == "slt@test.sch.uk"
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert ABUSIVE in text
        assert "remove it by hand" in text.lower()
        second = run("--config", str(config), "poll")
        assert second.returncode == 0, second.stderr
        assert len(smtp.messages) == 1

    def test_smtp_down_keeps_alert_queued_then_sends_once(
        self, config: Path, smtp: SmtpServer
    ) -> None:
        """With the mail server down the alert stays queued; it is sent once when it is back."""
        smtp.stop()
        down = run("--config", str(config), "poll")
        assert down.returncode == 0, down.stderr
        assert "queued" in down.stdout
        assert status(config)["outbox_pending"] == 1
        smtp.start()
        run("--config", str(config), "poll")
        run("--config", str(config), "poll")
        assert len(smtp.messages) == 1
        assert status(config)["outbox_pending"] == 0

    def test_conditional_get_on_the_second_poll(self, config: Path, feeds: FeedServer) -> None:
        """The second poll sends the validators the first one received (304 path)."""
        feeds.set_response("/comments/feed/", comments(BENIGN), etag='"v1"')
        run("--config", str(config), "poll")
        assert run("--config", str(config), "poll").returncode == 0
        sent = feeds.requests("/comments/feed/")[-1]
        assert sent.headers.get("if-none-match") == '"v1"'

    def test_failing_source_exit_3_and_status(
        self, config: Path, feeds: FeedServer, smtp: SmtpServer
    ) -> None:
        """A failing source makes poll exit 3; status names the problem and exits 0."""
        feeds.set_response("/comments/feed/", b"oops", status=500, content_type="text/plain")
        result = run("--config", str(config), "poll")
        assert result.returncode == 3
        assert "blog: FAILED" in result.stdout
        assert "Traceback" not in result.stderr
        (source,) = status(config)["sources"]  # type: ignore[misc]
        assert source["healthy"] is False
        assert "500" in source["last_error"]
        feeds.set_response("/comments/feed/", comments(BENIGN))
        assert run("--config", str(config), "poll").returncode == 0
        (source,) = status(config)["sources"]  # type: ignore[misc]
        assert (source["healthy"], source["last_error"], source["items_seen"]) == (True, None, 1)

    def test_one_bad_source_does_not_stop_the_others(
        self, write_config: Callable[..., Path], feeds: FeedServer, smtp: SmtpServer
    ) -> None:
        """A broken feed fails alone; the good one is still polled and alerted."""
        good = feeds.set_response("/good/", comments(ABUSIVE))
        config = write_config(
            f'[[sources]]\nname = "broken"\nkind = "feed"\nurl = "{feeds.url("/missing/")}"\n'
            f'[[sources]]\nname = "good"\nkind = "feed"\nurl = "{good}"\n',
            smtp_port=smtp.port,
        )
        result = run("--config", str(config), "poll")
        assert result.returncode == 3
        assert "good: 1 fetched" in result.stdout
        assert len([m for m in smtp.messages if m["To"] == "slt@test.sch.uk"]) >= 1

    def test_dry_run_stores_and_sends_nothing(self, config: Path, smtp: SmtpServer) -> None:
        """--dry-run shows findings without a database, a hide or an email."""
        result = run("--config", str(config), "poll", "--dry-run")
        assert result.returncode == 0, result.stderr
        assert "f*cking" in result.stdout
        assert not (config.parent / "state").exists()
        assert smtp.messages == []

    def test_unknown_source(self, config: Path) -> None:
        """--source with an unknown name is a usage error naming the configured ones."""
        result = run("--config", str(config), "poll", "--source", "nope")
        assert result.returncode == 2
        assert "blog" in result.stderr

    def test_findings_json(self, config: Path) -> None:
        """findings --json prints one array with the stored evidence."""
        run("--config", str(config), "poll")
        result = run("--config", str(config), "findings", "--json")
        assert result.returncode == 0, result.stderr
        (finding,) = json.loads(result.stdout)
        assert (finding["rule"], finding["source"], finding["text"]) == ("abuse", "blog", ABUSIVE)
        later = run("--config", str(config), "findings", "--json", "--since", "2999-01-01")
        assert json.loads(later.stdout) == []


class TestConfigErrors:
    @pytest.mark.parametrize(
        ("edit", "expected"),
        [
            (lambda t: t + "\n[bogus]\n", "bogus: unknown key"),
            (
                lambda t: t.replace('kind = "feed"', 'kind = "friendster"'),
                "sources[0]: unknown kind",
            ),
            (lambda t: t.replace("[email]", "[mail]"), "email: required key is missing"),
            (lambda t: t + "\n[[sources]\n", "not valid TOML"),
        ],
    )
    def test_exit_2_with_message(
        self, config: Path, edit: Callable[[str], str], expected: str
    ) -> None:
        """Each bad config exits 2 naming the file and the key, never with a traceback."""
        config.write_text(edit(config.read_text()))
        for command in ("check", "poll", "status"):
            result = run("--config", str(config), command)
            assert result.returncode == 2, (command, result.stdout, result.stderr)
            assert expected in result.stderr
            assert str(config) in result.stderr
            assert "Traceback" not in result.stderr

    def test_check_names_unset_secret(self, config: Path) -> None:
        """check resolves secrets: an unset variable is named."""
        text = config.read_text().replace(
            "timeout = 5", 'timeout = 5\nusername = "u"\npassword_env = "NOPE_UNSET"'
        )
        config.write_text(text)
        result = run("--config", str(config), "check")
        assert result.returncode == 2
        assert "NOPE_UNSET" in result.stderr

    def test_check_names_bad_roster_row(self, config: Path) -> None:
        """check reads the roster: a bad row is named by file, line and column."""
        (config.parent / "pupils.csv").write_text(
            "first_name,last_name,photo_consent\nJamie,Smith,yes\nAva,Jones,maybe\n"
        )
        config.write_text(config.read_text() + '\n[roster]\npath = "pupils.csv"\n')
        result = run("--config", str(config), "check")
        assert result.returncode == 2
        assert "pupils.csv:3: column photo_consent" in result.stderr

    def test_check_reads_a_mapped_roster(self, config: Path) -> None:
        """check reads the roster through the config's column mapping (an MIS export as is)."""
        (config.parent / "export.csv").write_text(
            "Forename,Surname,Photo Permission\nJamie,Smith,yes\nAva,Jones,no\n"
        )
        config.write_text(
            config.read_text()
            + '\n[roster]\npath = "export.csv"\nfirst_name = "Forename"\n'
            + 'last_name = "Surname"\nphoto_consent = "Photo Permission"\n'
        )
        result = run("--config", str(config), "check")
        assert result.returncode == 0, result.stderr
        assert "roster: 2 pupils" in result.stdout

    def test_check_ok(self, config: Path) -> None:
        """A good config passes check with a summary."""
        result = run("--config", str(config), "check")
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stdout
        assert ("rules run: compiled" in result.stdout) is rules_compiled()

    def test_missing_default_config(self) -> None:
        """Without --config the environment's path is used and its absence explained."""
        result = run("status")
        assert result.returncode == 2
        assert "/nonexistent/monitor.toml" in result.stderr


class TestRulesCommand:
    def test_explains_a_finding(self) -> None:
        """test-rules TEXT names the rule, the span and the normalised form."""
        result = run("test-rules", "what a load of sh1t")
        assert result.returncode == 0, result.stderr
        assert "abuse" in result.stdout
        assert "sh1t" in result.stdout
        assert "shit" in result.stdout

    def test_no_findings(self) -> None:
        """A benign text says so."""
        result = run("test-rules", "Lovely trip to Scunthorpe!")
        assert "no findings" in result.stdout

    def test_jsonl(self) -> None:
        """--jsonl answers one JSON line per input line, ids kept."""
        lines = "\n".join(
            json.dumps({"id": i, "text": t}) for i, t in enumerate(["hello", "f u c k off"])
        )
        result = run("test-rules", "--jsonl", stdin=lines + "\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert [o["id"] for o in out] == [0, 1]
        assert out[0]["findings"] == []
        assert out[1]["findings"][0]["rule"] == "abuse"
        assert set(out[1]["findings"][0]) == {"rule", "severity", "action", "match"}

    def test_jsonl_kind_and_own(self) -> None:
        """A line may say its kind and whether it is the school's own post; a bad one is
        named by its line and the rest are still answered."""
        text = "been hiding food in my room so nobody sees i dont eat"
        lines = [
            {"id": "comment", "text": text},
            {"id": "own", "text": text, "kind": "post", "own": True},
            {"id": "bad", "text": text, "kind": "tweet"},
        ]
        stdin = "\n".join(json.dumps(line) for line in lines) + "\n"
        result = run("test-rules", "--jsonl", stdin=stdin)
        assert result.returncode == 1
        assert 'stdin line 3: "kind" must be one of post, comment' in result.stderr
        out = {
            o["id"]: [f["rule"] for f in o["findings"]]
            for o in map(json.loads, result.stdout.splitlines())
        }
        assert out == {"comment": ["safeguarding"], "own": []}


class TestEntryPoints:
    def test_help_lists_commands(self) -> None:
        """--help lists every command."""
        result = run("--help")
        assert result.returncode == 0
        for command in ("check", "poll", "test-rules", "findings", "status", "demo"):
            assert command in result.stdout

    def test_python_dash_m(self) -> None:
        """python -m monitor is the same CLI."""
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and "test-rules" in result.stdout

    def test_no_platform_library_at_start_up(self) -> None:
        """--help, check and test-rules do not import feedparser, tweepy or facebook."""
        code = (
            "import sys\nfrom monitor.cli import main\n"
            "main(['test-rules', 'hello'])\n"
            "print(sorted(m for m in ('feedparser', 'tweepy', 'facebook') if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "SOCIAL_MONITOR_CONFIG": "/nonexistent"},
        )
        assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr


class TestDemo:
    def test_demo_runs_end_to_end(self, tmp_path: Path) -> None:
        """The demo polls its sandbox, finds the abusive comments and saves the emails."""
        result = run("demo", "--output", str(tmp_path / "demo"))
        assert result.returncode == 0, result.stderr
        assert "broke the policy" in result.stdout
        emails = list((tmp_path / "demo" / "emails").glob("*.eml"))
        assert emails
        assert list((tmp_path / "demo" / "emails").glob("*.html"))
