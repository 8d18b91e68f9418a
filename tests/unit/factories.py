"""Valid contract payloads to start tests from."""

from __future__ import annotations

from typing import Any


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
