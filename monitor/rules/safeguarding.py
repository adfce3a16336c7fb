"""The safeguarding rule: anything inappropriate involving a child, for the DSL at once.

The policy: "any inappropriate communications involving any child in any
social media ... must immediately be reported" to the designated person for
Child Protection. The phrase list (``config/lists/safeguarding.txt``) covers
contact-seeking towards pupils (moving them to a private channel, meeting,
secrecy, grooming talk), disclosures of harm, self-harm signals and threats to
children. Findings are urgent, hidden where public, and emailed one by one to
the DSL (``SAFEGUARDING_RULES``).
"""

from __future__ import annotations

from typing import ClassVar

from monitor.models import ActionKind, Severity
from monitor.rules.phrases import PhraseListRule


class SafeguardingRule(PhraseListRule):
    """Finds safeguarding phrases.

    Raises ``ValueError`` on a malformed entry; ``check`` never raises.
    """

    id: ClassVar[str] = "safeguarding"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.URGENT
    label: ClassVar[str] = "safeguarding list entry"
