"""A real HTTP server on 127.0.0.1 that serves canned feeds, for tests and the demo.

Nothing here imports pytest. Use it as a context manager::

    with FeedServer() as server:
        url = server.set_response("/comments/feed/", wordpress_comments_feed(comments))
        ...

Each path gets a ``FeedResponse``: body, status, content type, extra headers,
``ETag``/``Last-Modified`` validators (a matching conditional GET gets a 304),
an optional delay before answering, or a connection reset instead of an
answer. Unknown paths get a 404. Every request is recorded so tests can check
the headers a client sent.

``wordpress_comments_feed`` builds a WordPress site-wide comments RSS feed
shaped like ``wp-includes/feed-rss2-comments.php`` output.
"""

from __future__ import annotations

import html
import re
import socket
import struct
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from monitor.sandbox.loopback import LoopbackHTTPServer, LoopbackServer

RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"
_CHUNK = 4096


@dataclass(frozen=True, kw_only=True)
class FeedResponse:
    """What the server answers on one path.

    ``etag``/``last_modified`` are sent as headers and honoured for
    ``If-None-Match``/``If-Modified-Since`` (304, no body). ``delay`` seconds
    pass before the answer starts. ``reset`` closes the connection with a TCP
    RST instead of answering. ``chunked`` sends the body with
    ``Transfer-Encoding: chunked`` and no ``Content-Length``, as many servers do.
    """

    body: bytes = b""
    status: int = 200
    content_type: str = RSS
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    reset: bool = False
    chunked: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]


class FeedServer(LoopbackServer):
    """A threaded HTTP server on ``host`` (port 0 picks a free port).

    Thread-safe: responses may be changed while a client is connected.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self._lock = threading.Lock()
        self._responses: dict[str, FeedResponse] = {}
        self._requests: list[RecordedRequest] = []

    # -- addressing -------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (which may carry a query string)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- responses --------------------------------------------------------------

    def set_response(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = RSS,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        reset: bool = False,
        chunked: bool = False,
    ) -> str:
        """Serve this on ``path`` from now on and return its URL.

        ``path`` matches the request path exactly, query included; failing
        that, the path without its query.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = FeedResponse(
            body=data,
            status=status,
            content_type=content_type,
            headers=dict(headers or {}),
            etag=etag,
            last_modified=last_modified,
            delay=delay,
            reset=reset,
            chunked=chunked,
        )
        with self._lock:
            self._responses[path] = response
        return self.url(path)

    def set_file(self, path: str, file: Path, **options: Any) -> str:
        """Serve the bytes of ``file`` on ``path`` (options as ``set_response``); return the URL."""
        return self.set_response(path, file.read_bytes(), **options)

    def response_for(self, path: str) -> FeedResponse | None:
        """The response configured for a request path, or None (a 404)."""
        with self._lock:
            found = self._responses.get(path)
            if found is None:
                found = self._responses.get(urlsplit(path).path)
            return found

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """The requests received so far, optionally only those for ``path``."""
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer
    #: an idle keep-alive connection is dropped after this many seconds
    timeout = 5

    def _owner(self) -> FeedServer:
        owner: FeedServer = self.server.owner
        return owner

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        owner = self._owner()
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner._record(RecordedRequest(method=self.command, path=self.path, headers=headers))
        response = owner.response_for(self.path)
        if response is None:
            response = FeedResponse(body=b"not found", status=404, content_type="text/plain")
        if response.delay:
            owner._wait(response.delay)
        if response.reset:
            self._reset()
            return
        if _not_modified(response, headers):
            self.send_response(304)
            self._validators(response)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(response.body)))
        self._validators(response)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not send_body:
            return
        if response.chunked:
            body = response.body
            for start in range(0, len(body), _CHUNK):
                piece = body[start : start + _CHUNK]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(response.body)

    def _validators(self, response: FeedResponse) -> None:
        if response.etag is not None:
            self.send_header("ETag", response.etag)
        if response.last_modified is not None:
            self.send_header("Last-Modified", response.last_modified)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST, not FIN: the
        # client sees "connection reset by peer", as behind a failing proxy.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _not_modified(response: FeedResponse, headers: Mapping[str, str]) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if response.status != 200:
        return False
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if response.etag is None:
            return False
        tags = {_weak(t) for t in if_none_match.split(",")}
        return "*" in tags or _weak(response.etag) in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is not None and response.last_modified is not None:
        try:
            return parsedate_to_datetime(response.last_modified) <= parsedate_to_datetime(
                if_modified_since
            )
        except (TypeError, ValueError):
            return False
    return False


def _weak(tag: str) -> str:
    """An entity tag for weak comparison (``W/"x"`` equals ``"x"``)."""
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


# -- a WordPress comments feed ---------------------------------------------------------


class FeedComment(NamedTuple):
    """One visitor comment; a plain 6-tuple in this order works as well.

    ``text`` is the comment body as WordPress would output it, inserted
    verbatim into ``content:encoded`` (so tests may include markup); blank
    lines separate paragraphs.
    """

    author: str
    text: str
    post_title: str
    post_id: int
    comment_id: int
    at: datetime


def wordpress_comments_feed(
    comments: Iterable[tuple[str, str, str, int, int, datetime]],
    *,
    site: str = "Example Primary School",
    base_url: str = "https://www.example-school.sch.uk",
    description: str = "Learning together",
) -> bytes:
    """A site-wide WordPress comments RSS 2.0 feed (``/comments/feed/``) as UTF-8 bytes.

    Shaped like ``wp-includes/feed-rss2-comments.php``: channel ``Comments for
    <site>``; items ``Comment on <post> by <author>`` with link
    ``<post permalink>#comment-N``, ``dc:creator``, ``pubDate``,
    ``guid isPermaLink="false"`` = ``<base>/?p=<post id>#comment-N``, and
    ``description`` / ``content:encoded`` in CDATA. Items are newest first, as
    WordPress lists them. Naive datetimes are taken as UTC.
    """
    base = base_url.rstrip("/")
    rows = sorted((FeedComment(*c) for c in comments), key=lambda c: _utc(c.at), reverse=True)
    built = _rfc822(_utc(rows[0].at)) if rows else _rfc822(datetime.now(UTC))
    items = "".join(_comment_item(c, base) for c in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        "\t\n\t>\n"
        "<channel>\n"
        f"\t<title>Comments for {_x(site)}</title>\n"
        f'\t<atom:link href="{_x(base)}/comments/feed/" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{_x(base)}</link>\n"
        f"\t<description>{_x(description)}</description>\n"
        f"\t<lastBuildDate>{built}</lastBuildDate>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.4.2</generator>\n"
        f"{items}"
        "</channel>\n"
        "</rss>\n"
    ).encode()


def _comment_item(comment: FeedComment, base: str) -> str:
    permalink = f"{base}/{_slug(comment.post_title)}/"
    anchor = f"#comment-{comment.comment_id}"
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", comment.text) if p.strip()]
    encoded = "\n".join(f"<p>{p}</p>" for p in paragraphs) + "\n"
    return (
        "\t<item>\n"
        f"\t\t<title>Comment on {_x(comment.post_title)} by {_x(comment.author)}</title>\n"
        f"\t\t<link>{_x(permalink + anchor)}</link>\n"
        f"\t\t<dc:creator>{_cdata(comment.author)}</dc:creator>\n"
        f"\t\t<pubDate>{_rfc822(_utc(comment.at))}</pubDate>\n"
        f'\t\t<guid isPermaLink="false">{_x(base)}/?p={comment.post_id}{anchor}</guid>\n'
        f"\t\t<description>{_cdata(html.escape(comment.text, quote=False))}</description>\n"
        f"\t\t<content:encoded>{_cdata(encoded)}</content:encoded>\n"
        "\t</item>\n"
    )


def _x(text: str) -> str:
    return html.escape(text, quote=True)


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: close and reopen around it.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "post"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc822(moment: datetime) -> str:
    """``Wed, 02 Nov 2011 17:25:27 +0000``, as WordPress writes pubDate."""
    return format_datetime(moment)


__all__ = [
    "ATOM",
    "RSS",
    "FeedComment",
    "FeedResponse",
    "FeedServer",
    "RecordedRequest",
    "wordpress_comments_feed",
]


# The handler is defined after the server class it serves.
FeedServer.handler_class = _Handler
