"""A fake X API v2 on 127.0.0.1, faithful enough for the real tweepy client.

Nothing here imports pytest. The platform's state is an ``XData`` (users,
tweets, media); ``XServer`` serves it over HTTP::

    data = demo_x_data(datetime.now(UTC))
    with XServer(data) as server:
        ...  # point TwitterSource.api_url at server.base_url

What it reproduces (shapes from ``../shared/fixtures/x-api-v2/`` and the API
reference):

* ``GET /2/users/:id/tweets`` and ``/2/users/:id/mentions`` (paged with
  ``pagination_token``), ``GET /2/tweets/search/recent`` (paged with
  ``next_token``; ``conversation_id:<id>`` terms joined by ``OR``; only the
  last 7 days; queries up to 512 characters), ``GET /2/users/:id`` and
  ``PUT /2/tweets/:id/hidden`` (OAuth 1.0a user context only, and only for a
  reply in a conversation the authenticated user started).
* ``data``/``includes``/``meta`` envelopes: ``meta`` has ``result_count``,
  ``newest_id``, ``oldest_id`` and, only when there is more, ``next_token``;
  an empty page is ``{"meta": {"result_count": 0}}``. Fields beyond ``id``,
  ``text`` and ``edit_history_tweet_ids`` appear only when asked for through
  ``tweet.fields``/``user.fields``/``media.fields``; ``expansions=author_id``
  and ``attachments.media_keys`` fill ``includes``.
* ``since_id``/``until_id`` (exclusive), ``max_results`` ranges, unknown
  parameters (a ``pagination_token`` sent to search, say) answered 400 as the
  real API does, ``since_id`` older than 7 days on search answered 400.
* Tweet ids are snowflakes made from ``created_at``, so an id says when.
  Links in texts and bios are wrapped as ``https://t.co/…`` with ``entities``
  giving the ``expanded_url``.
* ``x-rate-limit-limit/-remaining/-reset`` on every response; ``rate_limit``
  makes an endpoint answer 429 until a given reset; ``fail`` queues 401, 403,
  5xx or any status with a problem body; ``search_forbidden`` answers search
  403 ``client-not-enrolled``, as an access tier without search does;
  ``access_level = "read"`` (an app whose permissions were set to Read only)
  answers hiding 403 ``oauth1-permissions`` and says so in ``x-access-level``.
* A bearer token (app-only reads) and OAuth 1.0a keys (hiding) are checked:
  a wrong bearer is a 401; hiding with a bearer is a 403
  ``unsupported-authentication``. OAuth signatures are not verified (the
  client signs the ``api.twitter.com`` URL, not ours).

Every request is recorded (``requests``) with its JSON body.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.sandbox.loopback import LoopbackHTTPServer, LoopbackServer

#: Twitter's snowflake epoch, in milliseconds since 1970
TWITTER_EPOCH_MS = 1288834974657
SEARCH_WINDOW = timedelta(days=7)
MAX_QUERY_LENGTH = 512
RATE_WINDOW = timedelta(minutes=15)
PROBLEMS = "https://api.twitter.com/2/problems/"

Clock = Callable[[], datetime]


def snowflake(at: datetime, sequence: int = 0) -> str:
    """A tweet id for a tweet created at ``at`` (ids sort by time, as X's do)."""
    ms = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | (sequence & 0x3FFFFF))


def snowflake_time(tweet_id: str | int) -> datetime:
    """When the tweet with this id was created (to the millisecond)."""
    ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


def x_time(moment: datetime) -> str:
    """X's timestamp format: ``2021-02-24T02:13:43.000Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- the platform's state -------------------------------------------------------------

_URL_IN_TEXT = re.compile(r"https?://[^\s]+")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def _wrap_links(text: str) -> tuple[str, list[dict[str, Any]]]:
    """``text`` with its links replaced by t.co links, and the ``urls`` entities."""
    out: list[str] = []
    urls: list[dict[str, Any]] = []
    position = 0
    for match in _URL_IN_TEXT.finditer(text):
        expanded = match.group(0)
        short = "https://t.co/" + hashlib.sha256(expanded.encode()).hexdigest()[:10]
        out.append(text[position : match.start()])
        start = sum(len(p) for p in out)
        out.append(short)
        display = re.sub(r"^https?://(www\.)?", "", expanded)
        urls.append(
            {
                "start": start,
                "end": start + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
        position = match.end()
    out.append(text[position:])
    return "".join(out), urls


@dataclass(kw_only=True)
class XUser:
    """An account; ``description`` and ``url`` are stored as X stores them (t.co links)."""

    id: str
    name: str
    username: str
    description: str = ""
    url: str = ""
    entities: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = datetime(2015, 9, 1, tzinfo=UTC)

    def as_json(self, fields: set[str]) -> dict[str, Any]:
        """The user object with ``id``, ``name``, ``username`` and the requested fields."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "username": self.username}
        optional = {
            "description": self.description,
            "url": self.url,
            "entities": self.entities,
            "created_at": x_time(self.created_at),
            "protected": False,
            "verified": False,
        }
        for name in fields:
            if name in optional and (name != "entities" or self.entities):
                out[name] = optional[name]
        return out


@dataclass(kw_only=True)
class XMedia:
    """A photo, video or GIF; videos have a ``preview_image_url`` and no ``url``."""

    media_key: str
    type: str = "photo"
    url: str = ""
    preview_image_url: str = ""
    alt_text: str = ""

    def as_json(self, fields: set[str]) -> dict[str, Any]:
        """The media object with ``media_key``, ``type`` and the requested fields present."""
        out: dict[str, Any] = {"media_key": self.media_key, "type": self.type}
        for name in fields & {"url", "preview_image_url", "alt_text"}:
            value = getattr(self, name)
            if value:
                out[name] = value
        return out


@dataclass(kw_only=True)
class XTweet:
    """A tweet as the platform keeps it."""

    id: str
    author_id: str
    text: str
    created_at: datetime
    conversation_id: str
    in_reply_to_user_id: str | None = None
    replied_to: str | None = None
    media_keys: tuple[str, ...] = ()
    entities: dict[str, Any] = field(default_factory=dict)
    hidden: bool = False

    def as_json(self, fields: set[str]) -> dict[str, Any]:
        """The tweet: ``id``, ``text``, ``edit_history_tweet_ids`` and the requested fields."""
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "edit_history_tweet_ids": [self.id],
        }
        optional: dict[str, Any] = {
            "author_id": self.author_id,
            "created_at": x_time(self.created_at),
            "conversation_id": self.conversation_id,
            "lang": "en",
        }
        if self.in_reply_to_user_id:
            optional["in_reply_to_user_id"] = self.in_reply_to_user_id
        if self.replied_to:
            optional["referenced_tweets"] = [{"type": "replied_to", "id": self.replied_to}]
        if self.media_keys:
            optional["attachments"] = {"media_keys": list(self.media_keys)}
        if self.entities:
            optional["entities"] = self.entities
        for name in fields:
            if name in optional:
                out[name] = optional[name]
        return out


class XData:
    """Users, tweets and media of a fake X; thread-safe enough for one writer at a time."""

    def __init__(self) -> None:
        self.users: dict[str, XUser] = {}
        self.tweets: dict[str, XTweet] = {}
        self.media: dict[str, XMedia] = {}
        self._sequence = 0
        self.lock = threading.RLock()

    def add_user(
        self,
        user_id: str,
        name: str,
        username: str,
        *,
        description: str = "",
        url: str = "",
    ) -> XUser:
        """Create (or replace) an account; links in ``description`` and ``url`` get t.co-wrapped."""
        entities: dict[str, Any] = {}
        wrapped_url = ""
        if url:
            wrapped_url, urls = _wrap_links(url)
            entities["url"] = {"urls": urls}
        wrapped_description, description_urls = _wrap_links(description)
        if description_urls:
            entities["description"] = {"urls": description_urls}
        user = XUser(
            id=user_id,
            name=name,
            username=username,
            description=wrapped_description,
            url=wrapped_url,
            entities=entities,
        )
        with self.lock:
            self.users[user_id] = user
        return user

    def user_by_name(self, username: str) -> XUser | None:
        """The account called ``username`` (case-insensitive), or None."""
        with self.lock:
            for user in self.users.values():
                if user.username.lower() == username.lower():
                    return user
        return None

    def post(
        self,
        author_id: str,
        text: str,
        at: datetime,
        *,
        reply_to: str | None = None,
        media: Sequence[XMedia] = (),
    ) -> str:
        """Publish a tweet (a reply when ``reply_to`` is given) and return its id.

        A reply's text starts with ``@<parent author>`` as on X, added when
        missing. Links become t.co links; ``@names`` of known users become
        ``mentions`` entities.

        Raises:
            KeyError: unknown author or ``reply_to`` tweet.
        """
        with self.lock:
            author = self.users[author_id]
            parent = self.tweets[reply_to] if reply_to else None
            if parent is not None:
                parent_author = self.users[parent.author_id]
                prefix = f"@{parent_author.username}"
                if not text.startswith(prefix) and parent.author_id != author.id:
                    text = f"{prefix} {text}"
            self._sequence += 1
            tweet_id = snowflake(at, self._sequence)
            wrapped, urls = _wrap_links(text)
            entities: dict[str, Any] = {}
            if urls:
                entities["urls"] = urls
            mentions = [
                {"start": m.start(), "end": m.end(), "username": u.username, "id": u.id}
                for m in _MENTION.finditer(wrapped)
                if (u := self.user_by_name(m.group(1))) is not None
            ]
            if mentions:
                entities["mentions"] = mentions
            for item in media:
                self.media[item.media_key] = item
            self.tweets[tweet_id] = XTweet(
                id=tweet_id,
                author_id=author_id,
                text=wrapped,
                created_at=at.astimezone(UTC),
                conversation_id=parent.conversation_id if parent else tweet_id,
                in_reply_to_user_id=parent.author_id if parent else None,
                replied_to=parent.id if parent else None,
                media_keys=tuple(m.media_key for m in media),
                entities=entities,
            )
            return tweet_id

    def mentions_of(self, user_id: str) -> list[XTweet]:
        """Tweets by others that mention ``user_id`` (replies to it included, as on X)."""
        with self.lock:
            return [
                t
                for t in self.tweets.values()
                if t.author_id != user_id
                and any(m["id"] == user_id for m in t.entities.get("mentions", ()))
            ]


# -- the HTTP server --------------------------------------------------------------------


@dataclass(frozen=True)
class XRequest:
    """One request the server received: header names lower-case, query values joined."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any = None


@dataclass(kw_only=True)
class _Failure:
    prefix: str
    status: int
    times: int
    body: dict[str, Any]
    reset: int | None


@dataclass(kw_only=True)
class _Window:
    limit: int
    remaining: int
    reset: int


class XServer(LoopbackServer):
    """A threaded fake X API v2 on ``host`` (port 0 picks a free port).

    ``bearer_token`` is the app-only token reads must carry;
    ``consumer_key``/``access_token`` the OAuth 1.0a keys hiding must carry,
    on behalf of ``owner_id`` (the account whose conversations may be
    moderated). ``clock`` gives "now" (for the search window and resets).
    """

    def __init__(
        self,
        data: XData | None = None,
        *,
        bearer_token: str = "test-bearer-token",  # noqa: S107 - a fake's test credential
        consumer_key: str = "test-consumer-key",
        access_token: str = "test-access-token",  # noqa: S107 - a fake's test credential
        owner_id: str = "2000000001",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.data = data or XData()
        self.bearer_token = bearer_token
        self.consumer_key = consumer_key
        self.access_token = access_token
        self.owner_id = owner_id
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        #: answer search 403 client-not-enrolled, like an access tier without search
        self.search_forbidden = False
        #: the app's permissions as ``x-access-level`` reports them; "read" cannot hide
        self.access_level = "read-write"
        super().__init__(host=host, port=port)
        self._lock = threading.Lock()
        self._requests: list[XRequest] = []
        self._failures: list[_Failure] = []
        self._limited: dict[str, int] = {}
        self._windows: dict[str, _Window] = {}

    # -- switches ---------------------------------------------------------------

    def fail(
        self,
        prefix: str,
        status: int,
        *,
        times: int = 1,
        body: Mapping[str, Any] | None = None,
        reset: datetime | None = None,
    ) -> None:
        """Answer the next ``times`` requests whose path starts with ``prefix`` with ``status``.

        The body defaults to X's problem shape for that status; ``reset`` sets
        ``x-rate-limit-reset`` (a 429 without it has no reset header at all).
        """
        problem = dict(body) if body is not None else problem_body(status)
        with self._lock:
            self._failures.append(
                _Failure(
                    prefix=prefix,
                    status=status,
                    times=times,
                    body=problem,
                    reset=int(reset.timestamp()) if reset else None,
                )
            )

    def serve(self, prefix: str, body: Mapping[str, Any], *, times: int = 1) -> None:
        """Answer the next ``times`` requests under ``prefix`` with ``body`` (a recording), 200.

        Canned answers and failures share one queue, served in order.
        """
        self.fail(prefix, 200, times=times, body=body)

    def rate_limit(self, prefix: str, reset: datetime) -> None:
        """Answer 429 on paths starting with ``prefix`` until the clock reaches ``reset``."""
        with self._lock:
            self._limited[prefix] = int(reset.timestamp())

    def clear(self) -> None:
        """Drop queued failures and rate limits (``search_forbidden`` stays as set)."""
        with self._lock:
            self._failures.clear()
            self._limited.clear()

    def requests(self, prefix: str | None = None, *, method: str | None = None) -> list[XRequest]:
        """The requests received so far, optionally only those under ``prefix`` / of ``method``."""
        with self._lock:
            return [
                r
                for r in self._requests
                if (prefix is None or r.path.startswith(prefix))
                and (method is None or r.method == method)
            ]

    # -- answering (called from the handler threads) ------------------------------

    def _answer(self, request: XRequest) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Status, extra headers and JSON body for ``request``."""
        with self._lock:
            self._requests.append(request)
        route = _route(request.method, request.path)
        window = self._window(route[0] if route else "other")
        now = int(self.clock().timestamp())
        headers = {
            "x-rate-limit-limit": str(window.limit),
            "x-rate-limit-remaining": str(window.remaining),
            "x-rate-limit-reset": str(window.reset),
            "x-access-level": self.access_level,
            "api-version": "2.150",
        }
        with self._lock:
            limited = [
                reset
                for prefix, reset in self._limited.items()
                if request.path.startswith(prefix) and reset > now
            ]
            failure = next((f for f in self._failures if request.path.startswith(f.prefix)), None)
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
        if limited:
            headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(limited[0])})
            return 429, headers, problem_body(429)
        if failure is not None:
            if failure.status == 429:
                headers["x-rate-limit-remaining"] = "0"
                if failure.reset is None:
                    del headers["x-rate-limit-reset"]
                else:
                    headers["x-rate-limit-reset"] = str(failure.reset)
            return failure.status, headers, failure.body
        if route is None:
            return 404, headers, _problem(404, "Not Found", "Sorry, that page does not exist.")
        auth = self._authorise(request, user_context=route[0] == "hidden")
        if auth is not None:
            return auth[0], headers, auth[1]
        name, arg = route
        handler = {
            "tweets": self._user_tweets,
            "mentions": self._mentions,
            "search": self._search,
            "user": self._user,
            "hidden": self._hide,
        }[name]
        status, body = handler(request, arg)
        return status, headers, body

    def _window(self, name: str) -> _Window:
        limits = {"tweets": 1500, "mentions": 450, "search": 450, "user": 300, "hidden": 50}
        now = int(self.clock().timestamp())
        with self._lock:
            window = self._windows.get(name)
            if window is None or window.reset <= now:
                limit = limits.get(name, 300)
                window = _Window(
                    limit=limit, remaining=limit, reset=now + int(RATE_WINDOW.total_seconds())
                )
                self._windows[name] = window
            window.remaining = max(0, window.remaining - 1)
            return _Window(limit=window.limit, remaining=window.remaining, reset=window.reset)

    def _authorise(
        self, request: XRequest, *, user_context: bool
    ) -> tuple[int, dict[str, Any]] | None:
        header = request.headers.get("authorization", "")
        if user_context:
            if header.startswith("Bearer "):
                return 403, _problem(
                    403,
                    "Unsupported Authentication",
                    "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                    "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
                    "OAuth 2.0 User Context].",
                    kind="unsupported-authentication",
                )
            params = dict(re.findall(r'(oauth_\w+)="([^"]*)"', header))
            if (
                not header.startswith("OAuth ")
                or params.get("oauth_consumer_key") != self.consumer_key
                or params.get("oauth_token") != self.access_token
                or "oauth_signature" not in params
            ):
                return 401, problem_body(401)
            if self.access_level == "read":
                return 403, _problem(
                    403,
                    "Forbidden",
                    "Your client app is not configured with the appropriate oauth1 app "
                    "permissions for this endpoint.",
                    kind="oauth1-permissions",
                )
            return None
        if header != f"Bearer {self.bearer_token}":
            return 401, problem_body(401)
        return None

    # -- endpoints --------------------------------------------------------------

    def _user_tweets(self, request: XRequest, user_id: str) -> tuple[int, dict[str, Any]]:
        with self.data.lock:
            tweets = [t for t in self.data.tweets.values() if t.author_id == user_id]
        return self._timeline(request, tweets, paging="pagination_token", low=5)

    def _mentions(self, request: XRequest, user_id: str) -> tuple[int, dict[str, Any]]:
        return self._timeline(
            request, self.data.mentions_of(user_id), paging="pagination_token", low=5
        )

    def _search(self, request: XRequest, _: str) -> tuple[int, dict[str, Any]]:
        if self.search_forbidden:
            return 403, {
                "client_id": "28000000",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you "
                "must use keys and tokens from a Twitter developer App that is attached to a "
                "Project. You can create a project via the developer portal.",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "title": "Client Forbidden",
                "required_enrollment": "Appropriate Level of API Access",
                "reason": "client-not-enrolled",
                "type": PROBLEMS + "client-forbidden",
            }
        query = request.query.get("query", "")
        if not query or len(query) > MAX_QUERY_LENGTH:
            return 400, _invalid("query", query, f"query must be 1 to {MAX_QUERY_LENGTH} long")
        terms = re.findall(r"conversation_id:(\d+)", query)
        if not terms or re.sub(r"conversation_id:\d+|\bOR\b|[()\s]", "", query):
            return 400, _invalid("query", query, "this fake understands conversation_id: only")
        earliest = self.clock() - SEARCH_WINDOW
        since = request.query.get("since_id")
        if since and since.isdigit() and snowflake_time(since) < earliest:
            return 400, _invalid(
                "since_id",
                since,
                f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id created after "
                f"{x_time(earliest)}. Please use a 'since_id' that is larger than the oldest "
                "id allowed.",
            )
        wanted = set(terms)
        with self.data.lock:
            tweets = [
                t
                for t in self.data.tweets.values()
                if t.conversation_id in wanted and t.created_at >= earliest
            ]
        return self._timeline(request, tweets, paging="next_token", low=10)

    def _user(self, request: XRequest, user_id: str) -> tuple[int, dict[str, Any]]:
        problem = _unknown_params(request, {"expansions", "tweet.fields", "user.fields"})
        if problem:
            return 400, problem
        with self.data.lock:
            user = self.data.users.get(user_id)
        if user is None:
            # X answers a missing user with 200 and an errors list, no data.
            return 200, {
                "errors": [
                    {
                        "value": user_id,
                        "detail": f"Could not find user with id: [{user_id}].",
                        "title": "Not Found Error",
                        "resource_type": "user",
                        "parameter": "id",
                        "resource_id": user_id,
                        "type": PROBLEMS + "resource-not-found",
                    }
                ]
            }
        return 200, {"data": user.as_json(_fields(request, "user.fields"))}

    def _hide(self, request: XRequest, tweet_id: str) -> tuple[int, dict[str, Any]]:
        body = request.body
        if not isinstance(body, dict) or not isinstance(body.get("hidden"), bool):
            return 400, _invalid("hidden", json.dumps(body), 'the body must be {"hidden": bool}')
        with self.data.lock:
            tweet = self.data.tweets.get(tweet_id)
            if tweet is None:
                return 404, _problem(
                    404,
                    "Not Found Error",
                    f"Could not find tweet with id: [{tweet_id}].",
                    kind="resource-not-found",
                )
            root = self.data.tweets.get(tweet.conversation_id)
            if root is None or root.author_id != self.owner_id or tweet.id == root.id:
                return 403, _problem(
                    403,
                    "Forbidden",
                    "You can only hide or unhide replies to conversations you authored.",
                )
            tweet.hidden = body["hidden"]
            return 200, {"data": {"hidden": tweet.hidden}}

    def _timeline(
        self, request: XRequest, tweets: Iterable[XTweet], *, paging: str, low: int
    ) -> tuple[int, dict[str, Any]]:
        allowed = {
            "end_time",
            "expansions",
            "max_results",
            "media.fields",
            "place.fields",
            "poll.fields",
            "since_id",
            "start_time",
            "tweet.fields",
            "until_id",
            "user.fields",
            paging,
        } | ({"query", "sort_order"} if paging == "next_token" else {"exclude"})
        problem = _unknown_params(request, allowed)
        if problem:
            return 400, problem
        q = request.query
        max_results = q.get("max_results", "10")
        if not max_results.isdigit() or not low <= int(max_results) <= 100:
            return 400, _invalid(
                "max_results", max_results, f"max_results must be between {low} and 100"
            )
        rows = sorted(tweets, key=lambda t: int(t.id), reverse=True)
        if since := q.get("since_id"):
            rows = [t for t in rows if int(t.id) > int(since)]
        if until := q.get("until_id"):
            rows = [t for t in rows if int(t.id) < int(until)]
        if page_token := q.get(paging):
            after = _untoken(page_token)
            if after is None:
                return 400, _invalid(paging, page_token, f"Invalid '{paging}'")
            rows = [t for t in rows if int(t.id) < after]
        page = rows[: int(max_results)]
        if not page:
            return 200, {"meta": {"result_count": 0}}
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0].id,
            "oldest_id": page[-1].id,
        }
        if len(rows) > len(page):
            meta["next_token"] = _token(int(page[-1].id))
        body: dict[str, Any] = {
            "data": [t.as_json(_fields(request, "tweet.fields")) for t in page],
            "meta": meta,
        }
        includes = self._includes(request, page)
        if includes:
            body["includes"] = includes
        return 200, body

    def _includes(self, request: XRequest, page: Sequence[XTweet]) -> dict[str, Any]:
        expansions = _fields(request, "expansions")
        includes: dict[str, Any] = {}
        with self.data.lock:
            if "author_id" in expansions:
                authors = dict.fromkeys(t.author_id for t in page)
                users = [self.data.users[a] for a in authors if a in self.data.users]
                user_fields = _fields(request, "user.fields")
                includes["users"] = [u.as_json(user_fields) for u in users]
            if "attachments.media_keys" in expansions:
                keys = dict.fromkeys(k for t in page for k in t.media_keys)
                media_fields = _fields(request, "media.fields")
                media = [self.data.media[k].as_json(media_fields) for k in keys]
                if media:
                    includes["media"] = media
        return includes


def problem_body(status: int) -> dict[str, Any]:
    """X's problem body for an error status (as recorded or documented)."""
    if status == 401:
        return {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
    if status == 403:
        return _problem(403, "Forbidden", "You are not permitted to perform this action.")
    if status == 429:
        return {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
    if status >= 500:
        return {
            "title": "Service Unavailable",
            "detail": "Service Unavailable",
            "type": "about:blank",
            "status": status,
        }
    return _problem(status, "Error", f"HTTP {status}")


def _problem(status: int, title: str, detail: str, *, kind: str = "about:blank") -> dict[str, Any]:
    return {
        "title": title,
        "detail": detail,
        "type": kind if kind == "about:blank" else PROBLEMS + kind,
        "status": status,
    }


def _invalid(parameter: str, value: str, message: str) -> dict[str, Any]:
    """The recorded ``invalid-request`` shape (python-twitter's error_invalid_request.json)."""
    return {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }


def _unknown_params(request: XRequest, allowed: set[str]) -> dict[str, Any] | None:
    for name in request.query:
        if name not in allowed:
            known = ",".join(sorted(allowed))
            return _invalid(
                name,
                request.query[name],
                f"The query parameter [{name}] is not one of [{known}]",
            )
    return None


def _fields(request: XRequest, name: str) -> set[str]:
    return {f for f in request.query.get(name, "").split(",") if f}


def _token(after_id: int) -> str:
    # Opaque to clients, as X's are; it encodes where the next page starts.
    return "b26v89c19zqg8o3f" + format(after_id, "x")


def _untoken(token: str) -> int | None:
    if not token.startswith("b26v89c19zqg8o3f"):
        return None
    try:
        return int(token.removeprefix("b26v89c19zqg8o3f"), 16)
    except ValueError:
        return None


_ROUTES = (
    ("GET", re.compile(r"^/2/users/(\d+)/tweets$"), "tweets"),
    ("GET", re.compile(r"^/2/users/(\d+)/mentions$"), "mentions"),
    ("GET", re.compile(r"^/2/tweets/search/(recent)$"), "search"),
    ("GET", re.compile(r"^/2/users/(\d+)$"), "user"),
    ("PUT", re.compile(r"^/2/tweets/(\d+)/hidden$"), "hidden"),
)


def _route(method: str, path: str) -> tuple[str, str] | None:
    for route_method, pattern, name in _ROUTES:
        if method == route_method and (m := pattern.match(path)):
            return name, m.group(1)
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer
    timeout = 5
    # Headers and body go out in two writes; without TCP_NODELAY each answer
    # on a kept-alive connection waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def _owner(self) -> XServer:
        owner: XServer = self.server.owner
        return owner

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request = XRequest(
            method=self.command,
            path=parts.path,
            query={k: ",".join(v) for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        status, headers, payload = self._owner()._answer(request)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


# -- the demo account -------------------------------------------------------------------

SCHOOL_ID = "2000000001"


def demo_x_data(now: datetime, *, aup_url: str = "https://www.example-school.sch.uk/aup") -> XData:
    """A primary school's X account with a week of realistic posts, replies and mentions.

    The school (``@ExamplePrimary``, id ``2000000001``) posted three times;
    visitors replied and mentioned it: thanks, a fair complaint, an abusive
    reply, a reply asking a pupil to "dm me" and for their snap, and an
    abusive mention outside the school's conversations. Its bio links to
    ``aup_url``.
    """
    data = XData()
    data.add_user(
        SCHOOL_ID,
        "Example Primary School",
        "ExamplePrimary",
        description=("News from Example Primary School. Our ICT Acceptable Use Policy: " + aup_url),
        url="https://www.example-school.sch.uk",
    )
    people = {
        "parent": data.add_user("3000000001", "Sam Parent", "sam_parent_88"),
        "grandad": data.add_user("3000000002", "Grandad Joe", "grandadjoe"),
        "troll": data.add_user("3000000003", "anon", "xx_anon_xx"),
        "stranger": data.add_user("3000000004", "Cool Coach", "coolcoach2010"),
        "local": data.add_user("3000000005", "Local News", "townnews"),
    }

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    trip = data.post(
        SCHOOL_ID,
        "Year 4 had a brilliant day at the Science Museum! Photos on our blog: "
        "https://www.example-school.sch.uk/blog/y4-trip",
        ago(days=2, hours=3),
        media=[
            XMedia(
                media_key="3_1700000000000000001",
                type="photo",
                url="https://pbs.twimg.com/media/demo-trip.jpg",
                alt_text="Pupils looking at a steam engine in the museum",
            )
        ],
    )
    fair = data.post(
        SCHOOL_ID,
        "Reminder: school closes at 1pm on Friday for staff training.",
        ago(days=1, hours=5),
    )
    sports = data.post(
        SCHOOL_ID,
        "Well done to our football team for reaching the county final!",
        ago(hours=20),
    )
    data.post(
        people["grandad"].id,
        "What a wonderful trip, thank you to all the staff!",
        ago(days=2, hours=1),
        reply_to=trip,
    )
    data.post(
        people["parent"].id,
        "A bit more notice would have helped working parents, this is the second time "
        "this term. Could the newsletter give the dates earlier please?",
        ago(days=1, hours=2),
        reply_to=fair,
    )
    data.post(
        people["troll"].id,
        "this school is a f*cking joke, useless teachers",
        ago(hours=18),
        reply_to=sports,
    )
    data.post(
        people["stranger"].id,
        "great keeper in the final, what's your snap? dm me and I can get you trials",
        ago(hours=6),
        reply_to=sports,
    )
    data.post(
        people["local"].id, "Congratulations @ExamplePrimary on the county final!", ago(hours=10)
    )
    data.post(
        people["troll"].id, "@ExamplePrimary worst school in town, sh1t teachers", ago(hours=3)
    )
    return data


__all__ = [
    "SCHOOL_ID",
    "XData",
    "XMedia",
    "XRequest",
    "XServer",
    "XTweet",
    "XUser",
    "demo_x_data",
    "problem_body",
    "snowflake",
    "snowflake_time",
    "x_time",
]


# The handler is defined after the server class it serves.
XServer.handler_class = _Handler
