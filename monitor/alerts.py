"""Alert emails: what was flagged, what the system did, what the reader must do.

Readers are head teachers and the designated safeguarding lead reading on a
phone between lessons, so every email opens with three short lines (what
happened, what was already done, what you need to do) before any detail.

Rendering is Jinja2 with two templates, ``alert.txt.j2`` and
``alert.html.j2``, shipped in ``monitor/templates``. An admin may override
either by putting a file of the same name in a ``template_dir``. Everything a
member of the public wrote is data: the HTML template is autoescaped, and a
permalink becomes a link only when it is ``http(s)://``.

This module decides wording and layout only; the caller decides who receives
an alert and builds the ``AlertEntry`` records, shortening pupils' surnames
with ``SurnameShortener`` where the privacy setting asks for it (the stored
evidence always keeps the original). ``describe_action`` is the one wording of
"what the system did and what a person must still do", shared by alerts and
the digest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from monitor.models import ActionKind, Severity
from monitor.store import ActionState, StoredFinding

__all__ = [
    "MAX_ITEM_CHARS",
    "MAX_PARENT_CHARS",
    "AlertEntry",
    "RenderedEmail",
    "SurnameShortener",
    "describe_action",
    "environment",
    "format_local_time",
    "platform_name",
    "render_alert",
    "render_health",
]

#: item text longer than this is cut in emails (the full text stays in evidence)
MAX_ITEM_CHARS = 2000
#: a quoted parent is context, not the subject: it is cut sooner
MAX_PARENT_CHARS = 500
#: at most this many rule names in an SLT subject before "+N more"
_SUBJECT_RULES = 3

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PLURALS = {"reply": "replies", "media": "media items"}
_PLATFORMS = {
    "feed": "web feed",
    "facebook_page": "Facebook Page",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X (Twitter)",
}
_URGENT_DEFAULT_ACTION = "Review it now and follow the school's safeguarding procedure."


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEntry:
    """One flagged item as an alert email shows it.

    ``action_taken`` is one plain sentence of what the system already did
    ("Hidden on Facebook."); ``needs_action`` what the reader must do, or
    None when nothing is needed. ``created_at`` must be timezone-aware.
    """

    finding_id: int
    rule: str
    severity: Severity
    match: str
    item_text: str
    item_kind: str
    source_name: str
    platform: str
    author_name: str | None
    permalink: str | None
    created_at: datetime
    action_taken: str
    needs_action: str | None
    #: the monitor hid it; the email then says how to reverse that
    hidden: bool = False
    #: for a reply or comment whose parent is stored: the parent's text and author
    parent_text: str | None = None
    parent_author: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError(f"finding {self.finding_id}: created_at must be timezone-aware")


@dataclass(frozen=True)
class RenderedEmail:
    """An email's subject and its two bodies, ready for ``mailer.build_message``.

    ``in_reply_to``/``references`` thread it with other emails about the same
    item; ``images`` are ``(content id, PNG bytes)`` pairs the HTML shows as
    ``cid:`` images (the digest's chart).
    """

    subject: str
    text: str
    html: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    images: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class _EntryView:
    """One entry with every value the templates show already worked out.

    ``before``/``hit``/``after`` split the (cut) text around the first
    occurrence of the match so the HTML can highlight it; ``hit`` is empty
    when the match is not in the shown text.
    """

    number: int
    finding_id: int
    rule: str
    severity: str
    urgent: bool
    kind: str
    account: str
    author: str
    when: str
    text: str
    before: str
    hit: str
    after: str
    match: str
    link: str | None
    link_is_web: bool
    action_taken: str
    needs_action: str | None
    hidden: bool
    parent: str | None
    parent_author: str


class SurnameShortener:
    """Shortens a pupil's surname to its initial where it follows their first name.

    "Amelia Hartley-Jones won" becomes "Amelia H. won". Only the full name is
    touched: a surname alone may be a teacher's ("Mr Smith") or a place, and
    the policy's concern is a child identified by full name. Matching ignores
    case and runs of spaces; the first name keeps its original spelling.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names`` are (first name, surname) pairs, usually from the roster."""
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        seen: set[tuple[str, str]] = set()
        # Longest surnames first, so "Hartley-Jones" wins over "Hartley".
        pairs = ((f.strip(), s.strip()) for f, s in names)
        for first, last in sorted(pairs, key=lambda n: -len(n[1])):
            key = (first.casefold(), last.casefold())
            if not first or not last or key in seen:
                continue
            seen.add(key)
            words = r"\s+".join(re.escape(w) for w in last.split())
            pattern = re.compile(rf"(?<!\w)({re.escape(first)})\s+{words}(?!\w)", re.IGNORECASE)
            # A replacement template, not a function: "\g<1>" keeps the first
            # name as written; the initial is escaped in case it is a backslash.
            initial = last[0].upper().replace("\\", "\\\\")
            self._patterns.append((pattern, rf"\g<1> {initial}."))

    def __call__(self, text: str) -> str:
        """``text`` with every pupil's "First Surname" written "First S."."""
        for pattern, replacement in self._patterns:
            text = pattern.sub(replacement, text)
        return text

    def __bool__(self) -> bool:
        return bool(self._patterns)


def describe_action(sf: StoredFinding) -> tuple[str, str | None]:
    """What the system did about a finding's item, and what a person must still do.

    The second element is None when nobody needs to act.
    """
    link = sf.item.permalink or "the post"
    if sf.finding.action is not ActionKind.HIDE or sf.action_state is None:
        return "Nothing was changed on the platform.", None
    if sf.action_state == ActionState.DONE:
        return "Hidden automatically (not deleted: the evidence is kept).", None
    if sf.action_state == ActionState.PENDING and sf.action_detail:
        # Refused for now (a rate limit, a missing permission): it is tried again.
        return (
            f"Not hidden yet: {sf.action_detail}. The monitor hides it as soon as it can.",
            f"Hide or remove it by hand if it cannot wait: {link}",
        )
    if sf.action_state == ActionState.PENDING:
        return "Hiding has been requested but not yet confirmed.", f"Check it is hidden: {link}"
    if sf.action_state == ActionState.FAILED:
        return f"Could not hide: {sf.action_detail}.", f"Remove it by hand: {link}"
    if sf.item.is_own:
        return (
            "Not hidden: this is the school's own post.",
            f"Edit or remove the post by hand: {link}",
        )
    return (
        f"Not hidden: {sf.action_detail or 'the platform has no way to hide it'}.",
        f"Remove it by hand: {link}",
    )


def platform_name(kind: str) -> str:
    """A source kind as people call the platform ("feed" -> "web feed")."""
    return _PLATFORMS.get(kind, kind)


def format_local_time(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` in ``zone`` as "Tue 24 Nov 2026, 18:05 GMT".

    Day and month names are fixed English, not the process locale, so a
    service running under ``LANG=C`` or ``de_DE`` writes the same thing.

    Raises:
        ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(zone)
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M} {local.tzname()}"
    )


def render_alert(
    entries: Sequence[AlertEntry],
    *,
    school_name: str,
    zone: ZoneInfo,
    urgent: bool,
    template_dir: Path | None = None,
) -> RenderedEmail:
    """Render one alert email for ``entries``.

    ``urgent=True`` is a safeguarding alert to the DSL about exactly one
    entry; its subject starts ``[URGENT safeguarding]``. Otherwise it is one
    SLT alert listing every entry, most severe first. ``template_dir``, when
    given, is searched for ``alert.txt.j2``/``alert.html.j2`` before the
    built-in templates.

    Raises:
        ValueError: ``entries`` is empty, or ``urgent`` with more than one entry.
        jinja2.TemplateError: an override template is broken.
    """
    if not entries:
        raise ValueError("an alert needs at least one entry")
    if urgent and len(entries) != 1:
        raise ValueError(f"an urgent safeguarding alert is about one item, not {len(entries)}")
    # Most severe first; the sort is stable, so equal severities keep the
    # caller's (usually chronological) order.
    ordered = sorted(entries, key=lambda e: -e.severity.rank)
    views = [_view(n, e, zone, urgent) for n, e in enumerate(ordered, start=1)]
    subject = _subject(ordered, school_name, urgent)
    context = {
        "subject": subject,
        "school_name": school_name,
        "urgent": urgent,
        "entries": views,
        "headline": _headline(ordered, urgent),
        "done": _done_lines(views),
        "to_do": _to_do(views),
        "max_chars": MAX_ITEM_CHARS,
    }
    env = environment(template_dir)
    text = env.get_template("alert.txt.j2").render(context)
    html = env.get_template("alert.html.j2").render(context)
    return RenderedEmail(subject=subject, text=text, html=html)


def render_health(
    *,
    source: str,
    kind: str,
    event: str,
    error: str | None,
    at: datetime,
    school_name: str,
    zone: ZoneInfo,
    template_dir: Path | None = None,
) -> RenderedEmail:
    """Render the email for a source that started failing or recovered.

    ``event`` is ``"failing"`` (``error`` says why) or ``"recovered"``; or,
    for a source that is read but whose flagged comments cannot be hidden,
    ``"hide_blocked"`` (``error`` says what to grant or renew) and
    ``"hide_restored"`` (``hide.txt.j2``/``hide.html.j2``). ``kind`` is the
    source's platform (``"feed"``). Sent once per transition, never per poll.

    Raises:
        ValueError: ``event`` is none of these, or ``at`` is naive.
        jinja2.TemplateError: an override template is broken.
    """
    events = {"failing", "recovered", "hide_blocked", "hide_restored"}
    if event not in events:
        raise ValueError(f"unknown health event {event!r} (known: {', '.join(sorted(events))})")
    school = _one_line(school_name)
    account = f"{source} ({_PLATFORMS.get(kind, kind)})"
    subject = {
        "failing": f"[{school}] Not checking {source}: it cannot be read",
        "recovered": f"[{school}] Checking {source} again",
        "hide_blocked": f"[{school}] Cannot hide comments on {source}: access refused",
        "hide_restored": f"[{school}] Hiding comments on {source} again",
    }[event]
    subject = _one_line(subject)
    context = {
        "subject": subject,
        "school_name": school_name,
        "failing": event in {"failing", "hide_blocked"},
        "account": account,
        "source": source,
        "error": error or "(no detail given)",
        "when": format_local_time(at, zone),
    }
    template = "hide" if event.startswith("hide_") else "health"
    env = environment(template_dir)
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{template}.txt.j2").render(context),
        html=env.get_template(f"{template}.html.j2").render(context),
    )


def _view(number: int, entry: AlertEntry, zone: ZoneInfo, urgent: bool) -> _EntryView:
    """Work out everything the templates show for one entry."""
    text = _cut(entry.item_text)
    at = text.find(entry.match) if entry.match else -1
    if at >= 0:
        before, hit, after = text[:at], entry.match, text[at + len(entry.match) :]
    else:
        before, hit, after = text, "", ""
    link = (entry.permalink or "").strip() or None
    return _EntryView(
        number=number,
        finding_id=entry.finding_id,
        rule=entry.rule,
        severity=entry.severity.value,
        urgent=entry.severity is Severity.URGENT,
        kind=entry.item_kind,
        account=f"{entry.source_name} ({platform_name(entry.platform)})",
        author=entry.author_name or "(no name shown)",
        when=format_local_time(entry.created_at, zone),
        text=text,
        before=before,
        hit=hit,
        after=after,
        match=entry.match,
        link=link,
        # Only web links become clickable: a "javascript:" or "data:" value
        # in a feed must never turn into an href.
        link_is_web=link is not None and link.lower().startswith(("http://", "https://")),
        action_taken=entry.action_taken,
        needs_action=entry.needs_action or (_URGENT_DEFAULT_ACTION if urgent else None),
        hidden=entry.hidden,
        parent=_cut(entry.parent_text, MAX_PARENT_CHARS) if entry.parent_text else None,
        parent_author=entry.parent_author or "(no name shown)",
    )


def _cut(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    """``text`` whole, or its first ``limit`` characters marked as cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + "… (cut)"


def _plural(kind: str, count: int) -> str:
    """ "1 comment", "3 replies", "2 items" for a mixed set."""
    if count == 1:
        return f"1 {kind}"
    return f"{count} {_PLURALS.get(kind, kind + 's')}"


def _kind_of(entries: Sequence[AlertEntry]) -> str:
    """The shared kind of the entries, or "item" when they differ."""
    kinds = {e.item_kind for e in entries}
    return kinds.pop() if len(kinds) == 1 else "item"


def _rules(entries: Sequence[AlertEntry]) -> list[str]:
    """Distinct rule names in order of first appearance (entries are sorted by severity)."""
    return list(dict.fromkeys(e.rule for e in entries))


def _subject(entries: Sequence[AlertEntry], school_name: str, urgent: bool) -> str:
    """A short subject a phone shows whole.

    Never "digest", "all clear" or "summary": those words belong to the
    routine emails, and an alert must not look routine in an inbox.
    """
    school = _one_line(school_name)
    if urgent:
        entry = entries[0]
        return _one_line(
            f"[URGENT safeguarding] {school}: {entry.item_kind} on {entry.source_name}"
        )
    rules = _rules(entries)
    named = ", ".join(rules[:_SUBJECT_RULES])
    if len(rules) > _SUBJECT_RULES:
        named += f" +{len(rules) - _SUBJECT_RULES} more"
    count = _plural(_kind_of(entries), len(entries))
    return _one_line(f"[{school}] {count} flagged: {named}")


def _headline(entries: Sequence[AlertEntry], urgent: bool) -> str:
    """First line: what happened."""
    if urgent:
        entry = entries[0]
        return (
            f"A {entry.item_kind} on {entry.source_name} "
            f"({_PLATFORMS.get(entry.platform, entry.platform)}) "
            f"may be a safeguarding concern ({entry.rule})."
        )
    count = _plural(_kind_of(entries), len(entries))
    verb = "was" if len(entries) == 1 else "were"
    return (
        f"{count} on the school's accounts {verb} flagged against the social media policy "
        f"({', '.join(_rules(entries))})."
    )


def _done_lines(views: Sequence[_EntryView]) -> list[str]:
    """Second part: what the system already did, each distinct action once.

    With several entries each action names the entry numbers it applies to,
    so the reader can match it to the list below.
    """
    if len(views) == 1:
        return [views[0].action_taken]
    numbers: dict[str, list[str]] = {}
    for v in views:
        numbers.setdefault(v.action_taken, []).append(f"#{v.number}")
    return [f"{action} ({', '.join(ns)})" for action, ns in numbers.items()]


def _to_do(views: Sequence[_EntryView]) -> str:
    """Third part: what the reader must do."""
    needing = [v for v in views if v.needs_action]
    if not needing:
        return "Nothing: this is for your information."
    if len(views) == 1:
        assert views[0].needs_action is not None
        return views[0].needs_action
    numbers = ", ".join(f"#{v.number}" for v in needing)
    return f"Act on {numbers} (marked ACTION below)."


def _one_line(text: str) -> str:
    """Collapse all whitespace, so a header never carries a line break."""
    return " ".join(text.split())


@functools.lru_cache(maxsize=8)
def environment(template_dir: Path | None) -> Environment:
    """The Jinja2 environment for every email, built once per override folder.

    Autoescaping is on for everything except ``.txt`` templates, so an HTML
    template (or an admin's override with another name) escapes by default.
    """
    loaders: list[BaseLoader] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(template_dir))
    loaders.append(PackageLoader("monitor", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2"),
            disabled_extensions=("txt", "txt.j2"),
            default_for_string=True,
            default=True,
        ),
        # A typo in an override template should fail loudly, not send a blank.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
