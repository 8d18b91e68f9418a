"""Valid contract payloads to start tests from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pidesk.shared.events import IncidentReported, ReporterRef


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reporter": {
            "name": "Hanako Sato",
            "email": "hanako.sato@example.co.jp",
            "division": "Retail Sales",
            "entity": "Example Holdings (JP)",
            "entity_country": "JP",
        },
        "title": "Order confirmation sent to the wrong customer",
        "description": "An e-mail with another customer's card number was sent by mistake.",
        "incident_kind": "misdelivery",
        "aware_at": "2026-11-20T10:15:00+09:00",
        "data_categories": ["name", "credit_card"],
        "affected_count": 12,
        "subject_regions": {"JP": 12},
    }
    body.update(overrides)
    return body


def reported_incident(n: int = 1, *, at: datetime | None = None, **facts: Any) -> IncidentReported:
    """A `pidesk.incident.reported.v1` payload as intake sends it: reference n, reported `at`."""
    when = at or datetime.now(UTC)
    values: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "affected_count": 10,
        "subject_regions": {"JP": 10},
        "aware_at": when,
        **facts,
    }
    return IncidentReported(
        reference=f"PI-2026-{n:06d}",
        source="api",
        reporter=ReporterRef(
            name="A",
            email="a@example.co.jp",
            division="Retail Sales",
            entity=values.pop("entity", "Example Holdings (JP)"),
            entity_country="JP",
        ),
        received_at=when,
        **values,
    )
