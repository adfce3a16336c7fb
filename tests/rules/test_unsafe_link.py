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
            ("fsm-grant.gov.uk.claim-now.info", "lookalike of a gov.uk site"),
            ("https://pay.council.gov.uk.refunds.net", "lookalike of a gov.uk site"),
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


class TestDownloadOffers:
    """A file name with an executable's or app's extension, written as a word of its own
    beside a domain, is how scams offer downloads on school pages."""

    @pytest.mark.parametrize(
        ("text", "domain"),
        [
            (
                "WhatsApp update needed for the class groups, download WhatsApp-Gold.apk "
                "from wa-gold-update.com",
                "wa-gold-update.com",
            ),
            (
                "install Setup.exe from classcharts-update.info to see your child's points",
                "classcharts-update.info",
            ),
            ("get the new timetable app: Timetable.apk (school-app.net)", "school-app.net"),
            (
                "Results viewer (ResultsViewer.msi) at https://results-view.co/get",
                "results-view.co",
            ),
            ("wa-gold-update.com has WhatsApp-Gold.apk.", "wa-gold-update.com"),
        ],
    )
    def test_the_domain_offering_it_is_blocked(
        self, scanner: LinkScanner, text: str, domain: str
    ) -> None:
        """The domain the text gives is blocked as offering the download, whatever the order
        or brackets; the hit is the domain as written, and no verb is needed."""
        [hit] = check(UnsafeLinkRule(scanner), text)
        assert (hit.entry, hit.normalised) == ("executable or app download offered", domain)
        assert text[hit.start : hit.end] == hit.match
        assert domain in hit.match.lower()
        assert check(UnknownLinkRule(scanner), text) == []

    def test_every_unknown_domain_given_is_blocked(self, scanner: LinkScanner) -> None:
        """Each unknown domain offers the file; the safe ones beside them do not."""
        text = "get WhatsApp-Gold.apk from wa-gold-update.com or wa-mirror.net, not play.google.com"
        hits = check(UnsafeLinkRule(scanner), text)
        assert [(h.match, h.entry) for h in hits] == [
            ("wa-gold-update.com", "executable or app download offered"),
            ("wa-mirror.net", "executable or app download offered"),
        ]

    def test_a_domain_blocked_otherwise_keeps_its_reason(self, scanner: LinkScanner) -> None:
        """A lookalike of the school's domain is blocked as one, once; for another school
        the same text is a download offer."""
        text = "get the new timetable app: StMarysTimetable.apk (stmarys-app.net)"
        [hit] = check(UnsafeLinkRule(scanner), text)
        assert (hit.match, hit.entry) == ("stmarys-app.net", "lookalike of stmarys.sch.uk")
        elsewhere = LinkScanner(school_domains=["oakfield.sch.uk"])
        [hit] = check(UnsafeLinkRule(elsewhere), text)
        assert (hit.match, hit.entry) == ("stmarys-app.net", "executable or app download offered")

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("install Setup.exe to see your child's points", "Setup.exe"),
            ("Download the new WhatsApp-Gold.apk now!", "WhatsApp-Gold.apk"),
            ("get StMarysTimetable.apk, it's free", "StMarysTimetable.apk"),
            ("please open the attached Invoice_2024.pdf.exe", "Invoice_2024.pdf.exe"),
            ("run “ParentPortal.msi” as administrator", "ParentPortal.msi"),
            ("d0wnload Setup.exe", "Setup.exe"),
            # a screensaver or script is a program: named at all, it is offered
            ("the whole class in one slideshow 🥰 year6_leavers.scr", "year6_leavers.scr"),
            ("double click homework_fix.vbs", "homework_fix.vbs"),
            # a program dressed as a document, and a verb further back
            (
                "the revision timetable the tutor sent 👉 timetable_2024.pdf.exe",
                "timetable_2024.pdf.exe",
            ),
            ("get it here before they take it down revisionpro-free.apk", "revisionpro-free.apk"),
            # ten words on
            (
                "Download the full video of Ruby's dance here 👉 ruby_show.apk",
                "ruby_show.apk",
            ),
        ],
    )
    def test_without_a_domain_the_offered_file_name_is_blocked(
        self, scanner: LinkScanner, text: str, name: str
    ) -> None:
        """With no link in the text, a download verb a few words before the file name makes
        the file name itself the finding, quoted as written."""
        [hit] = check(UnsafeLinkRule(scanner), text)
        assert (hit.match, hit.entry) == (name, "executable or app download offered")
        assert text[hit.start : hit.end] == name
        assert hit.normalised == name.lower()
        assert check(UnknownLinkRule(scanner), text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "my Minecraft.exe keeps crashing",
            "Minecraft.exe won't open since the update",
            "I downloaded Minecraft.exe last night and it works",
            "Did the download work? Setup.exe failed for me",
            "never download .exe files from emails",
            "download the ClassDojo app from the App Store",
            "download ClassDojo.apk from play.google.com",
            "get it from apps.apple.com: ClassDojo.ipa",
            "install Setup.exe from https://stmarys.sch.uk/it",
            "download Setup.exe from trusted-partner.org",
            "download homework.pdf and photo.jpg",
            "download the report: setup.exe.zip",
        ],
    )
    def test_not_a_download_offer(self, scanner: LinkScanner, text: str) -> None:
        """No offer: no download verb before the file name and no domain, a safe or the
        school's own domain, or a file that is not an executable or app."""
        assert check(UnsafeLinkRule(scanner), text) == []

    @pytest.mark.parametrize(
        "text", ["download files-share.net/v2.exe", "download Setup.exe: files-share.net/v2.exe"]
    )
    def test_a_file_in_a_link_is_the_links_finding(self, scanner: LinkScanner, text: str) -> None:
        """A file name in a link's path is judged with the link, and reported once."""
        [hit] = check(UnsafeLinkRule(scanner), text)
        assert (hit.match, hit.entry) == ("files-share.net/v2.exe", "executable or app download")

    def test_a_document_beside_a_domain_leaves_it_unknown(self, scanner: LinkScanner) -> None:
        """Offering a document is no download offer: the domain is only reported in the digest."""
        text = "download homework.pdf from homework-site.com"
        assert check(UnsafeLinkRule(scanner), text) == []
        [hit] = check(UnknownLinkRule(scanner), text)
        assert hit.match == "homework-site.com"


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
