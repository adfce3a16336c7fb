"""A mail server that lets another program lock the state file at the worst moment.

``LockOnAccept`` is the SMTP sandbox (real aiosmtpd, real SMTP) whose DATA
handler, as it accepts a message and before its ``250`` reply goes out, opens
its own ``sqlite3`` connection to the state file and takes the write lock
with ``BEGIN IMMEDIATE``, as a backup or the sqlite3 shell could. The client
therefore sees the ``250`` while the lock is held: exactly when the outbox
tries to mark the message sent.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from aiosmtpd.smtp import Envelope, Session

from monitor.sandbox.smtp_server import SmtpServer


class LockOnAccept(SmtpServer):
    """The SMTP sandbox, taking the state file's write lock as it accepts a message."""

    def __init__(self, db: Path, *, port: int = 0) -> None:
        super().__init__(port=port)
        self.db = db
        #: how many of the next accepted messages take the lock (one holder at a time)
        self.lock_after = 0
        self._holder: sqlite3.Connection | None = None
        self._guard = threading.Lock()

    @property
    def holding(self) -> bool:
        """Whether the lock is held now."""
        return self._holder is not None

    def _record(self, envelope: Envelope, session: Session) -> None:
        # Called by the DATA handler once the message is accepted, before the 250 is sent.
        super()._record(envelope, session)
        with self._guard:
            if self.lock_after <= 0 or self._holder is not None:
                return
            self.lock_after -= 1
            holder = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            holder.execute("BEGIN IMMEDIATE")
            self._holder = holder

    def release(self) -> None:
        """The other program lets go of the lock."""
        with self._guard:
            holder, self._holder = self._holder, None
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()

    def stop(self) -> None:
        """Let go of the lock, then stop listening."""
        self.release()
        super().stop()
