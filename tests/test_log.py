"""Logging: JSON lines on stderr, secrets never written, library records routed through."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from monitor import log as logsetup


@pytest.fixture(name="stream")
def fixture_stream() -> io.StringIO:
    stream = io.StringIO()
    logsetup.configure(stream=stream, json=True)
    structlog.reset_defaults()  # cache_logger_on_first_use must not keep a previous test's stream
    logsetup.configure(stream=stream, json=True)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


class TestRedaction:
    @pytest.mark.parametrize(
        "text",
        [
            "GET https://graph.facebook.com/v26.0/1/feed?access_token=EAABsecretsecret123&limit=5",
            "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAsecrettoken",
            "token EAAGm0PX4ZCpsBAKZAZBsecretsecretsecret",
            "https://user:pw-1234@host/feed?key=sekrit",
        ],
    )
    def test_secrets_in_text_are_scrubbed(self, text: str) -> None:
        """Credential-shaped text is replaced wherever it appears in a string."""
        scrubbed = logsetup.scrub(text)
        for secret in (
            "secretsecret123",
            "AAAAAAAsecrettoken",
            "secretsecretsecret",
            "sekrit",
            "pw-1234",
        ):
            assert secret not in scrubbed
        assert logsetup.REDACTED in scrubbed

    def test_secret_keys_are_masked(self, stream: io.StringIO) -> None:
        """A value logged under a secret-named key is masked."""
        structlog.get_logger("t").info("login", password="hunter2", bearer_token="abc", user="me")
        (line,) = lines(stream)
        assert line["password"] == line["bearer_token"] == logsetup.REDACTED
        assert line["user"] == "me"

    def test_library_records_are_json_and_scrubbed(self, stream: io.StringIO) -> None:
        """A stdlib record from a library goes through the same processors."""
        logging.getLogger("urllib3.connectionpool").warning(
            "Retrying %s", "https://graph.facebook.com/me?access_token=EAAsecretvalue1234567890xyz"
        )
        (line,) = lines(stream)
        assert line["logger"] == "urllib3.connectionpool"
        assert "EAAsecretvalue" not in json.dumps(line)

    def test_tracebacks_carry_no_locals(self, stream: io.StringIO) -> None:
        """An exception is logged with its traceback but without frame locals (tokens)."""

        def fail(token: str) -> None:
            raise RuntimeError("boom")

        token = "-".join(["tok", "9f8e7d6c5b4a"])  # built at run time: not in the source lines
        try:
            fail(token)
        except RuntimeError:
            structlog.get_logger("t").exception("failed")
        text = stream.getvalue()
        assert "boom" in text and "Traceback" in text
        assert "tok-9f8e7d6c5b4a" not in text

    def test_noisy_libraries_never_debug(self, stream: io.StringIO) -> None:
        """tweepy and urllib3 debug output (it prints credentials) is off even in verbose mode."""
        logsetup.configure(stream=stream, json=True, level=logging.DEBUG)
        assert not logging.getLogger("tweepy").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("urllib3").isEnabledFor(logging.DEBUG)
