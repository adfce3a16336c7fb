"""SMTP transport: build a multipart message and hand it to the school's mail server.

The mailer makes one attempt and classifies every failure as a
``DeliveryError`` that is either ``temporary`` (the outbox keeps the message
and tries again later) or permanent (the outbox marks it failed and reports
it). It never retries by itself: retries live in the outbox, so they do not
multiply (platform-facts §8 "A robust Python sender").

Classification follows SMTP semantics:

* no connection, a timeout, a dropped connection, or a 4xx reply at any stage
  (greeting, EHLO, AUTH, MAIL, RCPT, DATA) -> temporary;
* a 5xx reply, a rejected login, a certificate that does not verify, or a
  server that lacks a feature the config asks for (STARTTLS, AUTH) ->
  permanent, with a message that tells the admin which ``email.*`` key to
  check.

Error messages name the server and quote its reply; they never contain the
password.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pydantic import SecretStr

from monitor.config import EmailConfig
from monitor.errors import ConfigError, DeliveryError

__all__ = [
    "MailSession",
    "Mailer",
    "RecipientRefusal",
    "build_message",
    "new_message_id",
    "thread_id",
]


@dataclass(frozen=True, slots=True)
class RecipientRefusal:
    """The server's answer for one recipient it would not accept.

    ``temporary`` (a 4xx code such as 451 greylisting or 452 mailbox busy)
    means sending to that address again later may work; a 5xx code means it
    never will as the address stands.
    """

    code: int
    reply: str

    @property
    def temporary(self) -> bool:
        """Whether trying this recipient again later may succeed."""
        return _is_temporary(self.code)


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    images: Sequence[tuple[str, bytes]] = (),
) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML).

    ``Date`` and ``Message-ID`` are set explicitly because neither
    ``EmailMessage`` nor ``smtplib`` adds them, and the outbox must reuse the
    same Message-ID on every resend so a duplicate is recognisable.
    ``in_reply_to`` and ``references`` thread it in mail clients; with only
    ``in_reply_to``, ``References`` repeats it. ``images`` are
    ``(content id, PNG bytes)`` pairs attached inline beside the HTML
    (multipart/related), which shows them as ``<img src="cid:…">``: every
    client shows those, unlike ``data:`` URLs, and nothing is fetched.

    Raises:
        ValueError: ``to`` is empty, ``date`` is naive, or a header value
            contains a line break (header injection).
    """
    if not to:
        raise ValueError("a message needs at least one recipient")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    message = EmailMessage()
    # The default policy refuses CR/LF inside header values, which is what
    # keeps user text that reaches the subject from adding headers.
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
    refs = list(references) or ([in_reply_to] if in_reply_to else [])
    if refs:
        message["References"] = " ".join(refs)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if images:
        html_part = message.get_body(("html",))
        assert html_part is not None  # added just above
        for cid, data in images:
            html_part.add_related(
                data, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline"
            )
    return message


def thread_id(sender: str, source: str, platform_id: str) -> str:
    """The Message-ID every email about one item refers to, so they thread together.

    No email carries this id itself: each alert about the item names it in
    ``In-Reply-To``/``References``, and mail clients (Apple Mail, Outlook,
    Thunderbird; Gmail when the subjects also match) group messages that
    share a parent even when the parent never arrived. It is a hash, so the
    platform's ids do not reach the headers, and the same for every alert.

    Raises:
        ValueError: ``sender`` has no domain part.
    """
    digest = hashlib.sha256(f"{source}\0{platform_id}".encode()).hexdigest()[:24]
    return f"<item.{digest}@{_domain_of(sender)}>"


def new_message_id(sender: str) -> str:
    """A fresh ``<…@domain>`` Message-ID using the sender's domain.

    The domain is given explicitly because ``make_msgid`` otherwise calls
    ``socket.getfqdn()``, which can block for seconds and leaks the host name.

    Raises:
        ValueError: ``sender`` has no domain part.
    """
    domain = _domain_of(sender)
    return make_msgid(domain=domain)


def _domain_of(address: str) -> str:
    """The part after the last ``@``, without a trailing ``>``.

    Raises:
        ValueError: there is no domain.
    """
    _, at, domain = address.strip().rstrip(">").rpartition("@")
    if not at or not domain:
        raise ValueError(f"{address!r} is not an email address with a domain")
    return domain


def _is_temporary(code: int) -> bool:
    """SMTP semantics: only a 5xx reply is final; 4xx and pseudo-codes (-1) may pass later."""
    return not 500 <= code <= 599


def _reply_text(reply: bytes | str) -> str:
    """A server reply as one readable line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


class MailSession:
    """One open, logged-in SMTP connection; send any number of messages through it.

    Obtain it from ``Mailer.session()``; it is closed when that block ends.
    """

    def __init__(self, smtp: smtplib.SMTP, server: str) -> None:
        self._smtp = smtp
        self._server = server

    def send(self, message: EmailMessage) -> dict[str, RecipientRefusal]:
        """Send ``message`` to the recipients in its To/Cc/Bcc headers.

        Returns the recipients the server refused while accepting the others
        (empty when all were accepted); the message was delivered to the rest.

        Raises:
            DeliveryError: the message was not accepted for any recipient.
                ``temporary`` when retrying later may help (timeout, dropped
                connection, any 4xx, or all recipients refused with at least
                one 4xx); permanent for 5xx replies.
        """
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            refusals = _refusals(err.recipients)
            # If any recipient was only deferred (4xx), a later retry can
            # still reach them; the 5xx ones are refused again harmlessly.
            temporary = any(r.temporary for r in refusals.values())
            listed = "; ".join(f"{addr}: {r.code} {r.reply}" for addr, r in refusals.items())
            raise DeliveryError(
                f"{self._server} refused every recipient ({listed})"
                + ("" if temporary else " — check the addresses in email.slt / email.dsl"),
                temporary=temporary,
            ) from err
        except smtplib.SMTPSenderRefused as err:
            hint = "" if _is_temporary(err.smtp_code) else " — check email.sender"
            raise DeliveryError(
                f"{self._server} refused the sender {err.sender}: "
                f"{err.smtp_code} {_reply_text(err.smtp_error)}{hint}",
                temporary=_is_temporary(err.smtp_code),
            ) from err
        except smtplib.SMTPDataError as err:
            raise DeliveryError(
                f"{self._server} refused the message: "
                f"{err.smtp_code} {_reply_text(err.smtp_error)}",
                temporary=_is_temporary(err.smtp_code),
            ) from err
        except (smtplib.SMTPException, OSError) as err:
            raise _classify(err, self._server) from err
        return _refusals(refused)


class Mailer:
    """Sends messages through the SMTP server in ``[email]``.

    Each ``send`` opens and closes its own connection; ``session()`` keeps one
    connection open for a flush of several messages.
    """

    def __init__(self, settings: EmailConfig, password: SecretStr | None = None) -> None:
        """Keep the settings; resolve the password now if not given.

        Raises:
            ConfigError: ``email.username`` is set but no password can be
                resolved (unset variable, unreadable file, or none configured).
        """
        self._settings = settings
        if password is None and settings.username:
            if settings.password is None:
                raise ConfigError(
                    "email.username is set but there is no email.password_env or "
                    "email.password_file"
                )
            password = settings.password.resolve()
        self._password = password
        self._server = f"SMTP server {settings.host}:{settings.port}"
        # The EHLO name: smtplib would otherwise call socket.getfqdn(), which
        # can block and leaks the host name; the sender's domain is what
        # submission servers expect to see.
        self._ehlo_name = _domain_of(settings.sender)

    def send(self, message: EmailMessage) -> dict[str, RecipientRefusal]:
        """Open a connection, send ``message``, close it.

        Returns the refused recipients as ``MailSession.send`` does.

        Raises:
            DeliveryError: as ``session()`` and ``MailSession.send``.
        """
        with self.session() as session:
            return session.send(message)

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        """Connect, secure and log in once, and yield a session for several sends.

        Raises:
            DeliveryError: the connection, TLS or login failed. ``temporary``
                for refused connections, timeouts, disconnects and 4xx
                replies; permanent for 5xx replies, a rejected login (535), a
                certificate that does not verify, or a server that lacks
                STARTTLS/AUTH when the config needs them.
        """
        smtp = self._connect()
        try:
            yield MailSession(smtp, self._server)
        finally:
            _close(smtp)

    def _connect(self) -> smtplib.SMTP:
        """An open, secured and (when configured) logged-in connection.

        Raises:
            DeliveryError: as ``session()``.
        """
        s = self._settings
        # Never context=None: on 3.11 that means an unverified TLS context.
        context = ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    s.host,
                    s.port,
                    local_hostname=self._ehlo_name,
                    timeout=s.timeout,
                    context=context,
                )
            else:
                smtp = smtplib.SMTP(
                    s.host, s.port, local_hostname=self._ehlo_name, timeout=s.timeout
                )
            smtp.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                assert self._password is not None  # __init__ guarantees it
                smtp.login(s.username, self._password.get_secret_value())
        except (smtplib.SMTPException, OSError) as err:
            if smtp is not None:
                _close(smtp)
            failure = _classify(err, self._server)
            failure.server_wide = True  # no message got as far as being refused
            raise failure from err
        return smtp


def _classify(err: smtplib.SMTPException | OSError, server: str) -> DeliveryError:
    """Turn a connection-level smtplib/socket error into a ``DeliveryError``.

    The message quotes the server's reply, never the credentials.
    """
    if isinstance(err, smtplib.SMTPException):
        return _classify_smtp(err, server)
    return _classify_os(err, server)


def _classify_smtp(err: smtplib.SMTPException, server: str) -> DeliveryError:
    """A ``DeliveryError`` for an SMTP-level failure: the reply code decides."""
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return _login_failed(err, server)
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"{server} does not support what the config asks for ({err}) — "
            "check email.security (starttls for port 587, tls for 465, none for a relay) "
            "and email.username",
            temporary=False,
        )
    if isinstance(err, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into "Connection unexpectedly closed";
        # the timeout is still there as the exception's context.
        if isinstance(err.__context__, TimeoutError):
            return _timed_out(server)
        return DeliveryError(f"{server} closed the connection: {err}", temporary=True)
    if isinstance(err, smtplib.SMTPResponseException):
        # Greeting (SMTPConnectError), EHLO/HELO (SMTPHeloError) or another
        # command: the code alone decides.
        return DeliveryError(
            f"{server} replied {err.smtp_code} {_reply_text(err.smtp_error)}",
            temporary=_is_temporary(err.smtp_code),
        )
    # e.g. "No suitable authentication method found": a mismatch between
    # the config and the server that waiting will not fix.
    return DeliveryError(
        f"{server}: {err} — check email.security and email.username", temporary=False
    )


def _login_failed(err: smtplib.SMTPAuthenticationError, server: str) -> DeliveryError:
    """A rejected login is permanent (the admin must fix it) unless the code is 4xx."""
    if _is_temporary(err.smtp_code):
        return DeliveryError(
            f"{server} could not check the login just now: "
            f"{err.smtp_code} {_reply_text(err.smtp_error)}",
            temporary=True,
        )
    return DeliveryError(
        f"{server} rejected the login: {err.smtp_code} {_reply_text(err.smtp_error)}"
        " — check email.username and the password in email.password_env/_file"
        " (and that the account may use SMTP AUTH)",
        temporary=False,
    )


def _classify_os(err: OSError, server: str) -> DeliveryError:
    """A ``DeliveryError`` for a socket or TLS failure."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"{server}: its TLS certificate could not be verified ({err.verify_message}) — "
            "check email.host is the name on the certificate",
            temporary=False,
        )
    if isinstance(err, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return DeliveryError(f"{server} closed the TLS connection: {err}", temporary=True)
    if isinstance(err, ssl.SSLError):
        # Typically "wrong version number": TLS spoken to a plain-text port or
        # the reverse, which only a config change fixes.
        return DeliveryError(
            f"{server}: TLS failed ({err.reason or err}) — check email.security "
            "(tls for port 465, starttls for 587) and email.port",
            temporary=False,
        )
    if isinstance(err, TimeoutError):
        return _timed_out(server)
    if isinstance(err, ConnectionRefusedError):
        return DeliveryError(f"{server} refused the connection (is it running?)", temporary=True)
    return DeliveryError(f"{server} could not be reached: {err}", temporary=True)


def _timed_out(server: str) -> DeliveryError:
    """The error for a server that stopped answering."""
    return DeliveryError(f"{server} did not answer within email.timeout seconds", temporary=True)


def _close(smtp: smtplib.SMTP) -> None:
    """Say QUIT politely, then drop the socket whatever the server does."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        # The message outcome is already decided; a failed goodbye changes nothing.
        smtp.close()


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> dict[str, RecipientRefusal]:
    """smtplib's ``{address: (code, reply)}`` as typed refusals."""
    return {
        addr: RecipientRefusal(code, _reply_text(reply)) for addr, (code, reply) in refused.items()
    }
