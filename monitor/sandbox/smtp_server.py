"""A real SMTP server on 127.0.0.1 for tests and for the demo's SMTP sink.

``SmtpServer`` wraps aiosmtpd's threaded ``Controller``: it speaks real SMTP
over a loopback socket, so the code under test runs its own ``smtplib`` calls
unchanged. It keeps what it receives, can be told to fail at a chosen stage
(4xx/5xx replies to EHLO, MAIL, RCPT or DATA, a required login), and can be
stopped and started again on the same port to play a server that is down.

Two smaller servers cover what aiosmtpd cannot do: ``ReplyServer`` answers
every connection with one fixed line and hangs up (a ``421`` greeting), and
``SilentServer`` accepts TCP connections but never says a word (a timeout).

Without pytest, run it as the demo's sink::

    python -m monitor.sandbox.smtp_server --port 2525 --save-to demo-mail/
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Received", "ReplyServer", "SilentServer", "SmtpServer"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the server accepted it: envelope and parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    #: the user name the client logged in with, or None without AUTH
    login: str | None


class _Controller(Controller):
    """A Controller that can listen on port 0.

    aiosmtpd 1.4.6 binds port 0 happily but then opens its readiness probe
    to ``self.port`` (still 0) and fails; read the bound port first.
    """

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class _Handler:
    """aiosmtpd hooks (``handle_<COMMAND>``) that consult the owner's failure switches.

    Once a hook exists aiosmtpd skips its default behaviour for that command,
    so each hook also does the default work when no failure is switched on.
    """

    def __init__(self, owner: SmtpServer) -> None:
        self._owner = owner

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self._owner.ehlo_count += 1
        if self._owner.ehlo_reply is not None:
            return [self._owner.ehlo_reply]
        session.host_name = hostname
        return responses

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        self._owner.ehlo_count += 1
        if self._owner.ehlo_reply is not None:
            return self._owner.ehlo_reply
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which
        # warns when TLS is not also required: pytest turns warnings into
        # errors, and loopback tests need no TLS.
        if self._owner.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self._owner.mail_reply is not None:
            return self._owner.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self._owner.rcpt_replies.get(address, self._owner.rcpt_reply)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._owner.data_reply is not None:
            return self._owner.data_reply
        self._owner._record(envelope, session)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A loopback SMTP server that records messages and fails on demand.

    Failure switches are plain attributes, read on every command, so a test
    may flip them between sends:

    * ``ehlo_reply`` — reply to EHLO and HELO instead of accepting (``"421 …"``);
    * ``mail_reply`` — reply to MAIL FROM;
    * ``rcpt_reply`` — reply to every RCPT TO; ``rcpt_replies`` per address
      (takes precedence);
    * ``data_reply`` — reply after the message body instead of accepting it;
    * ``credentials`` — ``(user, password)``: MAIL is refused with 530 until
      the client logs in with these (AUTH PLAIN/LOGIN, no TLS needed); a
      wrong login gets ``535 5.7.8``.

    ``tls_context`` (a server-side context) offers STARTTLS, or with
    ``implicit_tls`` wraps the whole connection in TLS as port 465 does.

    Use it as a context manager, or call ``start()``/``stop()``; ``stop()``
    then ``start()`` reuses the same port, so a client sees a server that was
    down and came back.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        save_to: Path | None = None,
        credentials: tuple[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.host = HOST
        self.port = port
        self.save_to = save_to
        self.credentials = credentials
        self._tls_context = tls_context
        self._implicit_tls = implicit_tls
        #: EHLO/HELO commands seen: one per connection (two with STARTTLS)
        self.ehlo_count = 0
        self.ehlo_reply: str | None = None
        self.mail_reply: str | None = None
        self.rcpt_reply: str | None = None
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """The received messages, oldest first, parsed with ``email.policy.default``."""
        return [r.message for r in self.received]

    @property
    def running(self) -> bool:
        """Whether the server is listening now."""
        return self._controller is not None

    def start(self) -> None:
        """Listen on ``self.port`` (a free port the first time if it is 0).

        Raises:
            OSError: the port is taken.
        """
        if self._controller is not None:
            return
        tls: dict[str, Any] = {}
        if self._tls_context is not None:
            key = "ssl_context" if self._implicit_tls else "tls_context"
            tls[key] = self._tls_context
        controller = _Controller(
            _Handler(self),
            hostname=HOST,
            port=self.port,
            # A fixed name: aiosmtpd would otherwise call socket.getfqdn().
            server_hostname="smtp.test",
            authenticator=self._authenticate,
            auth_require_tls=False,
            **tls,
        )
        controller.start()
        self.port = controller.port
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; connections are then refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reset_failures(self) -> None:
        """Accept everything again (credentials are kept)."""
        self.ehlo_reply = self.mail_reply = self.rcpt_reply = self.data_reply = None
        self.rcpt_replies = {}

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            self.credentials is not None
            and isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.credentials[0]
            and auth_data.password.decode() == self.credentials[1]
        ):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    def _record(self, envelope: Envelope, session: Session) -> None:
        """Keep one accepted message and, for the sink, write it to disk."""
        # original_content is the bytes as sent (content may be decoded).
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        assert raw is not None  # DATA always carries a body
        parsed = BytesParser(policy=default_policy).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        received = Received(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=parsed,
            raw=raw,
            login=login,
        )
        with self._lock:
            self.received.append(received)
            if self.save_to is not None:
                _save(self.save_to, received)


def _save(folder: Path, received: Received) -> None:
    """Write ``<n>.eml`` and, when there is an HTML part, ``<n>.html``.

    Numbering continues after the highest number already in the folder so a
    restarted sink never overwrites earlier mail.
    """
    folder.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.stem) for p in folder.glob("*.eml") if p.stem.isdigit()]
    n = max(numbers, default=0) + 1
    (folder / f"{n}.eml").write_bytes(received.raw)
    html = received.message.get_body(preferencelist=("html",))
    if html is not None:
        (folder / f"{n}.html").write_text(html.get_content(), encoding="utf-8")


class ReplyServer:
    """Answers every TCP connection with one fixed line, then hangs up.

    Plays a server whose greeting refuses service (``"421 4.3.2 Try later"``),
    which aiosmtpd cannot do: it always greets with 220.
    """

    def __init__(self, reply: str) -> None:
        self.host = HOST
        self._reply = reply.encode() + b"\r\n"
        self._sock = socket.create_server((HOST, 0))
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # the listening socket was closed: stop serving
                return
            with conn:
                conn.sendall(self._reply)

    def __enter__(self) -> ReplyServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # shutdown() wakes the blocked accept() on Linux; close() alone may not.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)


class SilentServer:
    """Accepts TCP connections (via the listen backlog) and never answers.

    A client waiting for the SMTP greeting sees its read time out, which is
    how a hung mail server looks.
    """

    def __init__(self) -> None:
        self.host = HOST
        self._sock = socket.create_server((HOST, 0), backlog=8)
        self.port: int = self._sock.getsockname()[1]

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._sock.close()


def main(argv: list[str] | None = None) -> None:
    """Run a sink that accepts every message until interrupted."""
    parser = argparse.ArgumentParser(description="A loopback SMTP sink for the demo.")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument(
        "--save-to", type=Path, default=None, help="folder for <n>.eml and <n>.html files"
    )
    args = parser.parse_args(argv)
    # aiosmtpd logs every command (and a deprecation notice per login) at
    # INFO/WARNING on "mail.log"; the sink's user wants only the banner.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    server = SmtpServer(port=args.port, save_to=args.save_to)
    server.start()
    print(f"SMTP sink listening on {server.host}:{server.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
