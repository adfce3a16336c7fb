"""Scale: one full poll cycle over many sources against slow fake platforms, measured.

Run by hand (never as a timed test; these machines are noisy and shared):

    .venv/bin/python benchmarks/poll_bench.py [--sizes 100,250,500,1000] [--latency 0.05]
        [--new 0.02] [--workers W] [--repeat R] [--daemon-sources 50] [--json FILE]

For each size N it builds N sources, a third each of WordPress comment feeds,
Facebook Pages and X accounts, served by the sandbox's fake servers on
127.0.0.1 (``FeedServer``, ``GraphServer``, ``XServer`` and an SMTP sink).
Every answer waits ``--latency`` seconds first, as a real platform's would.
The servers run in three processes of their own, so their CPU is not counted
as the monitor's and they do not share its GIL.

It then runs ``social-monitor poll`` (the real CLI, in its own process, with
``[service] workers = W``) once to prime the state (the first cycle reads
everything), puts a new comment on ``--new`` of the sources (half of them
abusive: stored, vetted, hidden where the platform allows, emailed), and
measures R more cycles, each with fresh comments on other sources:

* wall: from starting the process to its exit, Python start-up and the
  final email flush included;
* CPU: user + system seconds of that process (``wait4``);
* peak RSS: its ``ru_maxrss``;
* requests per idle source: what each source that had nothing new cost on
  the fake servers, per kind (a feed: one conditional GET answered 304; a
  Facebook Page: the feed listing with each post's newest comment; an X
  account: its tweets, its mentions and one search of its conversations).

The best cycle (lowest wall) of the R is reported. Last, the daemon's idle
RSS: ``social-monitor run`` with ``--daemon-sources`` sources is started,
left until every source has been polled once and it has settled, and its
``VmRSS`` read from ``/proc``.

``--serve KIND`` is internal: it runs one fake server process.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

KINDS = ("feed", "facebook_page", "twitter")
ABUSIVE = "this school is a f*cking joke, the head is useless"
BENIGN = "Thank you for the lovely photos of the trip, she had a brilliant time!"
GRAPH_TOKEN = "sandbox-page-token"  # the sandbox's token, not a secret
X_SECRETS = {
    "BENCH_X_BEARER": "test-bearer-token",
    "BENCH_X_CONSUMER_KEY": "test-consumer-key",
    "BENCH_X_CONSUMER_SECRET": "test-consumer-secret",
    "BENCH_X_ACCESS_TOKEN": "test-access-token",
    "BENCH_X_ACCESS_TOKEN_SECRET": "test-access-token-secret",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One benchmark source: its config name, kind and index within its kind."""

    name: str
    kind: str
    index: int

    @property
    def key(self) -> str:
        """What the fake server knows it by: feed path, Page id or X user id."""
        if self.kind == "feed":
            return f"/blog{self.index}/comments/feed/"
        if self.kind == "facebook_page":
            return str(1_000_000_000 + self.index)
        return str(2_000_000_000 + self.index)


def layout(n: int) -> list[Source]:
    """``n`` sources, the kinds interleaved so any prefix is an even mix."""
    counts: Counter[str] = Counter()
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        out.append(Source(f"{kind.split('_')[0]}-{counts[kind]:04d}", kind, counts[kind]))
        counts[kind] += 1
    return out


# -- the fake servers (each in a process of its own: --serve KIND) --------------------------


def _serve(kind: str, count: int, latency: float) -> None:
    """Run the fake server for ``kind`` with ``count`` sources; obey commands on stdin.

    Protocol, one JSON line each way: first the server says ``{"url": ..., ...}``;
    then ``["add", [[index, abusive], ...]]`` puts a new comment on those
    sources, ``["counts"]`` answers the requests per source key since the last
    ``counts`` (and forgets them), ``["stop"]`` ends it.
    """
    from monitor.sandbox.smtp_server import SmtpServer  # noqa: PLC0415 - child process only

    fake: _Fake
    smtp: SmtpServer | None = None
    if kind == "feed":
        fake = _Feeds(count, latency)
        smtp = SmtpServer()
        smtp.start()
    elif kind == "facebook_page":
        fake = _Graph(count, latency)
    else:
        fake = _X(count, latency)
    hello: dict[str, Any] = {"url": fake.base_url}
    if smtp is not None:
        hello["smtp_port"] = smtp.port
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        answer: Any = None
        if command[0] == "add":
            for index, abusive in command[1]:
                fake.add(index, abusive)
        elif command[0] == "counts":
            answer = fake.take_counts()
            if smtp is not None:
                answer["__emails__"] = len(smtp.received)
        elif command[0] == "stop":
            break
        print(json.dumps(answer), flush=True)
    fake.stop()
    if smtp is not None:
        smtp.stop()


class _Fake:
    """What ``_serve`` needs of a fake platform."""

    base_url: str

    def add(self, index: int, abusive: bool) -> None:
        raise NotImplementedError

    def take_counts(self) -> dict[str, int]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


def _feed_classes() -> Any:
    from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed  # noqa: PLC0415

    class CountingFeedServer(FeedServer):
        def take_counts(self) -> dict[str, int]:
            with self._lock:
                counts = Counter(r.path for r in self._requests)
                self._requests.clear()
            return dict(counts)

    return CountingFeedServer, wordpress_comments_feed


class _Feeds(_Fake):
    """``count`` WordPress comment feeds with ETag and Last-Modified, on one server."""

    def __init__(self, count: int, latency: float) -> None:
        server_class, self._render = _feed_classes()
        self.server = server_class().start()
        self.base_url = self.server.base_url
        self.latency = latency
        self.now = datetime.now(UTC)
        self.comments: list[list[tuple[str, str, str, int, int, datetime]]] = []
        self.versions = [1] * count
        for index in range(count):
            self.comments.append(
                [
                    (
                        f"Parent {c}",
                        BENIGN,
                        "Our trip",
                        40 + c,
                        100 * index + c,
                        self.now - timedelta(hours=5 - c),
                    )
                    for c in range(5)
                ]
            )
            self._publish(index)

    def _publish(self, index: int) -> None:
        version = self.versions[index]
        self.server.set_response(
            Source("", "feed", index).key,
            self._render(self.comments[index], site=f"Class blog {index}"),
            etag=f'"{index}-{version}"',
            last_modified=f"Mon, 01 Jun 2026 10:{version // 60:02d}:{version % 60:02d} GMT",
            delay=self.latency,
        )

    def add(self, index: int, abusive: bool) -> None:
        self.versions[index] += 1
        number = 100 * index + len(self.comments[index])
        text = ABUSIVE if abusive else BENIGN
        self.comments[index].append(("Visitor", text, "Our trip", 40, number, datetime.now(UTC)))
        self._publish(index)

    def take_counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.server.take_counts()
        return counts

    def stop(self) -> None:
        self.server.stop()


class _Graph(_Fake):
    """``count`` Facebook Pages (two posts, three comments each) on one fake Graph API."""

    def __init__(self, count: int, latency: float) -> None:
        from monitor.sandbox import graph_server as g  # noqa: PLC0415 - child process only

        class CountingGraphServer(g.GraphServer):
            def take_counts(self) -> list[tuple[str, str]]:
                with self._lock:
                    seen = [(r.method, r.path) for r in self._requests]
                    self._requests.clear()
                return seen

        self.g = g
        now = datetime.now(UTC)
        self.owner: dict[str, str] = {}  # any object id -> its Page's id
        pages = []
        for index in range(count):
            page_id = Source("", "facebook_page", index).key
            posts = []
            for p in range(2):
                post_id = f"{page_id}_{index * 10 + p}"
                comments = [
                    g.Comment(
                        id=f"{index * 10 + p}_{c}",
                        message=BENIGN,
                        created_time=now - timedelta(days=2 - p, hours=3 - c),
                        from_id=str(3_000_000_000 + c),
                        from_name=f"Parent {c}",
                    )
                    for c in range(3)
                ]
                posts.append(
                    g.Post(
                        id=post_id,
                        message="Sports day was a great success, well done everyone!",
                        created_time=now - timedelta(days=3 - p),
                        from_id=page_id,
                        from_name=f"School {index}",
                        comments=comments,
                    )
                )
                self.owner.update({post_id: page_id, **{c.id: page_id for c in comments}})
            self.owner[page_id] = page_id
            pages.append(g.Page(id=page_id, name=f"School {index}", posts=posts))
        self.server = CountingGraphServer(g.GraphData(pages=pages), tokens=[GRAPH_TOKEN])
        self.server.delay = latency
        self.server.start()
        self.base_url = self.server.base_url

    def add(self, index: int, abusive: bool) -> None:
        page_id = Source("", "facebook_page", index).key
        comment = self.server.add_comment(
            f"{page_id}_{index * 10 + 1}",
            ABUSIVE if abusive else BENIGN,
            at=datetime.now(UTC),
            author=("Visitor", "3000009999"),
        )
        self.owner[comment.id] = page_id

    def take_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for _method, path in self.server.take_counts():
            parts = [p for p in path.split("/") if p]
            node = parts[1] if len(parts) > 1 else ""  # /v26.0/<id>[/<edge>]
            counts[self.owner.get(node, "?")] += 1
        return dict(counts)

    def stop(self) -> None:
        self.server.stop()


class _X(_Fake):
    """``count`` X accounts (two posts and a reply each) on one fake X API v2."""

    def __init__(self, count: int, latency: float) -> None:
        from monitor.sandbox import x_server as x  # noqa: PLC0415 - child process only

        schools = {Source("", "twitter", i).key for i in range(count)}

        class ManyAccountsXServer(x.XServer):
            """The sandbox's XServer, made to serve many schools at once.

            It answers after ``latency``; its rate windows are wide enough for
            hundreds of accounts sharing one fake (the real limits are per
            app and per user); each school may hide replies in its own
            conversations.
            """

            def _answer(self, request: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
                self._wait(latency)
                answer: tuple[int, dict[str, str], dict[str, Any]] = super()._answer(request)
                return answer

            def _window(self, name: str) -> Any:
                reset = int(self.clock().timestamp()) + 900
                return x._Window(limit=1_000_000, remaining=1_000_000, reset=reset)

            def _hide(self, request: Any, tweet_id: str) -> tuple[int, dict[str, Any]]:
                with self.data.lock:
                    tweet = self.data.tweets.get(tweet_id)
                    root = self.data.tweets.get(tweet.conversation_id) if tweet else None
                    if tweet is None or root is None or root.author_id not in schools:
                        return 403, x.problem_body(403)
                    if not isinstance(request.body, dict):
                        return 400, x.problem_body(400)
                    tweet.hidden = bool(request.body.get("hidden"))
                    return 200, {"data": {"hidden": tweet.hidden}}

            def take_counts(self) -> list[XRequestView]:
                with self._lock:
                    seen = [(r.method, r.path, dict(r.query)) for r in self._requests]
                    self._requests.clear()
                return seen

        now = datetime.now(UTC)
        data = x.XData()
        data.add_user("3000000001", "A Parent", "a_parent")
        self.roots: list[str] = []
        for index in range(count):
            user_id = Source("", "twitter", index).key
            data.add_user(user_id, f"School {index}", f"school{index}")
            data.post(user_id, "Well done to the football team!", now - timedelta(days=2))
            root = data.post(user_id, "Reminder: trip letters due Friday.", now - timedelta(days=1))
            data.post("3000000001", BENIGN, now - timedelta(hours=20), reply_to=root)
            self.roots.append(root)
        self.data = data
        self.server = ManyAccountsXServer(data)
        self.server.start()
        self.base_url = self.server.base_url

    def add(self, index: int, abusive: bool) -> None:
        self.data.post(
            "3000000001",
            ABUSIVE if abusive else BENIGN,
            datetime.now(UTC),
            reply_to=self.roots[index],
        )

    def take_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        with self.data.lock:
            tweets = dict(self.data.tweets)
        for _method, path, query in self.server.take_counts():
            parts = path.strip("/").split("/")
            owner = "?"
            if parts[:2] == ["2", "users"]:
                owner = parts[2]
            elif path.endswith("/hidden"):
                tweet = tweets.get(parts[2])
                root = tweets.get(tweet.conversation_id) if tweet else None
                owner = root.author_id if root else "?"
            elif "query" in query:
                conversation = query["query"].split("conversation_id:")[1].split()[0].strip(")")
                root = tweets.get(conversation)
                owner = root.author_id if root else "?"
            counts[owner] += 1
        return dict(counts)

    def stop(self) -> None:
        self.server.stop()


XRequestView = tuple[str, str, dict[str, str]]


class Fakes:
    """The three fake-server processes, driven from here."""

    def __init__(self, sources: Sequence[Source], latency: float) -> None:
        self.sources = list(sources)
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.urls: dict[str, str] = {}
        self.smtp_port = 0
        try:
            for kind in KINDS:
                count = sum(1 for s in self.sources if s.kind == kind)
                proc = subprocess.Popen(
                    [sys.executable, __file__, "--serve", kind, str(count), str(latency)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                self.procs[kind] = proc
            for kind, proc in self.procs.items():
                hello = self._read(proc)
                self.urls[kind] = hello["url"]
                self.smtp_port = hello.get("smtp_port", self.smtp_port)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _read(proc: subprocess.Popen[str]) -> Any:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"fake server exited ({proc.args})")
        return json.loads(line)

    def _ask(self, kind: str, command: list[Any]) -> Any:
        proc = self.procs[kind]
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()
        return self._read(proc)

    def add_comments(self, chosen: Sequence[Source]) -> None:
        """A new comment on each chosen source; every other one is abusive."""
        by_kind: dict[str, list[tuple[int, bool]]] = {k: [] for k in KINDS}
        for n, source in enumerate(chosen):
            by_kind[source.kind].append((source.index, n % 2 == 0))
        for kind, adds in by_kind.items():
            if adds:
                self._ask(kind, ["add", adds])

    def counts(self) -> tuple[dict[str, int], int]:
        """Requests per source name since the last call, and emails received so far."""
        by_key: dict[str, int] = {}
        emails = 0
        for kind in KINDS:
            answer = self._ask(kind, ["counts"])
            emails = answer.pop("__emails__", emails)
            by_key.update(answer)
        return {s.name: by_key.get(s.key, 0) for s in self.sources}, emails

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    assert proc.stdin is not None
                    proc.stdin.write('["stop"]\n')
                    proc.stdin.flush()
                    proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    proc.kill()
                    proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()


@contextmanager
def fakes(sources: Sequence[Source], latency: float) -> Iterator[Fakes]:
    """The fake servers for ``sources``, stopped on exit."""
    running = Fakes(sources, latency)
    try:
        yield running
    finally:
        running.close()


# -- the monitor ----------------------------------------------------------------------------


def write_config(
    folder: Path, sources: Sequence[Source], servers: Fakes, *, workers: int, interval: str = "5m"
) -> Path:
    """A config for ``sources`` against ``servers``; secrets come from the environment."""
    lines = [
        "[school]",
        'name = "Benchmark Primary"',
        'aup_url = "https://www.bench.sch.uk/aup"',
        "[storage]",
        'path = "state/monitor.db"',
        "[email]",
        'host = "127.0.0.1"',
        f"port = {servers.smtp_port}",
        'security = "none"',
        'sender = "monitor@bench.sch.uk"',
        'slt = ["slt@bench.sch.uk"]',
        'dsl = ["dsl@bench.sch.uk"]',
        "[service]",
        f"workers = {workers}",
    ]
    for s in sources:
        lines += [
            "[[sources]]",
            f'name = "{s.name}"',
            f'kind = "{s.kind}"',
            f'interval = "{interval}"',
        ]
        if s.kind == "feed":
            lines.append(f'url = "{servers.urls["feed"]}{s.key}"')
        elif s.kind == "facebook_page":
            lines += [
                f'page_id = "{s.key}"',
                'token_env = "BENCH_GRAPH_TOKEN"',
                f'api_url = "{servers.urls["facebook_page"]}"',
            ]
        else:
            lines += [
                f'user_id = "{s.key}"',
                'bearer_token_env = "BENCH_X_BEARER"',
                'consumer_key_env = "BENCH_X_CONSUMER_KEY"',
                'consumer_secret_env = "BENCH_X_CONSUMER_SECRET"',
                'access_token_env = "BENCH_X_ACCESS_TOKEN"',
                'access_token_secret_env = "BENCH_X_ACCESS_TOKEN_SECRET"',
                f'api_url = "{servers.urls["twitter"]}"',
            ]
    path = folder / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def monitor_env() -> dict[str, str]:
    """The environment the monitor runs in: the fakes' secrets, no config fallback."""
    return {**os.environ, "BENCH_GRAPH_TOKEN": GRAPH_TOKEN, **X_SECRETS}


def monitor_command(config: Path, *args: str) -> list[str]:
    """``social-monitor --config CONFIG ARGS`` with this interpreter, as it is installed:
    ``-P`` keeps the working directory off the path, where a checkout's sources would
    run instead of an installed (compiled) monitor."""
    return [sys.executable, "-P", "-m", "monitor", "--config", str(config), *args]


@dataclass(slots=True, kw_only=True)
class Cycle:
    """One ``poll`` process, measured."""

    sources: int
    workers: int
    wall: float
    cpu: float
    peak_rss_mb: float
    exit_code: int
    failed: int
    new_comments: int
    emails_total: int
    #: kind -> (mean, max) requests over sources that had nothing new
    idle_requests: dict[str, tuple[float, int]] = field(default_factory=dict)
    #: kind -> (mean, max) requests over sources with a new comment
    busy_requests: dict[str, tuple[float, int]] = field(default_factory=dict)


def run_poll(config: Path, log: IO[str]) -> tuple[float, float, float, int, str]:
    """Run one ``poll``; wall and CPU seconds, peak RSS in MB, exit code and its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        monitor_command(config, "poll"),
        env=monitor_env(),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read()
    # Reaped here rather than by Popen, for the child's own rusage (CPU, peak RSS).
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        proc.returncode,
        out,
    )


def _per_kind(sources: Sequence[Source], counts: dict[str, int]) -> dict[str, tuple[float, int]]:
    out: dict[str, tuple[float, int]] = {}
    for kind in KINDS:
        values = [counts[s.name] for s in sources if s.kind == kind]
        if values:
            out[kind] = (round(sum(values) / len(values), 3), max(values))
    return out


def measure_size(
    n: int, *, latency: float, new: float, workers: int, repeat: int, log: IO[str]
) -> tuple[Cycle, list[Cycle]]:
    """The first cycle and ``repeat`` steady cycles over ``n`` sources (each with new comments)."""
    sources = layout(n)
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as tmp, fakes(sources, latency) as srv:
        config = write_config(Path(tmp), sources, srv, workers=workers)
        cycles: list[Cycle] = []
        first: Cycle | None = None
        busy_count = max(1, round(n * new))
        for round_ in range(repeat + 1):
            chosen: list[Source] = []
            if round_:
                # Different sources each round, spread over the kinds.
                step = max(1, n // busy_count)
                offset = round_ * 7
                chosen = [sources[(offset + k * step) % n] for k in range(busy_count)]
                srv.add_comments(chosen)
            wall, cpu, rss, code, out = run_poll(config, log)
            counts, emails = srv.counts()
            busy = {s.name for s in chosen}
            cycle = Cycle(
                sources=n,
                workers=workers,
                wall=round(wall, 2),
                cpu=round(cpu, 2),
                peak_rss_mb=round(rss, 1),
                exit_code=code,
                failed=out.count(": FAILED"),
                new_comments=len(chosen),
                emails_total=emails,
                idle_requests=_per_kind([s for s in sources if s.name not in busy], counts),
                busy_requests=_per_kind([s for s in sources if s.name in busy], counts),
            )
            if round_ == 0:
                first = cycle
            else:
                cycles.append(cycle)
        assert first is not None
        return first, cycles


# -- the daemon's idle RSS ------------------------------------------------------------------


def _rss_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of ``pid`` in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def _polled(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT count(*) FROM sources WHERE last_poll IS NOT NULL"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


@dataclass(slots=True, kw_only=True)
class DaemonIdle:
    """``run`` with N sources, after each was polled once and it settled."""

    sources: int
    workers: int
    rss_mb: float
    hwm_mb: float
    polled: int
    settle_seconds: float
    exit_code: int


def measure_daemon(
    n: int,
    *,
    latency: float,
    workers: int,
    settle: float,
    log: IO[str],
    interval: str = "1h",
    limit: float = 120,
) -> DaemonIdle:
    """Start ``social-monitor run`` with ``n`` sources; its RSS once idle; stop it (SIGTERM)."""
    sources = layout(n)
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as tmp, fakes(sources, latency) as srv:
        # A long interval: after its first poll (spread over 15 s) each source idles.
        config = write_config(Path(tmp), sources, srv, workers=workers, interval=interval)
        db = Path(tmp) / "state" / "monitor.db"
        proc = subprocess.Popen(
            monitor_command(config, "run"), env=monitor_env(), stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + limit
            while _polled(db) < n and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            polled = _polled(db)
            # Idle now: what is left is the heartbeat, the outbox job and the watchdog tick.
            time.sleep(settle)
            rss, hwm = _rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
    return DaemonIdle(
        sources=n,
        workers=workers,
        rss_mb=rss,
        hwm_mb=hwm,
        polled=polled,
        settle_seconds=settle,
        exit_code=code,
    )


# -- the report -----------------------------------------------------------------------------


def run(
    sizes: Sequence[int],
    *,
    latency: float = 0.05,
    new: float = 0.02,
    workers: int = 8,
    repeat: int = 3,
    daemon_sources: int = 50,
    settle: float = 10.0,
    daemon_interval: str = "1h",
    log: IO[str] | None = None,
) -> dict[str, Any]:
    """Measure every size and the daemon; returns everything as plain data."""
    sink = log or Path(os.devnull).open("w")  # noqa: SIM115 - closed below when ours
    try:
        results: dict[str, Any] = {
            "latency": latency,
            "new": new,
            "workers": workers,
            "repeat": repeat,
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0],
            "sizes": [],
        }
        for n in sizes:
            first, cycles = measure_size(
                n, latency=latency, new=new, workers=workers, repeat=repeat, log=sink
            )
            best = min(cycles, key=lambda c: c.wall)
            results["sizes"].append(
                {
                    "first": asdict(first),
                    "best": asdict(best),
                    "walls": [c.wall for c in cycles],
                }
            )
        if daemon_sources:
            idle = measure_daemon(
                daemon_sources,
                latency=latency,
                workers=workers,
                settle=settle,
                log=sink,
                interval=daemon_interval,
            )
            results["daemon"] = asdict(idle)
        results["load_after"] = os.getloadavg()[0]
        return results
    finally:
        if log is None:
            sink.close()


def print_report(results: dict[str, Any]) -> None:
    """The figures as a table."""
    print(
        f"latency {results['latency'] * 1000:.0f} ms per answer, {results['new']:.0%} of sources "
        f"with a new comment, workers {results['workers']}, best of {results['repeat']}, "
        f"{results['cpus']} CPUs, load {results['load_before']:.2f} -> {results['load_after']:.2f}"
    )
    print(
        f"{'sources':>7} {'wall s':>7} {'CPU s':>6} {'peak MB':>8} "
        f"{'req/idle feed':>13} {'req/idle FB':>11} {'req/idle X':>10} "
        f"{'first wall':>10} {'walls':>20} exit"
    )
    for size in results["sizes"]:
        b, f = size["best"], size["first"]
        idle = b["idle_requests"]

        def req(kind: str, idle: dict[str, Any] = idle) -> str:
            mean, most = idle.get(kind, (0, 0))
            return f"{mean:g} (max {most})"

        walls = ", ".join(f"{w:.1f}" for w in size["walls"])
        print(
            f"{b['sources']:>7} {b['wall']:>7.2f} {b['cpu']:>6.2f} {b['peak_rss_mb']:>8.1f} "
            f"{req('feed'):>13} {req('facebook_page'):>11} {req('twitter'):>10} "
            f"{f['wall']:>10.2f} {walls:>20} {b['exit_code']}"
        )
    if "daemon" in results:
        d = results["daemon"]
        print(
            f"daemon idle with {d['sources']} sources: VmRSS {d['rss_mb']:.1f} MB "
            f"(VmHWM {d['hwm_mb']:.1f} MB), {d['polled']}/{d['sources']} polled, "
            f"{d['settle_seconds']:g} s after the last first poll; exit {d['exit_code']}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100,250,500,1000")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--new", type=float, default=0.02, help="share of sources with news")
    parser.add_argument("--workers", type=int, default=8, help="[service] workers")
    parser.add_argument("--repeat", type=int, default=3, help="measured cycles per size")
    parser.add_argument("--daemon-sources", type=int, default=50, help="0 skips the daemon")
    parser.add_argument("--settle", type=float, default=10.0, help="daemon idle wait, seconds")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--log", metavar="FILE", help="keep the monitor's stderr here")
    parser.add_argument(
        "--serve", nargs=3, metavar=("KIND", "COUNT", "LATENCY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.serve:
        kind, count, latency = args.serve
        _serve(kind, int(count), float(latency))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    log = Path(args.log).open("w") if args.log else None  # noqa: SIM115 - closed below
    try:
        results = run(
            sizes,
            latency=args.latency,
            new=args.new,
            workers=args.workers,
            repeat=args.repeat,
            daemon_sources=args.daemon_sources,
            settle=args.settle,
            log=log,
        )
    finally:
        if log is not None:
            log.close()
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
