"""One way to build a ``requests.Session``: default timeouts and an honest User-Agent.

``requests`` has no default timeout, so one forgotten ``timeout=`` hangs a poll
forever. Every connector therefore gets its session from ``build_session``,
whose ``TimeoutAdapter`` fills in ``(connect, read)`` whenever the caller gave
none. The adapter can also rewrite a base URL (``https://api.twitter.com`` ->
a configured ``api_url``) so a library that hard-codes its host can be pointed
at a proxy or a local fake.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

import requests
from requests.adapters import HTTPAdapter

PROJECT = "school-social-monitor"
PROJECT_URL = "https://github.com/school-social-monitor"


@functools.cache  # reading package metadata costs ~1 ms, and every poll builds a session
def project_version() -> str:
    """The installed version of this project, or ``"dev"`` when run from a source tree."""
    try:
        return version(PROJECT)
    except PackageNotFoundError:
        return "dev"


def user_agent() -> str:
    """The User-Agent every request sends, so a site's admin can see who is calling."""
    return f"{PROJECT}/{project_version()} (+{PROJECT_URL})"


class TimeoutAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that applies a default ``(connect, read)`` timeout.

    A timeout passed by the caller wins. When ``rewrite_from`` and
    ``rewrite_to`` are given, a request whose URL starts with ``rewrite_from``
    (at a ``/``, ``?`` or end boundary, so ``https://api.x.com.evil`` is not
    matched) is sent to ``rewrite_to`` instead. Mount the adapter on the
    ``rewrite_from`` prefix for the rewrite to be reached.

    Raises:
        ValueError: only one of ``rewrite_from``/``rewrite_to`` is given.
    """

    def __init__(
        self,
        connect: float,
        read: float,
        rewrite_from: str | None = None,
        rewrite_to: str | None = None,
    ) -> None:
        if (rewrite_from is None) != (rewrite_to is None):
            raise ValueError("give both rewrite_from and rewrite_to, or neither")
        super().__init__()
        self.connect_timeout = connect
        self.read_timeout = read
        self.rewrite_from = rewrite_from.rstrip("/") if rewrite_from else None
        self.rewrite_to = rewrite_to.rstrip("/") if rewrite_to else None

    def rewrite(self, url: str) -> str:
        """``url`` with its ``rewrite_from`` prefix replaced, or unchanged."""
        if self.rewrite_from is None or self.rewrite_to is None:
            return url
        rest = url[len(self.rewrite_from) :]
        if url.startswith(self.rewrite_from) and (rest == "" or rest[0] in "/?#"):
            return self.rewrite_to + rest
        return url

    def send(  # noqa: PLR0917 - the signature is HTTPAdapter.send's
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send ``request`` with the default timeout unless one was given."""
        if timeout is None:
            timeout = (self.connect_timeout, self.read_timeout)
        if request.url is not None:
            target = self.rewrite(request.url)
            if target != request.url:
                # Copy so the caller's prepared request (and its history) keeps
                # the URL it asked for.
                request = request.copy()
                request.url = target
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


def build_session(
    *,
    connect_timeout: float,
    read_timeout: float,
    rewrite_from: str | None = None,
    rewrite_to: str | None = None,
) -> requests.Session:
    """A session whose every request has a timeout and the project's User-Agent.

    The timeout adapter is mounted for ``http://`` and ``https://``; with a
    rewrite it is also mounted on ``rewrite_from`` (a longer prefix wins in
    ``requests``), so only that host is redirected.

    Raises:
        ValueError: only one of ``rewrite_from``/``rewrite_to`` is given.
    """
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    plain = TimeoutAdapter(connect_timeout, read_timeout)
    session.mount("http://", plain)
    session.mount("https://", plain)
    if rewrite_from is not None or rewrite_to is not None:
        rewriting = TimeoutAdapter(connect_timeout, read_timeout, rewrite_from, rewrite_to)
        session.mount(rewriting.rewrite_from or "", rewriting)
    return session


def describe_failure(err: requests.RequestException) -> str:
    """What went wrong with a request, in plain words for ``status`` and the admin's email.

    requests wraps urllib3 and http.client errors in tuples whose repr
    (``('Connection aborted.', ConnectionResetError(104, ...))``) means
    nothing to a school's IT admin; this names the failure instead.
    """
    causes: list[BaseException] = []
    seen: BaseException | None = err
    while seen is not None and len(causes) < 10:
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = " ".join(str(c) for c in causes)
    if isinstance(err, requests.Timeout):
        return "the server did not answer in time (timed out)"
    if isinstance(err, requests.exceptions.JSONDecodeError):
        return "the answer was not readable JSON (malformed or cut short)"
    if isinstance(err, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return "the answer was cut off part-way (the connection broke while it was read)"
    if "reset by peer" in text or "ConnectionResetError" in text:
        return "connection failed: the server reset the connection"
    if "RemoteDisconnected" in text or "without response" in text:
        return "connection failed: the server closed it without answering (reset)"
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection failed: refused (is the server up?)"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "connection failed: the server's name could not be resolved (DNS)"
    if isinstance(err, requests.ConnectionError):
        return "the connection failed"
    return f"the request failed ({type(err).__name__})"


__all__ = [
    "TimeoutAdapter",
    "build_session",
    "describe_failure",
    "project_version",
    "user_agent",
]
