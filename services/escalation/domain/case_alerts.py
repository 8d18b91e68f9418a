"""What the people of a case's tier are told when it is routed to them (issue 17). Pure: no I/O.

A government request or privacy complaint routed to a role — its first tier, each tier told when the one
below acknowledges, each escalation when an acknowledgement deadline of the case policy passes — becomes a
`pidesk.escalation.requested.v1` event with `case` set, which the notifier mails (and posts to chat) at
once, as it does an incident's alerts.

Detail-free by construction: the builder is given only the case's kind and reference, the role, why it is
told and the deadline, never the case itself. A request may be under a confidentiality (gag) order, whose
existence the company must not disclose beyond those who handle it, and a complaint carries the
complainant's personal data: a mail leaves the desk's access control and audit, so it says no more than
the recipient needs to open the case on the desk (APPI Art. 23, security control measures; GDPR
Art. 5(1)(c) and (f), data minimisation and confidentiality). The authority, its country, the instrument,
the data asked for, the complainant and every free text are read on the desk, where each read is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pidesk.shared.events import CASE_RISK, EscalationRequested, Recipient
from pidesk.shared.vocabulary import CaseKind

ROUTED, ESCALATED = "routed", "escalated"  # a tier told in turn, or because the one below let its deadline pass


def case_alert(
    kind: CaseKind,
    reference: str,
    *,
    target: str,
    step: int,
    reason: str,
    ack_due_at: datetime,
    recipients: Sequence[Recipient],
    now: datetime,
) -> EscalationRequested:
    """The escalation request telling `recipients` (who hold `target`) that case `reference` needs them."""
    if reason not in (ROUTED, ESCALATED):
        raise ValueError(f"a case tier is told because it is routed or escalated, not {reason!r}")
    return EscalationRequested(
        reference=reference,
        target=target,
        step=step,
        reason=reason,
        risk_level=CASE_RISK,
        recipients=list(recipients),
        ack_due_at=ack_due_at,
        requested_at=now,
        case=kind,
    )
