"""X (Twitter): the account's posts, its mentions and the replies in its conversations.

Strategy:

* **tweepy's ``Client`` on the X API v2, made safe.** tweepy builds every URL
  on the fixed host ``https://api.twitter.com`` and sets no timeout
  (platform-facts §3a). The client's documented ``session`` attribute is
  replaced by ``monitor.http.build_session`` with a rewrite from that host to
  ``api_url``: every request gets the configured timeouts, and tests or a
  proxy get the traffic, with no module global patched. ``wait_on_rate_limit``
  stays off: tweepy would sleep the calling worker for up to 15 minutes.
  ``return_type=dict`` keeps the API's JSON as it is, which is also the
  evidence stored in ``Item.raw``. tweepy's DEBUG log prints the bearer token;
  ``monitor.log`` keeps the ``tweepy`` logger at INFO or above.
* **Three streams, each with its own ``since_id``.** The account's own tweets
  (``get_users_tweets``), its mentions (``get_users_mentions``) and the
  replies in conversations it started (``search_recent_tweets`` with
  ``conversation_id:<root>`` terms, chunked to 512 characters). Each stream
  asks for ``author_id`` and ``attachments.media_keys`` expansions, so authors'
  names and media (type, url, alt text) come in the same answer. The cursor's
  ``position`` is JSON holding each stream's state and the account's recent
  conversation roots. We page by hand (``pagination_token`` for timelines,
  ``next_token`` for search) rather than with ``tweepy.Paginator``, which picks
  the parameter by the method's name: ``since_id`` stays fixed while paging
  and the next ``since_id`` is the first page's ``meta.newest_id``.
* **Bounded paging without loss.** At most ``max_pages`` pages per query and
  fetch. When a stream is cut short its ``since_id`` stays, the oldest id read
  becomes ``until_id`` and the newest id waits in ``newest_id``: the next
  fetch reads the older rest, and only then moves ``since_id`` on. The poller
  stores the cursor in the same transaction as the items, and any error
  (a 429 included) raises before anything is returned, so a rate-limit window
  never loses a tweet: the next fetch asks again from the same ids.
* **Which tweets can be hidden.** X hides only replies in a conversation the
  authenticated account started. A tweet by someone else whose
  ``conversation_id`` is one of the account's roots (remembered for
  ``CONVERSATION_MEMORY``) is a ``REPLY``; any other mention is a ``COMMENT``
  whose ``hide`` explains it must be reported or blocked by hand.
* **An access tier without search** answers ``search/recent`` 403: the fetch
  carries on with the account's tweets and mentions and says so once in
  ``FetchResult.notices``.
* **Errors** are translated at the edge: 429 -> ``RateLimited`` until
  ``x-rate-limit-reset`` (+1 s); 401 -> ``AuthExpired``; 403, 404, 400 ->
  ``PermanentError``; 5xx, timeouts and connection errors (raw ``requests``
  exceptions: tweepy does not wrap them) -> ``TemporaryError``. Messages name
  what to fix and never hold a secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
import tweepy

from monitor.config import HttpConfig, SecretRef, TwitterSource
from monitor.connector import Capabilities
from monitor.errors import (
    AuthExpired,
    PermanentError,
    PermissionMissing,
    RateLimited,
    TemporaryError,
)
from monitor.http import build_session, describe_failure, user_agent
from monitor.models import Cursor, FetchResult, HideResult, Item, ItemKind, Media, Profile, utcnow

#: the host tweepy hard-codes; requests to it are rewritten to ``api_url``
TWEEPY_HOST = "https://api.twitter.com"
#: pages read per query and fetch before the rest is left for the next fetch
MAX_PAGES = 10
PAGE_SIZE = 100
#: how long the account's conversations are searched for replies and recognised as its own
CONVERSATION_MEMORY = timedelta(days=30)
#: recent search reaches back this far; an older ``since_id`` is refused (HTTP 400)
SEARCH_WINDOW = timedelta(days=7)
#: slack against the clock moving between our check and X's
_SEARCH_SLACK = timedelta(minutes=5)
MAX_QUERY_LENGTH = 512
#: added to ``x-rate-limit-reset``: the window must really be over when we call again
RESET_MARGIN = timedelta(seconds=1)
#: X's standard rate-limit window, for a 429 that does not say when it ends
DEFAULT_WINDOW = timedelta(minutes=15)
TWITTER_EPOCH_MS = 1288834974657

TWEET_FIELDS = (
    "attachments",
    "author_id",
    "conversation_id",
    "created_at",
    "entities",
    "in_reply_to_user_id",
    "note_tweet",
    "referenced_tweets",
)
EXPANSIONS = ("author_id", "attachments.media_keys")
MEDIA_FIELDS = ("type", "url", "preview_image_url", "alt_text")
PROFILE_FIELDS = ("description", "url", "entities")

NO_SEARCH_NOTICE = (
    "X: this app's access tier cannot search recent posts, so replies in the account's "
    "conversations are not read (its own posts and its mentions still are); "
    "an access level with recent search lifts this"
)
MENTION_NOT_HIDEABLE = (
    "a mention outside the account's conversations cannot be hidden: report or block it by hand"
)

JSON = dict[str, Any]


class TwitterConnector:
    """One X account: own tweets, mentions, replies in its conversations; hides replies.

    ``capabilities.hide`` is true for the platform; hiding needs the four
    OAuth 1.0a secrets (``consumer_key``, ``consumer_secret``, ``access_token``,
    ``access_token_secret``) and without them ``hide``/``unhide`` raise
    ``PermanentError`` saying so, which the alert shows.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        hide=True, read_private_messages=False, read_profile=True
    )

    def __init__(
        self, source: TwitterSource, http: HttpConfig, *, max_pages: int = MAX_PAGES
    ) -> None:
        """Build the client; secrets are read now.

        Raises:
            ConfigError: a secret's variable is unset or its file unreadable.
        """
        self.source = source
        self.http = http
        self.max_pages = max_pages
        user_keys = (
            source.consumer_key,
            source.consumer_secret,
            source.access_token,
            source.access_token_secret,
        )
        secrets = [ref.resolve().get_secret_value() if ref else None for ref in user_keys]
        self._user_context = all(secrets)
        self._client = tweepy.Client(
            bearer_token=source.bearer_token.resolve().get_secret_value(),
            consumer_key=secrets[0],
            consumer_secret=secrets[1],
            access_token=secrets[2],
            access_token_secret=secrets[3],
            return_type=dict,
            wait_on_rate_limit=False,
        )
        # ``session`` and ``user_agent`` are documented Client attributes.
        self._client.session = build_session(
            connect_timeout=http.connect_timeout,
            read_timeout=http.read_timeout,
            rewrite_from=TWEEPY_HOST,
            rewrite_to=source.api_url,
        )
        self._client.user_agent = f"{user_agent()} Tweepy/{tweepy.__version__}"

    # -- Connector protocol -------------------------------------------------

    def fetch(self, cursor: Cursor) -> FetchResult:
        """Read what is new since ``cursor``: own tweets, mentions, replies in own conversations.

        Items may repeat across fetches (the store dedupes); within one fetch
        each tweet appears once. An access tier without recent search adds a
        notice and the rest is still read.

        Raises:
            RateLimited: HTTP 429; ``until`` is ``x-rate-limit-reset`` plus a second.
            AuthExpired: HTTP 401 (the bearer token was refused).
            PermanentError: HTTP 400, 403 or 404 on the timelines (wrong user_id,
                an app without access).
            TemporaryError: HTTP 5xx, timeout, connection failure, unreadable answer.
        """
        now = utcnow()
        state, warnings = _State.load(cursor.position)
        found = _Found()
        uid = self.source.user_id
        own = self._read_stream(
            "the account's posts",
            self._client.get_users_tweets,
            stream=state.tweets,
            found=found,
            warnings=warnings,
            id=uid,
        )
        roots = _recent_roots(state.conversations, now)
        new_roots = [
            tweet_id
            for tweet_id, t in found.tweets.items()
            if _is_id(tweet_id)
            and t.get("author_id") == uid
            and _is_root(t)
            and tweet_id not in roots
        ]
        roots |= {r for r in new_roots if _snowflake_time(r) > now - CONVERSATION_MEMORY}
        mentions = self._read_stream(
            "mentions",
            self._client.get_users_mentions,
            stream=state.mentions,
            found=found,
            warnings=warnings,
            id=uid,
        )
        notices: list[str] = []
        replies = state.replies
        if roots:
            try:
                replies = self._read_replies(
                    state.replies,
                    roots=roots,
                    new_roots=new_roots,
                    found=found,
                    warnings=warnings,
                    now=now,
                )
            except _SearchForbiddenError:
                notices.append(NO_SEARCH_NOTICE)
        items: list[Item] = []
        for tweet in found.tweets.values():
            try:
                items.append(self._item(tweet, found, roots))
            except Exception as err:  # one odd tweet must not lose the rest
                warnings.append(f"X: skipped tweet {tweet.get('id')!r}: {type(err).__name__}")
        if found.skipped:
            warnings.append(f"X: skipped {found.skipped} entries that are not tweets with an id")
        new_state = _State(
            tweets=own, mentions=mentions, replies=replies, conversations=sorted(roots, key=int)
        )
        return FetchResult(
            items=tuple(sorted(items, key=lambda i: int(i.platform_id))),
            cursor=Cursor(position=new_state.dump()),
            warnings=tuple(warnings),
            notices=tuple(notices),
        )

    def hide(self, item: Item) -> HideResult:
        """Hide a reply in a conversation the account started (``PUT /2/tweets/:id/hidden``).

        Raises:
            PermanentError: the OAuth 1.0a secrets are not configured; ``item``
                is a mention outside the account's conversations, or the
                account's own post; X refused (HTTP 403/404).
            AuthExpired: X refused the OAuth 1.0a keys (HTTP 401).
            RateLimited, TemporaryError: as ``fetch``.
        """
        return self._set_hidden(item, hidden=True)

    def unhide(self, item: Item) -> HideResult:
        """Show again a reply hidden earlier (``findings allow``).

        Raises:
            The same as ``hide``.
        """
        return self._set_hidden(item, hidden=False)

    def read_profile(self) -> Profile | None:
        """The account's name, bio and links, t.co links expanded through ``entities``.

        ``about`` is the bio; ``links`` the profile's website and every link in
        the bio; ``url`` the profile's address on x.com.

        Raises:
            PermanentError: no account has ``user_id``; HTTP 400/403/404.
            AuthExpired, RateLimited, TemporaryError: as ``fetch``.
        """
        body = self._call(
            "reading the profile",
            self._client.get_user,
            id=self.source.user_id,
            user_fields=list(PROFILE_FIELDS),
        )
        user = body.get("data")
        if not isinstance(user, dict):
            raise PermanentError(
                f"X: no account has user_id {self.source.user_id} "
                f"({_problem_text(body) or 'no data'}): check sources.{self.source.name}.user_id"
            )
        entities = user.get("entities") or {}
        bio_urls = _urls(entities.get("description"))
        site_urls = _urls(entities.get("url"))
        links = [u.get("expanded_url") or u.get("url") for u in (*site_urls, *bio_urls)]
        if user.get("url") and not site_urls:
            links.insert(0, user["url"])
        username = user.get("username") or ""
        return Profile(
            name=str(user.get("name") or username),
            about=_expand(str(user.get("description") or ""), bio_urls),
            links=tuple(dict.fromkeys(str(link) for link in links if link)),
            url=f"https://x.com/{username}" if username else None,
        )

    def close(self) -> None:
        """Close the HTTP session's pooled connections."""
        self._client.session.close()

    # -- reading --------------------------------------------------------------

    def _read_stream(
        self,
        label: str,
        method: Callable[..., Any],
        *,
        stream: _Stream,
        found: _Found,
        warnings: list[str],
        **params: Any,
    ) -> _Stream:
        """Read one timeline from ``stream``'s position; return the stream's next state."""
        read = self._read(
            label, method, paging="pagination_token", stream=stream, found=found, **params
        )
        if not read.complete:
            warnings.append(self._cut_short(label))
        return stream.advanced([read])

    def _read_replies(
        self,
        stream: _Stream,
        *,
        roots: set[str],
        new_roots: Sequence[str],
        found: _Found,
        warnings: list[str],
        now: datetime,
    ) -> _Stream:
        """Search the account's conversations for replies; return the stream's next state.

        Raises:
            _SearchForbiddenError: the access tier cannot search (HTTP 403).
        """
        start = stream
        if new_roots:
            # Replies to a conversation first seen now may be older than
            # since_id: read from its root, and restart a backfill that did
            # not include it.
            oldest_new = min(new_roots, key=int)
            since = start.since_id
            if since is not None and int(oldest_new) < int(since):
                since = oldest_new
            start = _Stream(since_id=since, newest_id=start.newest_id)
        earliest = now - SEARCH_WINDOW + _SEARCH_SLACK
        if start.until_id is not None and _snowflake_time(start.until_id) < earliest:
            # What is left of the backfill is older than search can reach.
            start = _Stream(since_id=_max_id(start.since_id, start.newest_id))
        if start.since_id is not None and _snowflake_time(start.since_id) < earliest:
            start = replace(start, since_id=None)
        reads = [
            self._read(
                "replies",
                self._client.search_recent_tweets,
                paging="next_token",
                stream=start,
                found=found,
                forbidden=True,
                query=query,
            )
            for query in _queries(roots)
        ]
        if not all(r.complete for r in reads):
            warnings.append(self._cut_short("replies"))
        return start.advanced(reads)

    def _read(
        self,
        label: str,
        method: Callable[..., Any],
        *,
        paging: str,
        stream: _Stream,
        found: _Found,
        forbidden: bool = False,
        **params: Any,
    ) -> _Read:
        """Page through one query from ``stream``'s position, at most ``max_pages`` pages."""
        params.update(
            max_results=PAGE_SIZE,
            tweet_fields=list(TWEET_FIELDS),
            expansions=list(EXPANSIONS),
            media_fields=list(MEDIA_FIELDS),
        )
        if stream.since_id is not None:
            params["since_id"] = stream.since_id
        if stream.until_id is not None:
            params["until_id"] = stream.until_id
        read = _Read()
        token: str | None = None
        for page in range(self.max_pages):
            args = {**params, paging: token} if token else params
            body = self._call(f"reading {label}", method, search=forbidden, **args)
            _check_envelope(body, f"X ({self.source.name}) reading {label}")
            meta = body.get("meta") or {}
            if page == 0:
                read.newest_id = _id_or_none(meta.get("newest_id"))
            found.add(body)
            read.oldest_id = _id_or_none(meta.get("oldest_id")) or read.oldest_id
            token = meta.get("next_token")
            if not token:
                return read
        read.complete = False
        return read

    def _cut_short(self, label: str) -> str:
        return (
            f"X {label}: more than {self.max_pages * PAGE_SIZE} new since the last poll; "
            "the newest were read and the older ones are read on the next poll"
        )

    # -- mapping --------------------------------------------------------------

    def _item(self, tweet: JSON, found: _Found, roots: set[str]) -> Item:
        """Map one tweet to an ``Item``.

        Raises:
            Exception: a tweet without an id or with odd fields (the caller warns).
        """
        tweet_id = str(tweet["id"])
        if not _is_id(tweet_id):
            raise ValueError(f"not a tweet id: {tweet_id!r}")
        author_id = str(tweet.get("author_id") or "")
        author = found.users.get(author_id, {})
        username = _text_or_none(author.get("username"))
        parent = next(
            (
                str(ref["id"])
                for ref in tweet.get("referenced_tweets") or ()
                if ref.get("type") == "replied_to"
            ),
            None,
        )
        is_own = author_id == self.source.user_id
        if is_own:
            kind = ItemKind.REPLY if parent else ItemKind.POST
        elif parent and str(tweet.get("conversation_id")) in roots:
            kind = ItemKind.REPLY
        else:
            kind = ItemKind.COMMENT
        note = tweet.get("note_tweet") or {}
        if note.get("text"):  # a long post: the full text is here, ``text`` is cut
            text = _expand(str(note["text"]), _urls(note.get("entities")))
        else:
            text = _expand(str(tweet.get("text") or ""), _urls(tweet.get("entities")))
        keys = (tweet.get("attachments") or {}).get("media_keys") or ()
        media = [found.media[k] for k in keys if k in found.media]
        created = tweet.get("created_at")
        name = _text_or_none(author.get("name"))
        return Item(
            source=self.source.name,
            platform_id=tweet_id,
            kind=kind,
            text=text,
            created_at=_tweet_time(created, tweet_id),
            parent_id=parent,
            author_id=author_id or None,
            author_name=f"{name} (@{username})" if name and username else (name or username),
            is_own=is_own,
            media=tuple(
                Media(
                    url=str(m.get("url") or m.get("preview_image_url") or ""),
                    type=str(m.get("type") or ""),
                    alt_text=str(m.get("alt_text") or ""),
                )
                for m in media
            ),
            permalink=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
            raw={"tweet": tweet, "author": author or None, "media": media},
        )

    # -- acting ----------------------------------------------------------------

    def _set_hidden(self, item: Item, *, hidden: bool) -> HideResult:
        verb = "hide" if hidden else "unhide"
        if not self._user_context:
            raise PermanentError(
                f"hiding replies needs consumer_key, consumer_secret, access_token and "
                f"access_token_secret configured for sources.{self.source.name} (each as _env "
                "or _file): without them X lets us read but not moderate"
            )
        if item.is_own:
            raise PermanentError(f"the account's own post cannot be {verb}den through the API")
        if item.kind is not ItemKind.REPLY:
            raise PermanentError(MENTION_NOT_HIDEABLE)
        method = self._client.hide_reply if hidden else self._client.unhide_reply
        body = self._call(
            f"{verb} reply {item.platform_id}", method, user=True, id=item.platform_id
        )
        answer = (body.get("data") or {}).get("hidden")
        if answer is hidden:
            done = "hidden on X (its author is not told)" if hidden else "shown again on X"
            return HideResult(ok=True, detail=done)
        return HideResult(ok=False, detail=f"X answered hidden={answer!r}")

    # -- the edge: one request, one translation ----------------------------------

    def _call(
        self,
        what: str,
        method: Callable[..., Any],
        *,
        user: bool = False,
        search: bool = False,
        **params: Any,
    ) -> JSON:
        """Call one tweepy method once and return its JSON, or raise one of our errors.

        ``user`` says the call uses the OAuth 1.0a keys (for messages);
        ``search`` turns a 403 into ``_SearchForbiddenError``.
        """
        where = f"X ({self.source.name}) {what}"
        try:
            body = method(**params)
        except tweepy.TooManyRequests as err:
            raise _rate_limited(where, err.reset_time) from err
        except tweepy.Unauthorized as err:
            raise AuthExpired(self._unauthorised(where, user=user)) from err
        except tweepy.Forbidden as err:
            problem = _problem(err.response)
            if search:
                raise _SearchForbiddenError(f"{where}: {_describe(problem)}") from err
            raise self._forbidden(where, problem, user=user) from err
        except tweepy.TwitterServerError as err:
            raise TemporaryError(
                f"{where}: X failed (HTTP {err.response.status_code}); will retry"
            ) from err
        except tweepy.NotFound as err:
            raise PermanentError(
                f"{where}: not found (HTTP 404: {_describe(_problem(err.response))}); "
                f"check sources.{self.source.name}.user_id, or the post was deleted"
            ) from err
        except tweepy.HTTPException as err:
            status = err.response.status_code
            raise PermanentError(
                f"{where}: X refused the request (HTTP {status}: "
                f"{_describe(_problem(err.response))})"
            ) from err
        except requests.Timeout as err:
            raise TemporaryError(
                f"{where}: timed out (connect {self.http.connect_timeout:g}s, "
                f"read {self.http.read_timeout:g}s)"
            ) from err
        except requests.ConnectionError as err:
            raise TemporaryError(f"{where}: {describe_failure(err)}") from err
        except requests.RequestException as err:  # includes an unreadable JSON body
            raise TemporaryError(f"{where}: {describe_failure(err)}") from err
        except tweepy.TweepyException as err:
            raise PermanentError(f"{where}: {type(err).__name__}: {_one_line(err)}") from err
        if not isinstance(body, dict):
            raise TemporaryError(f"{where}: unreadable answer from X")
        return body

    def _unauthorised(self, where: str, *, user: bool) -> str:
        source = self.source
        if user:
            token = _secret_key("access_token", source.access_token)
            secret = _secret_key("access_token_secret", source.access_token_secret)
            return (
                f"{where}: X refused the OAuth 1.0a keys (HTTP 401): regenerate the access "
                f"token and secret for the school's account in the X developer portal and store "
                f"them where {token} and {secret} point (and the consumer keys if they were "
                "regenerated)"
            )
        return (
            f"{where}: X refused the bearer token (HTTP 401): it was revoked or regenerated; "
            f"put the app's current bearer token where "
            f"{_secret_key('bearer_token', source.bearer_token)} points"
        )

    def _forbidden(self, where: str, problem: JSON, *, user: bool) -> PermanentError:
        """The error for a 403: ``PermissionMissing`` when the app may only read."""
        kind = str(problem.get("type") or "")
        text = _describe(problem)
        if kind.endswith("oauth1-permissions") or "oauth1 app permissions" in text:
            return PermissionMissing(
                f"{where}: permission missing (HTTP 403: {text}): set the app's permissions to "
                "'Read and write' in the X developer portal, then regenerate the access token "
                "and secret"
            )
        if user:
            fix = "X allows hiding only replies in conversations the account started"
        else:
            fix = (
                "check the app is attached to a Project with X API v2 access and that the "
                "account is neither protected nor suspended"
            )
        return PermanentError(f"{where}: access refused (HTTP 403: {text}): {fix}")


# -- the cursor -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stream:
    """Where one stream stands: ``since_id``, and a backfill's ``until_id``/``newest_id``."""

    since_id: str | None = None
    until_id: str | None = None
    newest_id: str | None = None

    def advanced(self, reads: Sequence[_Read]) -> _Stream:
        """The state after ``reads`` from this position (all complete, or some cut short)."""
        newest = _max_id(self.newest_id, *(r.newest_id for r in reads))
        cut = [r.oldest_id for r in reads if not r.complete and r.oldest_id]
        if not cut:
            return _Stream(since_id=_max_id(self.since_id, newest))
        # Over-reading is harmless (the store dedupes); under-reading is not,
        # so the backfill resumes below the highest point any query stopped at.
        return _Stream(since_id=self.since_id, until_id=_max_id(*cut), newest_id=newest)

    def as_json(self) -> JSON:
        ids = {"since_id": self.since_id, "until_id": self.until_id, "newest_id": self.newest_id}
        return {k: v for k, v in ids.items() if v}

    @classmethod
    def from_json(cls, value: object) -> _Stream:
        if not isinstance(value, dict):
            return cls()
        ids = {k: value.get(k) for k in ("since_id", "until_id", "newest_id")}
        return cls(**{k: str(v) for k, v in ids.items() if isinstance(v, str | int)})


@dataclass(frozen=True, slots=True)
class _State:
    """The whole cursor: three streams and the account's recent conversation roots."""

    tweets: _Stream = _Stream()
    mentions: _Stream = _Stream()
    replies: _Stream = _Stream()
    conversations: Sequence[str] = ()

    def dump(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "tweets": self.tweets.as_json(),
                "mentions": self.mentions.as_json(),
                "replies": self.replies.as_json(),
                "conversations": list(self.conversations),
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, position: str | None) -> tuple[_State, list[str]]:
        """The state in ``position`` (fresh when None) and any warning about it."""
        if not position:
            return cls(), []
        try:
            data = json.loads(position)
            if not isinstance(data, dict) or data.get("v") != 1:
                raise ValueError("not a version 1 cursor")
        except ValueError:
            return cls(), ["X: the stored cursor was unreadable; reading from the start"]
        roots = data.get("conversations") or []
        return (
            cls(
                tweets=_Stream.from_json(data.get("tweets")),
                mentions=_Stream.from_json(data.get("mentions")),
                replies=_Stream.from_json(data.get("replies")),
                conversations=[str(r) for r in roots if str(r).isdigit()],
            ),
            [],
        )


@dataclass(slots=True)
class _Read:
    """What paging through one query found out about its range."""

    newest_id: str | None = None
    oldest_id: str | None = None
    complete: bool = True


@dataclass(slots=True)
class _Found:
    """Tweets, users and media of one fetch, by id (each tweet once)."""

    tweets: dict[str, JSON] = field(default_factory=dict)
    users: dict[str, JSON] = field(default_factory=dict)
    media: dict[str, JSON] = field(default_factory=dict)
    #: entries of ``data`` that are not tweets with an id (the fetch warns)
    skipped: int = 0

    def add(self, body: Mapping[str, Any]) -> None:
        for tweet in body.get("data") or ():
            if isinstance(tweet, dict) and tweet.get("id"):
                self.tweets.setdefault(str(tweet["id"]), tweet)
            else:
                self.skipped += 1
        includes = body.get("includes") or {}
        for user in includes.get("users") or ():
            if isinstance(user, dict) and user.get("id"):
                self.users[str(user["id"])] = user
        for media in includes.get("media") or ():
            if isinstance(media, dict) and media.get("media_key"):
                self.media[str(media["media_key"])] = media


class _SearchForbiddenError(PermanentError):
    """Recent search answered 403: this access tier cannot search."""


# -- helpers ------------------------------------------------------------------------


def _rate_limited(where: str, reset: int | None) -> RateLimited:
    """The error for a 429: wait until the reset X gave (plus a second), or one window."""
    if reset is not None:
        until = datetime.fromtimestamp(reset, UTC) + RESET_MARGIN
    else:
        until = utcnow() + DEFAULT_WINDOW
    return RateLimited(
        f"{where}: rate limit reached (HTTP 429); paused until {until:%H:%M:%S} UTC", until
    )


def _secret_key(name: str, ref: SecretRef | None) -> str:
    """Where the config keeps a secret, for messages: ``bearer_token_env = X_BEARER``."""
    if ref is None:
        return f"{name}_env/_file"
    return f"{name}_env = {ref.env}" if ref.env else f"{name}_file = {ref.file}"


def _problem(response: Any) -> JSON:
    """The JSON problem body of an error response, or an empty dict."""
    try:
        body = response.json()
    except (ValueError, AttributeError):
        return {}
    return body if isinstance(body, dict) else {}


def _problem_text(body: Mapping[str, Any]) -> str:
    """The first error's detail in a 200 answer that has ``errors`` and no ``data``."""
    errors = body.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return _clip(str(first.get("detail") or first.get("message") or first.get("title") or ""))


def _describe(problem: Mapping[str, Any]) -> str:
    """A problem body in one short line: its title and detail, or its errors' messages."""
    parts = [str(problem[k]) for k in ("title", "detail") if problem.get(k)]
    if not parts:
        parts = [
            str(e.get("message") or e.get("detail"))
            for e in problem.get("errors") or ()
            if isinstance(e, dict) and (e.get("message") or e.get("detail"))
        ]
    return _clip(": ".join(parts) or "no details")


def _clip(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _one_line(err: BaseException) -> str:
    return _clip(str(err) or type(err).__name__)


def _urls(entities: object) -> list[JSON]:
    """The ``urls`` list of an entities object (tweet, note or profile part)."""
    if not isinstance(entities, dict):
        return []
    return [u for u in entities.get("urls") or () if isinstance(u, dict)]


def _expand(text: str, urls: Iterable[Mapping[str, Any]]) -> str:
    """``text`` with each t.co link replaced by the address it stands for.

    The rules then see where a link really goes. Replacing by string, not by
    the entities' indices, is immune to how those indices count characters.
    """
    for url in urls:
        short, expanded = url.get("url"), url.get("expanded_url")
        if isinstance(short, str) and isinstance(expanded, str) and short:
            text = text.replace(short, expanded)
    return text


def _is_root(tweet: Mapping[str, Any]) -> bool:
    """Whether ``tweet`` starts its conversation."""
    conversation = tweet.get("conversation_id")
    if conversation is not None:
        return str(conversation) == str(tweet.get("id"))
    references = tweet.get("referenced_tweets")
    return not any(
        isinstance(r, dict) and r.get("type") == "replied_to"
        for r in (references if isinstance(references, list) else ())
    )


def _recent_roots(roots: Iterable[str], now: datetime) -> set[str]:
    return {r for r in roots if _snowflake_time(r) > now - CONVERSATION_MEMORY}


def _queries(roots: Iterable[str]) -> list[str]:
    """``conversation_id:`` terms joined by OR, newest first, each query within the length limit."""
    queries: list[str] = []
    current = ""
    for root in sorted(roots, key=int, reverse=True):
        term = f"conversation_id:{root}"
        candidate = f"{current} OR {term}" if current else term
        if len(candidate) > MAX_QUERY_LENGTH:
            queries.append(current)
            candidate = term
        current = candidate
    if current:
        queries.append(current)
    return queries


def _max_id(*ids: str | None) -> str | None:
    """The greatest tweet id (compared as numbers), or None."""
    present = [i for i in ids if i]
    return max(present, key=int) if present else None


def _snowflake_time(tweet_id: str) -> datetime:
    """When a tweet was created, read from its snowflake id."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def _parse_time(value: str) -> datetime:
    """X's ``2021-02-24T02:13:43.000Z`` as aware UTC."""
    return datetime.fromisoformat(value).astimezone(UTC)


def _tweet_time(created: object, tweet_id: str) -> datetime:
    """``created_at`` as aware UTC, or the time in the tweet's id when it is unreadable."""
    if isinstance(created, str) and created:
        try:
            parsed = _parse_time(created)
        except (ValueError, OverflowError):
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    return _snowflake_time(tweet_id)


def _is_id(value: object) -> bool:
    """Whether ``value`` is an X id: a string of up to 19 ASCII digits (a 64-bit snowflake)."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19


def _id_or_none(value: object) -> str | None:
    """An id from ``meta`` (``newest_id``, ``oldest_id``) when it is one, else None."""
    return value if isinstance(value, str) and _is_id(value) else None


def _text_or_none(value: object) -> str | None:
    """A user's name or username when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def _check_envelope(body: Mapping[str, Any], where: str) -> None:
    """Refuse an answer whose ``data``/``includes``/``meta`` are not the shapes X sends.

    Raises:
        PermanentError: the envelope is wrong, so its tweets cannot be read.
    """
    includes, meta = body.get("includes"), body.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    wrong = [
        name
        for name, value, kind in (
            ("data", body.get("data"), list),
            ("includes", includes, dict),
            ("meta", meta, dict),
            ("includes.users", includes.get("users") if isinstance(includes, dict) else None, list),
            ("includes.media", includes.get("media") if isinstance(includes, dict) else None, list),
            ("meta.next_token", token, str),
        )
        if value is not None and not isinstance(value, kind)
    ]
    if wrong:
        raise PermanentError(f"{where}: X answered in an unexpected shape ({', '.join(wrong)})")


__all__ = ["NO_SEARCH_NOTICE", "TwitterConnector"]
