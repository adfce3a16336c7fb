"""Render a sample digest and alert to HTML and PNG, so a person can look at them.

Usage: ``.venv/bin/python scripts/render_emails.py [--output DIR] [--width PX]``

It builds a throwaway config and store in a temporary folder, fills the store
with a day of sample findings (a hidden comment, a feed comment to remove by
hand, a safeguarding finding, hostile markup, a failing account, a missing
AUP link), renders the digest and an SLT alert exactly as the outbox would,
and writes ``digest.html``, ``alert.html`` and, when headless Chromium is
installed (Debian: ``apt-get install chromium``), ``digest.png`` and
``alert.png`` at a phone's width. The PNGs are for eyes (checking layout on a
phone-sized screen), not for git: ``build/`` is ignored.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import Config, parse_config
from monitor.digest import inline_images, queue_manual_digest
from monitor.models import ActionKind, Cursor, Finding, Item, ItemKind, Severity
from monitor.outbox import render_row
from monitor.store import ActionState, OutboxRequest, PlannedAction, Store

CONFIG = """
[school]
name = "Oakfield Primary School"
aup_url = "https://www.oakfield.sch.uk/ict-acceptable-use"

[email]
sender = "monitor@oakfield.sch.uk"
slt = ["head@oakfield.sch.uk"]
dsl = ["dsl@oakfield.sch.uk"]

[[sources]]
name = "class-blog"
kind = "feed"
url = "https://blog.oakfield.sch.uk/comments/feed/"
owner = "Mr R. Patel (Year 6)"
approved_by = "Headteacher"
approved_on = 2026-09-01

[[sources]]
name = "youtube"
kind = "feed"
url = "https://www.youtube.com/feeds/videos.xml?channel_id=UC0"
own_content = true
owner = "Office"
"""

# (platform id, text, author, rule, action state, hours before now)
SAMPLES = [
    (
        "c1",
        "This school is a f*cking joke, Mr Smith is useless",
        "Angry Parent",
        "abuse",
        ActionState.MANUAL,
        20,
    ),
    (
        "c2",
        '<script>alert("hi")</script> idiot teachers',
        "<b>Troll</b>",
        "abuse",
        ActionState.DONE,
        9,
    ),
    ("c3", "meet me after school, Amelia", "Stranger", "safeguarding", None, 3),
]


def build(folder: Path, now: datetime) -> tuple[Config, Store]:
    """A config and a store holding the sample day."""
    config = parse_config(CONFIG, folder / "monitor.toml")
    store = Store(config.storage.path)
    for pid, text, author, rule, state, hours in SAMPLES:
        at = now - timedelta(hours=hours)
        item = Item(
            source="class-blog",
            platform_id=pid,
            kind=ItemKind.COMMENT,
            text=text,
            created_at=at,
            author_name=author,
            permalink=f"https://blog.oakfield.sch.uk/trip#comment-{pid}",
        )
        store.save_fetch(source="class-blog", kind="feed", items=[item], cursor=Cursor(), now=at)
        (stored,) = store.unvetted("class-blog")
        action = ActionKind.HIDE if state else ActionKind.ALERT
        severity = Severity.URGENT if rule == "safeguarding" else Severity.HIGH
        finding = Finding(
            rule=rule, severity=severity, action=action, match=text[:8], start=0, end=8
        )
        actions = (
            [
                PlannedAction(
                    item_id=stored.id,
                    kind="hide",
                    state=state,
                    detail="this platform cannot hide comments through its API",
                )
            ]
            if state
            else []
        )
        store.save_vetting(findings=[(stored.id, [finding])], actions=actions, outbox=[], now=at)
    for days, n in ((2, 1), (5, 3), (11, 2), (19, 1)):  # earlier findings, for the chart
        for k in range(n):
            at = now - timedelta(days=days, hours=k)
            item = Item(
                source="class-blog",
                platform_id=f"old{days}-{k}",
                kind=ItemKind.COMMENT,
                text="old comment",
                created_at=at,
            )
            store.save_fetch(
                source="class-blog", kind="feed", items=[item], cursor=Cursor(), now=at
            )
            (stored,) = store.unvetted("class-blog")
            f = Finding(
                rule="abuse",
                severity=Severity.HIGH,
                action=ActionKind.ALERT,
                match="old",
                start=0,
                end=3,
            )
            store.save_vetting(findings=[(stored.id, [f])], actions=[], outbox=[], now=at)
    store.save_fetch(
        source="class-blog", kind="feed", items=[], cursor=Cursor(), now=now - timedelta(minutes=4)
    )
    store.record_failure(
        source="youtube",
        kind="feed",
        error="HTTP 404 from the feed URL",
        category="permanent",
        now=now - timedelta(hours=6),
    )
    store.record_audit(
        source="class-blog",
        kind="feed",
        ok=False,
        detail="the About page does not link to the AUP",
        now=now,
    )
    return config, store


def screenshot(chromium: str, html: Path, png: Path, width: int) -> None:
    """Headless Chromium's picture of ``html`` at ``width`` pixels, full height."""
    subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [
            chromium,
            "--headless",
            "--no-sandbox",  # runs as root in containers
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},2600",
            f"--screenshot={png}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the sample emails' HTML, and PNGs when Chromium is present."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("build/email-previews"))
    parser.add_argument("--width", type=int, default=390, help="viewport width (a phone: 390)")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        config, store = build(Path(tmp), now)
        with store:
            queue_manual_digest(config, store, now)
            ids = [sf.item_id for sf in store.findings() if sf.finding.rule == "abuse"][:2]
            store.queue(
                [
                    OutboxRequest(
                        key="sample-alert",
                        kind="alert",
                        recipients=config.email.slt,
                        message_id="<sample@oakfield.sch.uk>",
                        payload={"urgent": False, "findings": [[i, "abuse"] for i in ids]},
                    )
                ],
                now,
            )
            rows = {r.kind: r for r in store.outbox()}
            pages = {
                name: inline_images(render_row(rows[kind], store, config, now=now))
                for name, kind in (("digest", "digest"), ("alert", "alert"))
            }
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    for name, html in pages.items():
        page = args.output / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        print(page)
        if chromium:
            png = args.output / f"{name}.png"
            screenshot(chromium, page, png, args.width)
            print(png)
    if not chromium:
        print("chromium not found: wrote HTML only (apt-get install chromium)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
