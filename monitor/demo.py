"""``social-monitor demo``: the product working end to end, with no config and no network.

It starts a sandbox on 127.0.0.1 — a class blog's WordPress comments feed with
realistic comments and an SMTP sink that saves each email as ``.eml`` and
``.html`` — writes a config pointing at them, runs one real poll (the same
code path as ``social-monitor poll``) and says what was found and where the
emails are.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import load_config
from monitor.engine import build_engine
from monitor.mailer import Mailer
from monitor.outbox import flush
from monitor.poller import Poller
from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.smtp_server import SmtpServer
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


def _config_text(feed_url: str, smtp_port: int) -> str:
    return f"""\
# Written by `social-monitor demo`: a sandbox config pointing at 127.0.0.1.
[school]
name = "Example Primary School (demo)"
aup_url = "https://www.example-primary.sch.uk/ict-acceptable-use"

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
    with FeedServer() as feeds, SmtpServer(save_to=emails) as smtp:
        feed_url = feeds.set_response("/comments/feed/", _feed(now))
        config_path = output / "monitor.toml"
        config_path.write_text(_config_text(feed_url, smtp.port), encoding="utf-8")
        config = load_config(config_path)
        engine = build_engine(config)
        with Store(config.storage.path) as store:
            report = Poller(config, store, engine).poll(config.sources[0])
            sent = flush(store, config, Mailer(config.email))
        received = len(smtp.messages)

    print(f"Sandbox: a class blog's comment feed at {feed_url}")
    print(f"         and a mail server on 127.0.0.1:{smtp.port}, saving what it receives.")
    print()
    if report.error:
        print(f"The poll failed: {report.error}")
        return 1
    print(f"Polled {report.fetched} comments; {len(report.findings)} broke the policy:")
    for stored, finding in report.findings:
        print(f"  - {stored.item.author_name}: {stored.item.text!r}")
        print(f"      rule {finding.rule} ({finding.severity}), matched {finding.match!r}")
    flagged = {stored.item.platform_id for stored, _ in report.findings}
    passed = [
        s for s in SAMPLE_COMMENTS if not any(p.endswith(f"#comment-{s[4]}") for p in flagged)
    ]
    print(f"Left alone ({len(passed)}), including fair criticism and 'Scunthorpe':")
    for author, text, *_ in passed:
        print(f"  - {author}: {text[:70]}{'...' if len(text) > 70 else ''}")
    print()
    print(f"Emails sent: {sent.sent} (the mail server received {received}), saved in {emails}/")
    for path in sorted(emails.iterdir()):
        print(f"  {path.name}")
    print()
    print(f"Config: {config_path}")
    print(f"State:  {config.storage.path}  (try: social-monitor --config {config_path} findings)")
    return 0
