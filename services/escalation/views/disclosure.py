"""What the fiscal-year disclosure reads (issue 17): the classifications of the privacy complaints and
government requests received in a fiscal year, for the statistics and the annual summary.

Only the columns the counting needs are selected — kind, country, instrument, decision, outcome and the
confidentiality flag — never an authority's name, a reference, an id or a word of a case: a confidential
request's particulars are not in the read model at all, so no page or file built from it can show them.
Counting reads no case, so it notes nothing in a case log; the read of the page itself is in the audit
log (AuditTrail, as every /desk page).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import GovernmentRequestRecord, PrivacyComplaintRecord
from pidesk.services.escalation.domain.disclosure import ComplaintFacts, RequestFacts
from pidesk.services.escalation.domain.fiscal_years import fiscal_year_bounds


async def year_complaints(session: AsyncSession, year: int) -> list[ComplaintFacts]:
    """The complaints received in fiscal `year` (JST), as counting sees them."""
    start, end = fiscal_year_bounds(year)
    rows = await session.execute(
        select(
            PrivacyComplaintRecord.complainant_kind,
            PrivacyComplaintRecord.request_kind,
            PrivacyComplaintRecord.outcome,
        ).where(PrivacyComplaintRecord.received_at >= start, PrivacyComplaintRecord.received_at < end)
    )
    return [ComplaintFacts(kind, request_kind, outcome) for kind, request_kind, outcome in rows.all()]


async def year_requests(session: AsyncSession, year: int) -> list[RequestFacts]:
    """The government requests received in fiscal `year` (JST), as counting sees them."""
    start, end = fiscal_year_bounds(year)
    rows = await session.execute(
        select(
            GovernmentRequestRecord.authority_country,
            GovernmentRequestRecord.instrument,
            GovernmentRequestRecord.decision,
            GovernmentRequestRecord.confidential,
        ).where(GovernmentRequestRecord.received_at >= start, GovernmentRequestRecord.received_at < end)
    )
    return [
        RequestFacts(country, instrument, decision, confidential)
        for country, instrument, decision, confidential in rows.all()
    ]
