"""The digest: when it is due, what period it covers, what it says, and queueing it once.

Schedule. ``[email] digest`` lists local times ("07:30") and ``digest_days``
the days ("mon".."fri" by default), both in ``email.timezone``; ``weekly``
("fri 16:00") adds a weekly summary. ``due_times(config, after)`` yields every
scheduled time after ``after`` as a ``Due`` (a UTC instant and whether it is
the weekly one), ascending; ``next_due(config, after)`` is the first of them.
Times are local wall-clock times, so 07:30 stays 07:30 across a DST change
(06:30 UTC in summer, 07:30 UTC in winter in London). A time the clock skips
(01:30 on the spring-forward night) is sent an hour later by the clock
(02:30 BST); a time the clock repeats (01:30 on the autumn night) is sent
once, at its first occurrence.

Period. A digest covers everything found since the end of the last digest
of its series ("daily", which manual ``social-monitor digest`` runs also
belong to, or "weekly") that was sent or is still queued, up to the moment
it is queued. A permanently failed digest never reached anyone, so the next
one covers its period again. The very first daily digest starts at the
previous scheduled time (so Monday's covers the weekend); the first weekly
one covers seven days.

Once per period. ``queue_digest(config, store, now)`` — what the daemon
calls when a ``Due`` time arrives, and may call again after a restart —
queues the digest of the latest scheduled time at or before ``now`` under
the outbox key ``digest:<series>:slot:<that time>``, unless a digest of that
series already covers it. A restart therefore never sends a period twice,
and a daemon that was down across several scheduled times sends one digest
covering all of them. With ``send_empty = false`` an empty period queues
nothing and leaves no trace, so a later call for the same slot reconsiders
it.

Content. Rendered when sent (like alerts), from the store: counts per
account and rule; each finding with its excerpt, author, link, action and
result (safeguarding findings only by rule and account: their details go to
the DSL alone); items waiting for a human; the account audit; source health;
a chart of findings per day over 30 days; the register of sanctioned
accounts. A period with no findings, nothing waiting and every source
healthy is "empty": a short "all clear".
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from monitor import chart
from monitor.alerts import (
    RenderedEmail,
    SurnameShortener,
    describe_action,
    environment,
    format_local_time,
    platform_name,
)
from monitor.config import WEEKDAYS, Config, SourceConfig
from monitor.mailer import new_message_id
from monitor.rules import SAFEGUARDING_RULES
from monitor.store import (
    ActionState,
    OutboxRequest,
    OutboxRow,
    OutboxState,
    SourceState,
    Store,
    StoredFinding,
)

__all__ = [
    "CHART_DAYS",
    "Due",
    "collect",
    "due_times",
    "inline_images",
    "latest_slot",
    "next_due",
    "preview_digest",
    "queue_digest",
    "queue_manual_digest",
    "render_digest",
    "render_digest_row",
]

#: the chart's span
CHART_DAYS = 30
#: a finding's excerpt in the digest (alerts show up to 2,000)
EXCERPT_CHARS = 280
#: findings listed one by one; the rest are counted
MAX_LISTED = 100
#: how far back "waiting for you" looks: the monitor cannot see a removal by hand
WAITING_DAYS = 7
#: the outbox kind of digest rows
KIND = "digest"
_CID = "findings-chart"


# -- schedule --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A scheduled digest: when (aware UTC) and whether it is the weekly summary."""

    at: datetime
    weekly: bool = False


def _schedule(config: Config, weekly: bool) -> tuple[tuple[str, ...], tuple[time, ...]]:
    """The days and local times of one series (empty when it is off)."""
    email = config.email
    if weekly:
        if email.weekly is None:
            return (), ()
        day, at = email.weekly.split(" ")
        return (day,), (time.fromisoformat(at),)
    return email.digest_days, tuple(time.fromisoformat(t) for t in email.digest)


def _instants(config: Config, day: date, weekly: bool) -> list[datetime]:
    """The series' scheduled UTC instants on local ``day``, ascending."""
    days, times = _schedule(config, weekly)
    if WEEKDAYS[day.weekday()] not in days:
        return []
    zone = config.zone
    # fold=0: a skipped time maps past the gap, a repeated one to its first
    # occurrence (PEP 495), which is what the module docstring promises.
    return sorted({datetime.combine(day, t, tzinfo=zone).astimezone(UTC) for t in times})


def _series_times(config: Config, after: datetime, weekly: bool) -> Iterator[datetime]:
    """The series' instants strictly after ``after``, ascending, without end."""
    days, times = _schedule(config, weekly)
    if not days or not times:
        return
    # Start a day early: a local day's instants can fall on the previous UTC day.
    day = after.astimezone(config.zone).date() - timedelta(days=1)
    while True:
        for at in _instants(config, day, weekly):
            if at > after:
                yield at
        day += timedelta(days=1)


def due_times(config: Config, after: datetime) -> Iterator[Due]:
    """Every scheduled digest (daily and weekly) strictly after ``after``, ascending.

    Infinite unless no digest is configured (then empty). When a daily and
    the weekly time coincide, the daily one comes first.

    Raises:
        ValueError: ``after`` is naive.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    daily = _series_times(config, after, weekly=False)
    weekly = _series_times(config, after, weekly=True)
    next_daily, next_weekly = next(daily, None), next(weekly, None)
    while next_daily is not None or next_weekly is not None:
        if next_weekly is None or (next_daily is not None and next_daily <= next_weekly):
            assert next_daily is not None
            yield Due(next_daily)
            next_daily = next(daily, None)
        else:
            yield Due(next_weekly, weekly=True)
            next_weekly = next(weekly, None)


def next_due(config: Config, after: datetime) -> Due | None:
    """The first scheduled digest after ``after``, or None when none is configured."""
    return next(due_times(config, after), None)


def latest_slot(config: Config, now: datetime, *, weekly: bool = False) -> datetime | None:
    """The series' latest scheduled instant at or before ``now`` (within 8 days), or None."""
    day = now.astimezone(config.zone).date() + timedelta(days=1)
    for _ in range(10):
        past = [at for at in _instants(config, day, weekly) if at <= now]
        if past:
            return past[-1]
        day -= timedelta(days=1)
    return None


# -- queueing --------------------------------------------------------------


def _series(weekly: bool) -> str:
    return "weekly" if weekly else "daily"


def _last_end(store: Store, weekly: bool) -> datetime | None:
    """Where the next digest of the series starts, if any digest of it was queued.

    The end of the last one sent or queued; but if digests after that one
    failed for good, the start of the first of them, since nobody read them.
    """
    prefix = f"digest:{_series(weekly)}:"
    good = store.latest_outbox(KIND, prefix)
    failed = [
        r
        for r in store.outbox(OutboxState.FAILED)
        if r.kind == KIND and r.key.startswith(prefix) and (good is None or r.id > good.id)
    ]
    if failed:
        return datetime.fromisoformat(str(failed[0].payload["start"]))
    return datetime.fromisoformat(str(good.payload["end"])) if good else None


def queue_digest(config: Config, store: Store, now: datetime, *, weekly: bool = False) -> bool:
    """Queue the digest of the latest scheduled time at or before ``now``, once.

    Covers the period since the series' last digest up to ``now``; the outbox
    key names the scheduled time, and a digest whose period already reaches
    that time is never queued again, so calling this twice (or after a
    restart) for the same scheduled time queues one digest. Returns whether
    it queued one: False when no digest is scheduled, the slot is already
    covered, or the period is empty and ``send_empty`` is false.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    slot = latest_slot(config, now, weekly=weekly)
    if slot is None:
        return False
    last_end = _last_end(store, weekly)
    if last_end is not None and last_end >= slot:
        return False
    if last_end is not None:
        start = last_end
    elif weekly:
        start = now - timedelta(days=7)
    else:
        start = latest_slot(config, slot - timedelta(microseconds=1)) or now - timedelta(days=1)
    key = f"digest:{_series(weekly)}:slot:{slot.isoformat()}"
    return _queue(config, store, key, start, now, weekly=weekly)


def queue_manual_digest(config: Config, store: Store, now: datetime) -> bool:
    """Queue a daily-series digest of everything since the last digest, up to ``now``.

    What ``social-monitor digest`` sends: not tied to the schedule, so it is
    queued whenever asked (unless empty with ``send_empty = false``), and
    the next scheduled digest starts where it ends.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    start = _last_end(store, weekly=False) or now - timedelta(days=1)
    key = f"digest:daily:manual:{now.isoformat()}"
    return _queue(config, store, key, start, now, weekly=False)


def _queue(
    config: Config, store: Store, key: str, start: datetime, end: datetime, *, weekly: bool
) -> bool:
    if not config.email.send_empty and collect(config, store, start, end, now=end).empty:
        return False
    store.queue(
        [
            OutboxRequest(
                key=key,
                kind=KIND,
                recipients=config.email.slt,
                message_id=new_message_id(config.email.sender),
                payload={"start": start.isoformat(), "end": end.isoformat(), "weekly": weekly},
            )
        ],
        end,
    )
    return True


# -- what the digest shows -------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A permalink as shown: clickable only when it is http(s)."""

    url: str | None
    web: bool

    @classmethod
    def of(cls, url: str | None) -> Link:
        """Wrap ``url``; "javascript:" and the like stay text."""
        url = (url or "").strip() or None
        return cls(url=url, web=url is not None and url.lower().startswith(("http://", "https://")))


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingLine:
    """One finding of the period."""

    finding_id: int
    rule: str
    severity: str
    account: str
    kind: str
    when: str
    #: None for safeguarding findings, whose details go to the DSL only
    author: str | None
    excerpt: str | None
    link: Link
    action_taken: str
    needs_action: str | None
    allowed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CountLine:
    """Findings of one rule on one account in the period."""

    account: str
    rule: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountLine:
    """One configured account: its health and its About-page audit."""

    name: str
    platform: str
    #: "OK", or what is wrong in a few words
    health: str
    problem: bool
    detail: str | None
    last_success: str
    notices: tuple[str, ...]
    audit: str
    audit_problem: bool
    audit_detail: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterLine:
    """One sanctioned account as the config records it."""

    name: str
    platform: str
    link: Link
    owner: str
    approved_by: str | None
    approved_on: str | None
    approved: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartView:
    """The 30-day chart and the numbers printed beside it."""

    png: bytes
    width: int
    height: int
    first_day: str
    last_day: str
    total: int
    busiest: str | None
    spark: str
    alt: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestData:
    """Everything one digest shows, worked out from the store."""

    start: datetime
    end: datetime
    weekly: bool
    findings: tuple[FindingLine, ...]
    more: int
    total: int
    #: (what the monitor did, how many findings) over the whole period
    outcomes: tuple[tuple[str, int], ...]
    counts: tuple[CountLine, ...]
    waiting: tuple[FindingLine, ...]
    accounts: tuple[AccountLine, ...]
    register: tuple[RegisterLine, ...]
    chart: ChartView

    @property
    def empty(self) -> bool:
        """Nothing found, nothing waiting and every account healthy: an "all clear"."""
        return not self.total and not self.waiting and not any(a.problem for a in self.accounts)


def collect(
    config: Config,
    store: Store,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    weekly: bool = False,
    shorten: SurnameShortener | None = None,
) -> DigestData:
    """Gather the digest of [start, end) from the store; ``now`` dates health and waiting.

    ``shorten``, when given, shortens pupils' surnames in excerpts.
    """
    zone = config.zone
    kinds = {s.name: s.kind for s in config.sources}
    recent = store.findings(since=min(start, now - timedelta(days=WAITING_DAYS)))
    in_period = [sf for sf in recent if start <= sf.created_at < end]
    in_period.sort(key=lambda sf: (-sf.finding.severity.rank, sf.created_at))

    def line(sf: StoredFinding) -> FindingLine:
        taken, needed = describe_action(sf)
        secret = sf.finding.rule in SAFEGUARDING_RULES
        text = " ".join(sf.item.text.split())
        if shorten:
            text = shorten(text)
        if len(text) > EXCERPT_CHARS:
            text = text[:EXCERPT_CHARS].rstrip() + "…"
        account = sf.item.source
        return FindingLine(
            finding_id=sf.id,
            rule=sf.finding.rule,
            severity=sf.finding.severity.value,
            account=f"{account} ({platform_name(kinds.get(account, 'unknown'))})",
            kind=sf.item.kind.value,
            when=format_local_time(sf.created_at, zone),
            author=None if secret else (sf.item.author_name or "(no name shown)"),
            excerpt=None if secret else text,
            link=Link.of(None if secret else sf.item.permalink),
            action_taken=("Sent to the DSL at once. " if secret else "") + taken,
            needs_action=needed,
            allowed=sf.status == "allowed",
        )

    waiting = [
        sf
        for sf in recent
        if sf.created_at >= now - timedelta(days=WAITING_DAYS)
        and sf.status != "allowed"
        and sf.action_state in (ActionState.FAILED, ActionState.MANUAL, ActionState.PENDING)
        and describe_action(sf)[1] is not None
    ]
    counts = store.finding_counts(start, end)
    outcomes = Counter(_outcome(sf) for sf in in_period)
    return DigestData(
        start=start,
        end=end,
        weekly=weekly,
        findings=tuple(line(sf) for sf in in_period[:MAX_LISTED]),
        more=max(0, len(in_period) - MAX_LISTED),
        total=len(in_period),
        outcomes=tuple(outcomes.most_common()),
        counts=tuple(
            CountLine(
                account=f"{src} ({platform_name(kinds.get(src, 'unknown'))})", rule=r, count=n
            )
            for (src, r), n in counts.items()
        ),
        waiting=tuple(line(sf) for sf in waiting),
        accounts=tuple(_account(config, store, s, now) for s in config.sources),
        register=tuple(_register(s) for s in config.sources),
        chart=_chart(config, store, end),
    )


def _outcome(sf: StoredFinding) -> str:
    """What the monitor did about a finding, as a short label for the opening tally."""
    if sf.finding.rule in SAFEGUARDING_RULES:
        return "sent to the DSL at once"
    if sf.action_state == ActionState.DONE:
        return "hidden automatically"
    if sf.action_state == ActionState.FAILED:
        return "could not be hidden"
    if sf.action_state == ActionState.PENDING:
        return "hide not yet confirmed"
    if sf.action_state == ActionState.MANUAL:
        return "not hidden (a person must remove it)"
    return "reported, nothing changed"


def _account(config: Config, store: Store, source: SourceConfig, now: datetime) -> AccountLine:
    """Health and audit of one configured account, in words."""
    zone = config.zone
    st: SourceState = store.source_state(source.name, source.kind)
    detail: str | None = None
    if not source.enabled:
        health, problem = "Paused (enabled = false)", False
    elif st.last_poll is None:
        health, problem = "Not checked yet", False
    elif st.rate_limited_until is not None and st.rate_limited_until > now:
        health, problem = "Rate-limited by the platform", True
        detail = f"until {format_local_time(st.rate_limited_until, zone)}"
    elif st.last_error is not None:
        problem = True
        health = "Login expired or refused" if st.error_category == "auth" else "Cannot be read"
        since = format_local_time(st.failing_since, zone) if st.failing_since else "?"
        detail = f"since {since}: {st.last_error}"
    else:
        health, problem = "OK", False
    ok, checked, audit_detail = store.audit_state(source.name)
    if ok is None:
        audit, audit_problem = "Not checked", False
    elif ok:
        audit, audit_problem = "AUP link present", False
    else:
        audit, audit_problem = "AUP link MISSING", True
    if checked is not None:
        audit_detail = f"{audit_detail or ''} (checked {format_local_time(checked, zone)})".strip()
    return AccountLine(
        name=source.name,
        platform=platform_name(source.kind),
        health=health,
        problem=problem,
        detail=detail,
        last_success=format_local_time(st.last_success, zone) if st.last_success else "never",
        notices=st.notices,
        audit=audit,
        audit_problem=audit_problem,
        audit_detail=audit_detail,
    )


def _register(source: SourceConfig) -> RegisterLine:
    return RegisterLine(
        name=source.name,
        platform=platform_name(source.kind),
        link=Link.of(source.link or getattr(source, "url", None)),
        owner=source.owner or "(no owner recorded)",
        approved_by=source.approved_by,
        approved_on=source.approved_on.strftime("%d %b %Y") if source.approved_on else None,
        approved=bool(source.approved_by and source.approved_on),
    )


def _chart(config: Config, store: Store, end: datetime) -> ChartView:
    """Findings per local day over the ``CHART_DAYS`` days ending with ``end``'s day."""
    zone = config.zone
    last = end.astimezone(zone).date()
    days = [last - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], time(), tzinfo=zone).astimezone(UTC)
    per_day = Counter(t.astimezone(zone).date() for t in store.finding_times(since, end))
    counts = [per_day.get(d, 0) for d in days]
    png = chart.bar_chart_png(counts, shaded=[d.weekday() >= 5 for d in days])
    total = sum(counts)
    peak = max(counts)
    busiest = None
    if peak:
        d = days[counts.index(peak)]
        busiest = f"{_day(d)} ({peak})"
    first, final = _day(days[0]), _day(days[-1])
    alt = f"Findings per day, {first} to {final}: {total} in all" + (
        f", most on {busiest}" if busiest else ""
    )
    return ChartView(
        png=png,
        width=CHART_DAYS * chart.WIDTH_PER_DAY,
        height=90,
        first_day=first,
        last_day=final,
        total=total,
        busiest=busiest,
        spark=chart.sparkline(counts),
        alt=alt,
    )


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


# -- rendering -------------------------------------------------------------


def render_digest(data: DigestData, config: Config) -> RenderedEmail:
    """The digest email for ``data``: subject, text, HTML and the chart as an inline image.

    The subject always contains "digest" ("All clear" too for an empty
    period); the first lines say what happened, what was done and what to do.

    Raises:
        jinja2.TemplateError: an admin's override template is broken.
    """
    zone = config.zone
    school = " ".join(config.school.name.split())
    series = "Weekly digest" if data.weekly else "Daily digest"
    day = _day(data.end.astimezone(zone).date())
    waiting = len(data.waiting)
    problems = [a for a in data.accounts if a.problem]
    unapproved = [r for r in data.register if not r.approved]
    if data.empty:
        subject = f"[{school}] All clear: {series.lower()}, {day}"
        headline = (
            f"All clear: nothing was flagged on the school's {len(data.accounts)} "
            f"account{'s' if len(data.accounts) != 1 else ''} since "
            f"{format_local_time(data.start, zone)}."
        )
    else:
        subject = f"[{school}] {series}, {day}: {_n(data.total, 'finding')}"
        if waiting:
            subject += f", {waiting} waiting for you"
        headline = (
            f"{_n(data.total, 'finding')} since {format_local_time(data.start, zone)}"
            + (f"; {_n(len(problems), 'account')} cannot be checked" if problems else "")
            + "."
        )
    cid = f"{_CID}.{int(data.end.timestamp())}@{config.email.sender.rpartition('@')[2]}"
    context = {
        "subject": subject,
        "school_name": config.school.name,
        "series": series,
        "d": data,
        "empty": data.empty,
        "headline": headline,
        "done": _done(data),
        "to_do": _to_do(waiting, problems, unapproved),
        "period": (f"{format_local_time(data.start, zone)} to {format_local_time(data.end, zone)}"),
        "problems": problems,
        "unapproved": unapproved,
        "chart_cid": cid,
        "bar_colour": chart.BAR,
        "aup_url": config.school.aup_url,
    }
    env = environment(config.email.template_dir)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=env.get_template("digest.txt.j2").render(context),
        html=env.get_template("digest.html.j2").render(context),
        images=((cid, data.chart.png),),
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _done(data: DigestData) -> str:
    """What the monitor already did over the period, in one line."""
    if not data.total:
        return "Every account was checked; nothing needed doing."
    text = "; ".join(f"{what}: {n}" for what, n in data.outcomes)
    return text[0].upper() + text[1:] + "."


def _to_do(waiting: int, problems: Sequence[AccountLine], unapproved: Sequence[object]) -> str:
    """What the reader must do, pointing to the section that says how."""
    asks = []
    if waiting:
        asks.append(f'deal with {_n(waiting, "item")} under "Waiting for you"')
    if problems:
        asks.append(f'ask the IT admin to fix {_n(len(problems), "account")} under "Accounts"')
    if unapproved:
        asks.append(f"approve or remove {_n(len(unapproved), 'account')} in the register")
    if not asks:
        return "Nothing: this is for your information."
    text = "; ".join(asks)
    return text[0].upper() + text[1:] + "."


def render_digest_row(
    row: OutboxRow,
    store: Store,
    config: Config,
    *,
    now: datetime,
    shorten: SurnameShortener | None = None,
) -> RenderedEmail:
    """Render a queued digest row from the store as it is at ``now``.

    Raises:
        KeyError, ValueError: the row's payload is not a digest's.
    """
    start = datetime.fromisoformat(str(row.payload["start"]))
    end = datetime.fromisoformat(str(row.payload["end"]))
    data = collect(
        config, store, start, end, now=now, weekly=bool(row.payload["weekly"]), shorten=shorten
    )
    return render_digest(data, config)


def preview_digest(
    config: Config, store: Store, now: datetime, *, shorten: SurnameShortener | None = None
) -> RenderedEmail:
    """The digest ``social-monitor digest`` would send at ``now``, without queueing it."""
    start = _last_end(store, weekly=False) or now - timedelta(days=1)
    data = collect(config, store, start, now, now=now, shorten=shorten)
    return render_digest(data, config)


def inline_images(email: RenderedEmail) -> str:
    """The HTML with each ``cid:`` image as a ``data:`` URL, for viewing as a file.

    Only for previews (``digest --html``, the screenshot script): mail
    clients get the image as an inline attachment instead.
    """
    html = email.html
    for cid, data in email.images:
        url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        html = html.replace(f"cid:{cid}", url)
    return html
