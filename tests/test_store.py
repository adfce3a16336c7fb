"""The SQLite state: created private, migrated forward, atomic where a crash could hurt."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.models import ActionKind, Cursor, Finding, Item, ItemKind, Media, Severity
from monitor.store import (
    SCHEMA_VERSION,
    ActionState,
    OutboxRequest,
    OutboxState,
    PlannedAction,
    Store,
    describe_failure,
)

NOW = datetime(2026, 11, 24, 18, 5, tzinfo=UTC)


def item(pid: str, text: str = "hello", **kw: object) -> Item:
    return Item(
        source="blog",
        platform_id=pid,
        kind=ItemKind.COMMENT,
        text=text,
        created_at=NOW - timedelta(minutes=5),
        permalink=f"https://blog.test/p/1#comment-{pid}",
        media=(Media(url="https://blog.test/a.jpg", type="image/jpeg", alt_text="a photo"),),
        raw={"id": pid},
        **kw,  # type: ignore[arg-type]
    )


def finding(rule: str = "abuse") -> Finding:
    return Finding(
        rule=rule, severity=Severity.HIGH, action=ActionKind.HIDE, match="x", start=0, end=1
    )


@pytest.fixture(name="store")
def fixture_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state" / "monitor.db")


class TestFile:
    def test_private_modes(self, tmp_path: Path) -> None:
        """The folder is created 0700 and the file 0600: it holds children's data."""
        path = tmp_path / "new" / "monitor.db"
        Store(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    def test_wal_and_version(self, store: Store) -> None:
        """The database runs in WAL mode and records its schema version."""
        assert store.schema_version == SCHEMA_VERSION
        mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"

    def test_reopen_keeps_data(self, tmp_path: Path) -> None:
        """Reopening migrates nothing twice and keeps what was stored."""
        path = tmp_path / "m.db"
        with Store(path) as s:
            s.save_fetch(
                source="blog", kind="feed", items=[item("1")], cursor=Cursor(etag="e"), now=NOW
            )
        with Store(path) as s:
            assert s.source_state("blog", "feed").items_seen == 1
            assert s.source_state("blog", "feed").cursor.etag == "e"

    def test_newer_schema_refused(self, tmp_path: Path) -> None:
        """A database from a newer version is refused rather than damaged."""
        path = tmp_path / "m.db"
        Store(path).close()
        db = sqlite3.connect(path)
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
        db.commit()
        db.close()
        with pytest.raises(sqlite3.DatabaseError, match="newer"):
            Store(path)


class TestFetch:
    def test_items_deduplicated(self, store: Store) -> None:
        """An item seen before is not stored (or vetted) again."""
        assert (
            store.save_fetch(
                source="blog", kind="feed", items=[item("1"), item("2")], cursor=Cursor(), now=NOW
            )
            == 2
        )
        assert (
            store.save_fetch(
                source="blog", kind="feed", items=[item("2"), item("3")], cursor=Cursor(), now=NOW
            )
            == 1
        )
        assert [s.item.platform_id for s in store.unvetted("blog")] == ["1", "2", "3"]

    def test_item_round_trip(self, store: Store) -> None:
        """Every field of an item survives the store, the raw payload included."""
        original = item("1", author_name="A Parent", parent_id="p1", is_own=False)
        store.save_fetch(source="blog", kind="feed", items=[original], cursor=Cursor(), now=NOW)
        assert store.unvetted("blog")[0].item == original

    def test_lone_surrogate_is_stored_escaped(self, store: Store) -> None:
        """A lone surrogate (JSON allows it, UTF-8 does not) is kept as its escape, not fatal."""
        odd = item("odd", text="hi \ud83d there", author_name="\udc00")
        assert (
            store.save_fetch(
                source="blog", kind="feed", items=[odd, item("ok")], cursor=Cursor(), now=NOW
            )
            == 2
        )
        stored = {s.item.platform_id: s.item for s in store.unvetted("blog")}
        assert stored["odd"].text == "hi \\ud83d there"
        assert stored["odd"].author_name == "\\udc00"

    def test_cursor_and_items_in_one_transaction(self, store: Store) -> None:
        """If storing the items fails, the cursor does not advance."""
        store.save_fetch(source="blog", kind="feed", items=[], cursor=Cursor(etag="old"), now=NOW)
        broken = Item(
            source="blog", platform_id="x", kind=ItemKind.COMMENT, text="t", created_at=NOW
        )
        object.__setattr__(broken, "text", None)  # a NOT NULL column refuses it
        with pytest.raises(sqlite3.IntegrityError):
            store.save_fetch(
                source="blog",
                kind="feed",
                items=[item("ok"), broken],
                cursor=Cursor(etag="new"),
                now=NOW,
            )
        state = store.source_state("blog", "feed")
        assert state.cursor.etag == "old"
        assert state.items_seen == 0

    def test_failure_then_success(self, store: Store) -> None:
        """Failures count up and keep the first failure time; a success clears them."""
        for minute in range(3):
            store.record_failure(
                source="blog",
                kind="feed",
                error="HTTP 500",
                category="temporary",
                now=NOW + timedelta(minutes=minute),
            )
        state = store.source_state("blog", "feed")
        assert (state.healthy, state.consecutive_failures, state.failing_since) == (False, 3, NOW)
        store.save_fetch(
            source="blog", kind="feed", items=[], cursor=Cursor(), now=NOW + timedelta(hours=1)
        )
        state = store.source_state("blog", "feed")
        assert (state.healthy, state.consecutive_failures, state.last_error) == (True, 0, None)

    def test_a_rate_limit_is_a_wait_not_a_failure(self, store: Store) -> None:
        """A source waiting out a rate limit is healthy, with the wait's end recorded."""
        until = NOW + timedelta(minutes=15)
        store.record_failure(
            source="x",
            kind="twitter",
            error="rate-limited until 18:20:00 UTC",
            category="rate_limited",
            now=NOW,
            rate_limited_until=until,
        )
        state = store.source_state("x", "twitter")
        assert (state.healthy, state.rate_limited_until) == (True, until)
        store.record_failure(
            source="x", kind="twitter", error="HTTP 503", category="temporary", now=NOW
        )
        assert store.source_state("x", "twitter").healthy is False


class TestVetting:
    def test_findings_actions_and_outbox_together(self, store: Store) -> None:
        """Vetting stores findings, actions and emails and marks the item vetted at once."""
        store.save_fetch(source="blog", kind="feed", items=[item("1")], cursor=Cursor(), now=NOW)
        (stored,) = store.unvetted("blog")
        store.save_vetting(
            findings=[(stored.id, [finding()])],
            actions=[PlannedAction(item_id=stored.id, kind="hide", state=ActionState.PENDING)],
            outbox=[
                OutboxRequest(
                    key="k1",
                    kind="alert",
                    recipients=("slt@x.uk",),
                    message_id="<m@x>",
                    payload={"findings": [[stored.id, "abuse"]]},
                )
            ],
            now=NOW,
        )
        assert store.unvetted("blog") == []
        (sf,) = store.findings(keys=[(stored.id, "abuse")])
        assert (sf.finding.rule, sf.action_state) == ("abuse", ActionState.PENDING)
        assert [r.key for r in store.outbox()] == ["k1"]

    def test_one_finding_per_item_and_rule(self, store: Store) -> None:
        """A finding is unique per item and rule, so a repeated vetting adds nothing."""
        store.save_fetch(source="blog", kind="feed", items=[item("1")], cursor=Cursor(), now=NOW)
        (stored,) = store.unvetted("blog")
        for _ in range(2):
            store.save_vetting(findings=[(stored.id, [finding()])], actions=[], outbox=[], now=NOW)
        assert len(store.findings()) == 1

    def test_findings_since(self, store: Store) -> None:
        """findings(since=...) leaves out older findings."""
        store.save_fetch(
            source="blog", kind="feed", items=[item("1"), item("2")], cursor=Cursor(), now=NOW
        )
        a, b = store.unvetted("blog")
        store.save_vetting(
            findings=[(a.id, [finding()])], actions=[], outbox=[], now=NOW - timedelta(days=2)
        )
        store.save_vetting(findings=[(b.id, [finding()])], actions=[], outbox=[], now=NOW)
        assert [f.item.platform_id for f in store.findings(since=NOW - timedelta(days=1))] == ["2"]

    def test_finish_action(self, store: Store) -> None:
        """The platform's answer to an action is recorded."""
        store.save_fetch(source="blog", kind="feed", items=[item("1")], cursor=Cursor(), now=NOW)
        (stored,) = store.unvetted("blog")
        store.save_vetting(
            findings=[(stored.id, [finding()])],
            actions=[PlannedAction(item_id=stored.id, kind="hide", state=ActionState.PENDING)],
            outbox=[],
            now=NOW,
        )
        ((action_id, _kind, _),) = store.pending_actions("blog")
        store.finish_action(action_id, state=ActionState.DONE, detail="ok", now=NOW)
        assert store.pending_actions("blog") == []
        assert store.findings()[0].action_state == ActionState.DONE


class TestOutbox:
    def request(self, key: str = "k") -> OutboxRequest:
        return OutboxRequest(
            key=key, kind="health", recipients=("a@x.uk",), message_id="<id@x>", payload={}
        )

    def test_key_is_idempotent(self, store: Store) -> None:
        """Queuing the same key twice queues one email."""
        store.queue([self.request()], NOW)
        store.queue([self.request()], NOW)
        assert len(store.outbox()) == 1

    def test_temporary_failure_stays_pending(self, store: Store) -> None:
        """A temporary failure keeps the row pending with its error."""
        store.queue([self.request()], NOW)
        (row,) = store.outbox()
        store.mark_attempt_failed(row.id, "451 try later", permanent=False)
        (row,) = store.outbox()
        assert (row.state, row.attempts, row.last_error) == (
            OutboxState.PENDING,
            1,
            "451 try later",
        )

    def test_permanent_failure_and_sent(self, store: Store) -> None:
        """Permanent failures and sent rows leave the pending list."""
        store.queue([self.request("a"), self.request("b")], NOW)
        a, b = store.outbox()
        store.mark_attempt_failed(a.id, "550 no", permanent=True)
        store.mark_sent(b.id, NOW)
        assert store.outbox() == []
        assert store.outbox_counts() == {OutboxState.FAILED: 1, OutboxState.SENT: 1}


class TestDescribeFailure:
    @pytest.mark.parametrize(
        ("message", "words"),
        [
            ("database is locked", "locked by another program"),
            ("database or disk is full", "disk holding the state database is full"),
            ("disk I/O error", "is the disk full or failing"),
            ("attempt to write a readonly database", "could not be written (attempt to write"),
        ],
    )
    def test_plain_words_for_each_failure(self, message: str, words: str) -> None:
        """SQLite's reasons become words an admin can act on."""
        assert words in describe_failure(sqlite3.OperationalError(message))
