"""The faults suite's world: every platform's fake server, SMTP, a config and the CLI as a process.

One ``World`` runs a blog's comment feed, a Facebook Page, an Instagram account
(each Graph source on its own fake Graph API, so a fault on one leaves the
other alone), an X account and a mail server, each HTTP server behind a
``FaultProxy``. Tests inject a fault, let items arrive, run
``social-monitor poll`` as a process, and count what the servers saw: hide
requests per comment and alert emails per item.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from itertools import count
from pathlib import Path
from typing import Any

import structlog

# imported here, before any fork, rather than in each forked poll
import connectors.facebook
import connectors.feeds
import connectors.instagram
import connectors.twitter  # noqa: F401
import monitor.outbox
import monitor.poller  # noqa: F401
from monitor.cli import COMMANDS, build_parser
from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.graph_server import DEMO_IG_ID, DEMO_PAGE_ID, GraphServer
from monitor.sandbox.smtp_server import SmtpServer
from monitor.sandbox.x_server import SCHOOL_ID, XServer
from tests.faults.proxy import FaultProxy

SCRIPT = Path(sys.executable).with_name("social-monitor")
NOW = datetime.now(UTC).replace(microsecond=0)

#: secrets the sources read from the environment; none may appear in any output
SECRETS = {
    "FB_TOKEN": "fb-page-token-7d1c0ffee",
    "IG_TOKEN": "ig-page-token-5eb0a7c4",
    "X_BEARER": "x-bearer-token-91ab3",
    "X_CONSUMER_KEY": "x-consumer-key-1f2e",
    "X_CONSUMER_SECRET": "x-consumer-secret-0d9c",
    "X_ACCESS_TOKEN": "x-access-token-77aa",
    "X_ACCESS_TOKEN_SECRET": "x-access-secret-3b3b",
    "SMTP_PASSWORD": "smtp-password-c4f3",
}
FEED_PATH = "/comments/feed/"
SPORTS_DAY = f"{DEMO_PAGE_ID}_2000000001"  # a Facebook post 20 days old
CAROUSEL = "17900000000000101"  # an Instagram carousel
TROLL = "3000000003"

#: the platforms, by the source name the config gives each
SOURCES = ("blog", "fb", "insta", "x")

CONFIG = """
[school]
name = "Test Primary"
aup_url = "https://www.test.sch.uk/aup"

[storage]
path = "state/monitor.db"

[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "monitor@test.sch.uk"
slt = ["slt@test.sch.uk"]
dsl = ["dsl@test.sch.uk"]
admin = ["admin@test.sch.uk"]
timezone = "Europe/London"
timeout = 2
digest = []
{email_extra}
[http]
connect_timeout = 1
read_timeout = {read_timeout}
attempts = 2
retry_max_wait = 0

[health]
alert_after_failures = 1

[service]
backoff_max = "2s"
jitter = 0
flush_interval = "1s"

[[sources]]
name = "blog"
kind = "feed"
url = "{blog}{feed_path}"
interval = "1s"

[[sources]]
name = "fb"
kind = "facebook_page"
page_id = "{page_id}"
token_env = "FB_TOKEN"
api_url = "{fb}"
interval = "1s"

[[sources]]
name = "insta"
kind = "instagram"
account_id = "{ig_id}"
token_env = "IG_TOKEN"
api_url = "{insta}"
interval = "1s"

[[sources]]
name = "x"
kind = "twitter"
user_id = "{x_id}"
bearer_token_env = "X_BEARER"
consumer_key_env = "X_CONSUMER_KEY"
consumer_secret_env = "X_CONSUMER_SECRET"
access_token_env = "X_ACCESS_TOKEN"
access_token_secret_env = "X_ACCESS_TOKEN_SECRET"
api_url = "{x}"
interval = "1s"
"""

_ids = count(1000)


def abusive(tag: str) -> str:
    """An abusive comment the abuse rule flags (and hides where it can), unique by ``tag``."""
    return f"this school is a f*cking joke, ref {tag}"


def benign(tag: str) -> str:
    """A comment no rule flags, unique by ``tag``."""
    return f"Thank you for the lovely photos, ref {tag}"


@dataclass
class Arrival:
    """An item that arrived on a platform: where, its platform id and its text."""

    source: str
    platform_id: str
    text: str


@dataclass
class World:
    """Every server, the config that points at them, and the CLI run against it."""

    path: Path
    feeds: FeedServer
    fb: GraphServer
    insta: GraphServer
    x: XServer
    smtp: SmtpServer
    proxies: dict[str, FaultProxy]
    env: dict[str, str] = field(default_factory=dict)
    feed_comments: list[tuple[str, str, str, int, int, datetime]] = field(default_factory=list)
    #: set_response options that replace the feed while a fault lasts
    feed_fault: dict[str, Any] | None = None

    @property
    def db(self) -> Path:
        """The SQLite state file."""
        return self.path.parent / "state" / "monitor.db"

    # -- running the CLI -----------------------------------------------------

    def run(self, *args: str, **popen: Any) -> subprocess.CompletedProcess[str]:
        """``social-monitor --config PATH ARGS`` as a process, secrets in its environment."""
        return subprocess.run(
            [str(SCRIPT), "--config", str(self.path), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **SECRETS, **self.env},
            check=False,
            **popen,
        )

    def poll(
        self, *args: str, process: bool = False, **popen: Any
    ) -> subprocess.CompletedProcess[str]:
        """One ``poll`` cycle in a process of its own; its output must be free of tracebacks
        and secrets.

        By default the process is a fork of this one running ``monitor.cli.main`` (the
        console script's entry point) with the modules already imported, which saves the
        interpreter's start-up; ``process=True`` runs the installed ``social-monitor``.
        """
        argv = ["--config", str(self.path), "poll", *args]
        if process:
            result = self.run("poll", *args, **popen)
        else:
            result = forked(argv, {**SECRETS, **self.env})
        assert_clean(result.stdout + result.stderr)
        return result

    def status(self, *, process: bool = False) -> dict[str, Any]:
        """``status --json``, parsed; it must exit 0 whatever is failing.

        In this process by default (the command's own function, without the
        interpreter start-up), or as a process with ``process=True``.
        """
        if process:
            result = self.run("status", "--json")
            code, out = result.returncode, result.stdout + result.stderr
        else:
            args = build_parser().parse_args(["--config", str(self.path), "status", "--json"])
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = COMMANDS["status"](args)
            out = buffer.getvalue()
        assert code == 0, out
        assert_clean(out)
        parsed: dict[str, Any] = json.loads(out[out.index("{") :])
        return parsed

    def source_status(self, name: str) -> dict[str, Any]:
        """One source's entry in ``status --json``."""
        (found,) = [s for s in self.status()["sources"] if s["name"] == name]
        return dict(found)

    # -- items arriving ------------------------------------------------------

    def serve_feed(self) -> None:
        """Serve the blog's comments, or the fault standing in for them."""
        if self.feed_fault is not None:
            self.feeds.set_response(FEED_PATH, **self.feed_fault)
        else:
            self.feeds.set_response(FEED_PATH, wordpress_comments_feed(self.feed_comments))

    def arrive(self, source: str, text: str) -> Arrival:
        """A visitor's comment (a reply in the school's conversation on X) arrives now."""
        at = datetime.now(UTC).replace(microsecond=0)
        if source == "blog":
            number = next(_ids)
            self.feed_comments.append(("A Parent", text, "Trip", 41, number, at))
            self.serve_feed()
            guid = f"https://www.example-school.sch.uk/?p=41#comment-{number}"
            return Arrival(source, guid, text)
        if source == "fb":
            return Arrival(source, self.fb.add_comment(SPORTS_DAY, text, at=at).id, text)
        if source == "insta":
            return Arrival(source, self.insta.add_ig_comment(CAROUSEL, text, at=at).id, text)
        root = next(
            t.id
            for t in self.x.data.tweets.values()
            if t.author_id == SCHOOL_ID and t.conversation_id == t.id
        )
        return Arrival(source, self.x.data.post(TROLL, text, at, reply_to=root), text)

    def arrive_everywhere(self, tag: str) -> list[Arrival]:
        """An abusive and a benign comment on every platform."""
        return [
            self.arrive(source, make(f"{tag}-{source}"))
            for source in SOURCES
            for make in (abusive, benign)
        ]

    # -- what the servers saw ------------------------------------------------

    def hides(self, source: str) -> Counter[str]:
        """Hide requests the platform received, per comment id (feeds cannot hide)."""
        if source in ("fb", "insta"):
            graph = self.fb if source == "fb" else self.insta
            return Counter(
                r.path.rsplit("/", 1)[-1]
                for r in graph.requests()
                if r.method == "POST"
                and (r.form.get("is_hidden") == "true" or r.form.get("hide") == "true")
            )
        if source == "x":
            return Counter(
                r.path.split("/")[3]
                for r in self.x.requests(method="PUT")
                if isinstance(r.body, dict) and r.body.get("hidden") is True
            )
        return Counter()

    def is_hidden(self, arrival: Arrival) -> bool:
        """Whether the platform shows ``arrival`` hidden now."""
        if arrival.source == "fb":
            return bool(getattr(self.fb.find(arrival.platform_id), "is_hidden", False))
        if arrival.source == "insta":
            return bool(getattr(self.insta.find(arrival.platform_id), "hidden", False))
        if arrival.source == "x":
            return self.x.data.tweets[arrival.platform_id].hidden
        return False

    def emails(self, to: str | None = None) -> list[EmailMessage]:
        """Messages the mail server accepted, optionally only those to ``to``."""
        return [m for m in self.smtp.messages if to is None or to in str(m["To"])]

    def alerts_naming(self, text: str) -> int:
        """How many alert emails (to SLT or the DSL) quote ``text``."""
        return sum(text in body_text(m) for m in self.smtp.messages if "admin@" not in str(m["To"]))

    def health(self, source: str, event: str) -> list[EmailMessage]:
        """The admin's health emails about ``source``: ``failing`` or ``recovered``."""
        wanted = "Not checking" if event == "failing" else "Checking"
        return [
            m
            for m in self.emails("admin@test.sch.uk")
            if f" {source}" in str(m["Subject"]) and wanted in str(m["Subject"])
        ]

    def clear_faults(self) -> None:
        """Every server answers normally again."""
        for proxy in self.proxies.values():
            proxy.clear()
        self.fb.clear_failures()
        self.insta.clear_failures()
        self.fb.delay = self.insta.delay = 0.0
        self.x.clear()
        self.feed_fault = None
        self.serve_feed()

    def assert_acted_once(
        self, arrivals: Iterable[Arrival], *, platforms: Iterable[str] = SOURCES
    ) -> None:
        """Each flagged arrival hidden (where possible) by one request and alerted in one email;
        each benign one neither; no comment on any of ``platforms`` asked to be hidden twice."""
        for a in arrivals:
            flagged = "f*cking" in a.text
            assert self.alerts_naming(a.text) == (1 if flagged else 0), a
            if a.source != "blog":
                assert self.hides(a.source)[a.platform_id] == (1 if flagged else 0), a
                assert self.is_hidden(a) is flagged, a
        for source in platforms:
            repeated = {pid: n for pid, n in self.hides(source).items() if n > 1}
            assert repeated == {}, (source, repeated)


def body_text(message: EmailMessage) -> str:
    """The plain-text part of ``message``, whitespace collapsed."""
    part = message.get_body(("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    return " ".join(str(text).split())


def assert_clean(output: str) -> None:
    """No traceback and no secret in what the admin sees."""
    assert "Traceback" not in output, output
    for secret in SECRETS.values():
        assert secret not in output, secret


def make_world(tmp: Path, *, read_timeout: float = 0.5, email_extra: str = "") -> World:
    """Start every server (the caller stops them: ``stop_world``) and write the config."""
    from monitor.sandbox.graph_server import demo_graph_data  # noqa: PLC0415
    from monitor.sandbox.x_server import demo_x_data  # noqa: PLC0415

    feeds = FeedServer().start()
    fb = GraphServer(demo_graph_data(NOW), tokens=(SECRETS["FB_TOKEN"],)).start()
    insta = GraphServer(demo_graph_data(NOW), tokens=(SECRETS["IG_TOKEN"],)).start()
    x = XServer(
        demo_x_data(NOW),
        bearer_token=SECRETS["X_BEARER"],
        consumer_key=SECRETS["X_CONSUMER_KEY"],
        access_token=SECRETS["X_ACCESS_TOKEN"],
    ).start()
    smtp = SmtpServer()
    smtp.start()
    upstreams = {"blog": feeds, "fb": fb, "insta": insta, "x": x}
    proxies = {name: FaultProxy(server.base_url).start() for name, server in upstreams.items()}
    path = tmp / "monitor.toml"
    path.write_text(
        CONFIG.format(
            smtp_port=smtp.port,
            email_extra=email_extra,
            read_timeout=read_timeout,
            feed_path=FEED_PATH,
            page_id=DEMO_PAGE_ID,
            ig_id=DEMO_IG_ID,
            x_id=SCHOOL_ID,
            **{name: proxy.base_url for name, proxy in proxies.items()},
        ),
        encoding="utf-8",
    )
    world = World(path=path, feeds=feeds, fb=fb, insta=insta, x=x, smtp=smtp, proxies=proxies)
    world.feed_comments.append(
        ("A Parent", "Great assembly today!", "Trip", 41, next(_ids), NOW - timedelta(hours=1))
    )
    world.serve_feed()
    return world


def stop_world(world: World) -> None:
    """Stop every server the world started."""
    for proxy in world.proxies.values():
        proxy.stop()
    for server in (world.feeds, world.fb, world.insta, world.x):
        server.stop()
    world.smtp.stop()


def forked(
    argv: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``social-monitor ARGV`` in a forked child: its own process, exit code, stdout and stderr.

    The child gets fresh file descriptors 1 and 2 and fresh module-level loggers (so a
    logging setup made earlier in this process does not leak in), then runs the CLI's
    ``main`` exactly as the console script does and leaves with its exit code.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                os.environ.update(env)
                structlog.reset_defaults()
                for name, module in list(sys.modules.items()):
                    if name.split(".")[0] in ("monitor", "connectors") and hasattr(module, "log"):
                        module.log = structlog.get_logger(name)
                from monitor.cli import main  # noqa: PLC0415

                code = main(argv)
            except BaseException:  # the parent reads the traceback from stderr
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        killer = threading.Timer(timeout, os.kill, (pid, signal.SIGKILL))
        killer.start()
        try:
            _, status = os.waitpid(pid, 0)
        finally:
            killer.cancel()
        if os.WIFSIGNALED(status):
            raise subprocess.TimeoutExpired(argv, timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            argv,
            os.waitstatus_to_exitcode(status),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
