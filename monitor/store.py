"""The state: one SQLite file holding cursors, health, items, findings, actions and the outbox.

It holds children's data, so the file is created with mode 0600 inside a
folder created with mode 0700. Each public method is one transaction, and the
orderings that make a crash harmless are kept here:

- a cursor advances only in the transaction that stores the items it covers;
- an item is marked vetted in the transaction that stores its findings, their
  actions and the outbox rows that report them;
- an outbox row is marked sent only after the SMTP server accepted it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.errors import RateLimited
from monitor.models import (
    ActionKind,
    Cursor,
    Finding,
    Item,
    ItemKind,
    Media,
    Severity,
)

SCHEMA_VERSION = 2

# Forward migrations: MIGRATIONS[n] takes a database at version n to n + 1.
MIGRATIONS: dict[int, str] = {
    0: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        cursor_position TEXT,
        etag TEXT,
        last_modified TEXT,
        last_poll TEXT,
        last_success TEXT,
        last_error TEXT,
        error_category TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        failing_since TEXT,
        rate_limited_until TEXT,
        failure_reported INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        platform_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        parent_id TEXT,
        author_id TEXT,
        author_name TEXT,
        is_own INTEGER NOT NULL,
        text TEXT NOT NULL,
        title TEXT,
        media TEXT NOT NULL,
        permalink TEXT,
        created_at TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        raw TEXT NOT NULL,
        vetted_at TEXT,
        UNIQUE (source, platform_id)
    );
    CREATE INDEX items_unvetted ON items (source) WHERE vetted_at IS NULL;
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        action TEXT NOT NULL,
        match TEXT NOT NULL,
        span_start INTEGER NOT NULL,
        span_end INTEGER NOT NULL,
        normalised TEXT NOT NULL,
        entry TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        UNIQUE (item_id, rule)
    );
    CREATE INDEX findings_created ON findings (created_at);
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        UNIQUE (item_id, kind)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        recipients TEXT NOT NULL,
        message_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox (state) WHERE state = 'pending';
    """,
    1: """
    ALTER TABLE sources ADD COLUMN aup_ok INTEGER;
    ALTER TABLE sources ADD COLUMN aup_checked TEXT;
    ALTER TABLE sources ADD COLUMN aup_detail TEXT;
    ALTER TABLE sources ADD COLUMN notices TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE allowed (
        id INTEGER PRIMARY KEY,
        rule TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        finding_id INTEGER,
        created_at TEXT NOT NULL,
        UNIQUE (rule, fingerprint)
    );
    """,
}


class ActionState:
    """States of an action row (plain strings in the database)."""

    PENDING = "pending"  # to be done by the poller
    DONE = "done"  # the platform confirmed
    FAILED = "failed"  # gave up after retries; a human must act
    MANUAL = "manual"  # the platform has no API for it; a human must act
    REVERSED = "reversed"  # an admin allowed the finding and the item was unhidden


class OutboxState:
    """States of an outbox row."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanent SMTP failure; reported by status


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the store knows of one source: its cursor and its health."""

    name: str
    kind: str
    cursor: Cursor
    last_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    error_category: str | None
    consecutive_failures: int
    failing_since: datetime | None
    rate_limited_until: datetime | None
    failure_reported: bool
    items_seen: int
    #: standing limitations the connector reported on its last success
    notices: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        """True until a poll fails; true again once one succeeds. A rate limit is not a
        failure but a wait (``rate_limited_until`` says until when): still healthy."""
        return self.last_error is None or self.error_category == RateLimited.category


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredItem:
    """An item with its row id."""

    id: int
    item: Item
    vetted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedAction:
    """An action to store beside the findings of an item: ``hide`` pending or ``manual``."""

    item_id: int
    kind: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxRequest:
    """An email to queue: ``key`` makes it idempotent, ``payload`` says what to render."""

    key: str
    kind: str
    recipients: tuple[str, ...]
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxRow:
    """A queued email."""

    id: int
    key: str
    kind: str
    recipients: tuple[str, ...]
    message_id: str
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeReport:
    """What one retention purge removed: items blanked, findings and emails deleted."""

    items: int
    findings: int
    emails: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFinding:
    """A finding joined with its item and the item's action, for reports and emails."""

    id: int
    item_id: int
    finding: Finding
    item: Item
    created_at: datetime
    status: str
    action_kind: str | None
    action_state: str | None
    action_detail: str


def _utf8(value: str | None) -> str | None:
    """``value`` storable as UTF-8: a lone surrogate (valid in JSON, never in UTF-8)
    becomes its ``\\udXXX`` escape, so one odd comment cannot stop a source's
    whole batch from being stored, and the evidence still shows what was sent."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """The SQLite state file. Safe to share between threads (one lock, one connection)."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        """Open (creating if needed) the database at ``path`` and migrate it forward.

        ``busy_timeout``: seconds a write waits for another program's lock on
        the file before it fails with ``sqlite3.OperationalError``.

        Raises:
            sqlite3.Error: the file is not a database or cannot be opened.
            OSError: the folder cannot be created.
        """
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            # Create the file ourselves so it is never world-readable, not even
            # for the moment between sqlite creating it and a chmod.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        if self._current():
            # Nothing to migrate: take no write lock, so ``status`` works while
            # another program (a backup, the sqlite3 shell) holds one.
            return
        with self._transaction() as db:
            has_meta = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            version = 0
            if has_meta:
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row["value"]) if row else 0
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"{self.path}: schema version {version} is newer than this program "
                    f"understands ({SCHEMA_VERSION}); upgrade school-social-monitor"
                )
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                version += 1
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(version),),
                )

    def _current(self) -> bool:
        """Whether the schema is at this program's version already (a read, no lock)."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT value FROM meta WHERE key='schema_version'"
                ).fetchone()
            except sqlite3.OperationalError:  # no meta table yet: a new database
                return False
        return row is not None and int(row["value"]) == SCHEMA_VERSION

    @property
    def schema_version(self) -> int:
        """The database's schema version."""
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row["value"])

    # -- sources -----------------------------------------------------------

    def source_state(self, name: str, kind: str) -> SourceState:
        """The stored state of a source (a blank one if never polled)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM sources WHERE name=?", (name,)).fetchone()
            seen = self._db.execute(
                "SELECT count(*) FROM items WHERE source=?", (name,)
            ).fetchone()[0]
        if row is None:
            return SourceState(
                name=name,
                kind=kind,
                cursor=Cursor(),
                last_poll=None,
                last_success=None,
                last_error=None,
                error_category=None,
                consecutive_failures=0,
                failing_since=None,
                rate_limited_until=None,
                failure_reported=False,
                items_seen=seen,
            )
        return SourceState(
            name=name,
            kind=row["kind"],
            cursor=Cursor(
                position=row["cursor_position"],
                etag=row["etag"],
                last_modified=row["last_modified"],
            ),
            last_poll=_dt(row["last_poll"]),
            last_success=_dt(row["last_success"]),
            last_error=row["last_error"],
            error_category=row["error_category"],
            consecutive_failures=row["consecutive_failures"],
            failing_since=_dt(row["failing_since"]),
            rate_limited_until=_dt(row["rate_limited_until"]),
            failure_reported=bool(row["failure_reported"]),
            items_seen=seen,
            notices=tuple(json.loads(row["notices"])),
        )

    def _ensure_source(self, db: sqlite3.Connection, name: str, kind: str) -> None:
        db.execute(
            "INSERT INTO sources (name, kind) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind=excluded.kind",
            (name, kind),
        )

    @staticmethod
    def _insert_items(
        db: sqlite3.Connection, source: str, items: Sequence[Item], now: datetime
    ) -> int:
        new = 0
        for item in items:
            cur = db.execute(
                "INSERT INTO items (source, platform_id, kind, parent_id, "
                "author_id, author_name, is_own, text, title, media, permalink, "
                "created_at, fetched_at, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                # only a repeat is skipped: OR IGNORE would also drop a broken item
                "ON CONFLICT (source, platform_id) DO NOTHING",
                (
                    source,
                    _utf8(item.platform_id),
                    item.kind.value,
                    _utf8(item.parent_id),
                    _utf8(item.author_id),
                    _utf8(item.author_name),
                    int(item.is_own),
                    _utf8(item.text),
                    _utf8(item.title),
                    json.dumps([dataclasses.asdict(m) for m in item.media]),
                    _utf8(item.permalink),
                    item.created_at.isoformat(),
                    now.isoformat(),
                    json.dumps(dict(item.raw), default=str),
                ),
            )
            new += cur.rowcount
        return new

    def save_items(self, *, source: str, kind: str, items: Sequence[Item], now: datetime) -> int:
        """Store items outside a fetch (the audit's profiles); cursor and health untouched."""
        with self._transaction() as db:
            self._ensure_source(db, source, kind)
            return self._insert_items(db, source, items, now)

    def save_fetch(
        self,
        *,
        source: str,
        kind: str,
        items: Sequence[Item],
        cursor: Cursor,
        now: datetime,
        outbox: Sequence[OutboxRequest] = (),
        notices: Sequence[str] = (),
    ) -> int:
        """Store fetched items, advance the cursor and mark the source healthy, atomically.

        Items already stored are ignored (nothing is vetted twice). ``outbox``
        carries a "recovered" notice when the source was reported failing;
        ``notices`` replace the source's standing limitations. Returns how
        many items were new.
        """
        with self._transaction() as db:
            self._ensure_source(db, source, kind)
            new = self._insert_items(db, source, items, now)
            db.execute(
                "UPDATE sources SET cursor_position=?, etag=?, last_modified=?, last_poll=?, "
                "last_success=?, last_error=NULL, error_category=NULL, consecutive_failures=0, "
                "failing_since=NULL, rate_limited_until=NULL, failure_reported=0, notices=? "
                "WHERE name=?",
                (
                    cursor.position,
                    cursor.etag,
                    cursor.last_modified,
                    now.isoformat(),
                    now.isoformat(),
                    json.dumps(list(notices)),
                    source,
                ),
            )
            self._queue(db, outbox, now)
        return new

    def record_failure(
        self,
        *,
        source: str,
        kind: str,
        error: str,
        category: str,
        now: datetime,
        rate_limited_until: datetime | None = None,
        outbox: Sequence[OutboxRequest] = (),
    ) -> None:
        """Record a failed poll; ``outbox`` carries a "failing" notice on the transition."""
        with self._transaction() as db:
            self._ensure_source(db, source, kind)
            db.execute(
                "UPDATE sources SET last_poll=?, last_error=?, error_category=?, "
                "consecutive_failures=consecutive_failures+1, "
                "failing_since=coalesce(failing_since, ?), rate_limited_until=?, "
                "failure_reported=failure_reported OR ? WHERE name=?",
                (
                    now.isoformat(),
                    error,
                    category,
                    now.isoformat(),
                    _iso(rate_limited_until),
                    int(bool(outbox)),
                    source,
                ),
            )
            self._queue(db, outbox, now)

    # -- items and vetting -------------------------------------------------

    def unvetted(self, source: str, limit: int = 500) -> list[StoredItem]:
        """Items of ``source`` stored but not yet vetted, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM items WHERE source=? AND vetted_at IS NULL ORDER BY id LIMIT ?",
                (source, limit),
            ).fetchall()
        return [_stored_item(r) for r in rows]

    def save_vetting(
        self,
        *,
        findings: Sequence[tuple[int, Sequence[Finding]]],
        actions: Sequence[PlannedAction],
        outbox: Sequence[OutboxRequest],
        now: datetime,
    ) -> None:
        """Store findings, planned actions and alert emails, and mark the items vetted, atomically.

        ``findings`` pairs each vetted item's id with its findings (possibly none).
        """
        with self._transaction() as db:
            for item_id, item_findings in findings:
                for f in item_findings:
                    db.execute(
                        "INSERT INTO findings (item_id, rule, severity, action, match, "
                        "span_start, span_end, normalised, entry, created_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (item_id, rule) DO NOTHING",
                        (
                            item_id,
                            f.rule,
                            f.severity.value,
                            f.action.value,
                            f.match,
                            f.start,
                            f.end,
                            f.normalised,
                            f.entry,
                            now.isoformat(),
                        ),
                    )
                db.execute("UPDATE items SET vetted_at=? WHERE id=?", (now.isoformat(), item_id))
            for a in actions:
                db.execute(
                    "INSERT INTO actions (item_id, kind, state, detail, updated_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT (item_id, kind) DO NOTHING",
                    (a.item_id, a.kind, a.state, a.detail, now.isoformat()),
                )
            self._queue(db, outbox, now)

    def stored_item(self, source: str, platform_id: str) -> StoredItem | None:
        """The stored item with this platform id, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE source=? AND platform_id=?", (source, platform_id)
            ).fetchone()
        return _stored_item(row) if row else None

    def pending_actions(self, source: str) -> list[tuple[int, str, StoredItem]]:
        """Pending actions on items of ``source``: (action id, kind, item)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.id AS action_id, a.kind AS action_kind, i.* FROM actions a "
                "JOIN items i ON i.id = a.item_id WHERE i.source=? AND a.state=? ORDER BY a.id",
                (source, ActionState.PENDING),
            ).fetchall()
        return [(r["action_id"], r["action_kind"], _stored_item(r)) for r in rows]

    def finish_action(self, action_id: int, *, state: str, detail: str, now: datetime) -> None:
        """Record the platform's answer to an action."""
        with self._transaction() as db:
            db.execute(
                "UPDATE actions SET state=?, detail=?, attempts=attempts+1, updated_at=? "
                "WHERE id=?",
                (state, detail, now.isoformat(), action_id),
            )

    # -- findings ----------------------------------------------------------

    def findings(
        self,
        *,
        since: datetime | None = None,
        keys: Sequence[tuple[int, str]] | None = None,
    ) -> list[StoredFinding]:
        """Stored findings, oldest first: all, those since ``since``, or exactly ``keys``.

        ``keys`` are (item id, rule) pairs, as outbox rows name their findings.
        """
        query = (
            "SELECT f.id AS f_id, f.rule, f.severity, f.action, f.match, f.span_start, f.span_end, "
            "f.normalised, f.entry, f.created_at AS f_created, f.status, "
            "a.kind AS a_kind, a.state AS a_state, a.detail AS a_detail, i.* "
            "FROM findings f JOIN items i ON i.id = f.item_id "
            "LEFT JOIN actions a ON a.item_id = i.id "
        )
        params: list[Any] = []
        if keys is not None:
            if not keys:
                return []
            query += "WHERE (f.item_id, f.rule) IN (VALUES " + ",".join("(?,?)" for _ in keys) + ")"
            for item_id, rule in keys:
                params += [item_id, rule]
        elif since is not None:
            query += "WHERE f.created_at >= ?"
            params.append(since.isoformat())
        query += " ORDER BY f.id"
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [
            StoredFinding(
                id=r["f_id"],
                item_id=r["id"],
                finding=Finding(
                    rule=r["rule"],
                    severity=Severity(r["severity"]),
                    action=ActionKind(r["action"]),
                    match=r["match"],
                    start=r["span_start"],
                    end=r["span_end"],
                    normalised=r["normalised"],
                    entry=r["entry"],
                ),
                item=_stored_item(r).item,
                created_at=datetime.fromisoformat(r["f_created"]),
                status=r["status"],
                action_kind=r["a_kind"],
                action_state=r["a_state"],
                action_detail=r["a_detail"] or "",
            )
            for r in rows
        ]

    def finding(self, finding_id: int) -> StoredFinding | None:
        """One stored finding by id, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT item_id, rule FROM findings WHERE id=?", (finding_id,)
            ).fetchone()
        if row is None:
            return None
        (found,) = self.findings(keys=[(row["item_id"], row["rule"])])
        return found

    # -- false positives ---------------------------------------------------

    def allow(self, finding_id: int, *, rule: str, fingerprint: str, now: datetime) -> None:
        """Mark a finding a false positive and remember its fingerprint for the rule."""
        with self._transaction() as db:
            db.execute("UPDATE findings SET status='allowed' WHERE id=?", (finding_id,))
            db.execute(
                "INSERT INTO allowed (rule, fingerprint, finding_id, created_at) VALUES (?,?,?,?) "
                "ON CONFLICT (rule, fingerprint) DO NOTHING",
                (rule, fingerprint, finding_id, now.isoformat()),
            )

    def allowed(self) -> set[tuple[str, str]]:
        """Every remembered (rule, fingerprint) false positive."""
        with self._lock:
            rows = self._db.execute("SELECT rule, fingerprint FROM allowed").fetchall()
        return {(r["rule"], r["fingerprint"]) for r in rows}

    def set_action(
        self, item_id: int, kind: str, *, state: str, detail: str, now: datetime
    ) -> None:
        """Record an action on an item, creating or replacing its row (e.g. an unhide)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO actions (item_id, kind, state, detail, attempts, updated_at) "
                "VALUES (?,?,?,?,1,?) ON CONFLICT (item_id, kind) DO UPDATE SET "
                "state=excluded.state, detail=excluded.detail, attempts=attempts+1, "
                "updated_at=excluded.updated_at",
                (item_id, kind, state, detail, now.isoformat()),
            )

    # -- the account audit -------------------------------------------------

    def record_audit(
        self,
        *,
        source: str,
        kind: str,
        ok: bool,
        detail: str,
        now: datetime,
        on_missing: OutboxRequest | None = None,
    ) -> bool | None:
        """Store an account's audit result; return the previous one (None if never audited).

        ``on_missing`` is queued in the same transaction when the link has just
        gone missing (or is missing at the first audit), so the change is told once.
        """
        with self._transaction() as db:
            self._ensure_source(db, source, kind)
            row = db.execute("SELECT aup_ok FROM sources WHERE name=?", (source,)).fetchone()
            previous = None if row["aup_ok"] is None else bool(row["aup_ok"])
            db.execute(
                "UPDATE sources SET aup_ok=?, aup_checked=?, aup_detail=? WHERE name=?",
                (int(ok), now.isoformat(), detail, source),
            )
            if on_missing is not None and not ok and previous is not False:
                self._queue(db, [on_missing], now)
        return previous

    def audit_state(self, source: str) -> tuple[bool | None, datetime | None, str | None]:
        """The last audit of a source: (link present?, when, detail)."""
        with self._lock:
            row = self._db.execute(
                "SELECT aup_ok, aup_checked, aup_detail FROM sources WHERE name=?", (source,)
            ).fetchone()
        if row is None or row["aup_ok"] is None:
            return None, None, None
        return bool(row["aup_ok"]), _dt(row["aup_checked"]), row["aup_detail"]

    # -- outbox ------------------------------------------------------------

    def _queue(
        self, db: sqlite3.Connection, requests: Sequence[OutboxRequest], now: datetime
    ) -> None:
        for r in requests:
            db.execute(
                "INSERT INTO outbox (key, kind, recipients, message_id, payload, "
                "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
                (
                    r.key,
                    r.kind,
                    json.dumps(list(r.recipients)),
                    r.message_id,
                    json.dumps(r.payload),
                    now.isoformat(),
                ),
            )

    def queue(self, requests: Sequence[OutboxRequest], now: datetime) -> None:
        """Queue emails on their own (keys already queued are ignored)."""
        with self._transaction() as db:
            self._queue(db, requests, now)

    def outbox(self, state: str | None = OutboxState.PENDING) -> list[OutboxRow]:
        """Outbox rows in ``state`` (all when None), oldest first."""
        with self._lock:
            if state is None:
                rows = self._db.execute("SELECT * FROM outbox ORDER BY id").fetchall()
            else:
                rows = self._db.execute(
                    "SELECT * FROM outbox WHERE state=? ORDER BY id", (state,)
                ).fetchall()
        return [
            OutboxRow(
                id=r["id"],
                key=r["key"],
                kind=r["kind"],
                recipients=tuple(json.loads(r["recipients"])),
                message_id=r["message_id"],
                payload=json.loads(r["payload"]),
                state=r["state"],
                attempts=r["attempts"],
                last_error=r["last_error"],
                created_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]

    def mark_sent(self, outbox_id: int, now: datetime) -> None:
        """The server accepted the message."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET state=?, sent_at=?, attempts=attempts+1, last_error=NULL "
                "WHERE id=?",
                (OutboxState.SENT, now.isoformat(), outbox_id),
            )

    def mark_attempt_failed(self, outbox_id: int, error: str, *, permanent: bool) -> None:
        """A send failed: stays pending (temporary) or becomes failed (permanent)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts=attempts+1, last_error=?, state=? WHERE id=?",
                (error, OutboxState.FAILED if permanent else OutboxState.PENDING, outbox_id),
            )

    def outbox_counts(self) -> dict[str, int]:
        """Number of outbox rows per state."""
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) AS n FROM outbox GROUP BY state")
            return {r["state"]: r["n"] for r in rows}

    # -- retention (issue 8) -----------------------------------------------

    def purge(self, older_than: datetime) -> PurgeReport:
        """Delete the evidence of items fetched before ``older_than``, keeping their ids.

        Each such item keeps a compact row (source, platform id, kind, times)
        so that a platform still returning it never gets it vetted, hidden or
        emailed again; its text, title, author, media, link and raw payload
        are blanked and its findings and actions deleted. An item not yet
        vetted, with a pending action, or named by an email not yet sent is
        kept whole until that is done. Sent and failed emails queued before
        ``older_than`` are deleted. One transaction; safe to repeat.
        """
        cutoff = older_than.isoformat()
        with self._transaction() as db:
            waiting: set[int] = set()
            for r in db.execute(
                "SELECT payload FROM outbox WHERE state=? AND kind='alert'", (OutboxState.PENDING,)
            ):
                pairs = json.loads(r["payload"]).get("findings", [])
                waiting.update(int(pair[0]) for pair in pairs)
            candidates = [
                r["id"]
                for r in db.execute(
                    "SELECT id FROM items WHERE fetched_at < ? AND vetted_at IS NOT NULL "
                    "AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.item_id = items.id "
                    "AND a.state=?) AND (text != '' OR raw != '{}' OR media != '[]' "
                    "OR title IS NOT NULL OR author_id IS NOT NULL OR author_name IS NOT NULL "
                    "OR permalink IS NOT NULL OR EXISTS (SELECT 1 FROM findings f "
                    "WHERE f.item_id = items.id))",
                    (cutoff, ActionState.PENDING),
                )
                if r["id"] not in waiting
            ]
            findings = 0
            for item_id in candidates:
                findings += db.execute("DELETE FROM findings WHERE item_id=?", (item_id,)).rowcount
                db.execute("DELETE FROM actions WHERE item_id=?", (item_id,))
                db.execute(
                    "UPDATE items SET text='', title=NULL, author_id=NULL, author_name=NULL, "
                    "media='[]', permalink=NULL, raw='{}' WHERE id=?",
                    (item_id,),
                )
            emails = db.execute(
                "DELETE FROM outbox WHERE state != ? AND created_at < ?",
                (OutboxState.PENDING, cutoff),
            ).rowcount
        return PurgeReport(items=len(candidates), findings=findings, emails=emails)

    # -- reports (read-only, for the digest) --------------------------------

    def latest_outbox(self, kind: str, key_prefix: str) -> OutboxRow | None:
        """The newest row of ``kind`` whose key starts ``key_prefix`` and did not fail.

        A pending row counts: it will be sent, so a report queued after it
        starts where it ends. A permanently failed one never reached anyone.
        """
        with self._lock:
            r = self._db.execute(
                "SELECT * FROM outbox WHERE kind=? AND substr(key, 1, ?)=? AND state!=? "
                "ORDER BY id DESC LIMIT 1",
                (kind, len(key_prefix), key_prefix, OutboxState.FAILED),
            ).fetchone()
        if r is None:
            return None
        return OutboxRow(
            id=r["id"],
            key=r["key"],
            kind=r["kind"],
            recipients=tuple(json.loads(r["recipients"])),
            message_id=r["message_id"],
            payload=json.loads(r["payload"]),
            state=r["state"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            created_at=datetime.fromisoformat(r["created_at"]),
        )

    def finding_counts(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """Findings found in [start, end) per (source, rule)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT i.source, f.rule, count(*) AS n FROM findings f "
                "JOIN items i ON i.id = f.item_id WHERE f.created_at >= ? AND f.created_at < ? "
                "GROUP BY i.source, f.rule ORDER BY i.source, f.rule",
                (start.isoformat(), end.isoformat()),
            ).fetchall()
        return {(r["source"], r["rule"]): r["n"] for r in rows}

    def finding_times(self, start: datetime, end: datetime) -> list[datetime]:
        """When each finding in [start, end) was found, oldest first (for the digest's chart)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT created_at FROM findings WHERE created_at >= ? AND created_at < ? "
                "ORDER BY created_at",
                (start.isoformat(), end.isoformat()),
            ).fetchall()
        return [datetime.fromisoformat(r["created_at"]) for r in rows]


def _stored_item(row: sqlite3.Row) -> StoredItem:
    return StoredItem(
        id=row["id"],
        vetted=row["vetted_at"] is not None,
        item=Item(
            source=row["source"],
            platform_id=row["platform_id"],
            kind=ItemKind(row["kind"]),
            parent_id=row["parent_id"],
            author_id=row["author_id"],
            author_name=row["author_name"],
            is_own=bool(row["is_own"]),
            text=row["text"],
            title=row["title"],
            media=tuple(Media(**m) for m in json.loads(row["media"])),
            permalink=row["permalink"],
            created_at=datetime.fromisoformat(row["created_at"]),
            raw=json.loads(row["raw"]),
        ),
    )


def describe_failure(err: sqlite3.Error) -> str:
    """What stopped the state file being written, in plain words: locked by another
    program, the disk full (or failing), or SQLite's own reason."""
    reason = str(err)
    if "locked" in reason or "busy" in reason:
        return "the state database is locked by another program (a backup, the sqlite3 shell?)"
    if "full" in reason:
        return "the disk holding the state database is full"
    if "i/o" in reason.lower():
        # What SQLite says when a write fails with no room at all, or on a failing disk.
        return f"the state database could not be written ({reason}): is the disk full or failing?"
    return f"the state database could not be written ({reason})"
