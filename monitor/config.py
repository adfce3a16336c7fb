"""The one TOML config file, validated once at load into typed, frozen models.

Unknown keys are errors; relative paths resolve against the config file's
folder; secrets are never written inline but as ``<key>_env = "VAR"`` or
``<key>_file = "/path"`` and resolved on demand (``SecretRef.resolve``), so
commands that need no secret (``test-rules``, ``status``) run without them.
Every problem is raised as ``ConfigError`` naming the file, the key as a dotted
path (``sources[2].url``) and what is wrong.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError
from monitor.models import ActionKind, Severity

DEFAULT_CONFIG_PATH = Path("/etc/social-monitor/monitor.toml")
CONFIG_ENV_VAR = "SOCIAL_MONITOR_CONFIG"

_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_interval(value: object) -> timedelta:
    """Parse ``"30s"``, ``"5m"``, ``"2h"``, ``"1d"`` (or whole seconds) into a timedelta.

    Raises:
        ValueError: not of that form, or outside 1 s to 1 day.
    """
    if isinstance(value, bool):
        raise ValueError('must be a duration such as "5m"')
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and (m := _INTERVAL_RE.match(value)):
        seconds = int(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f'{value!r} is not a duration: write a number and a unit, e.g. "5m"')
    if not 1 <= seconds <= 86400:
        raise ValueError(f"{value!r} is outside 1s to 1d")
    return timedelta(seconds=seconds)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_M = TypeVar("_M", bound=BaseModel)


class SecretRef(_Model):
    """Where a secret lives: an environment variable or a file (systemd credentials)."""

    env: str | None = None
    file: Path | None = None
    key: str  # the dotted config key, for messages

    def resolve(self) -> SecretStr:
        """Read the secret now.

        Raises:
            ConfigError: the variable is unset or empty, or the file is unreadable.
        """
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError(f"{self.key}_env: environment variable {self.env} is not set")
            return SecretStr(value)
        assert self.file is not None
        path = _expand_credentials(self.file)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"{self.key}_file: cannot read {path}: {err.strerror}") from None
        if not value:
            raise ConfigError(f"{self.key}_file: {path} is empty")
        return SecretStr(value)


def _expand_credentials(path: Path) -> Path:
    """Let ``$CREDENTIALS_DIRECTORY/name`` in a ``_file`` key find systemd credentials."""
    return Path(os.path.expandvars(str(path)))


def _collect_secret(
    data: dict[str, Any], name: str, key_path: str, *, required: bool
) -> SecretRef | None:
    """Turn ``name_env`` / ``name_file`` keys of ``data`` into one SecretRef.

    Raises:
        ValueError: both or (when required) neither are given, or ``name`` is inline.
    """
    if name in data:
        raise ValueError(
            f"{name}: secrets are never written in the config; use {name}_env or {name}_file"
        )
    env = data.pop(f"{name}_env", None)
    file = data.pop(f"{name}_file", None)
    if env is not None and file is not None:
        raise ValueError(f"give {name}_env or {name}_file, not both")
    if env is None and file is None:
        if required:
            raise ValueError(f"{name}_env or {name}_file is required")
        return None
    return SecretRef(env=env, file=file, key=f"{key_path}.{name}" if key_path else name)


class SchoolConfig(_Model):
    name: str = Field(min_length=1)
    aup_url: str = Field(pattern=r"^https?://\S+$")
    #: the school's own web domains: the unsafe_link rule flags lookalikes of them
    domains: tuple[str, ...] = ()


class StorageConfig(_Model):
    path: Path = Path("state/monitor.db")
    retention_days: int = Field(default=365, ge=1)


class EmailConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password: SecretRef | None = None
    sender: str
    slt: tuple[str, ...] = Field(min_length=1)
    dsl: tuple[str, ...] = Field(min_length=1)
    #: who hears that a source is failing or recovered (default: slt)
    admin: tuple[str, ...] = ()
    timezone: str = "Europe/London"
    timeout: float = Field(default=30.0, gt=0, le=300)
    #: local times ("HH:MM" in ``timezone``) of the daily digest; [] turns it off
    digest: tuple[str, ...] = ("07:30",)
    #: days the daily digest is sent, as "mon".."sun" (full names accepted)
    digest_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    #: send a short "all clear" digest for a period with nothing to report
    send_empty: bool = True
    #: optional weekly summary of the last seven days: "fri 16:00" (day, local time)
    weekly: str | None = None
    #: folder of admin overrides for the email templates (same file names)
    template_dir: Path | None = None
    #: in emails, shorten a pupil's surname after their first name to its initial (needs [roster])
    privacy_surnames: bool = True

    @model_validator(mode="before")
    @classmethod
    def _secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            data["password"] = _collect_secret(data, "password", "email", required=False)
        return data

    @field_validator("digest")
    @classmethod
    def _digest_times(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({_local_time(v) for v in value}))

    @field_validator("digest_days")
    @classmethod
    def _digest_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = {_weekday(v) for v in value}
        return tuple(d for d in WEEKDAYS if d in days)

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: str | None) -> str | None:
        if value is None:
            return None
        day, _, at = value.strip().partition(" ")
        return f"{_weekday(day)} {_local_time(at.strip())}"

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if not _EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("slt", "dsl", "admin")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not _EMAIL_RE.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London") from None
        return value

    @model_validator(mode="after")
    def _login(self) -> EmailConfig:
        if self.password is not None and not self.username:
            raise ValueError("password_env/password_file given without username")
        return self


#: the digest's day names, Monday first (the order of ``date.weekday()``)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOCAL_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _local_time(value: str) -> str:
    """``"7:30"`` -> ``"07:30"``.

    Raises:
        ValueError: not a 24-hour "HH:MM" time.
    """
    m = _LOCAL_TIME_RE.match(value.strip())
    if m is None:
        raise ValueError(f'{value!r} is not a local time such as "07:30"')
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _weekday(value: str) -> str:
    """``"Monday"`` or ``"mon"`` -> ``"mon"``.

    Raises:
        ValueError: not a day name.
    """
    name = value.strip().lower()
    for short, full in zip(WEEKDAYS, _FULL_DAY_NAMES, strict=True):
        if name in (short, full):
            return short
    raise ValueError(f"{value!r} is not a day name (mon, tue, ... sun)")


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RosterConfig(_Model):
    #: the pupils CSV, as exported from the school's MIS (SIMS, Arbor, Bromcom)
    path: Path
    #: the header of each column, so an export can be used as it is
    first_name: str = Field(default="first_name", min_length=1)
    last_name: str = Field(default="last_name", min_length=1)
    photo_consent: str = Field(default="photo_consent", min_length=1)
    #: an optional preferred / known-as first name column, matched as well as the legal one
    known_as: str | None = None


class HttpConfig(_Model):
    connect_timeout: float = Field(default=10.0, gt=0, le=120)
    read_timeout: float = Field(default=30.0, gt=0, le=300)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    #: attempts per fetch within one poll for temporary errors (1 = no retry)
    attempts: int = Field(default=3, ge=1, le=10)
    retry_max_wait: float = Field(default=30.0, ge=0, le=600)


class HealthConfig(_Model):
    #: consecutive failed polls before a source is reported failing by email
    alert_after_failures: int = Field(default=3, ge=1)


class ServiceConfig(_Model):
    """The ``run`` daemon (issue 8): worker pool, backoff, housekeeping times, shutdown."""

    #: threads that run polls; a slow source holds one, so give at least one per source
    workers: int = Field(default=8, ge=1, le=64)
    #: longest wait between polls of a source that keeps failing
    backoff_max: timedelta = timedelta(hours=1)
    #: each poll starts up to this fraction of its interval late, so sources spread out
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    #: how often queued emails are retried (new alerts are sent right after their poll)
    flush_interval: timedelta = timedelta(minutes=1)
    #: a poll still running after this is hung: the daemon stops answering systemd's watchdog
    poll_timeout: timedelta = timedelta(minutes=30)
    #: local times (email.timezone) of the daily account audit and retention purge
    audit_at: str = "06:30"
    purge_at: str = "03:15"
    #: seconds SIGTERM waits for running jobs before the daemon exits anyway
    shutdown_timeout: float = Field(default=20.0, gt=0, le=25)

    @field_validator("backoff_max", "flush_interval", "poll_timeout", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        return value if isinstance(value, timedelta) else parse_interval(value)

    @field_validator("audit_at", "purge_at")
    @classmethod
    def _clock(cls, value: str) -> str:
        return _local_time(value)


class MetricsConfig(_Model):
    """The optional Prometheus endpoint of the ``run`` daemon."""

    enabled: bool = False
    #: loopback by default: the figures name the school's accounts
    host: str = "127.0.0.1"
    port: int = Field(default=9817, ge=1, le=65535)


class RuleSettings(_Model):
    enabled: bool = True
    action: ActionKind | None = None
    severity: Severity | None = None
    #: extra word-list files (one term per line) added to the rule's defaults
    extra_terms_files: tuple[Path, ...] = ()
    #: terms that never fire this rule (e.g. a local place name)
    allow_terms: tuple[str, ...] = ()
    #: who is emailed for this rule's findings (default: dsl for safeguarding, else slt)
    recipients: tuple[str, ...] = ()
    #: unsafe_link: domains (and their subdomains) never reported
    allow_domains: tuple[str, ...] = ()
    #: unsafe_link: domain-per-line block lists (e.g. a web filter's categories)
    blocklist_files: tuple[Path, ...] = ()
    #: abuse, safeguarding: also alert (never hide) on the learned signal's findings
    learned: bool = True

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not _EMAIL_RE.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value


class RuleOverride(_Model):
    """A source's own settings for a rule; a key left out keeps ``[rules.<id>]``'s value."""

    enabled: bool | None = None
    action: ActionKind | None = None
    severity: Severity | None = None
    recipients: tuple[str, ...] | None = None

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for address in value or ():
            if not _EMAIL_RE.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    def apply(self, base: RuleSettings) -> RuleSettings:
        """``base`` with this override's given keys replacing its own."""
        given = {k: v for k, v in self.model_dump().items() if v is not None}
        return base.model_copy(update=given) if given else base


class SourceBase(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    interval: timedelta = timedelta(minutes=5)
    enabled: bool = True
    #: the register of sanctioned accounts (policy: notified to SLT before use)
    owner: str | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    link: str | None = None
    #: hide flagged comments by others where the platform allows it
    hide: bool = True
    #: per-rule overrides for this source only (enabled, action, severity, recipients)
    rules: dict[str, RuleOverride] = {}

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: object) -> timedelta:
        return parse_interval(value)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleOverride]) -> dict[str, RuleOverride]:
        from monitor.rules import RULE_IDS  # noqa: PLC0415 - rules import models, not config

        for rule_id in rules:
            if rule_id not in RULE_IDS:
                known = ", ".join(sorted(RULE_IDS))
                raise ValueError(f"unknown rule {rule_id!r} (known: {known})")
        return rules


class FeedSource(SourceBase):
    kind: Literal["feed"]
    url: str = Field(pattern=r"^https?://\S+$")
    #: the feed is the school's own posts (e.g. a class blog's posts feed), not visitors' comments
    own_content: bool = False


class _ApiSource(SourceBase):
    """A source read through a platform API with secrets."""

    @model_validator(mode="before")
    @classmethod
    def _secrets(cls, data: Any) -> Any:
        # Each secret key ``x`` is written x_env / x_file; collect them into SecretRefs.
        if isinstance(data, dict):
            data = dict(data)
            where = f"sources.{data.get('name', '?')}"
            for name, required in cls._secret_names():
                data[name] = _collect_secret(data, name, where, required=required)
        return data

    @classmethod
    def _secret_names(cls) -> tuple[tuple[str, bool], ...]:
        return ()


class _GraphSource(_ApiSource):
    """A source read through Meta's Graph API with one access token."""

    token: SecretRef
    api_url: str = Field(default="https://graph.facebook.com", pattern=r"^https?://\S+$")
    api_version: str = Field(default="v26.0", pattern=r"^v[0-9]+\.[0-9]+$")
    lookback_days: int = Field(default=30, ge=1, le=365)

    @classmethod
    def _secret_names(cls) -> tuple[tuple[str, bool], ...]:
        return (("token", True),)


class FacebookPageSource(_GraphSource):
    kind: Literal["facebook_page"]
    page_id: str = Field(pattern=r"^[0-9]+$")


class InstagramSource(_GraphSource):
    kind: Literal["instagram"]
    account_id: str = Field(pattern=r"^[0-9]+$")


class TwitterSource(_ApiSource):
    kind: Literal["twitter"]
    user_id: str = Field(pattern=r"^[0-9]+$")
    #: app-only reads
    bearer_token: SecretRef
    #: OAuth 1.0a user context, for hiding replies; all four or none
    consumer_key: SecretRef | None = None
    consumer_secret: SecretRef | None = None
    access_token: SecretRef | None = None
    access_token_secret: SecretRef | None = None
    api_url: str = Field(default="https://api.twitter.com", pattern=r"^https?://\S+$")

    @classmethod
    def _secret_names(cls) -> tuple[tuple[str, bool], ...]:
        return (
            ("bearer_token", True),
            ("consumer_key", False),
            ("consumer_secret", False),
            ("access_token", False),
            ("access_token_secret", False),
        )

    @model_validator(mode="after")
    def _user_context(self) -> TwitterSource:
        given = [
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
        ]
        if any(given) and not all(given):
            raise ValueError(
                "hiding replies needs all four of consumer_key, consumer_secret, access_token "
                "and access_token_secret (each as _env or _file), or none of them"
            )
        return self


#: the Graph API sources, for code shared by their connectors
GraphSource = FacebookPageSource | InstagramSource

SourceConfig = Annotated[
    FeedSource | FacebookPageSource | InstagramSource | TwitterSource,
    Field(discriminator="kind"),
]


class Config(_Model):
    """The whole validated configuration, resolved once at load."""

    path: Path
    school: SchoolConfig
    storage: StorageConfig = StorageConfig()
    email: EmailConfig
    roster: RosterConfig | None = None
    http: HttpConfig = HttpConfig()
    health: HealthConfig = HealthConfig()
    service: ServiceConfig = ServiceConfig()
    metrics: MetricsConfig = MetricsConfig()
    rules: dict[str, RuleSettings] = {}
    sources: tuple[SourceConfig, ...] = ()

    @property
    def base_dir(self) -> Path:
        """The folder relative paths resolve against."""
        return self.path.parent

    @property
    def zone(self) -> ZoneInfo:
        """The school's time zone for emails and the digest."""
        return ZoneInfo(self.email.timezone)

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``.

        Raises:
            KeyError: there is none.
        """
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def rule(self, rule_id: str) -> RuleSettings:
        """The admin's settings for a rule (defaults where the config is silent)."""
        return self.rules.get(rule_id, RuleSettings())

    def rule_for(self, source: str, rule_id: str) -> RuleSettings:
        """A rule's settings for one source: ``[rules.<id>]`` with the source's overrides."""
        base = self.rule(rule_id)
        for candidate in self.sources:
            if candidate.name == source and rule_id in candidate.rules:
                return candidate.rules[rule_id].apply(base)
        return base

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are called {source.name!r}; names must be unique")
            seen.add(source.name)
        return sources

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        from monitor.rules import RULE_IDS  # noqa: PLC0415 - rules import models, not config

        for rule_id in rules:
            if rule_id not in RULE_IDS:
                known = ", ".join(sorted(RULE_IDS))
                raise ValueError(f"unknown rule {rule_id!r} (known: {known})")
        return rules

    @model_validator(mode="after")
    def _resolve_paths(self, info: ValidationInfo) -> Config:
        # Relative paths mean "beside the config file", so a config and its
        # roster can be moved together.
        base = self.path.parent

        def absolute(p: Path) -> Path:
            return p if p.is_absolute() else base / p

        storage = self.storage.model_copy(update={"path": absolute(self.storage.path)})
        roster = (
            self.roster.model_copy(update={"path": absolute(self.roster.path)})
            if self.roster
            else None
        )
        rules = {
            rid: s.model_copy(
                update={
                    "extra_terms_files": tuple(absolute(p) for p in s.extra_terms_files),
                    "blocklist_files": tuple(absolute(p) for p in s.blocklist_files),
                }
            )
            for rid, s in self.rules.items()
        }
        object.__setattr__(self, "storage", storage)
        object.__setattr__(self, "roster", roster)
        object.__setattr__(self, "rules", rules)
        if self.email.template_dir is not None:
            email = self.email.model_copy(
                update={"template_dir": absolute(self.email.template_dir)}
            )
            object.__setattr__(self, "email", email)
        object.__setattr__(self, "email", _absolute_secrets(self.email, base))
        object.__setattr__(self, "sources", tuple(_absolute_secrets(s, base) for s in self.sources))
        return self


def _absolute_secrets(model: _M, base: Path) -> _M:
    """``model`` with each secret file given relative to ``base`` made absolute.

    A path starting with ``$`` (``$CREDENTIALS_DIRECTORY/x``) is expanded when
    read and left alone here.
    """
    update = {}
    for name in type(model).model_fields:
        ref = getattr(model, name)
        if (
            isinstance(ref, SecretRef)
            and ref.file is not None
            and not ref.file.is_absolute()
            and not str(ref.file).startswith("$")
        ):
            update[name] = ref.model_copy(update={"file": base / ref.file})
    return model.model_copy(update=update) if update else model


def config_path_from(cli_value: str | None) -> Path:
    """The config path: ``--config``, else ``$SOCIAL_MONITOR_CONFIG``, else the default."""
    if cli_value:
        return Path(cli_value)
    if env := os.environ.get(CONFIG_ENV_VAR):
        return Path(env)
    return DEFAULT_CONFIG_PATH


def load_config(path: Path) -> Config:
    """Read and validate the config file at ``path``.

    Raises:
        ConfigError: unreadable file, invalid TOML, or any invalid key; the
            message names the file and each bad key as a dotted path.
    """
    path = path.expanduser().absolute()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (give --config PATH or set {CONFIG_ENV_VAR})"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config file: {err}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML ``text`` as if read from ``path``.

    Raises:
        ConfigError: as ``load_config``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    if "path" in data:
        raise ConfigError(f"{path}: path: unknown key")
    try:
        return Config.model_validate({**data, "path": path})
    except ValidationError as err:
        lines = [_describe(e) for e in err.errors()]
        raise ConfigError(
            f"{path}: invalid config:\n" + "\n".join(f"  {ln}" for ln in lines)
        ) from None


def _describe(error: Any) -> str:
    """One line for one pydantic error: the dotted key path and what is wrong."""
    where = _dotted(tuple(error["loc"]))
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] == "union_tag_invalid":
        known = ", ".join(sorted(_SOURCE_KINDS))
        message = f"unknown kind {error['input'].get('kind')!r} (known: {known})"
    elif error["type"] == "union_tag_not_found":
        message = 'kind is missing (e.g. kind = "feed")'
    message = message.removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


_SOURCE_KINDS = {"feed", "facebook_page", "instagram", "twitter"}


def _dotted(loc: tuple[str | int, ...]) -> str:
    """``("sources", 2, "feed", "url")`` -> ``"sources[2].url"``.

    The discriminator tag pydantic puts after a source's index is dropped: the
    admin wrote ``sources[2].url``, not ``sources[2].feed.url``.
    """
    out = ""
    previous: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in _SOURCE_KINDS:
            pass
        else:
            out += f".{part}" if out else part
        previous = part
    return out
