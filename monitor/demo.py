"""``social-monitor demo``: the product working end to end, with no config and no network.

It starts a sandbox on 127.0.0.1 — a class blog's WordPress comments feed, a
Facebook Page and an Instagram account (a fake Graph API), an X account (a
fake X API v2), all with realistic comments, and an SMTP sink that saves each
email as ``.eml`` and ``.html`` — writes a config pointing at them, runs one
real poll and the account audit (the same code paths as ``social-monitor
poll`` and ``audit``) and says what was found, what was hidden and where the
emails are.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.audit import run_audit
from monitor.config import load_config
from monitor.engine import build_engine
from monitor.mailer import Mailer
from monitor.outbox import flush
from monitor.poller import Poller, PollReport
from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.graph_server import (
    DEFAULT_TOKEN,
    DEMO_IG_ID,
    DEMO_PAGE_ID,
    GraphServer,
    demo_graph_data,
)
from monitor.sandbox.smtp_server import SmtpServer
from monitor.sandbox.x_server import SCHOOL_ID, XServer, demo_x_data
from monitor.store import Store

BLOG = "https://year6.example-primary.sch.uk"

# (author, text, post title, post id, comment id, minutes ago)
SAMPLE_COMMENTS: list[tuple[str, str, str, int, int, int]] = [
    (
        "Priya (Amara's mum)",
        "What a brilliant trip! Amara hasn't stopped talking about the "
        "Roman soldiers. Thank you to all the staff.",
        "Our trip to Chester",
        41,
        301,
        300,
    ),
    (
        "Dave H",
        "Really disappointed with how the coach delay was handled - we waited an hour "
        "with no message from the office. Please sort the text alerts out.",
        "Our trip to Chester",
        41,
        302,
        240,
    ),
    (
        "Grandad Joe",
        "Lovely photos. Brings back memories of my own school days in Scunthorpe!",
        "Our trip to Chester",
        41,
        303,
        200,
    ),
    (
        "anon123",
        "this school is a f*cking joke, the head is a useless tw@t",
        "Our trip to Chester",
        41,
        304,
        120,
    ),
    (
        "Mrs K",
        "You all killed it at sports day - so proud of the relay team!",
        "Sports day results",
        42,
        305,
        90,
    ),
    (
        "xXgamerXx",
        "what a load of sh1t, nobody cares about your sports day",
        "Sports day results",
        42,
        306,
        60,
    ),
    (
        "Sam's dad",
        "Is the cake sale still on Friday? Happy to help set up.",
        "Sports day results",
        42,
        307,
        30,
    ),
]


def _feed(now: datetime) -> bytes:
    return wordpress_comments_feed(
        [
            (author, text, post, post_id, comment_id, now - timedelta(minutes=ago))
            for author, text, post, post_id, comment_id, ago in SAMPLE_COMMENTS
        ],
        site="Year 6 Class Blog",
        base_url=BLOG,
    )


AUP_URL = "https://www.example-primary.sch.uk/ict-acceptable-use"
X_SECRETS = {
    "x-bearer": "test-bearer-token",
    "x-consumer-key": "test-consumer-key",
    "x-consumer-secret": "test-consumer-secret",
    "x-access-token": "test-access-token",
    "x-access-token-secret": "test-access-token-secret",
}


def _write_secrets(folder: Path) -> None:
    """The sandbox's tokens, as files: secrets are never written in the config itself."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, value in {"graph-token": DEFAULT_TOKEN, **X_SECRETS}.items():
        path = folder / name
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)


def _config_text(feed_url: str, graph_url: str, x_url: str, smtp_port: int) -> str:
    return f"""\
# Written by `social-monitor demo`: a sandbox config pointing at 127.0.0.1.
[school]
name = "Example Primary School (demo)"
aup_url = "{AUP_URL}"

[storage]
path = "state/monitor.db"

[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "monitor@example-primary.sch.uk"
slt = ["head@example-primary.sch.uk", "deputy@example-primary.sch.uk"]
dsl = ["dsl@example-primary.sch.uk"]
timezone = "Europe/London"

[[sources]]
name = "year6-blog"
kind = "feed"
url = "{feed_url}"
owner = "Mr R. Patel (Year 6)"
approved_by = "Computing lead"
approved_on = 2026-09-01

[[sources]]
name = "facebook"
kind = "facebook_page"
page_id = "{DEMO_PAGE_ID}"
token_file = "secrets/graph-token"
api_url = "{graph_url}"
owner = "School office"
approved_by = "Headteacher"
approved_on = 2026-09-01

[[sources]]
name = "instagram"
kind = "instagram"
account_id = "{DEMO_IG_ID}"
token_file = "secrets/graph-token"
api_url = "{graph_url}"
owner = "School office"

[[sources]]
name = "x"
kind = "twitter"
user_id = "{SCHOOL_ID}"
bearer_token_file = "secrets/x-bearer"
consumer_key_file = "secrets/x-consumer-key"
consumer_secret_file = "secrets/x-consumer-secret"
access_token_file = "secrets/x-access-token"
access_token_secret_file = "secrets/x-access-token-secret"
api_url = "{x_url}"
owner = "Deputy head"
approved_by = "Headteacher"
approved_on = 2026-10-12
"""


def run_demo(output: Path) -> int:
    """Run the sandbox and one poll, writing everything under ``output``; returns an exit code."""
    output = output.absolute()
    # A fresh sandbox each run, so the demo always has something to show.
    for leftover in (output / "state", output / "emails"):
        shutil.rmtree(leftover, ignore_errors=True)
    emails = output / "emails"
    emails.mkdir(parents=True)
    now = datetime.now(UTC)
    _write_secrets(output / "secrets")
    with (
        FeedServer() as feeds,
        GraphServer(demo_graph_data(now)) as graph,
        XServer(demo_x_data(now, aup_url=AUP_URL)) as x,
        SmtpServer(save_to=emails) as smtp,
    ):
        feed_url = feeds.set_response("/comments/feed/", _feed(now))
        config_path = output / "monitor.toml"
        config_path.write_text(
            _config_text(feed_url, graph.base_url, x.base_url, smtp.port), encoding="utf-8"
        )
        config = load_config(config_path)
        engine = build_engine(config)
        with Store(config.storage.path) as store:
            poller = Poller(config, store, engine)
            reports = [poller.poll(source) for source in config.sources]
            audits = run_audit(config, store, engine=engine)
            sent = flush(store, config, Mailer(config.email))
        received = len(smtp.messages)

    print("Sandbox on 127.0.0.1: a class blog's comment feed, a Facebook Page, an Instagram")
    print(f"account, an X account, and a mail server on port {smtp.port} saving what it receives.")
    print()
    failed = False
    for report in reports:
        print(_report_lines(report))
        failed = failed or report.error is not None
    print()
    print("About-page audit (must link to the ICT Acceptable Use Policy):")
    for audit in audits:
        verdict = {True: "links to it", False: "MISSING", None: "not audited"}[audit.ok]
        print(f"  {audit.source}: {verdict}")
    print()
    print(f"Emails sent: {sent.sent} (the mail server received {received}), saved in {emails}/")
    for path in sorted(emails.iterdir()):
        print(f"  {path.name}")
    print()
    print(f"Config: {config_path}")
    print(f"State:  {config.storage.path}")
    print(f"Try:    social-monitor --config {config_path} findings")
    return 1 if failed else 0


def _report_lines(report: PollReport) -> str:
    """What one source's poll found and did, for a person reading the terminal."""
    if report.error:
        return f"{report.source}: the poll failed: {report.error}"
    lines = [
        f"{report.source}: {report.fetched} items read, {len(report.findings)} broke the policy"
        + (f", {report.hidden} hidden" if report.hidden else "")
    ]
    for stored, finding in report.findings:
        text = " ".join(stored.item.text.split())
        lines.append(f"  - [{finding.rule}] {stored.item.author_name or 'unknown'}: {text[:70]!r}")
    return "\n".join(lines)
