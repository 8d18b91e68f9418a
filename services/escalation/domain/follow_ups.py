"""Duties a filing opens, not an assessment (docs/legal-codes.md).

Under Resolution CD/ANPD 15/2024 the first communication to the ANPD may be partial; the controller
then supplements it within 20 working days of it. The assessment cannot know that a communication was
partial, so the desk says so when it files the communication (`partial`), and that filing opens
`lgpd.anpd_supplement`. No rule produces such a duty, so a re-assessment keeps it open
(`opened_by_filing`) instead of withdrawing it as no longer required."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from pidesk.services.escalation.domain.obligations import Obligation
from pidesk.services.escalation.domain.regimes_v2.brazil import SUPPLEMENT_WD, anpd_supplement

# the filing that may be partial → the duty its partial filing opens, dated from the filing
AFTER_PARTIAL: Mapping[str, Callable[[datetime], Obligation]] = {"lgpd.anpd_communication": anpd_supplement}
OPENED_BY_FILING = frozenset({"lgpd.anpd_supplement"})
REASONS: Mapping[str, str] = {
    "lgpd.anpd_supplement": (
        f"the first communication to the ANPD was filed as partial: supplement it within {SUPPLEMENT_WD} "
        "working days of it (America/Sao_Paulo), Res. CD/ANPD 15/2024"
    ),
}


def can_be_partial(code: str) -> bool:
    return code in AFTER_PARTIAL


def partial_follow_up(code: str, filed_at: datetime) -> Obligation:
    """The duty the partial filing of `code` at `filed_at` opens (`can_be_partial(code)` must hold)."""
    return AFTER_PARTIAL[code](filed_at)


def opened_by_filing(code: str) -> bool:
    """A duty the desk's filing opened: an assessment neither produces nor withdraws it."""
    return code in OPENED_BY_FILING


def reason(code: str) -> str:
    return REASONS.get(code, "")
