"""The fiscal-year summary for the annual report (issue 17): the seeds' three figures — personal-information
incidents, external complaints about privacy, requests from governments or law-enforcement agencies to
provide personal information — with their breakdowns, every line in Japanese and English side by side
(`/desk/stats/summary`, `/desk/stats/summary.csv`). Pure: built from the statistics page's own counts
(stats.YearStats), so the two never disagree, and a confidential request is in it only as those counts
have it (domain/disclosure.py: in the total and the confidential cell, nowhere else).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pidesk.services.escalation.dashboard.i18n import LANGUAGES, MESSAGES
from pidesk.services.escalation.dashboard.stats import YearStats
from pidesk.services.escalation.domain.disclosure import CONFIDENTIAL, PENDING
from pidesk.shared import labels

CSV_HEADER = ("fiscal_year", "figure", "breakdown", "value", "label_ja", "label_en", "count")
COUNTRY = "request_authority_country"
WORDS = {"item": "summary_item", "count": "count", "total": "total", "generated": "summary_generated"}
# a breakdown's codes in words (shared/labels.py)
LABELS: dict[str, labels.Labels] = {
    "incident_kind": labels.KIND_LABELS,
    "complainant_kind": labels.COMPLAINANT_COUNT_LABELS,
    "complaint_request_kind": labels.COMPLAINT_KIND_COUNT_LABELS,
    "complaint_outcome": labels.COMPLAINT_OUTCOME_LABELS,
    COUNTRY: labels.COUNTRY_NAMES,
    "request_instrument": labels.INSTRUMENT_LABELS,
    "request_decision": labels.DECISION_LABELS,
}


def cell_label(dimension: str, code: str, language: str) -> str:
    """A breakdown's cell in words: "in progress" and the confidential cell in the dashboard's words, a
    country by its name and code ("United States (US)"; the code alone where there is no name), every other
    code by its label (the code itself where there is none)."""
    if code == PENDING:
        return MESSAGES["case_pending"][language]
    if code == CONFIDENTIAL:
        return MESSAGES["confidential_cell"][language]
    text = labels.label(LABELS.get(dimension, {}), code, language)
    return f"{text} ({code})" if dimension == COUNTRY and text != code else text


def _words(key: str, **values: object) -> tuple[str, str]:
    """(Japanese, English) of a dashboard message."""
    ja, en = (MESSAGES[key][language].format(**values) for language in LANGUAGES)
    return ja, en


@dataclass(frozen=True)
class Line:
    """One figure or one cell of a breakdown, in both languages."""

    figure: str  # incidents, complaints, government_requests
    breakdown: str  # "total", or the dimension broken down by
    value: str  # "total", or the cell's code
    ja: str
    en: str
    count: int


@dataclass(frozen=True)
class Section:
    """A figure's breakdown: its lines add up to `total` (the confidential cell included)."""

    figure: str
    breakdown: str
    ja: str
    en: str
    lines: tuple[Line, ...]
    total: int


@dataclass(frozen=True)
class AnnualSummary:
    year: int
    title: tuple[str, str]
    period: tuple[str, str]
    headline: tuple[Line, ...]  # the three figures
    sections: tuple[Section, ...]
    notes: tuple[tuple[str, str], ...]
    generated_at: datetime
    words: dict[str, tuple[str, str]]  # the page's headings: item, count, total, generated

    def csv_rows(self) -> list[tuple[str | int, ...]]:
        """The header, the three figures, then every breakdown's cells (codes and both labels)."""
        lines = [*self.headline, *(line for section in self.sections for line in section.lines)]
        return [
            CSV_HEADER,
            *((self.year, x.figure, x.breakdown, x.value, x.ja, x.en, x.count) for x in lines),
        ]


def _section(figure: str, dimension: str, title: str, cells: dict[str, int], total: int) -> Section:
    ja, en = _words(title)
    lines = tuple(
        Line(figure, dimension, code, cell_label(dimension, code, "ja"), cell_label(dimension, code, "en"), n)
        for code, n in cells.items()
    )
    return Section(figure, dimension, ja, en, lines, total)


def _figure(figure: str, key: str, count: int) -> Line:
    ja, en = _words(key)
    return Line(figure, "total", "total", ja, en, count)


def summary(stats: YearStats, generated_at: datetime) -> AnnualSummary:
    """The year's summary. The incident figure is the statistics page's (stats.year_stats: received in the
    year, a merged incident once, snoozed noise left out), broken down by kind, most first; the complaints
    by complainant, kind of request and outcome, and the requests by the authority's country, instrument and
    decision — every kind, outcome, instrument and decision a line, zero or not, so a year with none reads
    as zeros, never as a missing line."""
    complaints, requests = stats.complaints, stats.requests
    kinds = dict(sorted(stats.by_kind.items(), key=lambda item: (-item[1], item[0])))
    return AnnualSummary(
        year=stats.year,
        title=_words("summary_title", y=stats.year),
        period=_words("summary_period", y=stats.year, y1=stats.year + 1),
        headline=(
            _figure("incidents", "figure_incidents", stats.incidents),
            _figure("complaints", "figure_complaints", complaints.total),
            _figure("government_requests", "figure_requests", requests.total),
        ),
        sections=(
            _section("incidents", "incident_kind", "by_kind", kinds, stats.incidents),
            _section("complaints", "complainant_kind", "by_complainant", complaints.by_complainant, complaints.total),
            _section(
                "complaints", "complaint_request_kind", "by_request_kind", complaints.by_request_kind, complaints.total
            ),
            _section("complaints", "complaint_outcome", "by_outcome", complaints.by_outcome, complaints.total),
            _section("government_requests", COUNTRY, "by_authority_country", requests.by_country, requests.total),
            _section(
                "government_requests", "request_instrument", "by_instrument", requests.by_instrument, requests.total
            ),
            _section("government_requests", "request_decision", "by_decision", requests.by_decision, requests.total),
        ),
        notes=(_words("summary_incidents_note"), _words("summary_cases_note"), _words("confidential_help")),
        generated_at=generated_at,
        words={key: _words(message) for key, message in WORDS.items()},
    )
