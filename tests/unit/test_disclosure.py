"""The fiscal-year disclosure's counting (issue 17, pure code): complaints and government requests by their
classifications, every vocabulary row shown zero or not, and a request under a confidentiality order in
the totals and the confidential cells only; the annual summary built from the same counts."""

from __future__ import annotations

from datetime import UTC, datetime

from pidesk.services.escalation.dashboard.annual_summary import cell_label, summary
from pidesk.services.escalation.dashboard.stats import year_stats
from pidesk.services.escalation.domain.disclosure import (
    CONFIDENTIAL,
    PENDING,
    ComplaintFacts,
    RequestFacts,
    count_complaints,
    count_requests,
    request_cells,
)
from pidesk.services.escalation.domain.fiscal_years import fiscal_year, fiscal_year_bounds
from pidesk.shared.japan_time import JST

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_a_confidential_request_has_no_cell_but_the_confidential_one() -> None:
    secret = RequestFacts("SG", "court_order", "provide", confidential=True)
    assert request_cells(secret) == request_cells(RequestFacts("US", "warrant", None, confidential=True))
    assert {request_cells(secret).country, request_cells(secret).instrument, request_cells(secret).decision} == {
        CONFIDENTIAL
    }
    shown = request_cells(RequestFacts("US", "warrant", None, confidential=False))
    assert (shown.country, shown.instrument, shown.decision) == ("US", "warrant", PENDING)


def test_requests_add_up_to_the_total_in_every_breakdown() -> None:
    figures = count_requests(
        [
            RequestFacts("US", "warrant", "refuse", confidential=False),
            RequestFacts("US", "informal", None, confidential=False),
            RequestFacts("SG", "court_order", "provide", confidential=True),
        ]
    )
    assert figures.total == 3 and figures.confidential == 1
    assert figures.by_country == {"US": 2, CONFIDENTIAL: 1}
    assert figures.by_instrument == {
        "warrant": 1,
        "court_order": 0,
        "statutory_request": 0,
        "informal": 1,
        CONFIDENTIAL: 1,
    }
    assert figures.by_decision == {
        "provide": 0,
        "provide_in_part": 0,
        "refuse": 1,
        "challenge": 0,
        PENDING: 1,
        CONFIDENTIAL: 1,
    }
    for cells in (figures.by_country, figures.by_instrument, figures.by_decision):
        assert sum(cells.values()) == figures.total
    assert ("request_authority_country", "SG", 1) not in figures.rows()


def test_no_cases_is_zeros_never_missing_rows() -> None:
    complaints, requests = count_complaints([]), count_requests([])
    assert complaints.total == 0 and set(complaints.by_outcome) == {
        "upheld",
        "partly_upheld",
        "rejected",
        "withdrawn",
        "referred",
        PENDING,
    }
    assert set(complaints.by_complainant.values()) == {0} and len(complaints.by_request_kind) == 5
    assert requests.by_country == {CONFIDENTIAL: 0} and len(requests.by_decision) == 6
    assert ("complaints", "total", 0) in complaints.rows() and ("government_requests", "total", 0) in requests.rows()


def test_complaints_by_complainant_kind_and_outcome() -> None:
    figures = count_complaints(
        [
            ComplaintFacts("individual", "gdpr_data_subject_request", "upheld"),
            ComplaintFacts("individual", "general", None),
            ComplaintFacts("authority", "general", "referred"),
        ]
    )
    assert figures.total == 3
    assert figures.by_complainant == {"individual": 2, "consumer_body": 0, "authority": 1}
    assert figures.by_request_kind["general"] == 2 and figures.by_outcome[PENDING] == 1


def test_the_fiscal_year_bounds_are_japan_time() -> None:
    start, end = fiscal_year_bounds(2025)
    assert start == datetime(2025, 3, 31, 15, 0, tzinfo=UTC) and end == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    assert fiscal_year(start) == 2025 and fiscal_year(end) == 2026
    assert fiscal_year(datetime(2026, 3, 31, 23, 59, 59, tzinfo=JST)) == 2025


def test_the_summary_has_the_three_figures_in_both_languages_from_the_statistics() -> None:
    stats = year_stats(
        2026,
        [],
        NOW,
        complaints=[ComplaintFacts("consumer_body", "general", None)],
        requests=[RequestFacts("SG", "court_order", "provide", confidential=True)],
    )
    made = summary(stats, NOW)
    assert [(line.figure, line.count) for line in made.headline] == [
        ("incidents", 0),
        ("complaints", 1),
        ("government_requests", 1),
    ]
    rows = made.csv_rows()
    assert rows[0] == ("fiscal_year", "figure", "breakdown", "value", "label_ja", "label_en", "count")
    assert not any("SG" in str(cell) for row in rows for cell in row)
    assert (2026, "government_requests", "request_authority_country", CONFIDENTIAL) in [row[:4] for row in rows]
    assert cell_label("request_authority_country", "US", "en") == "United States (US)"
    assert cell_label("request_authority_country", "ZZ", "ja") == "ZZ"
    assert cell_label("request_decision", CONFIDENTIAL, "ja") == "守秘命令の対象（内訳非開示）"
