"""The statistics page and its CSV export: a fiscal year's incidents by kind, risk, company, deadline
and authority, its privacy complaints and government requests (issue 17); and the year's one-page
bilingual summary for the annual report, as a page to print and as CSV.

Every signed-in role reads them (the annual report's figures are for everyone on the desk); a request
under a confidentiality order is in them only in aggregate (domain/disclosure.py). Each read is in the
audit log, as every /desk page (AuditTrail, bootstrap.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import annual_summary, stats
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page
from pidesk.services.escalation.domain.fiscal_years import fiscal_year
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.views import dashboard as views
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.openapi import documented

YEARS_OFFERED = 5  # this fiscal year and the four before it
PAGE = documented(errors=[422], auth=["session"], also=SIGN_IN)
CSV = documented(produces="text/csv", errors=[422], auth=["session"], also=SIGN_IN)
FiscalYear = Annotated[int | None, Query(ge=2000, le=2100)]

router = APIRouter(tags=["dashboard"])


@router.get("/desk/stats", response_class=HTMLResponse, **PAGE)
async def stats_page(page: Page, context: Ctx, fy: FiscalYear = None) -> Response:
    principal, session_csrf = await page.signed_in()
    this_year = fiscal_year(utcnow())
    year = fy or this_year
    return page.render(
        "stats.html",
        principal=principal,
        csrf_token=session_csrf,
        year=year,
        years=_years_offered(this_year),
        s=await _year_stats(context, year),
        cell=annual_summary.cell_label,
    )


@router.get("/desk/stats.csv", **CSV)
async def stats_csv(page: Page, context: Ctx, fy: FiscalYear = None) -> Response:
    await page.signed_in()
    year = fy or fiscal_year(utcnow())
    rows = [(year, dimension, value, count) for dimension, value, count in (await _year_stats(context, year)).rows()]
    return _csv(["fiscal_year", "dimension", "value", "count"], rows, f"pidesk-stats-FY{year}.csv")


@router.get("/desk/stats/summary", response_class=HTMLResponse, **PAGE)
async def summary_page(page: Page, context: Ctx, fy: FiscalYear = None) -> Response:
    """The year's three figures and their breakdowns on one page, Japanese and English side by side."""
    principal, session_csrf = await page.signed_in()
    this_year = fiscal_year(utcnow())
    year = fy or this_year
    return page.render(
        "summary.html",
        principal=principal,
        csrf_token=session_csrf,
        year=year,
        years=_years_offered(this_year),
        summary=annual_summary.summary(await _year_stats(context, year), utcnow()),
    )


@router.get("/desk/stats/summary.csv", **CSV)
async def summary_csv(page: Page, context: Ctx, fy: FiscalYear = None) -> Response:
    """The summary's lines with their codes and both labels; a byte-order mark first, so that a spreadsheet
    opens the Japanese as UTF-8."""
    await page.signed_in()
    year = fy or fiscal_year(utcnow())
    header, *rows = annual_summary.summary(await _year_stats(context, year), utcnow()).csv_rows()
    return _csv(header, rows, f"pidesk-summary-FY{year}.csv", bom=True)


def _years_offered(this_year: int) -> list[int]:
    return list(range(this_year, this_year - YEARS_OFFERED, -1))


async def _year_stats(context: EscalationContext, year: int) -> stats.YearStats:
    async with context.sessions() as session:
        return await views.year_stats(session, year, utcnow())


def _csv(
    header: Sequence[str | int], rows: Iterable[Sequence[str | int]], filename: str, *, bom: bool = False
) -> Response:
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_safe(cell) if isinstance(cell, str) else cell for cell in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
