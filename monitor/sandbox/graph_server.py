"""A fake Graph API on 127.0.0.1 serving Facebook Pages and Instagram accounts.

For tests and the demo; nothing here imports pytest. It answers the way the
real Graph API does in ``../shared/fixtures/graph-api`` and ``instagram``, so
the real facebook-sdk client can be pointed at it:

* ``GET /{version}/{page-id}``, ``/{page-id}/feed`` (newest first, ``since``/
  ``until``), ``/{post-id}/comments`` and ``/{comment-id}/comments``
  (``filter=toplevel|stream``, ``order``, ``since``; a reply carries
  ``parent``), and the field expansion ``comments.filter(..).order(..).limit(n)
  .summary(true){...}`` inside ``fields``;
* ``GET /{ig-user-id}``, ``/{ig-user-id}/media`` (newest first, ``children``
  expansion), ``/{ig-media-id}/comments`` (newest first, ``replies``
  expansion) and ``/{ig-comment-id}/replies``;
* ``POST /{comment-id}`` with ``is_hidden=true|false`` and
  ``POST /{ig-comment-id}`` with ``hide=true|false`` (``{"success": true}``);
* cursor paging: ``paging.cursors`` and a ``next`` URL on
  ``https://graph.facebook.com`` that repeats every argument, the
  ``access_token`` included (facebook-sdk's ``get_all_connections`` needs it);
* a field that does not exist is error 100, as on the real API, so a typo in
  a connector's ``fields`` fails here rather than in production;
* error bodies with HTTP 400 and ``application/json``; an unknown token is
  error 190/463 with a ``WWW-Authenticate`` header.

Tests inject trouble with ``fail(...)``: ``graph_error`` (any code, optional
usage headers), ``rate_limit_error`` (``X-Business-Use-Case-Usage`` with
``estimated_time_to_regain_access``), ``server_error`` (an HTML 5xx), a body
without ``Content-Type``, or a ``delay``. ``usage`` headers can be sent on every
answer. Every request is recorded with its query and form arguments.

``demo_graph_data(now)`` gives a school's Page and Instagram account with
realistic comments for ``social-monitor demo``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from monitor.sandbox.loopback import LoopbackHTTPServer, LoopbackServer

GRAPH_JSON = "application/json; charset=UTF-8"
PUBLIC_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_TOKEN = "sandbox-page-token"  # noqa: S105 - the sandbox's token, not a secret
_VERSION = re.compile(r"^v\d+\.\d+$")
_DEFAULT_LIMIT = 25
_MAX_LIMIT = 100


# -- the data it serves ------------------------------------------------------------------


@dataclass(kw_only=True)
class Comment:
    """A Facebook comment, or a reply when ``parent_id`` names a comment."""

    id: str
    message: str
    created_time: datetime
    from_id: str
    from_name: str
    parent_id: str | None = None
    is_hidden: bool = False
    attachment: dict[str, Any] | None = None


@dataclass(kw_only=True)
class Post:
    """A post on a Page's feed: by the Page, or by a visitor when ``from_id`` differs."""

    id: str
    message: str
    created_time: datetime
    from_id: str
    from_name: str
    updated_time: datetime | None = None
    story: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


@dataclass(kw_only=True)
class Page:
    """A Facebook Page with its About fields and feed."""

    id: str
    name: str
    about: str = ""
    description: str = ""
    website: str = ""
    username: str = ""
    posts: list[Post] = field(default_factory=list)

    @property
    def link(self) -> str:
        """The Page's address on facebook.com."""
        return f"https://www.facebook.com/{self.username or self.id}/"


@dataclass(kw_only=True)
class IgComment:
    """An Instagram comment; a reply when ``parent_id`` is set."""

    id: str
    text: str
    timestamp: datetime
    username: str
    user_id: str
    parent_id: str | None = None
    hidden: bool = False
    replies: list[IgComment] = field(default_factory=list)


@dataclass(kw_only=True)
class IgMedia:
    """An Instagram media item; ``children`` are a carousel's parts (Graph-shaped dicts)."""

    id: str
    caption: str
    media_type: str
    media_url: str
    permalink: str
    timestamp: datetime
    children: list[dict[str, Any]] = field(default_factory=list)
    comments: list[IgComment] = field(default_factory=list)


@dataclass(kw_only=True)
class IgAccount:
    """An Instagram professional account."""

    id: str
    username: str
    name: str
    biography: str = ""
    website: str = ""
    media: list[IgMedia] = field(default_factory=list)


@dataclass(kw_only=True)
class GraphData:
    """Everything the server serves."""

    pages: list[Page] = field(default_factory=list)
    instagram: list[IgAccount] = field(default_factory=list)


# -- injected trouble ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Failure:
    """An answer given instead of the real one.

    ``content_type=None`` sends no ``Content-Type`` header at all. ``match``
    limits it to request paths containing that text ("" matches all), and
    ``method`` to requests of that method (``"POST"``: only hides; "" any).
    ``delay`` seconds pass before it is sent.
    """

    status: int = 400
    body: bytes = b""
    content_type: str | None = GRAPH_JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    match: str = ""
    method: str = ""


def graph_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    status: int = 400,
    error_type: str = "OAuthException",
    headers: Mapping[str, str] | None = None,
    match: str = "",
    is_transient: bool | None = None,
    method: str = "",
) -> Failure:
    """A Graph error body ``{"error": {...}}`` as the API sends it (HTTP 400 by default)."""
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    error["fbtrace_id"] = "AQt_hJ68vFybS4TnupatNtX"
    all_headers = dict(headers or {})
    if code == 190:
        all_headers.setdefault(
            "WWW-Authenticate", f'OAuth "Facebook Platform" "invalid_token" "{message}"'
        )
    return Failure(
        status=status,
        body=json.dumps({"error": error}).encode(),
        headers=all_headers,
        match=match,
        method=method,
    )


def expired_token_error(match: str = "") -> Failure:
    """Error 190/463: the token's session has expired."""
    return graph_error(
        190,
        "Error validating access token: Session has expired on Tuesday, 01-Sep-26 "
        "10:00:00 PDT. The current time is Wednesday, 02-Sep-26 09:00:00 PDT.",
        subcode=463,
        match=match,
    )


_RATE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


def usage_header(business_id: str, regain_minutes: int, *, call_count: int = 100) -> str:
    """An ``X-Business-Use-Case-Usage`` value for one Page (type ``pages``)."""
    return json.dumps(
        {
            business_id: [
                {
                    "type": "pages",
                    "call_count": call_count,
                    "total_cputime": 12,
                    "total_time": 15,
                    "estimated_time_to_regain_access": regain_minutes,
                }
            ]
        },
        separators=(",", ":"),
    )


def rate_limit_error(
    code: int = 80001,
    regain_minutes: int | None = None,
    *,
    business_id: str = "1000000001",
    match: str = "",
) -> Failure:
    """A throttle: error ``code`` and, unless ``regain_minutes`` is None, a BUC usage header."""
    headers = {"X-App-Usage": '{"call_count":100,"total_cputime":20,"total_time":25}'}
    if regain_minutes is not None:
        headers["X-Business-Use-Case-Usage"] = usage_header(business_id, regain_minutes)
    message = _RATE_MESSAGES.get(code, f"(#{code}) Rate limit reached")
    return graph_error(code, message, headers=headers, match=match)


def server_error(status: int = 502, match: str = "") -> Failure:
    """An HTML error page from a proxy or the edge, as a real 5xx often is."""
    body = f"<html><body><h1>{status} Server Error</h1></body></html>".encode()
    return Failure(status=status, body=body, content_type="text/html; charset=utf-8", match=match)


# -- requests seen --------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphRequest:
    """One request the server received: ``path`` without the query; args decoded."""

    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]

    @property
    def args(self) -> dict[str, str]:
        """Query and form arguments together."""
        return {**self.query, **self.form}


class _Fail(Exception):
    """Raised inside a handler to answer with a Graph error."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.status)
        self.failure = failure


def _unsupported(method: str, object_id: str) -> _Fail:
    return _Fail(
        graph_error(
            100,
            f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation.",
            subcode=33,
            error_type="GraphMethodException",
        )
    )


# -- the server -----------------------------------------------------------------------------


class GraphServer(LoopbackServer):
    """A threaded fake Graph API on ``host`` (port 0 picks a free port).

    Thread-safe: data, tokens and failures may change while clients call.
    """

    def __init__(
        self,
        data: GraphData | None = None,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.data = data or GraphData()
        self.tokens: set[str] = set(tokens)
        #: headers sent with every answer (e.g. ``X-App-Usage``)
        self.usage: dict[str, str] = {}
        #: seconds to wait before every answer
        self.delay = 0.0
        super().__init__(host=host, port=port)
        self._lock = threading.RLock()
        self._failures: list[tuple[Failure, int | None]] = []
        self._requests: list[GraphRequest] = []
        self._ids = 9_000_000_000

    # -- trouble and inspection -----------------------------------------------------------

    def fail(self, failure: Failure, times: int | None = 1) -> None:
        """Answer the next ``times`` matching requests with ``failure`` (None: until cleared)."""
        with self._lock:
            self._failures.append((failure, times))

    def clear_failures(self) -> None:
        """Answer normally again."""
        with self._lock:
            self._failures.clear()

    def requests(self, contains: str | None = None) -> list[GraphRequest]:
        """Requests received so far, optionally only those whose path contains ``contains``."""
        with self._lock:
            return [r for r in self._requests if contains is None or contains in r.path]

    def find(self, object_id: str) -> Page | Post | Comment | IgAccount | IgMedia | IgComment:
        """The object with ``object_id``.

        Raises:
            KeyError: there is none.
        """
        with self._lock:
            for obj in self._objects():
                if obj.id == object_id:
                    return obj
        raise KeyError(object_id)

    def _objects(self) -> Iterable[Page | Post | Comment | IgAccount | IgMedia | IgComment]:
        for page in self.data.pages:
            yield page
            for post in page.posts:
                yield post
                yield from post.comments
        for account in self.data.instagram:
            yield account
            for media in account.media:
                yield media
                for comment in media.comments:
                    yield comment
                    yield from comment.replies

    # -- changing the data while it runs --------------------------------------------------

    def add_comment(
        self,
        post_id: str,
        message: str,
        *,
        at: datetime,
        author: tuple[str, str] = ("Sam Parent", "3000000001"),
        parent_id: str | None = None,
    ) -> Comment:
        """Add a comment (or a reply to ``parent_id``) on a Facebook post; return it.

        Like the real Page Post, the post's ``updated_time`` moves to the
        comment's time.

        Raises:
            KeyError: no such post.
        """
        with self._lock:
            post = self.find(post_id)
            if not isinstance(post, Post):
                raise KeyError(post_id)
            self._ids += 1
            comment = Comment(
                id=f"{post_id.rsplit('_', 1)[-1]}_{self._ids}",
                message=message,
                created_time=at,
                from_name=author[0],
                from_id=author[1],
                parent_id=parent_id,
            )
            post.comments.append(comment)
            post.updated_time = max(post.updated_time or post.created_time, at)
            return comment

    def add_ig_comment(
        self,
        media_id: str,
        text: str,
        *,
        at: datetime,
        username: str = "a_parent",
        user_id: str = "17841400000009999",
        parent_id: str | None = None,
    ) -> IgComment:
        """Add an Instagram comment (or a reply to ``parent_id``) on a media item; return it.

        Raises:
            KeyError: no such media or parent comment.
        """
        with self._lock:
            media = self.find(media_id)
            if not isinstance(media, IgMedia):
                raise KeyError(media_id)
            self._ids += 1
            comment = IgComment(
                id=str(17_900_000_000_000_000 + self._ids),
                text=text,
                timestamp=at,
                username=username,
                user_id=user_id,
                parent_id=parent_id,
            )
            if parent_id is None:
                media.comments.append(comment)
            else:
                parent = next((c for c in media.comments if c.id == parent_id), None)
                if parent is None:
                    raise KeyError(parent_id)
                parent.replies.append(comment)
            return comment

    # -- answering ------------------------------------------------------------------------

    def _record(self, request: GraphRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _injected(self, path: str, method: str = "GET") -> Failure | None:
        with self._lock:
            for index, (failure, times) in enumerate(self._failures):
                if failure.match and failure.match not in path:
                    continue
                if failure.method and failure.method != method:
                    continue
                if times is not None:
                    if times <= 1:
                        del self._failures[index]
                    else:
                        self._failures[index] = (failure, times - 1)
                return failure
        return None

    def answer(self, request: GraphRequest) -> dict[str, Any]:
        """The JSON answer to one authorised request.

        Raises:
            _Fail: the request fails as the Graph API would fail it.
        """
        parts = [p for p in request.path.split("/") if p]
        if parts and _VERSION.match(parts[0]):
            parts = parts[1:]
        if not parts or len(parts) > 2:
            raise _unsupported(request.method, "/".join(parts))
        with self._lock:
            try:
                node = self.find(parts[0])
            except KeyError:
                raise _unsupported(request.method, parts[0]) from None
            view = _View(self, request)
            if request.method == "POST":
                if len(parts) != 1:
                    raise _unsupported("post", "/".join(parts))
                return view.update(node)
            if len(parts) == 1:
                return view.node(node, default=_DEFAULT_FIELDS[type(node)])
            return view.edge(node, parts[1])


class _View:
    """Renders one request's answer from the data (called with the server's lock held)."""

    def __init__(self, server: GraphServer, request: GraphRequest) -> None:
        self.server = server
        self.request = request
        self.args = request.args

    # -- nodes ----------------------------------------------------------------------------

    def node(self, obj: object, *, default: str, fields: str | None = None) -> dict[str, Any]:
        spec = parse_fields(fields if fields is not None else self.args.get("fields", default))
        rendered: dict[str, Any] = {}
        for name, modifiers, sub in spec:
            value = self._field(obj, name, modifiers, sub)
            if value is not None and value != "":
                rendered[name] = value
        return rendered

    def _field(self, obj: object, name: str, modifiers: Mapping[str, str], sub: str | None) -> Any:
        if isinstance(obj, dict):  # a carousel child, served as given
            return obj.get(name)
        getter = _FIELDS[type(obj)].get(name)
        if getter is None:
            raise _Fail(
                graph_error(
                    100,
                    f"(#100) Tried accessing nonexisting field ({name}) on node type "
                    f"({_NODE_TYPES[type(obj)]})",
                )
            )
        if name in _EXPANDABLE:
            items = self._children(obj, name, modifiers)
            rendered = [
                self.node(i, default="", fields=sub or _DEFAULT_FIELDS[type(i)]) for i in items
            ]
            limit = _limit(modifiers.get("limit"))
            body: dict[str, Any] = {"data": rendered[:limit]}
            if len(rendered) > limit:
                body["paging"] = {"cursors": {"before": _cursor(0), "after": _cursor(limit)}}
            if modifiers.get("summary") in {"true", "1"}:
                body["summary"] = {
                    "order": modifiers.get("order", "chronological"),
                    "total_count": len(rendered),
                    "can_comment": True,
                }
            return body if rendered or "summary" in body else None
        value = getter(self, obj)
        if isinstance(value, dict) and sub:
            wanted = {n for n, _, _ in parse_fields(sub)}
            if isinstance(value.get("data"), list):  # an edge such as attachments{...}
                return {
                    "data": [{k: v for k, v in e.items() if k in wanted} for e in value["data"]]
                }
            value = {k: v for k, v in value.items() if k in wanted}
        return value

    def _children(self, obj: object, name: str, modifiers: Mapping[str, str]) -> list[Any]:
        if isinstance(obj, Post | Comment) and name == "comments":
            return self._fb_comments(obj, modifiers)
        if isinstance(obj, IgMedia) and name == "comments":
            return sorted(obj.comments, key=lambda c: c.timestamp, reverse=True)
        if isinstance(obj, IgComment) and name == "replies":
            return sorted(obj.replies, key=lambda c: c.timestamp)
        if isinstance(obj, IgMedia) and name == "children":
            return list(obj.children)
        raise _unsupported("get", name)

    def _fb_comments(self, obj: Post | Comment, modifiers: Mapping[str, str]) -> list[Comment]:
        if isinstance(obj, Post):
            everything = obj.comments
            top = [c for c in everything if c.parent_id is None]
        else:
            post = self._post_of(obj)
            everything = [c for c in post.comments if c.parent_id == obj.id]
            top = everything
        chosen = everything if modifiers.get("filter") == "stream" else top
        since = _when(modifiers.get("since"))
        if since is not None:
            chosen = [c for c in chosen if c.created_time >= since]
        reverse = modifiers.get("order") == "reverse_chronological"
        return sorted(chosen, key=lambda c: (c.created_time, c.id), reverse=reverse)

    def _post_of(self, comment: Comment) -> Post:
        for page in self.server.data.pages:
            for post in page.posts:
                if comment in post.comments:
                    return post
        raise _unsupported("get", comment.id)

    def _page_of(self, post: Post) -> Page:
        for page in self.server.data.pages:
            if post in page.posts:
                return page
        raise _unsupported("get", post.id)

    def _account_of(self, media: IgMedia) -> IgAccount:
        for account in self.server.data.instagram:
            if media in account.media:
                return account
        raise _unsupported("get", media.id)

    # -- edges ----------------------------------------------------------------------------

    def edge(self, obj: object, name: str) -> dict[str, Any]:
        items: list[Any]
        if isinstance(obj, Page) and name == "feed":
            items = sorted(obj.posts, key=lambda p: p.created_time, reverse=True)
            since, until = _when(self.args.get("since")), _when(self.args.get("until"))
            items = [
                p
                for p in items
                if (since is None or p.created_time >= since)
                and (until is None or p.created_time <= until)
            ]
        elif isinstance(obj, Post | Comment) and name == "comments":
            items = self._fb_comments(obj, self.args)
        elif isinstance(obj, IgAccount) and name == "media":
            items = sorted(obj.media, key=lambda m: m.timestamp, reverse=True)
        elif (isinstance(obj, IgMedia) and name in {"comments", "children"}) or (
            isinstance(obj, IgComment) and name == "replies"
        ):
            items = self._children(obj, name, self.args)
        else:
            raise _unsupported("get", f"{getattr(obj, 'id', '?')}/{name}")
        return self._paginate([self.node(i, default=_DEFAULT_FIELDS[type(i)]) for i in items])

    def _paginate(self, rendered: list[dict[str, Any]]) -> dict[str, Any]:
        start = _offset(self.args.get("after"))
        limit = _limit(self.args.get("limit"))
        page = rendered[start : start + limit]
        body: dict[str, Any] = {"data": page}
        if not page:
            return body
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(start), "after": _cursor(start + len(page))}
        }
        if start + limit < len(rendered):
            # Like the real API: the next URL repeats every argument, the token too.
            following = {k: v for k, v in self.request.query.items() if k != "after"}
            following["after"] = _cursor(start + len(page))
            query = urlencode(following)
            paging["next"] = f"{PUBLIC_GRAPH_URL}{self.request.path}?{query}"
        if start > 0:
            before = {k: v for k, v in self.request.query.items() if k != "after"}
            before["before"] = _cursor(start)
            paging["previous"] = f"{PUBLIC_GRAPH_URL}{self.request.path}?{urlencode(before)}"
        body["paging"] = paging
        return body

    # -- writes ---------------------------------------------------------------------------

    def update(self, obj: object) -> dict[str, Any]:
        form = self.request.form
        if isinstance(obj, Comment) and "is_hidden" in form:
            post = self._post_of(obj)
            if obj.from_id == self._page_of(post).id:
                raise _Fail(graph_error(100, "(#100) A Page cannot hide its own comments"))
            obj.is_hidden = _bool(form["is_hidden"])
            return {"success": True}
        if isinstance(obj, IgComment) and "hide" in form:
            obj.hidden = _bool(form["hide"])
            return {"success": True}
        raise _Fail(graph_error(100, "(#100) Invalid parameter", error_type="OAuthException"))


# -- field tables ---------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _post_permalink(view: _View, post: Post) -> str:
    page = view._page_of(post)
    return f"https://www.facebook.com/{page.id}/posts/{post.id.rsplit('_', 1)[-1]}/"


def _comment_permalink(view: _View, comment: Comment) -> str:
    base = _post_permalink(view, view._post_of(comment))
    number = comment.id.rsplit("_", 1)[-1]
    if comment.parent_id is None:
        return f"{base}?comment_id={number}"
    parent = comment.parent_id.rsplit("_", 1)[-1]
    return f"{base}?comment_id={parent}&reply_comment_id={number}"


def _parent(view: _View, comment: Comment) -> dict[str, Any] | None:
    if comment.parent_id is None:
        return None
    for other in view._post_of(comment).comments:
        if other.id == comment.parent_id:
            return {
                "created_time": _iso(other.created_time),
                "from": {"name": other.from_name, "id": other.from_id},
                "message": other.message,
                "id": other.id,
            }
    return {"id": comment.parent_id}


def _ig_count(media: IgMedia) -> int:
    return sum(1 + len(c.replies) for c in media.comments)


_Getter = Any  # Callable[[_View, object], Any]; kept loose for the tables below

_FIELDS: dict[type, dict[str, _Getter]] = {
    Page: {
        "id": lambda v, o: o.id,
        "name": lambda v, o: o.name,
        "about": lambda v, o: o.about,
        "description": lambda v, o: o.description,
        "website": lambda v, o: o.website,
        "link": lambda v, o: o.link,
        "username": lambda v, o: o.username,
        "fan_count": lambda v, o: 412,
        "category": lambda v, o: "Elementary School",
    },
    Post: {
        "id": lambda v, o: o.id,
        "message": lambda v, o: o.message,
        "story": lambda v, o: o.story,
        "created_time": lambda v, o: _iso(o.created_time),
        "updated_time": lambda v, o: _iso(o.updated_time or o.created_time),
        "permalink_url": _post_permalink,
        "from": lambda v, o: {"name": o.from_name, "id": o.from_id},
        "attachments": lambda v, o: {"data": o.attachments} if o.attachments else None,
        "is_hidden": lambda v, o: False,
        "is_published": lambda v, o: True,
        "full_picture": lambda v, o: None,
        "comments": lambda v, o: None,
    },
    Comment: {
        "id": lambda v, o: o.id,
        "message": lambda v, o: o.message,
        "created_time": lambda v, o: _iso(o.created_time),
        "from": lambda v, o: {"name": o.from_name, "id": o.from_id},
        "parent": _parent,
        "permalink_url": _comment_permalink,
        "is_hidden": lambda v, o: o.is_hidden,
        "can_hide": lambda v, o: o.from_id != v._page_of(v._post_of(o)).id,
        "attachment": lambda v, o: o.attachment,
        "comment_count": lambda v, o: sum(1 for c in v._post_of(o).comments if c.parent_id == o.id),
        "like_count": lambda v, o: 0,
        "comments": lambda v, o: None,
    },
    IgAccount: {
        "id": lambda v, o: o.id,
        "username": lambda v, o: o.username,
        "name": lambda v, o: o.name,
        "biography": lambda v, o: o.biography,
        "website": lambda v, o: o.website,
        "media_count": lambda v, o: len(o.media),
        "followers_count": lambda v, o: 268,
        "profile_picture_url": lambda v, o: None,
    },
    IgMedia: {
        "id": lambda v, o: o.id,
        "caption": lambda v, o: o.caption,
        "media_type": lambda v, o: o.media_type,
        "media_product_type": lambda v, o: "FEED",
        "media_url": lambda v, o: o.media_url,
        "thumbnail_url": lambda v, o: None,
        "permalink": lambda v, o: o.permalink,
        "shortcode": lambda v, o: o.permalink.rstrip("/").rsplit("/", 1)[-1],
        "timestamp": lambda v, o: _iso(o.timestamp),
        "username": lambda v, o: v._account_of(o).username,
        "owner": lambda v, o: {"id": v._account_of(o).id},
        "comments_count": lambda v, o: _ig_count(o),
        "like_count": lambda v, o: 7,
        "is_comment_enabled": lambda v, o: True,
        "children": lambda v, o: None,
        "comments": lambda v, o: None,
    },
    IgComment: {
        "id": lambda v, o: o.id,
        "text": lambda v, o: o.text,
        "timestamp": lambda v, o: _iso(o.timestamp),
        "username": lambda v, o: o.username,
        "from": lambda v, o: {"id": o.user_id, "username": o.username},
        "user": lambda v, o: {"id": o.user_id},
        "hidden": lambda v, o: o.hidden,
        "like_count": lambda v, o: 0,
        "parent_id": lambda v, o: o.parent_id,
        "replies": lambda v, o: None,
    },
}

_NODE_TYPES: dict[type, str] = {
    Page: "Page",
    Post: "Post",
    Comment: "Comment",
    IgAccount: "IGUser",
    IgMedia: "IGMedia",
    IgComment: "IGComment",
    dict: "IGMedia",
}

# Graph's answer when no ``fields`` are asked for.
_DEFAULT_FIELDS: dict[type, str] = {
    Page: "name,id",
    Post: "created_time,message,story,id",
    Comment: "created_time,from,message,id",
    IgAccount: "id",
    IgMedia: "id",
    IgComment: "timestamp,text,id",
    dict: "id,media_type,media_url,permalink,timestamp",
}

_EXPANDABLE = frozenset({"comments", "replies", "children"})


# -- small helpers ----------------------------------------------------------------------


def parse_fields(spec: str) -> list[tuple[str, dict[str, str], str | None]]:
    """Split a ``fields`` value into (name, modifiers, sub-fields) at top-level commas.

    ``comments.filter(stream).limit(1){created_time,from}`` gives
    ``("comments", {"filter": "stream", "limit": "1"}, "created_time,from")``.
    """
    parts: list[str] = []
    depth = 0
    current = ""
    for char in spec:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    parsed: list[tuple[str, dict[str, str], str | None]] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        head, sub = part, None
        if part.endswith("}") and "{" in part:
            brace = part.index("{")
            head, sub = part[:brace], part[brace + 1 : -1]
        name, _, rest = head.partition(".")
        modifiers = dict(re.findall(r"(\w+)\(([^)]*)\)", rest))
        parsed.append((name, modifiers, sub))
    return parsed


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1"}


def _limit(value: str | None) -> int:
    if value is None or not value.isdigit():
        return _DEFAULT_LIMIT
    return max(1, min(int(value), _MAX_LIMIT))


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(decoded.removeprefix("offset:")))
    except (ValueError, UnicodeDecodeError):
        raise _Fail(graph_error(100, "(#100) Invalid cursor")) from None


def _when(value: str | None) -> datetime | None:
    """A ``since``/``until`` value: Unix seconds or an ISO 8601 time."""
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    try:
        moment = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except ValueError:
        raise _Fail(graph_error(100, f"(#100) Invalid time: {value}")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- HTTP -----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer
    timeout = 5

    def _owner(self) -> GraphServer:
        owner: GraphServer = self.server.owner
        return owner

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        graph = self._owner()
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        form: dict[str, str] = {}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = dict(parse_qsl(body, keep_blank_values=True))
        request = GraphRequest(method=self.command, path=split.path, query=query, form=form)
        graph._record(request)
        if graph.delay:
            graph._wait(graph.delay)
        injected = graph._injected(split.path, self.command)
        if injected is not None:
            if injected.delay:
                graph._wait(injected.delay)
            self._send(injected.status, injected.body, injected.content_type, injected.headers)
            return
        token = request.args.get("access_token")
        if token not in graph.tokens:
            failure = (
                graph_error(
                    190,
                    "An active access token must be used to query information about the "
                    "current user.",
                    error_type="OAuthException",
                )
                if token is None
                else expired_token_error()
            )
            self._send(failure.status, failure.body, failure.content_type, failure.headers)
            return
        try:
            answer = graph.answer(request)
        except _Fail as fail:
            f = fail.failure
            self._send(f.status, f.body, f.content_type, f.headers)
            return
        self._send(200, json.dumps(answer).encode(), GRAPH_JSON, {})

    def _send(
        self, status: int, body: bytes, content_type: str | None, headers: Mapping[str, str]
    ) -> None:
        graph = self._owner()
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        version = urlsplit(self.path).path.strip("/").split("/", 1)[0]
        if _VERSION.match(version):
            self.send_header("facebook-api-version", version)
        for name, value in {**graph.usage, **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


# -- the demo's school ------------------------------------------------------------------------

DEMO_PAGE_ID = "1000000001"
DEMO_IG_ID = "17841400000000001"


def photo(url: str, description: str = "") -> dict[str, Any]:
    """A ``photo`` attachment as ``/feed`` returns it."""
    attachment: dict[str, Any] = {
        "media": {"image": {"height": 720, "src": url, "width": 960}},
        "media_type": "photo",
        "type": "photo",
        "url": url,
    }
    if description:
        attachment["description"] = description
    return attachment


def album(title: str, photos: Sequence[dict[str, Any]], url: str) -> dict[str, Any]:
    """An ``album`` attachment whose photos are ``subattachments``."""
    return {
        "media_type": "album",
        "title": title,
        "type": "album",
        "url": url,
        "subattachments": {"data": list(photos)},
    }


def demo_graph_data(now: datetime) -> GraphData:
    """A primary school's Facebook Page and Instagram account, with comments of every kind.

    Benign parents' comments and questions, a fair complaint (which must not
    be flagged), the Page's own replies, and abusive comments the abuse rule
    hides. Times are relative to ``now``; one post is 20 days old.
    """
    page_id = DEMO_PAGE_ID
    school = ("Oakfield Primary School", page_id)

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    def c(
        number: int, post: str, text: str, who: tuple[str, str], when: datetime, *,
        parent: int | None = None,
    ) -> Comment:  # fmt: skip
        post_number = post.rsplit("_", 1)[-1]
        return Comment(
            id=f"{post_number}_{number}",
            message=text,
            created_time=when,
            from_name=who[0],
            from_id=who[1],
            parent_id=f"{post_number}_{parent}" if parent else None,
        )

    mum = ("Priya Shah", "3000000011")
    dad = ("Tom Whitfield", "3000000012")
    gran = ("Margaret Ellis", "3000000013")
    angry = ("Dean Marsh", "3000000014")
    troll = ("Kev Stone", "3000000015")

    sports = f"{page_id}_2000000001"
    trip = f"{page_id}_2000000002"
    fair = f"{page_id}_2000000003"
    visitor = f"{page_id}_2000000004"
    cdn = "https://scontent.example-cdn.net/oakfield"
    posts = [
        Post(
            id=sports,
            message="What a sports day! Well done to every child who took part, and thank you "
            "to all the families who came to cheer. 🏅",
            created_time=ago(days=20),
            updated_time=ago(days=19),
            from_name=school[0],
            from_id=school[1],
            attachments=[
                album(
                    "Photos from Oakfield Primary School's post",
                    [
                        photo(f"{cdn}/sports-1.jpg", "Year 3 relay race on the field"),
                        photo(f"{cdn}/sports-2.jpg", "The egg and spoon race"),
                    ],
                    f"https://www.facebook.com/{page_id}/posts/2000000001/",
                )
            ],
            comments=[
                c(1, sports, "Fantastic day, thank you to all the staff!", gran, ago(days=20)),
                c(2, sports, "Lovely photos 😍", mum, ago(days=19, hours=22)),
                c(3, sports, "Thank you, Mrs Ellis!", school, ago(days=19, hours=21), parent=1),
            ],
        ),
        Post(
            id=trip,
            message="Year 5 are back from their residential trip to the Peak District. Letters "
            "about next term's trips will come home on Friday.",
            created_time=ago(days=6),
            from_name=school[0],
            from_id=school[1],
            attachments=[photo(f"{cdn}/trip.jpg", "Year 5 at the top of Mam Tor")],
            comments=[
                c(
                    1,
                    trip,
                    "Really disappointed that the trip letter came out so late this time. "
                    "Please give parents more notice next term, some of us need to arrange time "
                    "off work.",
                    dad,
                    ago(days=5, hours=20),
                ),
                c(
                    2,
                    trip,
                    "Thank you for the feedback, Mr Whitfield. We will send next term's letters "
                    "three weeks ahead.",
                    school,
                    ago(days=5, hours=18),
                    parent=1,
                ),
                c(
                    3,
                    trip,
                    "This school is a f*cking joke, the head is useless",
                    angry,
                    ago(days=2),
                ),
            ],
        ),
        Post(
            id=fair,
            message="Summer fair this Saturday from 12 until 3! Cakes, tombola and the Year 6 "
            "band. All welcome.",
            created_time=ago(days=1),
            from_name=school[0],
            from_id=school[1],
            comments=[
                c(1, fair, "What time does the bouncy castle open?", mum, ago(hours=20)),
                c(2, fair, "From 12, see you there!", school, ago(hours=19), parent=1),
                c(3, fair, "shut up you stupid b1tch nobody cares", troll, ago(hours=3), parent=1),
            ],
        ),
        Post(
            id=visitor,
            message="Does anyone know if the school office is open over half term?",
            created_time=ago(days=3),
            from_name=gran[0],
            from_id=gran[1],
        ),
    ]
    page = Page(
        id=page_id,
        name="Oakfield Primary School",
        username="oakfieldprimary",
        about="A friendly village primary school for children aged 4 to 11.",
        description="Official page of Oakfield Primary School. Our policies, including the ICT "
        "Acceptable Use Policy, are on our website.",
        website="https://www.oakfield.sch.uk",
        posts=posts,
    )

    ig_cdn = "https://scontent.cdninstagram.example/oakfield"
    carousel = IgMedia(
        id="17900000000000101",
        caption="Our Year 6 leavers' assembly. We are so proud of you all! 💙",
        media_type="CAROUSEL_ALBUM",
        media_url=f"{ig_cdn}/leavers-1.jpg",
        permalink="https://www.instagram.com/p/Oakf1eld01/",
        timestamp=ago(days=4),
        children=[
            {
                "id": "17900000000000111",
                "media_type": "IMAGE",
                "media_url": f"{ig_cdn}/leavers-1.jpg",
                "permalink": "https://www.instagram.com/p/Oakf1eld01a/",
                "timestamp": _iso(ago(days=4)),
            },
            {
                "id": "17900000000000112",
                "media_type": "VIDEO",
                "media_url": f"{ig_cdn}/leavers-song.mp4",
                "permalink": "https://www.instagram.com/p/Oakf1eld01b/",
                "timestamp": _iso(ago(days=4)),
            },
        ],
        comments=[
            IgComment(
                id="17900000000000201",
                text="So proud of our Year 6! 😭💙",
                timestamp=ago(days=3, hours=23),
                username="priya.s",
                user_id="17841400000000201",
                replies=[
                    IgComment(
                        id="17900000000000202",
                        text="Thank you for all your support this year!",
                        timestamp=ago(days=3, hours=20),
                        username="oakfieldprimary",
                        user_id=DEMO_IG_ID,
                        parent_id="17900000000000201",
                    )
                ],
            ),
            IgComment(
                id="17900000000000203",
                text="what a load of sh1t, you lot are useless",
                timestamp=ago(hours=6),
                username="kev_st0ne",
                user_id="17841400000000203",
            ),
        ],
    )
    art = IgMedia(
        id="17900000000000102",
        caption="Reception's sunflowers are taller than the teachers now 🌻",
        media_type="IMAGE",
        media_url=f"{ig_cdn}/sunflowers.jpg",
        permalink="https://www.instagram.com/p/Oakf1eld02/",
        timestamp=ago(days=9),
        comments=[
            IgComment(
                id="17900000000000204",
                text="Amazing! Ours at home are nowhere near that tall",
                timestamp=ago(days=8),
                username="tom.whitfield",
                user_id="17841400000000204",
            )
        ],
    )
    account = IgAccount(
        id=DEMO_IG_ID,
        username="oakfieldprimary",
        name="Oakfield Primary School",
        biography="Oakfield Primary School, a village school for ages 4-11. Follow for news "
        "and photos of school life.",
        website="https://www.oakfield.sch.uk",
        media=[carousel, art],
    )
    return GraphData(pages=[page], instagram=[account])


__all__ = [
    "DEFAULT_TOKEN",
    "DEMO_IG_ID",
    "DEMO_PAGE_ID",
    "GRAPH_JSON",
    "Comment",
    "Failure",
    "GraphData",
    "GraphRequest",
    "GraphServer",
    "IgAccount",
    "IgComment",
    "IgMedia",
    "Page",
    "Post",
    "album",
    "demo_graph_data",
    "expired_token_error",
    "graph_error",
    "parse_fields",
    "photo",
    "rate_limit_error",
    "server_error",
    "usage_header",
]


# The handler is defined after the server class it serves.
GraphServer.handler_class = _Handler
