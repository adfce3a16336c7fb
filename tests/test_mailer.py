"""The SMTP transport, against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from monitor.config import EmailConfig
from monitor.errors import ConfigError, DeliveryError
from monitor.mailer import Mailer, RecipientRefusal, build_message, new_message_id, thread_id
from monitor.sandbox.smtp_server import ReplyServer, SilentServer, SmtpServer

SENDER = "monitor@school.example"
SLT = ("head@school.example", "deputy@school.example")
WHEN = datetime(2026, 11, 24, 18, 5, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def settings(port: int, **overrides: Any) -> EmailConfig:
    """An [email] section pointing at a loopback server, plain SMTP by default."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": SENDER,
        "slt": SLT,
        "dsl": ("dsl@school.example",),
        "timeout": 5.0,
    }
    values.update(overrides)
    return EmailConfig.model_validate(values)


def message(
    to: tuple[str, ...] = SLT, message_id: str = "<alert-1@school.example>"
) -> EmailMessage:
    """A small alert message."""
    return build_message(
        sender=SENDER,
        to=to,
        subject="[Oakfield] 1 comment flagged: abuse",
        text="Plain body £",
        html="<p>HTML body £</p>",
        message_id=message_id,
        date=WHEN,
    )


@pytest.fixture(name="server")
def fixture_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="tls_files", scope="module")
def fixture_tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """A server-side TLS context with the self-signed certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return context


class TestBuildMessage:
    def test_is_multipart_alternative_with_text_then_html(self) -> None:
        """The message carries the plain text first and the HTML as the alternative."""
        msg = message()
        assert msg.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in msg.iter_parts()]
        assert parts == ["text/plain", "text/html"]

    def test_sets_date_and_message_id_explicitly(self) -> None:
        """Date and Message-ID are set, since neither EmailMessage nor smtplib adds them."""
        msg = message(message_id="<fixed@school.example>")
        assert msg["Message-ID"] == "<fixed@school.example>"
        assert msg["Date"].datetime == WHEN

    def test_in_reply_to_also_sets_references(self) -> None:
        """A reply names its parent in In-Reply-To and References, for threading."""
        msg = build_message(
            sender=SENDER,
            to=SLT,
            subject="s",
            text="t",
            html="<p>h</p>",
            message_id="<2@school.example>",
            date=WHEN,
            in_reply_to="<1@school.example>",
        )
        assert msg["In-Reply-To"] == "<1@school.example>"
        assert msg["References"] == "<1@school.example>"

    def test_references_list_every_thread(self) -> None:
        """References may name several messages; In-Reply-To stays the one given."""
        msg = build_message(
            sender=SENDER,
            to=SLT,
            subject="s",
            text="t",
            html="<p>h</p>",
            message_id="<3@school.example>",
            date=WHEN,
            in_reply_to="<2@school.example>",
            references=("<1@school.example>", "<2@school.example>"),
        )
        assert msg["In-Reply-To"] == "<2@school.example>"
        assert msg["References"] == "<1@school.example> <2@school.example>"

    def test_images_travel_inline_beside_the_html(self, server: SmtpServer) -> None:
        """An image becomes a related part with its Content-ID, received intact."""
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
        msg = build_message(
            sender=SENDER,
            to=SLT,
            subject="s",
            text="t",
            html='<img src="cid:chart@school.example">',
            message_id="<4@school.example>",
            date=WHEN,
            images=(("chart@school.example", png),),
        )
        Mailer(settings(server.port)).send(msg)
        (received,) = server.messages
        types = [p.get_content_type() for p in received.walk()]
        assert types == [
            "multipart/alternative",
            "text/plain",
            "multipart/related",
            "text/html",
            "image/png",
        ]
        image = next(p for p in received.walk() if p.get_content_type() == "image/png")
        assert image["Content-ID"] == "<chart@school.example>"
        assert image.get_content() == png

    def test_no_threading_headers_without_in_reply_to(self) -> None:
        """A first message has neither In-Reply-To nor References."""
        msg = message()
        assert msg["In-Reply-To"] is None
        assert msg["References"] is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("to", ()),
            ("date", datetime(2026, 11, 24, 18, 5)),
            ("subject", "Hello\r\nBcc: victim@example.com"),
        ],
        ids=["no recipients", "naive date", "header injection"],
    )
    def test_rejects_bad_input(self, field: str, value: object) -> None:
        """No recipients, a naive date or a line break in a header is a ValueError."""
        kwargs: dict[str, Any] = {
            "sender": SENDER,
            "to": SLT,
            "subject": "s",
            "text": "t",
            "html": "h",
            "message_id": "<1@school.example>",
            "date": WHEN,
        }
        kwargs[field] = value
        with pytest.raises(ValueError):
            build_message(**kwargs)


class TestNewMessageId:
    def test_uses_the_senders_domain(self) -> None:
        """The id ends with the sender's domain."""
        assert new_message_id("alerts@oakfield.sch.uk").endswith("@oakfield.sch.uk>")

    def test_ids_are_unique(self) -> None:
        """Every call gives a fresh id."""
        assert len({new_message_id(SENDER) for _ in range(100)}) == 100

    def test_never_looks_up_the_host_name(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """socket.getfqdn is never called: it can block and leaks the host name."""

        def forbidden(name: str = "") -> str:
            raise AssertionError("getfqdn called")

        monkeypatch.setattr(socket, "getfqdn", forbidden)
        assert new_message_id(SENDER).startswith("<")

    def test_sender_without_domain_is_refused(self) -> None:
        """An address without a domain cannot make an id."""
        with pytest.raises(ValueError, match="domain"):
            new_message_id("monitor")


class TestSend:
    def test_delivers_headers_and_both_parts(self, server: SmtpServer) -> None:
        """The server receives the headers and both bodies as built."""
        refused = Mailer(settings(server.port)).send(message())
        assert refused == {}
        [got] = server.received
        assert got.mail_from == SENDER
        assert got.rcpt_tos == SLT
        msg = got.message
        assert msg["From"] == SENDER
        assert [a.addr_spec for a in msg["To"].addresses] == list(SLT)
        assert msg["Subject"] == "[Oakfield] 1 comment flagged: abuse"
        assert msg["Date"].datetime == WHEN
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        assert text is not None and text.get_content().strip() == "Plain body £"
        assert html is not None and html.get_content().strip() == "<p>HTML body £</p>"

    def test_keeps_the_message_id_given(self, server: SmtpServer) -> None:
        """The Message-ID queued with the message is the one delivered, on every resend."""
        mailer = Mailer(settings(server.port))
        mailer.send(message(message_id="<queued-7@school.example>"))
        mailer.send(message(message_id="<queued-7@school.example>"))
        assert [m["Message-ID"] for m in server.messages] == ["<queued-7@school.example>"] * 2

    def test_logs_in_when_username_is_set(self, server: SmtpServer) -> None:
        """With email.username the mailer logs in, and the server accepts the mail."""
        server.credentials = ("monitor", PASSWORD)
        Mailer(settings(server.port, username="monitor"), SecretStr(PASSWORD)).send(message())
        assert [r.login for r in server.received] == ["monitor"]

    def test_password_is_resolved_from_the_config(
        self, server: SmtpServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without an explicit password, email.password_env is read."""
        server.credentials = ("monitor", PASSWORD)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        config = settings(server.port, username="monitor", password_env="TEST_SMTP_PASSWORD")
        Mailer(config).send(message())
        assert len(server.received) == 1

    def test_username_without_password_is_a_config_error(self) -> None:
        """A login that cannot be made is reported when the mailer is built."""
        with pytest.raises(ConfigError, match=r"email\.password"):
            Mailer(settings(2525, username="monitor"))

    def test_session_sends_several_messages_over_one_connection(self, server: SmtpServer) -> None:
        """A flush through session() greets the server once for all its messages."""
        mailer = Mailer(settings(server.port))
        with mailer.session() as session:
            for n in range(3):
                session.send(message(message_id=f"<{n}@school.example>"))
        assert server.ehlo_count == 1
        assert len(server.messages) == 3

    def test_partial_refusal_returns_the_refused_recipients(self, server: SmtpServer) -> None:
        """When some recipients are accepted the message is sent and the others are returned."""
        server.rcpt_replies = {
            "deputy@school.example": "550 5.1.1 No such user",
        }
        refused = Mailer(settings(server.port)).send(message())
        assert refused == {"deputy@school.example": RecipientRefusal(550, "5.1.1 No such user")}
        assert not refused["deputy@school.example"].temporary
        assert server.received[0].rcpt_tos == ("head@school.example",)

    def test_deferred_recipient_is_marked_temporary(self, server: SmtpServer) -> None:
        """A 4xx for one recipient is returned as a refusal worth retrying."""
        server.rcpt_replies = {"deputy@school.example": "452 4.2.2 Mailbox busy"}
        refused = Mailer(settings(server.port)).send(message())
        assert refused["deputy@school.example"].temporary

    def test_server_back_after_being_down(self, server: SmtpServer) -> None:
        """A send that failed while the server was down succeeds once it is back."""
        mailer = Mailer(settings(server.port))
        server.stop()
        with pytest.raises(DeliveryError):
            mailer.send(message())
        server.start()
        mailer.send(message())
        assert len(server.messages) == 1


def _switch(**replies: Any) -> Callable[[SmtpServer], None]:
    """A setup step that sets failure switches on the server."""

    def apply(server: SmtpServer) -> None:
        for name, value in replies.items():
            setattr(server, name, value)

    return apply


def _stop(server: SmtpServer) -> None:
    server.stop()


# (case, server setup, temporary?, text the admin sees)
FAILURES: list[tuple[str, Callable[[SmtpServer], None], bool, str]] = [
    ("server down", _stop, True, "refused the connection"),
    ("421 to EHLO", _switch(ehlo_reply="421 4.3.2 Shutting down"), True, "421"),
    ("451 to MAIL", _switch(mail_reply="451 4.3.0 Try later"), True, "451"),
    ("550 to MAIL", _switch(mail_reply="550 5.7.1 Sender rejected"), False, "email.sender"),
    ("451 to every RCPT", _switch(rcpt_reply="451 4.7.1 Greylisted"), True, "451"),
    ("550 to every RCPT", _switch(rcpt_reply="550 5.1.1 No such user"), False, "550"),
    (
        "451 and 550 to RCPT",
        _switch(
            rcpt_replies={
                "head@school.example": "451 4.7.1 Greylisted",
                "deputy@school.example": "550 5.1.1 No such user",
            }
        ),
        True,
        "451",
    ),
    ("451 at DATA", _switch(data_reply="451 4.3.0 Queue full"), True, "451"),
    ("554 at DATA", _switch(data_reply="554 5.6.0 Message rejected"), False, "554"),
    ("login refused", _switch(credentials=("monitor", "other")), False, "email.username"),
]


class TestFailureClassification:
    @pytest.mark.parametrize(
        ("setup", "temporary", "text"),
        [case[1:] for case in FAILURES],
        ids=[case[0] for case in FAILURES],
    )
    def test_classifies_server_failures(
        self,
        server: SmtpServer,
        setup: Callable[[SmtpServer], None],
        temporary: bool,
        text: str,
    ) -> None:
        """4xx, refused connections and disconnects are temporary; 5xx are permanent."""
        server.credentials = ("monitor", PASSWORD)
        setup(server)
        mailer = Mailer(settings(server.port, username="monitor"), SecretStr(PASSWORD))
        with pytest.raises(DeliveryError) as caught:
            mailer.send(message())
        assert caught.value.temporary is temporary
        assert text in str(caught.value)
        assert server.messages == []

    def test_421_greeting_is_temporary(self) -> None:
        """A server that greets with 421 (busy) is tried again later."""
        with (
            ReplyServer("421 4.3.2 Too busy, try later") as busy,
            pytest.raises(DeliveryError, match="421") as caught,
        ):
            Mailer(settings(busy.port)).send(message())
        assert caught.value.temporary

    def test_554_greeting_is_permanent(self) -> None:
        """A server that greets with 554 (no service for you) is not retried."""
        with (
            ReplyServer("554 5.7.1 Your address is blocked") as closed,
            pytest.raises(DeliveryError) as caught,
        ):
            Mailer(settings(closed.port)).send(message())
        assert not caught.value.temporary

    def test_timeout_is_temporary(self) -> None:
        """A server that accepts the connection but never answers times out, temporarily."""
        with SilentServer() as silent:
            mailer = Mailer(settings(silent.port, timeout=0.2))
            with pytest.raises(DeliveryError, match=r"email\.timeout") as caught:
                mailer.send(message())
        assert caught.value.temporary

    def test_errors_never_contain_the_password(self, server: SmtpServer) -> None:
        """A refused login names the config keys but never the password."""
        server.credentials = ("monitor", "the-real-one")
        mailer = Mailer(settings(server.port, username="monitor"), SecretStr(PASSWORD))
        with pytest.raises(DeliveryError) as caught:
            mailer.send(message())
        assert PASSWORD not in str(caught.value)
        assert PASSWORD not in repr(caught.value.__cause__)

    def test_starttls_not_offered_is_permanent(self, server: SmtpServer) -> None:
        """security = "starttls" against a server without STARTTLS asks the admin to check it."""
        with pytest.raises(DeliveryError, match=r"email\.security") as caught:
            Mailer(settings(server.port, security="starttls")).send(message())
        assert not caught.value.temporary

    def test_tls_to_a_plain_port_is_permanent(self, server: SmtpServer) -> None:
        """security = "tls" against a plain-text port is a config mistake, not retried."""
        with pytest.raises(DeliveryError, match=r"email\.security") as caught:
            Mailer(settings(server.port, security="tls")).send(message())
        assert not caught.value.temporary


class TestTls:
    @pytest.mark.parametrize(("security", "implicit"), [("starttls", False), ("tls", True)])
    def test_untrusted_certificate_is_refused(
        self, tls_files: tuple[Path, Path], security: str, implicit: bool
    ) -> None:
        """Certificates are verified: a self-signed one fails, permanently."""
        with (
            SmtpServer(tls_context=server_context(tls_files), implicit_tls=implicit) as server,
            pytest.raises(DeliveryError, match="certificate") as caught,
        ):
            Mailer(settings(server.port, security=security)).send(message())
        assert not caught.value.temporary
        assert server.messages == []

    @pytest.mark.parametrize(("security", "implicit"), [("starttls", False), ("tls", True)])
    def test_trusted_certificate_delivers_with_login(
        self,
        tls_files: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch,
        security: str,
        implicit: bool,
    ) -> None:
        """With the certificate trusted, STARTTLS and implicit TLS both log in and deliver."""
        # The default context reads the trust store named by SSL_CERT_FILE.
        monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
        with SmtpServer(
            tls_context=server_context(tls_files),
            implicit_tls=implicit,
            credentials=("monitor", PASSWORD),
        ) as server:
            config = settings(server.port, security=security, username="monitor")
            Mailer(config, SecretStr(PASSWORD)).send(message())
        assert [r.login for r in server.received] == ["monitor"]


class TestThreadId:
    def test_same_item_same_id(self) -> None:
        """Every alert about one item names the same thread id; another item another."""
        a = thread_id(SENDER, "blog", "comment-9")
        assert a == thread_id(SENDER, "blog", "comment-9")
        assert a != thread_id(SENDER, "blog", "comment-10")
        assert a != thread_id(SENDER, "other", "comment-9")

    def test_is_a_message_id_in_the_senders_domain_without_the_platform_id(self) -> None:
        """<item.HASH@domain>: the platform's id does not reach the headers."""
        tid = thread_id(SENDER, "blog", "comment-9")
        assert re.fullmatch(r"<item\.[0-9a-f]{24}@school\.example>", tid)
        assert "comment-9" not in tid
