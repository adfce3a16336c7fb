"""The rule engine: every enabled rule over one shared normalisation of each item.

The engine turns rule hits into findings carrying the action and severity the
config maps each rule to, with a source's own overrides (``[[sources]]
rules.<id>``) applied for items from that source. A rule that raises does not
let the item pass silently: the engine logs it and returns a ``needs_review``
finding so a human looks at the item.

Speed matters (every item of every poll, and ``test-rules --jsonl`` over
whole exports), so the plan of (rule, action, severity) is worked out once
per source and kind of item, not per item: a rule that says it cannot apply
to an item of that kind (``Rule.applies``: the media rules to text without
media) is left out of it. ``vet`` does no more than normalise and call the
rules.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from monitor.config import Config, RuleOverride, RuleSettings
from monitor.defaults import default_lists_dir
from monitor.errors import ConfigError
from monitor.lists import read_terms
from monitor.models import ActionKind, Finding, Hit, Item, ItemKind, Severity
from monitor.roster import Pupil, load_roster
from monitor.rules import Rule
from monitor.rules.abuse import AbuseRule
from monitor.rules.aup_link import AupLinkRule
from monitor.rules.concerns import Concerns
from monitor.rules.location_metadata import LocationMetadataRule
from monitor.rules.names import NameMatcher
from monitor.rules.normalise import NormalisedText, normalise
from monitor.rules.personal_info import PersonalInfoRule
from monitor.rules.photo_consent import PhotoConsentRule
from monitor.rules.phrases import share_prefilter
from monitor.rules.private_message import PrivateMessageRule
from monitor.rules.pupil_name import PupilNameRule
from monitor.rules.safeguarding import SafeguardingRule
from monitor.rules.signal import LearnedSignal
from monitor.rules.unsafe_link import LinkScanner, UnknownLinkRule, UnsafeLinkRule

log = structlog.get_logger(__name__)

#: the finding an item gets when a rule failed on it
NEEDS_REVIEW = "needs_review"

#: the shipped list files, in ``default_lists_dir()``
ABUSE_LIST = "abuse.txt"
SAFEGUARDING_LIST = "safeguarding.txt"
SHORTENERS_LIST = "link_shorteners.txt"
SAFE_DOMAINS_LIST = "link_safe.txt"
LEARNED_SIGNAL = "learned_signal.json"
NAME_WORDS_LIST = "name_words.txt"


def rules_compiled() -> bool:
    """Whether the engine and the rules run compiled (mypyc: a wheel installed with
    ``pip install .``) rather than from their Python source (an editable install, or a
    machine that could not compile them; see ``hatch_build.py``). Both run the same
    rules; compiled is faster."""
    compiled = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    modules = (sys.modules[__name__], sys.modules[normalise.__module__])
    return all((module.__file__ or "").endswith(compiled) for module in modules)


def fingerprint(rule: str, normalised_match: str) -> str:
    """A stable identity for "this rule found this text": what an admin's allow remembers.

    ``normalised_match`` is a finding's ``normalised`` form, which every rule
    fills with a canonical form of what it matched (the folded word, the
    pupil's legal name, the phone number in E.164, the host of a link), so
    the same text written another way has the same fingerprint. Whitespace
    runs count as one space. Pure: the same arguments always give the same
    64 hex digits.
    """
    canonical = " ".join(normalised_match.split())
    return hashlib.sha256(f"{rule}\x1f{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Explained:
    """A finding with the normalised text it was found in, for ``test-rules``."""

    finding: Finding
    text: NormalisedText | None


@dataclass(frozen=True, slots=True)
class _Step:
    rule: Rule
    action: ActionKind
    severity: Severity | None


class Engine:
    """Vets items against a fixed set of rules.

    ``settings`` are ``[rules.<id>]``; ``sources`` maps a source's name to its
    own overrides, applied to items whose ``source`` is that name.
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        settings: Mapping[str, RuleSettings],
        *,
        sources: Mapping[str, Mapping[str, RuleOverride]] | None = None,
    ) -> None:
        self._rules = list(rules)
        self._settings = settings
        self._default = self._steps({})
        self._by_source = {name: self._steps(o) for name, o in (sources or {}).items()}
        # (source, kind, has media) -> the steps that apply; filled as items come
        self._plans: dict[tuple[str, ItemKind, bool], tuple[_Step, ...]] = {}

    def _steps(self, overrides: Mapping[str, RuleOverride]) -> tuple[_Step, ...]:
        steps: list[_Step] = []
        for rule in self._rules:
            setting = self._settings.get(rule.id, RuleSettings())
            if rule.id in overrides:
                setting = overrides[rule.id].apply(setting)
            if setting.enabled:
                steps.append(_Step(rule, setting.action or rule.default_action, setting.severity))
        return tuple(steps)

    def _plan(self, item: Item) -> tuple[_Step, ...]:
        key = (item.source, item.kind, bool(item.media))
        plan = self._plans.get(key)
        if plan is None:
            steps = self._by_source.get(item.source, self._default)
            plan = tuple(s for s in steps if _applies(s.rule, item.kind, has_media=key[2]))
            self._plans[key] = plan
        return plan

    def rules_for(self, item: Item) -> list[Rule]:
        """The enabled rules that apply to ``item``, in the order ``vet`` runs them."""
        return [step.rule for step in self._plan(item)]

    @property
    def rule_ids(self) -> list[str]:
        """The ids of the enabled rules (before per-source overrides)."""
        return [step.rule.id for step in self._default]

    def vet(self, item: Item) -> list[Finding]:
        """Every finding for ``item``, at most one per rule (its first hit). Never raises."""
        try:
            text = normalise(item.searchable_text())
        except Exception as err:  # the item goes to a human rather than through unvetted
            log.error("normalise_failed", item=item.platform_id, error=type(err).__name__)
            return [self._review("normalisation", err, None).finding]
        out: list[Finding] = []
        for step in self._plan(item):
            try:
                hits = step.rule.check(text, item)
            except Exception as err:  # one broken rule must not stop the others
                log.error("rule_failed", rule=step.rule.id, item=item.platform_id, error=repr(err))
                out.append(self._review(step.rule.id, err, text).finding)
                continue
            if hits:
                # The first hit sure enough to hide, else the first.
                out.append(_finding(step, next((h for h in hits if h.hide), hits[0])))
        return out

    def explain(self, item: Item) -> list[Explained]:
        """As ``vet``, with the normalised text each finding came from. Never raises."""
        try:
            text = normalise(item.searchable_text())
        except Exception:  # vet logs it and says the same
            return [Explained(finding=f, text=None) for f in self.vet(item)]
        return [Explained(finding=f, text=text) for f in self.vet(item)]

    @staticmethod
    def _review(where: str, err: Exception, text: NormalisedText | None) -> Explained:
        finding = Finding(
            rule=NEEDS_REVIEW,
            severity=Severity.WARNING,
            action=ActionKind.ALERT,
            match="",
            start=0,
            end=0,
            entry=f"{where} failed on this item ({type(err).__name__}); please read it",
        )
        return Explained(finding=finding, text=text)


def _applies(rule: Rule, kind: ItemKind, *, has_media: bool) -> bool:
    """``rule.applies(kind, has_media=...)``, for rules that have it; others apply to all."""
    applies = getattr(rule, "applies", None)
    return True if applies is None else bool(applies(kind, has_media=has_media))


def _finding(step: _Step, hit: Hit) -> Finding:
    action = step.action
    if action is ActionKind.HIDE and not hit.hide:
        action = ActionKind.ALERT  # the rule is not sure enough to hide this
    return Finding.from_hit(hit, action=action, severity=step.severity)


def build_rules(config: Config | None, *, pupils: Sequence[Pupil] | None = None) -> list[Rule]:
    """Build every rule from the default lists plus the admin's lists, roster and domains.

    ``pupils`` replaces reading the configured roster (tests, benchmarks).

    Raises:
        ConfigError: a word list, block list or the roster cannot be read, or
            a list entry is malformed (naming the files).
    """
    lists = default_lists_dir()

    def settings(rule_id: str) -> RuleSettings:
        return config.rule(rule_id) if config else RuleSettings()

    def terms(rule_id: str, default: str) -> tuple[list[str], list[Path]]:
        files = [lists / default, *settings(rule_id).extra_terms_files]
        return [term for path in files for term in read_terms(path)], files

    abuse_terms, abuse_files = terms("abuse", ABUSE_LIST)
    safeguarding_terms, safeguarding_files = terms("safeguarding", SAFEGUARDING_LIST)
    # Threats are both abuse and safeguarding: one matcher serves both rules.
    concerns = Concerns()
    signal = _learned_signal(lists / LEARNED_SIGNAL)
    try:
        abuse = AbuseRule(
            abuse_terms,
            allow_terms=settings("abuse").allow_terms,
            concerns=concerns,
            signal=signal if settings("abuse").learned else None,
        )
    except ValueError as err:
        raise ConfigError(f"rules.abuse word lists ({_names(abuse_files)}): {err}") from None
    try:
        safeguarding = SafeguardingRule(
            safeguarding_terms,
            allow_terms=settings("safeguarding").allow_terms,
            concerns=concerns,
            signal=signal if settings("safeguarding").learned else None,
        )
    except ValueError as err:
        raise ConfigError(
            f"rules.safeguarding phrase lists ({_names(safeguarding_files)}): {err}"
        ) from None

    if pupils is None:
        pupils = load_roster(config.roster) if config and config.roster else []
    names = NameMatcher(pupils, word_names=read_terms(lists / NAME_WORDS_LIST))
    # Both lists, the roster, the words a child is singled out by and the
    # concerns' anchors are read for every item: one automaton pass serves them all.
    # The concerns' words are in most texts; the roster's names, in few: a client
    # whose values are above every value a text holds skips it at once, so the
    # names come last.
    share_prefilter(
        [abuse.matcher, safeguarding.matcher],
        clients=[concerns, safeguarding.whereabouts, names],
    )
    school_domains = config.school.domains if config else ()
    links = settings("unsafe_link")
    scanner = LinkScanner(
        school_domains=school_domains,
        allow_domains=links.allow_domains,
        safe_domains=read_terms(lists / SAFE_DOMAINS_LIST),
        blocked_domains=[d for path in links.blocklist_files for d in read_terms(path)],
        shorteners=read_terms(lists / SHORTENERS_LIST),
    )
    return [
        safeguarding,
        abuse,
        PupilNameRule(names),
        PersonalInfoRule(
            school_domains=school_domains, allow_terms=settings("personal_info").allow_terms
        ),
        UnsafeLinkRule(scanner),
        UnknownLinkRule(scanner),
        PhotoConsentRule(names),
        LocationMetadataRule(),
        PrivateMessageRule(),
        # The account audit's rule: it reads only PROFILE items (monitor/audit.py).
        *([AupLinkRule(config.school.aup_url)] if config else []),
    ]


def _learned_signal(path: Path) -> LearnedSignal:
    """The shipped learned signal.

    Raises:
        ConfigError: the model file is missing or not a model.
    """
    try:
        return LearnedSignal(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise ConfigError(f"the learned signal's model {path}: {err}") from None


def _names(files: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in files)


def build_engine(config: Config | None, *, pupils: Sequence[Pupil] | None = None) -> Engine:
    """The engine for ``config`` (or the defaults, when run without one).

    Raises:
        ConfigError: as ``build_rules``.
    """
    if config is None:
        return Engine(build_rules(None, pupils=pupils), {})
    return Engine(
        build_rules(config, pupils=pupils),
        config.rules,
        sources={s.name: s.rules for s in config.sources if s.rules},
    )
