"""Shared Graph API plumbing for the Facebook Page and Instagram connectors.

facebook-sdk 3.1.0 is old (platform-facts §3b), so it is used through one
narrow door, ``GraphClient``:

* **No module globals are touched.** The SDK builds every URL from
  ``https://graph.facebook.com/``; the client's requests session (from
  ``monitor.http.build_session``) rewrites that prefix to the source's
  ``api_url`` and applies a default timeout, so two sources with different
  ``api_url`` work side by side in one process.
* **A current version.** ``GraphAPI(version=...)`` rejects anything newer than
  3.1, so the client is built without one and its public ``version``
  attribute is set to the configured ``api_version`` (``v26.0``).
* **What the SDK throws away is kept.** It ignores the HTTP status and the
  usage headers, and raises ``KeyError`` on a body without ``Content-Type``.
  A response hook on the session records the status and the
  ``X-App-Usage``/``X-Page-Usage``/``X-Business-Use-Case-Usage`` headers, and
  reads the body itself so a body over the size limit is refused before it
  is held in memory.
* **Errors are translated here** into the project's family; nothing from
  ``facebook`` or ``requests`` crosses the connector's edge. The token rides
  in the URL's query string, so every message is scrubbed of it.
* **Paging** follows ``paging.next`` to the end with the cursor arguments of
  the ``next`` URL, re-requesting the same path (never the host in ``next``),
  and stops at a request budget the connector gives it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import facebook
import requests
from pydantic import SecretStr

from monitor.config import GraphSource, HttpConfig
from monitor.errors import (
    AuthExpired,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SourceError,
    TemporaryError,
)
from monitor.http import build_session, describe_failure
from monitor.log import REDACTED, scrub

GRAPH_URL = "https://graph.facebook.com"
#: the issue's floor: a Graph answer up to 5 MB is always accepted (one comment can be 1 MB)
MIN_BODY_LIMIT = 5 * 1024 * 1024
#: how long to stay away when a throttle announces no time (the issue: "back off from one minute")
DEFAULT_BACKOFF = timedelta(minutes=1)
USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage")

_AUTH_CODES = frozenset({102, 190})
# 4 app, 17 user, 32 page, 613 API-specific; 80000-80014 the Business Use Case family.
_RATE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
_TRANSIENT_CODES = frozenset({1, 2})
_CHUNK = 64 * 1024


class ResponseTooLarge(Exception):
    """A Graph answer was larger than the limit; raised from the session hook."""


def parse_time(value: object) -> datetime:
    """A Graph timestamp (``2021-07-04T19:50:58+0000``) as an aware UTC datetime.

    Raises:
        ValueError: not a string of that form.
    """
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except OverflowError as err:  # 0001-01-01T00:00:00+0100 has no UTC form
        raise ValueError(f"not a timestamp in range: {value!r}") from err


def time_or_none(value: object) -> datetime | None:
    """``parse_time(value)``, or None when it is not a Graph timestamp."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def item_time(
    data: Mapping[str, Any], key: str, now: datetime, warnings: list[str], where: str
) -> datetime:
    """``data[key]`` as UTC, or ``now`` with a warning: an item is never dropped for its time."""
    found = time_or_none(data.get(key))
    if found is None:
        warnings.append(f"{where}: {data.get('id')} has no readable {key}; using now")
        return now
    return found


@dataclass(slots=True)
class LastResponse:
    """What the SDK does not tell us about the most recent answer."""

    status: int | None = None
    content_type: str | None = None
    usage: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Budget:
    """How many requests one fetch may still make; shared by every paging loop of it."""

    limit: int
    used: int = 0

    @property
    def left(self) -> int:
        """Requests still allowed."""
        return self.limit - self.used

    def spend(self) -> None:
        """Count one request."""
        self.used += 1


class GraphClient:
    """One source's facebook-sdk ``GraphAPI`` with a timeout, a version and an ``api_url``.

    ``where`` names the source in every message (``facebook_page "fb"``);
    ``token_hint`` says where the token is configured (``token_env = FB_TOKEN``)
    without ever containing it; ``permissions`` is what an admin must grant,
    for the "permission missing" messages.
    """

    @classmethod
    def for_source(
        cls, source: GraphSource, http: HttpConfig, *, where: str, permissions: str
    ) -> GraphClient:
        """The client for a Page or Instagram source, its token resolved now.

        Raises:
            ConfigError: the token cannot be resolved.
        """
        ref = source.token
        hint = f"token_env = {ref.env}" if ref.env else f"token_file = {ref.file}"
        return cls(
            token=ref.resolve(),
            api_url=source.api_url,
            api_version=source.api_version,
            http=http,
            where=where,
            token_hint=hint,
            permissions=permissions,
        )

    def __init__(
        self,
        *,
        token: SecretStr,
        api_url: str,
        api_version: str,
        http: HttpConfig,
        where: str,
        token_hint: str,
        permissions: str,
    ) -> None:
        self.where = where
        self.token_hint = token_hint
        self.permissions = permissions
        self.body_limit = max(http.max_bytes, MIN_BODY_LIMIT)
        self.last = LastResponse()
        self._token = token
        self._session = build_session(
            connect_timeout=http.connect_timeout,
            read_timeout=http.read_timeout,
            rewrite_from=GRAPH_URL,
            rewrite_to=api_url,
        )
        self._session.hooks["response"].append(self._on_response)
        self._graph = facebook.GraphAPI(
            access_token=token.get_secret_value(),
            timeout=(http.connect_timeout, http.read_timeout),
            session=self._session,
        )
        # The SDK's version check only knows 2.8-3.1 (all long expired); its
        # public attribute is what every path is built from.
        self._graph.version = api_version
        self.version = api_version

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    # -- requests -------------------------------------------------------------

    def get(
        self, path: str, args: Mapping[str, str] | None = None, *, permission: str | None = None
    ) -> dict[str, Any]:
        """``GET /{version}/{path}`` and return the JSON object.

        Raises:
            TemporaryError, RateLimited, AuthExpired, PermanentError: as ``translate``.
        """
        return self._request(path, args=dict(args or {}), permission=permission)

    def post(
        self, path: str, data: Mapping[str, str], *, permission: str | None = None
    ) -> dict[str, Any]:
        """``POST /{version}/{path}`` with form ``data`` and return the JSON object.

        Raises:
            TemporaryError, RateLimited, AuthExpired, PermanentError: as ``translate``.
        """
        return self._request(path, post_args=dict(data), permission=permission)

    def pages(
        self,
        path: str,
        args: Mapping[str, str],
        budget: Budget,
        *,
        permission: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield each page (``{"data": [...], "paging": ...}``) of an edge, following ``next``.

        Stops at the last page (no ``paging.next``; an empty page with a
        ``next`` is not the end) or when ``budget`` is spent; the caller tells
        the two apart with ``budget.left``.

        Raises:
            TemporaryError, RateLimited, AuthExpired, PermanentError: as ``translate``.
        """
        current: dict[str, str] = dict(args)
        while budget.left > 0:
            budget.spend()
            page = self._request(path, args=current, permission=permission)
            self._check_page(page, path)
            yield page
            paging = page.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            if not isinstance(following, str) or not following:
                return
            # The next URL carries every argument plus the cursor (and the
            # token, which the SDK adds again): keep the path and version we
            # chose, take the arguments.
            current = {k: v for k, v in parse_qsl(urlsplit(following).query) if k != "access_token"}

    def _check_page(self, page: Mapping[str, Any], path: str) -> None:
        """Refuse a listing whose envelope is wrong: its items cannot be told apart from it.

        Raises:
            PermanentError: ``data`` is not a list, or ``paging`` (or its ``next``) not
                the shape the Graph API sends.
        """
        data, paging = page.get("data"), page.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        if (
            (data is not None and not isinstance(data, list))
            or (paging and not isinstance(paging, dict))
            or (following is not None and not isinstance(following, str))
        ):
            raise PermanentError(
                f"{self.where}: the Graph API answered {path} with an unexpected shape "
                "(data or paging); will retry next poll"
            )

    def _request(
        self,
        path: str,
        *,
        args: dict[str, str] | None = None,
        post_args: dict[str, str] | None = None,
        permission: str | None = None,
    ) -> dict[str, Any]:
        self.last = LastResponse()
        try:
            result = self._graph.request(f"{self.version}/{path}", args=args, post_args=post_args)
        except (facebook.GraphAPIError, requests.RequestException, ResponseTooLarge) as err:
            raise self.translate(err, permission=permission) from err
        except KeyError as err:
            # facebook-sdk reads headers["content-type"] unguarded.
            raise self._no_content_type() from err
        if self.last.status is not None and self.last.status >= 400:
            # The SDK ignores the status: a 5xx whose JSON body is not a Graph
            # error (``{}`` from a proxy) would otherwise read as an empty page.
            raise self._by_status("an error without a Graph error body")
        if not isinstance(result, dict):
            raise PermanentError(f"{self.where}: the Graph API answered {path} with no object")
        return result

    def _on_response(self, response: requests.Response, **_: Any) -> requests.Response:
        """Record status and usage headers; read the body within the limit.

        Runs before requests reads the body (``Session.send`` dispatches the
        response hook first), so an oversized body is never fully held.
        """
        self.last = LastResponse(
            status=response.status_code,
            content_type=response.headers.get("Content-Type"),
            usage={h: response.headers[h] for h in USAGE_HEADERS if h in response.headers},
        )
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.body_limit:
            response.close()
            raise ResponseTooLarge(declared)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > self.body_limit:
                response.close()
                raise ResponseTooLarge(str(size))
            chunks.append(chunk)
        # requests keeps a read body in ``_content``; setting it is how a
        # hook hands over a body it consumed (``.json()`` reads it from there).
        response._content = b"".join(chunks)
        return response

    # -- errors ---------------------------------------------------------------

    def clean(self, text: str) -> str:
        """``text`` without the token (literal or as ``access_token=``), on one line."""
        text = text.replace(self._token.get_secret_value(), REDACTED)
        line = " ".join(scrub(text).split())
        return line if len(line) <= 400 else line[:399] + "…"

    def translate(self, err: Exception, *, permission: str | None = None) -> SourceError:
        """The project error for an SDK, requests or size exception (see the module docstring).

        ``permission`` names what the call needs, for code 10/200 messages.
        """
        now = datetime.now(UTC)
        if isinstance(err, ResponseTooLarge):
            return PermanentError(
                f"{self.where}: the Graph API sent more than {self.body_limit // (1024 * 1024)} MB "
                "in one answer; raise http.max_bytes"
            )
        if isinstance(err, requests.Timeout):
            return TemporaryError(f"{self.where}: the Graph API timed out; will retry")
        if isinstance(err, requests.exceptions.JSONDecodeError):
            return self._by_status("an unreadable JSON body")
        if isinstance(err, requests.RequestException):
            return TemporaryError(
                f"{self.where}: could not reach the Graph API: {describe_failure(err)}"
            )
        if isinstance(err, facebook.GraphAPIError):
            body = err.result if isinstance(err.result, dict) else None
            error = body.get("error") if body else None
            if isinstance(error, dict):
                return self._graph_error(error, now, permission)
            return self._by_status(f"an answer that is not JSON ({self.last.content_type})")
        return TemporaryError(f"{self.where}: {type(err).__name__}: {self.clean(str(err))}")

    def _graph_error(
        self, error: Mapping[str, Any], now: datetime, permission: str | None
    ) -> SourceError:
        code = error.get("code")
        subcode = error.get("error_subcode")
        message = self.clean(str(error.get("message") or "no message"))
        label = f"Graph error {code}" + (f"/{subcode}" if subcode else "")
        if code in _AUTH_CODES:
            return AuthExpired(
                f"{self.where}: the access token was refused ({label}: {message}). "
                f"Generate a new token for an account with {self.permissions} and store it "
                f"where {self.token_hint} points; the next poll tries again."
            )
        if code in _RATE_CODES or code == 368:
            until, announced = self.regain_at(now)
            how = "as the usage headers announce" if announced else "no time announced"
            return RateLimited(
                f"{self.where}: rate limited by the Graph API ({label}: {message}); "
                f"waiting until {until:%Y-%m-%d %H:%M:%S} UTC ({how})",
                until,
            )
        if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            needed = permission or self.permissions
            return PermissionMissing(
                f"{self.where}: permission missing: grant {needed} to the token "
                f"({label}: {message})"
            )
        status = self.last.status or 0
        if code in _TRANSIENT_CODES or error.get("is_transient") is True or status >= 500:
            return TemporaryError(f"{self.where}: the Graph API failed ({label}: {message})")
        return PermanentError(
            f"{self.where}: the Graph API refused the request ({label}: {message})"
        )

    def regain_at(self, now: datetime) -> tuple[datetime, bool]:
        """When the usage headers say access returns, and whether they said so at all.

        The longest ``estimated_time_to_regain_access`` (minutes) in any usage
        header wins; without one (or with 0) it is ``DEFAULT_BACKOFF`` from now.
        """
        minutes = [m for value in self.last.usage.values() for m in _regain_minutes(value)]
        longest = max(minutes, default=0)
        if longest > 0:
            return now + timedelta(minutes=longest), True
        return now + DEFAULT_BACKOFF, False

    def _by_status(self, what: str) -> SourceError:
        status = self.last.status
        if status is not None and status >= 500:
            return TemporaryError(f"{self.where}: the Graph API failed (HTTP {status}); will retry")
        if status == 429:
            until, _ = self.regain_at(datetime.now(UTC))
            return RateLimited(
                f"{self.where}: the Graph API asked us to slow down (HTTP 429)", until
            )
        return PermanentError(f"{self.where}: the Graph API sent {what} (HTTP {status})")

    def _no_content_type(self) -> SourceError:
        status = self.last.status
        if status is not None and status >= 500:
            return TemporaryError(f"{self.where}: the Graph API failed (HTTP {status}); will retry")
        return PermanentError(
            f"{self.where}: the Graph API answered without a Content-Type (HTTP {status}); "
            "check api_url points at the Graph API"
        )


def _regain_minutes(header: str) -> Iterator[int]:
    """Every ``estimated_time_to_regain_access`` in a usage header's JSON, at any depth."""
    try:
        parsed: object = json.loads(header)
    except ValueError:
        return
    stack = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("estimated_time_to_regain_access")
            if isinstance(value, int | float) and not isinstance(value, bool):
                yield int(value)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def profile_links(website: str, text: str) -> tuple[str, ...]:
    """A profile's links: each entry of ``website`` (Facebook allows several, one per
    line or space), then every URL written in ``text``; each once, in order."""
    found = website.split() + [u.rstrip(".,;:!?)") for u in _URL_IN_TEXT.findall(text)]
    return tuple(dict.fromkeys(u for u in found if u))


def str_field(data: Mapping[str, Any], key: str) -> str:
    """``data[key]`` as a stripped string, or "" when absent or not a string."""
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def obj_field(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is an object, else {}."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def edge_data(data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The ``data`` list of an expanded edge (``{"key": {"data": [...]}}``), or []."""
    edge = data.get(key)
    items = edge.get("data") if isinstance(edge, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


__all__ = [
    "DEFAULT_BACKOFF",
    "GRAPH_URL",
    "MIN_BODY_LIMIT",
    "Budget",
    "GraphClient",
    "LastResponse",
    "ResponseTooLarge",
    "edge_data",
    "item_time",
    "obj_field",
    "parse_time",
    "profile_links",
    "str_field",
    "time_or_none",
]
