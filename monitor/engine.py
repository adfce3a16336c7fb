"""The rule engine: every enabled rule over one shared normalisation of each item.

The engine turns rule hits into findings carrying the action and severity the
config maps each rule to. A rule that raises does not let the item pass
silently: the engine logs it and returns a ``needs_review`` finding so a human
looks at the item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog

from monitor.config import Config, RuleSettings
from monitor.defaults import default_lists_dir
from monitor.errors import ConfigError
from monitor.lists import read_terms
from monitor.models import ActionKind, Finding, Hit, Item, Severity
from monitor.rules import Rule
from monitor.rules.abuse import AbuseRule
from monitor.rules.normalise import NormalisedText, normalise

log = structlog.get_logger(__name__)

#: the finding an item gets when a rule failed on it
NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True, slots=True, kw_only=True)
class Explained:
    """A finding with the normalised text it was found in, for ``test-rules``."""

    finding: Finding
    text: NormalisedText | None


class Engine:
    """Vets items against a fixed set of rules."""

    def __init__(self, rules: Sequence[Rule], settings: Mapping[str, RuleSettings]) -> None:
        self._rules = [r for r in rules if settings.get(r.id, RuleSettings()).enabled]
        self._settings = settings

    @property
    def rule_ids(self) -> list[str]:
        """The ids of the enabled rules."""
        return [r.id for r in self._rules]

    def vet(self, item: Item) -> list[Finding]:
        """Every finding for ``item``, at most one per rule (its first hit). Never raises."""
        return [e.finding for e in self.explain(item)]

    def explain(self, item: Item) -> list[Explained]:
        """As ``vet``, with the normalised text each finding came from. Never raises."""
        try:
            text = normalise(item.searchable_text())
        except Exception as err:  # the item goes to a human rather than through unvetted
            log.error("normalise_failed", item=item.platform_id, error=type(err).__name__)
            return [self._review(item, "normalisation", err, None)]
        out: list[Explained] = []
        for rule in self._rules:
            try:
                hits = rule.check(text, item)
            except Exception as err:  # one broken rule must not stop the others
                log.error("rule_failed", rule=rule.id, item=item.platform_id, error=repr(err))
                out.append(self._review(item, rule.id, err, text))
                continue
            if hits:
                out.append(Explained(finding=self._finding(rule, hits[0]), text=text))
        return out

    def _finding(self, rule: Rule, hit: Hit) -> Finding:
        setting = self._settings.get(rule.id, RuleSettings())
        return Finding.from_hit(
            hit,
            action=setting.action or rule.default_action,
            severity=setting.severity,
        )

    @staticmethod
    def _review(item: Item, where: str, err: Exception, text: NormalisedText | None) -> Explained:
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


def build_rules(config: Config | None) -> list[Rule]:
    """Build every rule from the default lists plus the admin's extra and allow lists.

    Raises:
        ConfigError: a word list cannot be read.
    """
    abuse = config.rule("abuse") if config else RuleSettings()
    files = [default_lists_dir() / "abuse.txt", *abuse.extra_terms_files]
    terms = [term for path in files for term in read_terms(path)]
    try:
        return [AbuseRule(terms, allow_terms=abuse.allow_terms)]
    except ValueError as err:
        names = ", ".join(str(p) for p in files)
        raise ConfigError(f"rules.abuse word lists ({names}): {err}") from None


def build_engine(config: Config | None) -> Engine:
    """The engine for ``config`` (or the defaults, when run without one).

    Raises:
        ConfigError: a word list cannot be read.
    """
    return Engine(build_rules(config), config.rules if config else {})
