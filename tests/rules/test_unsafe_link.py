"""Specification of the unsafe_link and unknown_link rules."""

from __future__ import annotations

import pytest

from monitor.models import ActionKind, Severity
from monitor.rules.unsafe_link import LinkScanner, UnknownLinkRule, UnsafeLinkRule
from tests.rules.helpers import check, terms


@pytest.fixture(scope="module", name="scanner")
def fixture_scanner() -> LinkScanner:
    return LinkScanner(
        school_domains=["stmarys.sch.uk"],
        allow_domains=["trusted-partner.org"],
        safe_domains=terms("link_safe.txt"),
        blocked_domains=["casino-bonus.com"],
        shorteners=terms("link_shorteners.txt"),
    )


class TestBlocked:
    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("vote at http://192.168.4.20/poll", "IP-address host"),
            ("http://[2001:db8::1]/x", "IP-address host"),
            ("1.2.3.4/login", "IP-address host"),
            ("free robux bit.ly/3xR0bux", "link shortener"),
            ("https://TinyURL.com/y8abc", "link shortener"),
            ("lnkd.in/abc", "link shortener"),
            ("http://xn--80ak6aa92e.com", "punycode or mixed-script domain"),
            ("https://аррle.com/id", "punycode or mixed-script domain"),
            ("www.stmarys-sch.uk/pay", "lookalike of stmarys.sch.uk"),
            ("https://stmary5.sch.uk", "lookalike of stmarys.sch.uk"),
            ("stmarys.sch.uk.login-secure.co", "lookalike of stmarys.sch.uk"),
            ("www.stmarrys.sch.uk", "lookalike of stmarys.sch.uk"),
            ("https://example.org/app.apk", "executable or app download"),
            ("https://stmarys.sch.uk/setup.exe", "executable or app download"),
            ("casino-bonus.com/win", "blocklisted domain"),
            ("https://www.casino-bonus.com", "blocklisted domain"),
            ("https://win.casino-bonus.com", "blocklisted domain"),
        ],
    )
    def test_blocked(self, scanner: LinkScanner, text: str, reason: str) -> None:
        """Each kind of unsafe link is blocked, saying why."""
        hits = check(UnsafeLinkRule(scanner), text)
        assert [h.entry for h in hits] == [reason]
        assert check(UnknownLinkRule(scanner), text) == []

    def test_hit_fields(self, scanner: LinkScanner) -> None:
        """The hit quotes the link without trailing punctuation; normalised is the host."""
        text = "see (https://www.casino-bonus.com/win)."
        [hit] = check(UnsafeLinkRule(scanner), text)
        assert hit.match == "https://www.casino-bonus.com/win"
        assert hit.normalised == "casino-bonus.com"


class TestAllowedAndUnknown:
    @pytest.mark.parametrize(
        "text",
        [
            "https://stmarys.sch.uk/letters/trip.pdf",
            "news.stmarys.sch.uk",
            "https://www.bbc.co.uk/news",
            "www.gov.uk/school-term-holiday-dates",
            "https://trusted-partner.org/x",
            "e.g. bring a coat, wellies etc.",
            "It was great.So proud",
            "Mr.Jones, £4.50, 9.30am, version 2.1",
            "email office@stmarys.sch.uk",
        ],
    )
    def test_allowed_or_no_link(self, scanner: LinkScanner, text: str) -> None:
        """The school's own, allowed and well-known domains, and dots that are not links."""
        assert check(UnsafeLinkRule(scanner), text) == []
        assert check(UnknownLinkRule(scanner), text) == []

    def test_unknown_domain_is_digest_only(self, scanner: LinkScanner) -> None:
        """A domain on no list is reported in the digest, not hidden."""
        rule = UnknownLinkRule(scanner)
        [hit] = check(rule, "check out www.coolstuff.net!")
        assert (hit.normalised, hit.match) == ("coolstuff.net", "www.coolstuff.net")
        assert (rule.default_action, rule.default_severity) == (ActionKind.DIGEST, Severity.INFO)
        assert check(UnsafeLinkRule(scanner), "check out www.coolstuff.net!") == []

    def test_allow_domains_beat_shorteners(self) -> None:
        """An admin may allow a shortener the school uses itself."""
        scanner = LinkScanner(allow_domains=["bit.ly"], shorteners=["bit.ly"])
        assert check(UnsafeLinkRule(scanner), "bit.ly/ourform") == []


class TestRepeatedLinks:
    def test_the_same_link_twice_is_reported_at_each_place(self, scanner: LinkScanner) -> None:
        """A link judged once (the scanner remembers verdicts) is still reported where each
        copy is, in this text and the next."""
        rule = UnsafeLinkRule(scanner)
        first = check(rule, "bit.ly/abc then again bit.ly/abc")
        assert [(h.start, h.end, h.entry) for h in first] == [
            (0, 10, "link shortener"),
            (22, 32, "link shortener"),
        ]
        (later,) = check(rule, "see bit.ly/abc")
        assert (later.start, later.end, later.match) == (4, 14, "bit.ly/abc")
