"""The statistics page and its CSV export: a fiscal year's incidents by kind, risk, company, deadline
and authority."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import stats
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.views import dashboard as views
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.openapi import documented

YEARS_OFFERED = 5  # this fiscal year and the four before it

router = APIRouter(tags=["dashboard"])


@router.get("/desk/stats", response_class=HTMLResponse, **documented(errors=[422], auth=["session"], also=SIGN_IN))
async def stats_page(page: Page, context: Ctx, fy: int | None = Query(default=None, ge=2000, le=2100)) -> Response:
    principal, session_csrf = await page.signed_in()
    this_year = stats.fiscal_year(utcnow())
    year = fy or this_year
    return page.render(
        "stats.html",
        principal=principal,
        csrf_token=session_csrf,
        year=year,
        years=list(range(this_year, this_year - YEARS_OFFERED, -1)),
        s=await _year_stats(context, year),
    )


@router.get("/desk/stats.csv", **documented(produces="text/csv", errors=[422], auth=["session"], also=SIGN_IN))
async def stats_csv(page: Page, context: Ctx, fy: int | None = Query(default=None, ge=2000, le=2100)) -> Response:
    await page.signed_in()
    year = fy or stats.fiscal_year(utcnow())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["fiscal_year", "dimension", "value", "count"])
    for dimension, value, count in (await _year_stats(context, year)).rows():
        writer.writerow([year, dimension, _csv_safe(value), count])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pidesk-stats-FY{year}.csv"'},
    )


async def _year_stats(context: EscalationContext, year: int) -> stats.YearStats:
    async with context.sessions() as session:
        return await views.year_stats(session, year, utcnow())


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
