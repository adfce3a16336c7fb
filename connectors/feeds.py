"""RSS and Atom feeds: a school blog's posts, its WordPress comments, a YouTube channel.

Strategy:

* **Fetch with requests, parse with feedparser.** feedparser's own fetching has
  no timeout (platform-facts §4), so the body is fetched here with the shared
  timeout session, streamed and cut off past ``http.max_bytes``, and handed to
  ``feedparser.parse`` wrapped in ``io.BytesIO`` (a bare ``str``/``bytes`` is
  tried as a local file path).
* **Conditional GET.** The cursor carries the last ``ETag`` and
  ``Last-Modified``; they are sent back as ``If-None-Match`` and
  ``If-Modified-Since``, and a 304 is a "not modified" result with the same
  cursor. Feeds have no "since" parameter, so every 200 returns the whole
  feed and the store dedupes. A malformed (bozo) answer never moves the
  cursor: its validators may name a feed it did not carry in full (a body
  cut off in transit), and a 304 would then hide the rest for good. An entry
  the document is cut off in is skipped, to be read whole next time, never
  stored (and so deduped) as a fragment.
* **Dedupe by id.** ``platform_id`` is the entry's guid/id, else its link, else
  a sha256 of title + published + body, so an entry keeps its id across polls.
* **Comment feeds.** A WordPress comments feed item (a guid or link with
  ``#comment-N``, or, in a feed titled ``Comments for/on…``, an item titled
  ``Comment on <post> by <author>`` or ``By: <author>``) is a ``COMMENT``
  whose ``parent_id`` is the post's guid/link without the ``#comment-N``
  fragment; everything else is a ``POST``. The title alone is not trusted in
  other feeds: a school post may well be called "Comment on X by Y". ``is_own`` comes from
  the source's ``own_content`` (a blog's posts feed is the school's own words;
  a comments feed is visitors').
* **Errors** are translated at the edge into the ``monitor.errors`` family.
  One malformed entry becomes a warning and never loses the others. Messages
  show the feed URL without its query string, which may hold a token.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import feedparser
import requests

from monitor.config import FeedSource, HttpConfig
from monitor.connector import Capabilities
from monitor.errors import AuthExpired, PermanentError, RateLimited, TemporaryError
from monitor.http import build_session, describe_failure
from monitor.models import Cursor, FetchResult, HideResult, Item, ItemKind, Media, Profile, utcnow

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
_CHUNK = 64 * 1024
_COMMENT_FRAGMENT = "#comment-"
_COMMENT_TITLE = re.compile(r"^(?:Comment on (?P<post>.+) by (?P<author>.+)|By: (?P<by>.+))$", re.S)
#: WordPress's channel titles: "Comments for <site>" and "Comments on: <post>"
_COMMENTS_CHANNEL = re.compile(r"^Comments (?:for|on:?) ")


class FeedConnector:
    """One RSS/Atom feed, fetched with conditional GET and mapped to items.

    Feeds are read-only: nothing can be hidden and there is no profile.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        hide=False, read_private_messages=False, read_profile=False
    )

    def __init__(self, source: FeedSource, http: HttpConfig) -> None:
        self.source = source
        self.http = http
        self._where = f"feed {redact_url(source.url)}"
        self._session = build_session(
            connect_timeout=http.connect_timeout, read_timeout=http.read_timeout
        )

    # -- Connector protocol -------------------------------------------------

    def fetch(self, cursor: Cursor) -> FetchResult:
        """Fetch the feed once and map its entries to items.

        Returns ``not_modified=True`` with the same cursor on HTTP 304; else
        every entry in the feed (the store dedupes) and a cursor holding the
        response's ``ETag``/``Last-Modified``. A malformed feed that still
        yields entries, or an entry that cannot be mapped, adds a warning; a
        malformed feed keeps the old cursor (its validators would turn the
        next poll of the corrected feed into a 304), and an entry it was cut
        off in the middle of is left for the next poll.

        Raises:
            TemporaryError: timeout, connection failure, HTTP 5xx, or 429 without Retry-After.
            RateLimited: HTTP 429 with a ``Retry-After``.
            AuthExpired: HTTP 401/403.
            PermanentError: other 4xx, a body over ``http.max_bytes``, or a
                body that is not a feed.
        """
        fetched_at = utcnow()
        response = self._get(cursor)
        try:
            if response.status_code == 304:
                return FetchResult(items=(), cursor=cursor, not_modified=True)
            self._check_status(response, fetched_at)
            body = self._read_body(response)
            content_type = response.headers.get("Content-Type") or "application/xml"
            final_url = response.url
            new_cursor = Cursor(
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        finally:
            response.close()
        items, warnings, malformed = self._parse(body, content_type, final_url, fetched_at)
        if malformed:
            # Its entries may not be all the feed holds (a body cut off in transit
            # keeps the server's ETag): the next poll must fetch it in full.
            new_cursor = cursor
        return FetchResult(items=items, cursor=new_cursor, warnings=warnings)

    def hide(self, item: Item) -> HideResult:
        """Never possible for a feed.

        Raises:
            PermanentError: always.
        """
        raise PermanentError("feeds cannot be hidden through an API: remove by hand")

    def unhide(self, item: Item) -> HideResult:
        """Never possible for a feed (nothing was ever hidden).

        Raises:
            PermanentError: always.
        """
        raise PermanentError("feeds cannot be hidden or unhidden through an API")

    def read_profile(self) -> Profile | None:
        """Feeds have no profile: always None."""
        return None

    def close(self) -> None:
        """Close the HTTP session's pooled connections."""
        self._session.close()

    # -- HTTP ---------------------------------------------------------------

    def _get(self, cursor: Cursor) -> requests.Response:
        """Send the conditional GET and return the response with its body unread.

        Raises:
            TemporaryError: timeout or connection failure.
            PermanentError: the URL cannot be requested at all.
        """
        headers = {"Accept": _ACCEPT}
        if cursor.etag:
            headers["If-None-Match"] = cursor.etag
        if cursor.last_modified:
            headers["If-Modified-Since"] = cursor.last_modified
        try:
            return self._session.get(self.source.url, headers=headers, stream=True)
        except requests.RequestException as err:
            raise self._translate(err) from err

    def _translate(self, err: requests.RequestException) -> TemporaryError | PermanentError:
        """The project error for a requests exception, with a message free of the query."""
        if isinstance(err, requests.Timeout):
            return TemporaryError(
                f"{self._where}: timed out (connect {self.http.connect_timeout:g}s, "
                f"read {self.http.read_timeout:g}s)"
            )
        reason = scrub(str(err), self.source.url)
        if isinstance(
            err,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema
            | requests.exceptions.InvalidHeader
            | requests.TooManyRedirects,
        ):
            return PermanentError(f"{self._where}: cannot be requested: {reason}")
        return TemporaryError(f"{self._where}: {describe_failure(err)}")

    def _check_status(self, response: requests.Response, now: datetime) -> None:
        """Raise the project error for a non-2xx status; return for 2xx."""
        code = response.status_code
        if 200 <= code < 300:
            return
        if code == 429:
            until = retry_after(response.headers.get("Retry-After"), now)
            message = f"{self._where}: the server asked us to slow down (HTTP 429)"
            if until is not None:
                raise RateLimited(f"{message} until {until:%Y-%m-%d %H:%M:%S} UTC", until)
            raise TemporaryError(message)
        if code >= 500:
            raise TemporaryError(f"{self._where}: the server failed (HTTP {code}); will retry")
        if code in (401, 403):
            raise AuthExpired(
                f"{self._where}: the feed refused access (HTTP {code}): check the URL is public "
                f"and current (sources.{self.source.name}.url)"
            )
        if code in (404, 410):
            raise PermanentError(
                f"{self._where}: no feed at this address (HTTP {code}): check the URL"
            )
        raise PermanentError(f"{self._where}: unexpected answer (HTTP {code})")

    def _read_body(self, response: requests.Response) -> bytes:
        """Read the (decompressed) body, refusing more than ``http.max_bytes``.

        Counting decoded chunks, not Content-Length alone, also stops a gzip bomb.

        Raises:
            PermanentError: the body is larger than the limit.
            TemporaryError: the connection failed while reading.
        """
        limit = self.http.max_bytes
        too_big = PermanentError(
            f"{self._where}: the feed is larger than http.max_bytes ({limit} bytes)"
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        buffer = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                buffer += chunk
                if len(buffer) > limit:
                    raise too_big
        except requests.RequestException as err:
            raise self._translate(err) from err
        return bytes(buffer)

    # -- parsing ------------------------------------------------------------

    def _parse(
        self, body: bytes, content_type: str, url: str, fetched_at: datetime
    ) -> tuple[tuple[Item, ...], tuple[str, ...], bool]:
        """Parse ``body`` and map every entry, each in its own guard; and whether it is malformed.

        Raises:
            PermanentError: no entries and the body is malformed or not a feed.
        """
        stripped = body.lstrip(b" \t\r\n")
        if stripped.startswith(b"<?xml"):
            # Some feeds (YouTube's among them) start with a blank line before
            # the XML declaration, which strict parsers reject; it carries nothing.
            body = stripped
        try:
            parsed = feedparser.parse(
                io.BytesIO(body),
                # The base for relative links; without the query, so a token
                # in it never ends up in resolved URLs or in Item.raw.
                response_headers={
                    "content-type": content_type,
                    "content-location": redact_url(url),
                },
            )
        except Exception as err:  # feedparser reports problems as bozo; this is a backstop
            raise PermanentError(
                f"{self._where}: not a feed: the parser failed ({type(err).__name__})"
            ) from err
        entries: list[Any] = list(parsed.get("entries") or [])
        problem = _bozo_reason(parsed)
        warnings: list[str] = []
        if problem is not None and entries and _cut_off(body, parsed.get("encoding"), entries):
            # The parser stopped inside the last entry: its text or id may be missing,
            # and stored so it would never be read whole. The next poll reads it.
            label = _entry_label(entries.pop(), len(entries) + 1)
            warnings.append(f"{self._where}: skipped entry {label}: the feed is cut off in it")
        if not entries and (problem is not None or not parsed.get("version")):
            raise PermanentError(
                f"{self._where}: not a feed: {problem or 'no RSS or Atom document found'}"
            )
        if problem is not None:
            warnings.append(
                f"{self._where}: the feed is malformed ({problem}); "
                f"read {len(entries)} entries anyway"
            )
        channel = parsed.get("feed")
        channel_title = _str(_get(channel, "title")) if isinstance(channel, Mapping) else None
        comments_feed = bool(_COMMENTS_CHANNEL.match(channel_title or ""))
        items: list[Item] = []
        seen: set[str] = set()
        for index, entry in enumerate(entries, start=1):
            try:
                item = self._item(entry, fetched_at, comments_feed=comments_feed)
            except Exception as err:  # one odd entry must not lose the rest
                label = _entry_label(entry, index)
                reason = scrub(f"{type(err).__name__}: {err}", self.source.url)
                warnings.append(f"{self._where}: skipped entry {label}: {reason}")
                continue
            # A feed that lists the same entry twice would give the store two
            # identical keys in one batch; the first copy is enough.
            if item.platform_id in seen:
                continue
            seen.add(item.platform_id)
            items.append(item)
        return tuple(items), tuple(warnings), problem is not None

    def _item(
        self, entry: Mapping[str, Any], fetched_at: datetime, *, comments_feed: bool = False
    ) -> Item:
        """Map one feedparser entry to an ``Item``.

        ``comments_feed`` says the channel is titled as a WordPress comments
        feed, which lets an item's title alone mark it as a comment.

        Raises:
            Exception: whatever an unexpected entry shape provokes; the caller
                turns it into a warning.
        """
        title = _str(_get(entry, "title"))
        link = _str(_get(entry, "link"))
        guid = _str(_get(entry, "id"))
        body_html, body_is_html = _body(entry)
        text = html_to_text(body_html) if body_is_html else body_html.strip()
        platform_id = (
            guid or link or _content_hash(title, _str(_get(entry, "published")), body_html)
        )
        author_name = _str(_get(entry, "author"))
        author_detail = _get(entry, "author_detail")
        author_id = _str(author_detail.get("href")) if isinstance(author_detail, Mapping) else None

        kind = ItemKind.POST
        parent_id: str | None = None
        title_match = _COMMENT_TITLE.match(title or "") if comments_feed else None
        if title_match or _COMMENT_FRAGMENT in (link or "") or _COMMENT_FRAGMENT in (guid or ""):
            kind = ItemKind.COMMENT
            parent_id = _post_of(guid) or _post_of(link)
            if author_name is None and title_match:
                author_name = (title_match.group("author") or title_match.group("by")).strip()

        return Item(
            source=self.source.name,
            platform_id=platform_id,
            kind=kind,
            text=text,
            created_at=_entry_time(entry) or fetched_at,
            parent_id=parent_id,
            author_id=author_id,
            author_name=author_name,
            is_own=self.source.own_content,
            media=tuple(_media(entry)),
            permalink=link,
            title=title,
            raw=plain(entry),
        )


# -- helpers (pure functions, tested through the connector) -------------------


def redact_url(url: str) -> str:
    """``url`` without its query, fragment and user:password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


_QUERY_IN_TEXT = re.compile(r"\?[^\s'\"()<>]*")


def scrub(text: str, url: str) -> str:
    """One line of ``text`` with query strings (which may hold tokens) removed."""
    query = urlsplit(url).query
    if query:
        text = text.replace(query, "…")
    text = _QUERY_IN_TEXT.sub("?…", text)
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:299] + "…"


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """The UTC time a ``Retry-After`` header (seconds or an HTTP date) points at, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _bozo_reason(parsed: Mapping[str, Any]) -> str | None:
    """A one-line description of why feedparser flagged the document, or None."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    reason = str(exc) if exc is not None else "malformed document"
    if isinstance(exc, Exception) and not reason:
        reason = type(exc).__name__
    return " ".join(reason.split())[:200]


_ROOT_END = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*\Z")
_ENTRY_END = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>")


def _cut_off(body: bytes, encoding: object, entries: Sequence[Any]) -> bool:
    """Whether a malformed document stops inside its last entry: it does not end with its
    root's closing tag, and fewer entries are closed than the parser read."""
    try:
        text = body.decode(encoding if isinstance(encoding, str) else "utf-8", errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return not _ROOT_END.search(text) and len(_ENTRY_END.findall(text)) < len(entries)


def _get(entry: Mapping[str, Any], key: str) -> Any:
    """``entry[key]`` without feedparser's deprecated key fallbacks."""
    if isinstance(entry, dict):
        return dict.get(entry, key)
    return entry.get(key)


def _str(value: object) -> str | None:
    """A non-empty stripped string, or None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _body(entry: Mapping[str, Any]) -> tuple[str, bool]:
    """The entry's text and whether it is HTML.

    Order: ``content:encoded``/Atom content (the full text), then the summary
    (RSS description, or a YouTube video's ``media:description``, which
    feedparser files as the summary).
    """
    contents = _get(entry, "content")
    if isinstance(contents, list):
        for content in contents:
            if isinstance(content, Mapping) and _str(content.get("value")):
                return str(content["value"]), _is_html(content.get("type"))
    summary = _get(entry, "summary")
    if isinstance(summary, str) and summary.strip():
        detail = _get(entry, "summary_detail")
        kind = detail.get("type") if isinstance(detail, Mapping) else None
        return summary, _is_html(kind)
    return "", False


def _is_html(content_type: object) -> bool:
    """Whether a feedparser content type needs tags stripped (unknown counts as HTML)."""
    return content_type != "text/plain"


def _content_hash(title: str | None, published: str | None, body: str) -> str:
    """A stable id for an entry with neither guid nor link."""
    digest = hashlib.sha256("\x1f".join((title or "", published or "", body)).encode("utf-8"))
    return f"sha256:{digest.hexdigest()}"


def _post_of(url: str | None) -> str | None:
    """The post a comment URL/guid belongs to: everything before ``#comment-N``."""
    if url and _COMMENT_FRAGMENT in url:
        return url.split(_COMMENT_FRAGMENT, 1)[0] or None
    return None


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    """Published (else updated) time as aware UTC; feedparser's tuples are already UTC."""
    for key in ("published_parsed", "updated_parsed"):
        value = _get(entry, key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _media(entry: Mapping[str, Any]) -> Iterable[Media]:
    """Enclosures, then ``media:content``, then ``media:thumbnail``, each URL once."""
    found: dict[str, Media] = {}

    def add(url: object, kind: object) -> None:
        if isinstance(url, str) and url.strip() and url not in found:
            found[url] = Media(url=url, type=kind if isinstance(kind, str) else "")

    for link in _get(entry, "links") or []:
        if isinstance(link, Mapping) and link.get("rel") == "enclosure":
            add(link.get("href"), link.get("type"))
    for media in _get(entry, "media_content") or []:
        if isinstance(media, Mapping):
            add(media.get("url"), media.get("type") or media.get("medium"))
    for thumb in _get(entry, "media_thumbnail") or []:
        if isinstance(thumb, Mapping):
            add(thumb.get("url"), "image")
    return found.values()


def _entry_label(entry: object, index: int) -> str:
    """How a warning names an entry: its position and, where readable, its id or title."""
    name = None
    if isinstance(entry, Mapping):
        name = _str(_get(entry, "id")) or _str(_get(entry, "title"))
    label = f"#{index}"
    if name:
        label += f" ({name[:80]})"
    return label


def plain(value: object) -> Any:
    """``value`` as plain JSON types, for ``Item.raw``.

    ``*_parsed`` time tuples are dropped (the string forms stay beside them),
    and ``base`` keys, which feedparser copies from the URL we fetched (query
    and all), are dropped too. Anything else unusual becomes its ``str``.
    """
    if isinstance(value, Mapping):
        return {
            str(k): plain(v)
            for k, v in value.items()
            if not str(k).endswith("_parsed") and k != "base"
        }
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- HTML to text ---------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, a newline per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and <hr/> break lines; a self-closed <script/> has no content to skip.
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags gone, entities unescaped, one line per block.

    Script and style contents are dropped; runs of spaces collapse; blank
    lines are removed, so paragraphs come out one per line.
    """
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    lines = ("".join(parser.parts)).split("\n")
    # \xa0 (&nbsp;) is whitespace to str.split, so it collapses like a space.
    return "\n".join(joined for line in lines if (joined := " ".join(line.split())))


__all__ = ["FeedConnector", "html_to_text", "plain", "redact_url", "retry_after", "scrub"]
