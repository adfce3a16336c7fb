"""Sending queued emails: rendered from the store when sent, marked sent only when accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.mailer import Mailer, thread_id
from monitor.models import ActionKind, Cursor, Finding, Item, ItemKind, Severity
from monitor.outbox import flush
from monitor.sandbox.smtp_server import SmtpServer
from monitor.store import ActionState, OutboxRequest, OutboxState, PlannedAction, Store

NOW = datetime(2026, 11, 24, 18, 5, tzinfo=UTC)


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path], smtp: SmtpServer) -> Config:
    return load_config(
        write_config(
            '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://b.test/f"\n',
            smtp_port=smtp.port,
        )
    )


@pytest.fixture(name="store")
def fixture_store(config: Config) -> Iterator[Store]:
    with Store(config.storage.path) as store:
        yield store


def queue_alert(
    store: Store, *, key: str = "a1", state: str = ActionState.MANUAL, urgent: bool = False
) -> int:
    """Store one flagged comment and queue its alert; returns the item id."""
    item = Item(
        source="blog",
        platform_id=key,
        kind=ItemKind.COMMENT,
        text="<b>rude</b> words here",
        created_at=NOW,
        author_name="X",
        permalink=f"https://b.test/p#comment-{key}",
    )
    store.save_fetch(source="blog", kind="feed", items=[item], cursor=Cursor(), now=NOW)
    (stored,) = store.unvetted("blog")
    rule = "safeguarding" if urgent else "abuse"
    store.save_vetting(
        findings=[
            (
                stored.id,
                [
                    Finding(
                        rule=rule,
                        severity=Severity.HIGH,
                        action=ActionKind.HIDE,
                        match="rude",
                        start=3,
                        end=7,
                    )
                ],
            )
        ],
        actions=[PlannedAction(item_id=stored.id, kind="hide", state=state, detail="no API")],
        outbox=[
            OutboxRequest(
                key=key,
                kind="alert",
                recipients=("slt@test.sch.uk",),
                message_id=f"<{key}@test.sch.uk>",
                payload={"urgent": urgent, "findings": [[stored.id, rule]]},
            )
        ],
        now=NOW,
    )
    return stored.id


class TestFlush:
    def test_sent_once_with_its_message_id(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """A queued alert is sent with the Message-ID fixed at queue time, then never again."""
        queue_alert(store)
        report = flush(store, config, Mailer(config.email), clock=lambda: NOW)
        assert (report.sent, report.pending, report.failed) == (1, 0, 0)
        assert flush(store, config, Mailer(config.email)).sent == 0
        (message,) = smtp.messages
        assert message["Message-ID"] == "<a1@test.sch.uk>"
        html = message.get_body(("html",))
        assert html is not None
        assert "&lt;b&gt;" in html.get_content()
        assert "<b>" not in html.get_content()

    def test_alert_says_what_was_done(self, config: Config, store: Store, smtp: SmtpServer) -> None:
        """The email is rendered when sent, so a hide that failed is reported as such."""
        queue_alert(store, state=ActionState.FAILED)
        flush(store, config, Mailer(config.email))
        body = smtp.messages[0].get_body(("plain",))
        assert body is not None
        assert "Could not hide: no API" in body.get_content()

    def test_server_down_keeps_everything_queued_in_order(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """With the server down nothing is lost; when it is back each email goes once, in order."""
        queue_alert(store, key="a1")
        queue_alert(store, key="a2")
        smtp.stop()
        report = flush(store, config, Mailer(config.email))
        assert (report.sent, report.pending) == (0, 2)
        assert report.error is not None
        assert [r.attempts for r in store.outbox()] == [1, 0]
        smtp.start()
        assert flush(store, config, Mailer(config.email)).sent == 2
        assert [m["Message-ID"] for m in smtp.messages] == ["<a1@test.sch.uk>", "<a2@test.sch.uk>"]

    def test_4xx_is_temporary(self, config: Config, store: Store, smtp: SmtpServer) -> None:
        """A 451 for the recipient leaves the email queued for the next flush."""
        queue_alert(store)
        smtp.rcpt_reply = "451 4.7.1 greylisted, try again later"
        assert flush(store, config, Mailer(config.email)).pending == 1
        smtp.reset_failures()
        assert flush(store, config, Mailer(config.email)).sent == 1

    def test_5xx_is_permanent_and_reported(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """A 550 marks the email failed (status reports it) and the next email still goes."""
        queue_alert(store, key="a1")
        queue_alert(store, key="a2")
        smtp.rcpt_replies = {}
        smtp.data_reply = "554 5.6.0 message refused"
        report = flush(store, config, Mailer(config.email))
        assert report.failed == 2
        assert store.outbox_counts() == {OutboxState.FAILED: 2}
        assert all("554" in (r.last_error or "") for r in store.outbox(OutboxState.FAILED))

    def test_unrenderable_row_still_alerts(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """A row that cannot be rendered sends a bare fallback rather than nothing."""
        store.queue(
            [
                OutboxRequest(
                    key="x",
                    kind="alert",
                    recipients=("dsl@test.sch.uk",),
                    message_id="<x@t>",
                    payload={"urgent": True, "findings": [[999, "safeguarding"]]},
                )
            ],
            NOW,
        )
        assert flush(store, config, Mailer(config.email)).sent == 1
        assert smtp.messages[0]["Subject"].startswith("[URGENT safeguarding]")


def queue_reply(
    store: Store, *, text: str = "Amelia Hartley is an idiot", rules: tuple[str, ...] = ("abuse",)
) -> int:
    """Store a post and a flagged reply to it; queue one alert per rule (DSL for safeguarding)."""
    post = Item(
        source="blog",
        platform_id="post-1",
        kind=ItemKind.POST,
        text="<i>Sports day</i> photos are up",
        created_at=NOW,
        author_name="Office",
        is_own=True,
    )
    reply = Item(
        source="blog",
        platform_id="reply-1",
        kind=ItemKind.REPLY,
        parent_id="post-1",
        text=text,
        created_at=NOW,
        author_name="Visitor",
        permalink="https://b.test/p#reply-1",
    )
    store.save_fetch(source="blog", kind="feed", items=[post, reply], cursor=Cursor(), now=NOW)
    stored = {s.item.platform_id: s for s in store.unvetted("blog")}
    reply_id = stored["reply-1"].id
    findings = [
        Finding(
            rule=r, severity=Severity.HIGH, action=ActionKind.ALERT, match="idiot", start=0, end=1
        )
        for r in rules
    ]
    store.save_vetting(
        findings=[(stored["post-1"].id, []), (reply_id, findings)],
        actions=[],
        outbox=[
            OutboxRequest(
                key=f"alert:{r}",
                kind="alert",
                recipients=("dsl@test.sch.uk",) if r == "safeguarding" else ("slt@test.sch.uk",),
                message_id=f"<{r}@test.sch.uk>",
                payload={"urgent": r == "safeguarding", "findings": [[reply_id, r]]},
            )
            for r in rules
        ],
        now=NOW,
    )
    return reply_id


class TestThreading:
    def test_alerts_about_one_item_share_its_thread(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """The DSL's and SLT's alerts about one reply both refer to its thread and its parent's."""
        queue_reply(store, rules=("safeguarding", "abuse"))
        flush(store, config, Mailer(config.email))
        dsl, slt = smtp.messages
        item = thread_id("monitor@test.sch.uk", "blog", "reply-1")
        parent = thread_id("monitor@test.sch.uk", "blog", "post-1")
        for message in (dsl, slt):
            assert message["In-Reply-To"] == item
            assert message["References"] == f"{parent} {item}"
        assert dsl["Message-ID"] != slt["Message-ID"]

    def test_a_batch_references_every_item_but_replies_to_none(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """One SLT email about several items names each thread, without an In-Reply-To."""
        a = queue_alert(store, key="a1")
        b = queue_alert(store, key="a2")
        store.queue(
            [
                OutboxRequest(
                    key="batch",
                    kind="alert",
                    recipients=("slt@test.sch.uk",),
                    message_id="<batch@test.sch.uk>",
                    payload={"urgent": False, "findings": [[a, "abuse"], [b, "abuse"]]},
                )
            ],
            NOW,
        )
        flush(store, config, Mailer(config.email))
        batch = smtp.messages[-1]
        assert batch["In-Reply-To"] is None
        assert batch["References"].split() == [
            thread_id("monitor@test.sch.uk", "blog", "a1"),
            thread_id("monitor@test.sch.uk", "blog", "a2"),
        ]


class TestContext:
    def test_reply_alert_quotes_the_stored_parent_escaped(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """The parent post is quoted for context; its markup stays text."""
        queue_reply(store)
        flush(store, config, Mailer(config.email))
        message = smtp.messages[0]
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None and html is not None
        assert "In reply to Office (for context, not flagged):" in text.get_content()
        assert "> <i>Sports day</i> photos are up" in text.get_content()
        assert "&lt;i&gt;Sports day&lt;/i&gt;" in html.get_content()

    def test_pupil_surname_shortened_in_email_not_in_evidence(
        self, write_config: Callable[..., Path], smtp: SmtpServer, tmp_path: Path
    ) -> None:
        """privacy_surnames (default on) with a roster: "Amelia H." in the email only."""
        (tmp_path / "pupils.csv").write_text(
            "first_name,last_name,photo_consent\nAmelia,Hartley,no\n", encoding="utf-8"
        )
        config = load_config(
            write_config(
                '[roster]\npath = "pupils.csv"\n'
                '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://b.test/f"\n',
                smtp_port=smtp.port,
            )
        )
        with Store(config.storage.path) as store:
            queue_reply(store)
            flush(store, config, Mailer(config.email))
            assert store.findings()[0].item.text == "Amelia Hartley is an idiot"
        body = smtp.messages[0].get_body(("plain",))
        assert body is not None
        assert "Amelia H. is an idiot" in body.get_content()
        assert "Hartley" not in body.get_content()

    def test_admin_template_dir_from_config(
        self, write_config: Callable[..., Path], smtp: SmtpServer, tmp_path: Path
    ) -> None:
        """email.template_dir (relative to the config) overrides the shipped templates."""
        (tmp_path / "tpl").mkdir()
        (tmp_path / "tpl" / "alert.txt.j2").write_text("Custom {{ headline }}\n", encoding="utf-8")
        path = write_config(
            '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://b.test/f"\n',
            smtp_port=smtp.port,
        )
        path.write_text(
            path.read_text().replace("timeout = 5\n", 'timeout = 5\ntemplate_dir = "tpl"\n')
        )
        config = load_config(path)
        with Store(config.storage.path) as store:
            queue_alert(store)
            flush(store, config, Mailer(config.email))
        body = smtp.messages[0].get_body(("plain",))
        assert body is not None
        assert body.get_content().startswith("Custom 1 comment")

    def test_unrenderable_digest_still_says_digest(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """A broken digest row still goes out, and its subject is still a digest's."""
        store.queue(
            [
                OutboxRequest(
                    key="digest:daily:manual:x",
                    kind="digest",
                    recipients=("slt@test.sch.uk",),
                    message_id="<d@t>",
                    payload={"start": "not a time"},
                )
            ],
            NOW,
        )
        assert flush(store, config, Mailer(config.email)).sent == 1
        subject = smtp.messages[0]["Subject"]
        assert "digest" in subject
        assert "URGENT" not in subject
