"""What closing an incident does to its duties (docs/legal-codes.md).

A statutory obligation still pending refuses `/close`, except a duty the law dates from the end of
handling: the CAC incident summary is due 30 days after the incident is closed, so it cannot be done
before the close, and until then its due time (T0+30d) is only a placeholder. Closing the incident
is the end of handling: the close dates such a duty, which stays pending after it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pidesk.services.escalation.domain.obligations import Obligation
from pidesk.services.escalation.domain.regimes_v2.china import SUMMARY_AFTER_CLOSE, cac_summary_due

INTERNAL = "internal"
# code → (its due time from the close, why: the sentence the timeline keeps)
DATED_BY_CLOSE: Mapping[str, tuple[Callable[[datetime], datetime], str]] = {
    "cn_cac.incident_summary": (
        cac_summary_due,
        f"due {SUMMARY_AFTER_CLOSE.days} days after handling ends, which the close marks (CAC Measures Art. 8)",
    ),
}


def blocks_close(code: str, regime: str) -> bool:
    """A pending duty that refuses the close: statutory, and not one that only the close starts."""
    return regime != INTERNAL and code not in DATED_BY_CLOSE


def due_on_close(pending: Iterable[str], closed_at: datetime) -> dict[str, datetime]:
    """The new due time of each pending duty the close dates (the others keep theirs)."""
    return {code: DATED_BY_CLOSE[code][0](closed_at) for code in pending if code in DATED_BY_CLOSE}


def close_detail(rescheduled: Mapping[str, datetime]) -> dict[str, Any]:
    """The `closed` timeline entry's detail: each duty the close dated, its new due time and why."""
    if not rescheduled:
        return {}
    return {
        "obligations_rescheduled": [
            {"code": code, "due_at": due.isoformat(), "reason": DATED_BY_CLOSE[code][1]}
            for code, due in sorted(rescheduled.items())
        ]
    }


def as_of_close(obligations: Iterable[Obligation], closed_at: datetime | None) -> list[Obligation]:
    """An assessment's obligations for an incident closed at `closed_at` (None: open): a re-assessment
    after the close keeps the due time the close gave, not the placeholder."""
    if closed_at is None:
        return list(obligations)
    dated = due_on_close((o.code for o in obligations), closed_at)
    return [replace(o, due_at=dated[o.code], target_at=None) if o.code in dated else o for o in obligations]


def dated_by_close(code: str) -> bool:
    return code in DATED_BY_CLOSE


def reminds(code: str, closed_at: datetime | None, *, silenced: bool) -> bool:
    """Whether a pending duty's deadline reminds the desk. A duty the close dates has no real deadline
    before the close (its placeholder would remind of a report that cannot be due yet) and keeps its
    reminder after it; any other duty reminds unless the incident is closed or snoozed (`silenced`)."""
    if dated_by_close(code):
        return closed_at is not None
    return not silenced
