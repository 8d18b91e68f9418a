"""The fiscal-year disclosure (issue 17): privacy complaints and government requests counted for the
statistics and the annual summary, and the transparency safeguard that keeps a request under a
confidentiality order to the aggregate. Pure: no I/O.

The seeds' governance page publishes, every fiscal year, the external complaints about privacy and the
requests from governments or law-enforcement agencies to provide personal information. A case counts in
the fiscal year it was received in (fiscal_years.py, the same rule as an incident's); each breakdown is
of the case as it stands when counted — a request received in March and decided in May is in the March
year, under its decision once there is one and "pending" until then.

What is counted is read from the cases' classifications only (kind, country, instrument, decision,
outcome, confidentiality): never a name, a reference or a word of the case (views/disclosure.py does not
even select them), so nothing here can put a confidential request's authority on a page or in a file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pidesk.shared.vocabulary import (
    ComplainantKind,
    ComplaintOutcome,
    ComplaintRequestKind,
    LegalInstrument,
    RequestDecision,
)

PENDING = "pending"  # no decision (a request) or outcome (a complaint) recorded yet
CONFIDENTIAL = "confidential"  # the one cell of each breakdown a request under a confidentiality order is in

# every row of each breakdown, in the order shown (the vocabulary's, shared/vocabulary.py)
COMPLAINANT_KINDS: tuple[str, ...] = tuple(k.value for k in ComplainantKind)
COMPLAINT_REQUEST_KINDS: tuple[str, ...] = tuple(k.value for k in ComplaintRequestKind)
COMPLAINT_OUTCOMES: tuple[str, ...] = (*(o.value for o in ComplaintOutcome), PENDING)
INSTRUMENTS: tuple[str, ...] = (*(i.value for i in LegalInstrument), CONFIDENTIAL)
DECISIONS: tuple[str, ...] = (*(d.value for d in RequestDecision), PENDING, CONFIDENTIAL)


@dataclass(frozen=True)
class ComplaintFacts:
    """What counting a complaint reads: its classifications (never the complainant, never its words)."""

    complainant_kind: str
    request_kind: str
    outcome: str | None


@dataclass(frozen=True)
class RequestFacts:
    """What counting a government request reads: its classifications and its confidentiality flag (never
    the authority's name, never its reference)."""

    authority_country: str
    instrument: str
    decision: str | None
    confidential: bool


@dataclass(frozen=True)
class RequestCells:
    """The cell of each breakdown one request is counted in."""

    country: str
    instrument: str
    decision: str


def request_cells(request: RequestFacts) -> RequestCells:
    """The transparency safeguard (issue 17 item 4; docs/rules.md §7): a request under a confidentiality
    order is counted only in aggregate.

    - It is counted in the total: the seeds' figure is the number of requests the company received, and
      leaving one out would misstate it.
    - It is in no cell of the country, instrument or decision breakdowns, however large the cell. A cell
      is an attribute of the requests in it: with a handful of requests a year a cell of one names the
      request to anyone who knows the authority, and a large cell gives it away by difference — the
      figures are live, so a cell that grows by one the day a request arrives (or as its decision lands)
      tells its country, instrument or decision to whoever compares two readings or two prints. No
      threshold on a cell's size stops that; keeping the request's attributes out of every cell does.
    - It is counted, in each breakdown, in one cell "confidential" (not broken down), always shown, zero
      or not: each breakdown still adds up to its total (a reader sees what is withheld rather than sums
      that do not add up), and a cell that is always there says nothing by being there.

    What is disclosed is therefore how many requests were under a confidentiality order in the year —
    the total less the broken-down cells would tell it anyway — and nothing about any one of them.
    """
    if request.confidential:
        return RequestCells(CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL)
    return RequestCells(request.authority_country, request.instrument, request.decision or PENDING)


def _with_zeros(counts: Counter[str], vocabulary: Sequence[str]) -> dict[str, int]:
    """Every code of the vocabulary in its order, zero or not (a year with none of a kind shows 0, as the
    seeds' page does: a missing row would read as "not counted"); a code outside it after, sorted."""
    extra = sorted(code for code in counts if code not in vocabulary)
    return {code: counts[code] for code in (*vocabulary, *extra)}


@dataclass(frozen=True)
class ComplaintFigures:
    total: int
    by_complainant: dict[str, int]  # individual, consumer body, authority
    by_request_kind: dict[str, int]  # the statutory route (GDPR data-subject request, APPI requests, general)
    by_outcome: dict[str, int]  # the outcome recorded, or pending

    def rows(self) -> list[tuple[str, str, int]]:
        """(dimension, value, count) for the statistics CSV."""
        out = [("complaints", "total", self.total)]
        for dimension, cells in (
            ("complainant_kind", self.by_complainant),
            ("complaint_request_kind", self.by_request_kind),
            ("complaint_outcome", self.by_outcome),
        ):
            out += [(dimension, value, count) for value, count in cells.items()]
        return out


@dataclass(frozen=True)
class RequestFigures:
    total: int
    by_country: dict[str, int]  # the authority's country (ISO 3166 alpha-2), sorted; CONFIDENTIAL last
    by_instrument: dict[str, int]
    by_decision: dict[str, int]

    @property
    def confidential(self) -> int:
        return self.by_country[CONFIDENTIAL]

    def rows(self) -> list[tuple[str, str, int]]:
        """(dimension, value, count) for the statistics CSV."""
        out = [("government_requests", "total", self.total)]
        for dimension, cells in (
            ("request_authority_country", self.by_country),
            ("request_instrument", self.by_instrument),
            ("request_decision", self.by_decision),
        ):
            out += [(dimension, value, count) for value, count in cells.items()]
        return out


def count_complaints(complaints: Iterable[ComplaintFacts]) -> ComplaintFigures:
    """The year's complaints (those received in it) by complainant, kind of request and outcome; every
    kind and outcome a row, zero or not. A complaint withdrawn or referred is still one received."""
    rows = list(complaints)
    return ComplaintFigures(
        total=len(rows),
        by_complainant=_with_zeros(Counter(c.complainant_kind for c in rows), COMPLAINANT_KINDS),
        by_request_kind=_with_zeros(Counter(c.request_kind for c in rows), COMPLAINT_REQUEST_KINDS),
        by_outcome=_with_zeros(Counter(c.outcome or PENDING for c in rows), COMPLAINT_OUTCOMES),
    )


def count_requests(requests: Iterable[RequestFacts]) -> RequestFigures:
    """The year's government requests (those received in it) by the authority's country, the legal
    instrument and the decision, each request in the cells request_cells() gives it: every instrument and
    decision a row, zero or not; the countries those of the requests broken down, sorted, and the
    confidential cell always."""
    cells = [request_cells(r) for r in requests]
    countries = Counter(c.country for c in cells if c.country != CONFIDENTIAL)
    by_country = {country: countries[country] for country in sorted(countries)}
    by_country[CONFIDENTIAL] = sum(1 for c in cells if c.country == CONFIDENTIAL)
    return RequestFigures(
        total=len(cells),
        by_country=by_country,
        by_instrument=_with_zeros(Counter(c.instrument for c in cells), INSTRUMENTS),
        by_decision=_with_zeros(Counter(c.decision for c in cells), DECISIONS),
    )
