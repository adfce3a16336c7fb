"""Sending queued emails: rendered from the store when sent, marked sent only when accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.mailer import Mailer
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
