"""The unsafe_link and unknown_link rules: links that are not "appropriate and Safe".

The policy: "Care must be taken that any links to external sites from the
account are appropriate and Safe". Every URL and bare domain in the text is
judged once by a shared ``LinkScanner``, in this order:

1. blocked whatever the allow lists say: an IP-address host; a punycode
   (``xn--``) or non-ASCII, so possibly mixed-script, host (``exаmple.com``
   with a Cyrillic "а"); a link to an executable or app download (.exe, .apk...);
2. allowed: the school's own domains and the admin's ``allow_domains``;
3. blocked: a domain in a blocklist file (web-filter category lists, one
   domain a line), a link shortener (the target is hidden), a lookalike of the
   school's own domains (``stmarys-sch.uk``, ``stmarys.sch.uk.login.co``,
   ``stmarys.sch.uk`` with a digit for a letter) or of any public body's
   (``fsm-grant.gov.uk.claim-now.info``);
4. allowed: the shipped list of well-known safe domains;
5. anything else is unknown: reported in the digest, never hidden; unless the
   text names an executable or app as a bare file name ("download
   WhatsApp-Gold.apk from wa-gold-update.com", "StMarysTimetable.apk
   (stmarys-app.net)"): then the text offers a download from that domain,
   and it is blocked.

A bare file name in a text that gives no link at all is itself blocked when
a download verb comes a few words before it ("install Setup.exe to see your
child's points"), and not otherwise ("my Minecraft.exe keeps crashing"); a
screensaver or script file (.scr, .vbs, .bat...), or a program dressed as a
document ("timetable.pdf.exe"), is blocked whenever it is named: nobody shares
one on a school's page but to have it run.

Blocked links are ``unsafe_link`` hits (hide + alert); unknown ones are
``unknown_link`` hits (digest), a separate rule id so each has its own action.
A domain matches a list entry when it is the entry or a subdomain of it.
``normalised`` is the host (for executables, the host and path; for a bare
file name, the file name), so an admin's allow of one finding covers the same
host next time.

Cheap first: text without a "." holds no link and is not parsed, and only text
with a "." before an executable's extension is looked at for file names.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText

# A link: with a scheme or "www.", anything up to a space or bracket; or a
# bare domain ending in a known top-level domain, optionally with a path.
_SCHEMED = r"(?:https?://(?:\[[0-9a-f:.]+\])?|www\.)[^\s<>\"'()\[\]{}]*"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_PATH = r"(?:/[^\s<>\"'()\[\]{}]*)?"
_BARE = rf"(?:{_LABEL}\.)+(?P<tld>[^\W\d_]{{2,24}}|xn--[\w-]+)(?::[0-9]{{1,5}})?{_PATH}"
_IPV4 = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?::[0-9]{1,5})?(?:/[^\s<>\"'()\[\]{}]*)?"
_LINK = re.compile(
    rf"(?<![\w@./-])(?:(?P<schemed>{_SCHEMED})|(?P<ip>{_IPV4})(?![\w.])|(?P<bare>{_BARE}))"
)
_TRAILING = ".,;:!?'\"’”)]}>"
# Where a link may be: a dot with a letter right after it (a top-level
# domain starts with one; a sentence's full stop has a space after it), or
# the dots of an IPv4 address. Not a dot between digits alone: prices and
# times ("£3.50", "5.30pm") are everyday text and hold no link.
# Starting with the literal dot lets the engine skip to each dot at C speed.
_DOT_LETTER = re.compile(r"\.(?:[^\W\d_]|(?<=[0-9]\.)[0-9]{1,3}\.[0-9])")
_SPACE = re.compile(r"\s")
# Inside text that passed that check: every place a link may be, IPv6 hosts too.
_TRIGGER = re.compile(rf"{_DOT_LETTER.pattern}|://\[")
# Top-level domains a bare domain (no scheme, no www.) must end in: the
# common ones, without those that are also everyday words a missing space
# would produce ("great.so", "loved.it", "done.at").
_BARE_TLDS = frozenset(
    str.split(
        "com org net uk info biz io co me tv ly gl gd cc ws to gg sh ai app dev xyz "
        "online site top club shop live store blog link click download zip mov "
        "us ca au nz ie eu de fr es nl ru cn su tk ml ga cf gq pw top icu buzz "
        "fun win bid loan work party review stream racing date faith cricket science "
        "gov edu academy school education"
    )
)
_EXTENSIONS = "exe|apk|xapk|msi|msix|appx|bat|cmd|scr|dmg|pkg|jar|vbs|ps1|ipa|pif|hta"
_EXECUTABLE = re.compile(rf"\.(?:{_EXTENSIONS})$")
# An executable's extension ending a word: at a space or the end, perhaps
# after a sentence's punctuation, so not "setup.exe/x" or "setup.exe.com".
# Starting with the literal dot lets the engine skip to each dot at C speed:
# this runs on every text with a link-like dot, and almost never matches.
_FILE_EXT = re.compile(rf"\.(?:{_EXTENSIONS})(?=[{re.escape(_TRAILING)}]*(?:\s|\Z))")
# What must precede that extension, from the word's start, for the word to be
# a bare file name: opening brackets or quotes, then a name of letters, digits,
# "-", "_" and inner dots. A "/", ":", "@", "=" ... makes it a URL's path or
# query (judged as a link already) or an address, and the name fails to match.
_FILE_NAME = re.compile(r"[(\[{<\"']*(?P<name>[^\W_][\w-]*(?:\.[\w-]+)*)")
# A download verb at most ten words before a file name, in the same sentence ("get
# it here before they take it down X.apk", "Download the full video of Mei Chen's solo
# here 👉 carols_mei_chen.apk"). Only before it: "download Setup.exe"
# offers it, "Minecraft.exe won't open" does not. Base forms only: "I downloaded
# Minecraft.exe" offers nothing.
_OFFER_VERB = re.compile(
    r"(?<!\w)(?:download|install|run|open|get)(?:[^\w.!?\n]+\w+){0,10}[^\w.!?\n]*\Z"
)
_OFFER_WINDOW = 80  # characters before a file name searched for a verb
# Files nobody shares on a school's page but to run them ("class_pics.scr" is a
# screensaver, which is a program), and programs dressed as documents
# ("timetable.pdf.exe"): named at all, they are offered.
_NEVER_INNOCENT = re.compile(
    rf"\.(?:scr|pif|hta|vbs|ps1|bat|cmd)\Z"
    rf"|\.(?:pdf|docx?|xlsx?|pptx?|jpe?g|png|gif|mp[34]|mov|txt|zip)\.(?:{_EXTENSIONS})\Z"
)
_OFFERED = "executable or app download offered"
_IP_HOST = re.compile(r"^[0-9.]+$|^\[?[0-9a-f:]+\]?$")
# Digits people use for letters in lookalike domains.
_DIGIT_LETTERS = str.maketrans("0135", "oles")


#: a link's verdict without its place: host, blocked, reason, normalised
_Judgement = tuple[str, bool, str, str]
_JUDGED_MAX = 4096


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """One link found and judged: its span of the original text and why it is flagged."""

    start: int
    end: int
    host: str  # "" for a bare file name offered for download
    blocked: bool
    reason: str  # "" for an unknown domain
    normalised: str


class LinkScanner:
    """Finds and judges every link in a text; remembers the last text so both rules share one scan.

    All domain arguments are plain lower-case domains ("example.sch.uk").
    """

    def __init__(
        self,
        *,
        school_domains: Sequence[str] = (),
        allow_domains: Iterable[str] = (),
        safe_domains: Iterable[str] = (),
        blocked_domains: Iterable[str] = (),
        shorteners: Iterable[str] = (),
    ) -> None:
        self._school = tuple(_clean(d) for d in school_domains if _clean(d))
        self._allow = frozenset(_clean(d) for d in (*self._school, *allow_domains))
        self._safe = frozenset(_clean(d) for d in safe_domains)
        self._blocked = frozenset(_clean(d) for d in blocked_domains)
        self._shorteners = frozenset(_clean(d) for d in shorteners)
        self._last: tuple[NormalisedText, list[LinkVerdict]] | None = None
        # Each link as written is judged once, and each bare "word.word" is
        # judged a link or not ("jane.doe1982" in an email address is not)
        # once: a school's comments link the same few sites again and again.
        # Both are pure, so a bounded memo of each serves.
        self._judged = functools.lru_cache(maxsize=_JUDGED_MAX)(self._judge)
        self._bare_is_link = functools.lru_cache(maxsize=_JUDGED_MAX)(self._is_bare_link)

    def scan(self, text: NormalisedText) -> list[LinkVerdict]:
        """Every link in ``text`` that is blocked or unknown, allowed links left out; and
        each bare executable file name offered for download when ``text`` has no link."""
        last = self._last
        if last is not None and last[0] is text:
            return last[1]
        s = text.text
        verdicts: list[LinkVerdict] = []
        if _DOT_LETTER.search(s) is not None or "://[" in s:
            links = list(self._judge_all(text))
            verdicts = [v for v in links if v is not None]
            # Nearly all text names no executable: one more pass at C speed.
            if _FILE_EXT.search(s) is not None:
                verdicts = _with_offers(text, verdicts, bool(links))
        self._last = (text, verdicts)
        return verdicts

    def _judge_all(self, text: NormalisedText) -> Iterable[LinkVerdict | None]:
        """Every link of ``text``, in order: its verdict, or None when it is allowed."""
        s = text.text
        done = 0
        # Only the whitespace-delimited chunks holding a dot-letter are searched.
        for dot in _TRIGGER.finditer(s):
            if dot.start() < done:
                continue
            begin = max(s.rfind(" ", done, dot.start()), s.rfind("\n", done, dot.start())) + 1
            begin = max(begin, done)
            space = _SPACE.search(s, dot.end())
            done = space.start() if space is not None else len(s)
            yield from self._judge_chunk(text, begin, done)

    def _judge_chunk(
        self, text: NormalisedText, begin: int, end: int
    ) -> Iterable[LinkVerdict | None]:
        s = text.text
        for m in _LINK.finditer(s, begin, end):
            link = m.group().rstrip(_TRAILING)
            if m.group("bare") is not None and not self._bare_is_link(link):
                continue
            start, end = text.original_span(m.start(), m.start() + len(link))
            judged = self._judged(text.original[start:end])
            yield None if judged is None else LinkVerdict(start, end, *judged)

    def _judge(self, original: str) -> _Judgement | None:
        """The verdict on one link as written: (host, blocked, reason, normalised), or
        None when it is allowed."""
        # Judged as written: the normalised text (which found the link) has
        # look-alike letters and leet digits folded, and those are the point.
        host, path = _split(unicodedata.normalize("NFKC", original).lower())
        if not host:
            return None

        def verdict(blocked: bool, reason: str, normalised: str = "") -> _Judgement:
            return host, blocked, reason, normalised or bare

        bare = host.removeprefix("www.")
        if _is_ip(host):
            return verdict(True, "IP-address host")
        if not host.isascii() or "xn--" in host:
            return verdict(True, "punycode or mixed-script domain")
        if _EXECUTABLE.search(path.split("?", 1)[0].split("#", 1)[0]) is not None:
            return verdict(True, "executable or app download", f"{bare}{path.split('?', 1)[0]}")
        if _listed(host, self._allow):
            return None
        if _listed(host, self._blocked):
            return verdict(True, "blocklisted domain")
        if _listed(host, self._shorteners):
            return verdict(True, "link shortener")
        lookalike = self._lookalike(host)
        if lookalike:
            return verdict(True, f"lookalike of {lookalike}")
        posing = _posing_as_public(host)
        if posing:
            return verdict(True, f"lookalike of a {posing} site")
        if _listed(host, self._safe):
            return None
        return verdict(False, "")

    def _is_bare_link(self, link: str) -> bool:
        """Whether a bare domain (no scheme, no www.) is meant as a link: its top-level
        domain is one people link to, or it is on one of the lists."""
        return _bare_tld_ok(link) or self._known(_split(link)[0])

    def _known(self, host: str) -> bool:
        """Whether ``host`` is on one of the lists: then a bare "lnkd.in" is a link too."""
        return any(
            _listed(host, domains)
            for domains in (self._allow, self._blocked, self._shorteners, self._safe)
        )

    def _lookalike(self, host: str) -> str | None:
        """The school domain ``host`` imitates, if any."""
        bare = host.removeprefix("www.")
        for domain in self._school:
            if _distance(bare, domain) <= (2 if len(domain) >= 8 else 1):
                return domain
            if bare.translate(_DIGIT_LETTERS) == domain:
                return domain
            name = domain.split(".", 1)[0]
            # The school's name inside another domain: "stmarys-sch.uk",
            # "stmarys.sch.uk.login.co". Short names are too common to judge.
            if len(name) >= 5 and (domain in bare or name in bare.replace("-", "")):
                return domain
        return None


#: the suffixes only public bodies, schools and the NHS can register under
_PUBLIC_SUFFIXES = (".gov.uk", ".sch.uk", ".nhs.uk", ".police.uk", ".ac.uk", ".mod.uk")


def _posing_as_public(host: str) -> str | None:
    """The public suffix ``host`` holds as a subdomain of someone else's domain
    ("fsm-grant.gov.uk.claim-now.info" is claim-now.info's, not a council's)."""
    for suffix in _PUBLIC_SUFFIXES:
        at = host.find(suffix + ".")
        if at > 0:
            return suffix[1:]
    return None


class UnsafeLinkRule:
    """Blocked links (see the module docstring). ``check`` never raises."""

    id: ClassVar[str] = "unsafe_link"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.HIGH

    def __init__(self, scanner: LinkScanner) -> None:
        self._scanner = scanner

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """One hit per blocked link; ``entry`` says why it is blocked."""
        verdicts = self._scanner.scan(text)
        if not verdicts:
            return []  # most text: no link
        return [
            _hit(self.id, self.default_severity, text, v, v.reason) for v in verdicts if v.blocked
        ]


class UnknownLinkRule:
    """Links to domains on no list: for the digest, not hidden. ``check`` never raises."""

    id: ClassVar[str] = "unknown_link"
    default_action: ClassVar[ActionKind] = ActionKind.DIGEST
    default_severity: ClassVar[Severity] = Severity.INFO

    def __init__(self, scanner: LinkScanner) -> None:
        self._scanner = scanner

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """One hit per link to an unknown domain."""
        verdicts = self._scanner.scan(text)
        if not verdicts:
            return []  # most text: no link
        entry = "domain on no list"
        return [
            _hit(self.id, self.default_severity, text, v, entry) for v in verdicts if not v.blocked
        ]


def _hit(rule: str, severity: Severity, text: NormalisedText, v: LinkVerdict, entry: str) -> Hit:
    return Hit(
        rule=rule,
        severity=severity,
        start=v.start,
        end=v.end,
        match=text.original[v.start : v.end],
        normalised=v.normalised,
        entry=entry,
    )


def _with_offers(
    text: NormalisedText, verdicts: list[LinkVerdict], linked: bool
) -> list[LinkVerdict]:
    """``verdicts`` (on the links of ``text``; ``linked``: it has any, allowed ones too)
    with the download offers of the bare executable file names ``text`` names."""
    files = list(_bare_files(text.text))
    if not files:
        return verdicts
    if linked:
        # The text says where to get the file: its unknown domains offer it.
        # The school's and safe domains were allowed (a "download ... from
        # play.google.com" is no scam), blocked ones keep their own reason.
        return [v if v.blocked else _offering(v) for v in verdicts]
    return [
        _file_verdict(text, start, end)
        for start, end in files
        if _offered(text.text, start) or _NEVER_INNOCENT.search(text.text, start, end)
    ]


def _bare_files(s: str) -> Iterable[tuple[int, int]]:
    """The (start, end) in ``s`` of each executable or app file name written as a word of
    its own ("WhatsApp-Gold.apk", "(Setup.exe)"), not as part of a link or address."""
    for ext in _FILE_EXT.finditer(s):
        word = max(s.rfind(" ", 0, ext.start()), s.rfind("\n", 0, ext.start())) + 1
        name = _FILE_NAME.fullmatch(s, word, ext.start())
        if name is not None:
            yield name.start("name"), ext.end()


def _offered(s: str, start: int) -> bool:
    """Whether a download verb comes a few words before the file name at ``start``."""
    return _OFFER_VERB.search(s, max(0, start - _OFFER_WINDOW), start) is not None


def _offering(v: LinkVerdict) -> LinkVerdict:
    """An unknown domain's verdict as one that offers an executable or app download."""
    return dataclasses.replace(v, blocked=True, reason=_OFFERED)


def _file_verdict(text: NormalisedText, start: int, end: int) -> LinkVerdict:
    """A bare file name offered for download, at its place in the original text; its
    normalised form is the name as written, in lower case."""
    begin, stop = text.original_span(start, end)
    name = unicodedata.normalize("NFKC", text.original[begin:stop]).lower()
    return LinkVerdict(begin, stop, "", True, _OFFERED, name)


def _clean(domain: str) -> str:
    return domain.strip().lower().strip(".").removeprefix("www.") if domain else ""


def _split(link: str) -> tuple[str, str]:
    """A link's host (without port or credentials) and its path."""
    rest = link.split("://", 1)[1] if "://" in link else link
    cut = len(rest)
    for ch in "/?#":
        at = rest.find(ch)
        if at != -1:
            cut = min(cut, at)
    authority, path = rest[:cut], rest[cut:]
    host = authority.rsplit("@", 1)[-1]
    host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
    return host.strip(".").lower(), path


def _is_ip(host: str) -> bool:
    if _IP_HOST.match(host) is None:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # "1.2.3" or "300.1.1.1" is still a numeric host, and still not a name.
        return host.replace(".", "").isdigit()
    return True


def _bare_tld_ok(link: str) -> bool:
    host, _ = _split(link)
    tld = host.rsplit(".", 1)[-1]
    return tld in _BARE_TLDS or tld.startswith("xn--") or not tld.isascii()


def _listed(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    if not domains:
        return False
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def _distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent swaps (optimal string alignment), capped at 3."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        previous2, previous = previous, current
    return min(previous[-1], 3)
