"""The directory's per-entity attributes of docs/rules.md §2b (`pmark`, `cn_cac_deadline_h`) reach the facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pidesk.services.escalation.adapters.orm import Incident
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.service.assessing import facts_of

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
PERSON = {"name": "Desk", "email": "desk@example.co.jp"}


def directory(**attributes: dict[str, Any]) -> Directory:
    entities: list[dict[str, Any]] = [
        {"id": "hq", "names": ["HQ"], "country": "JP", "group_office": True, "roles": {}},
        {"id": "jp-sub", "names": ["JP Sub"], "country": "JP"},
        {"id": "th-sub", "names": ["TH Sub"], "country": "TH"},
        {"id": "cn-sub", "names": ["CN Sub"], "country": "CN"},
    ]
    for entity in entities:
        entity.update(attributes.get(entity["id"], {}))
    return Directory.model_validate({"version": 1, "entities": entities})


def incident(entity: str, country: str, **facts: Any) -> Incident:
    values: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "aware_at": T0.isoformat(),
        "affected_count": 10,
        "subject_regions": {country: 10},
        **facts,
    }
    return Incident(
        reporter={"name": "A", "email": "a@example.com", "entity": entity, "entity_country": country},
        facts=values,
    )


@pytest.mark.parametrize(
    ("attributes", "entity", "country", "holds"),
    [
        ({}, "JP Sub", "JP", True),  # default: true for an entity in Japan
        ({"jp-sub": {"pmark": False}}, "JP Sub", "JP", False),
        ({}, "TH Sub", "TH", False),
        ({"th-sub": {"pmark": True}}, "TH Sub", "TH", True),
        ({"hq": {"pmark": False}}, "Unknown Co", "TH", False),  # unknown: no group-office stand-in, by country
        ({"hq": {"pmark": False}}, "Unknown Co", "JP", True),
    ],
)
def test_pmark_comes_from_the_directory(attributes: dict[str, Any], entity: str, country: str, holds: bool) -> None:
    facts = facts_of(incident(entity, country), directory(**attributes))
    assert facts.holds_pmark is holds
    assert ("pmark.final_report" in {o.code for o in assess(facts).obligations}) is holds


def test_entity_pmark_default_is_true_in_japan_only() -> None:
    d = directory(**{"th-sub": {"pmark": True}})
    assert [e.holds_pmark for e in d.entities] == [True, True, True, False]


@pytest.mark.parametrize(("override", "hours"), [(None, 4), (1, 1), (2, 2)])
def test_the_cac_deadline_override_comes_from_the_directory(override: int | None, hours: int) -> None:
    d = directory(**({"cn-sub": {"cn_cac_deadline_h": override}} if override else {}))
    facts = facts_of(incident("CN Sub", "CN", affected_count=1_000_000, subject_regions={"CN": 1_000_000}), d)
    report = next(o for o in assess(facts).obligations if o.code == "cn_cac.incident_report")
    assert report.due_at - T0 == timedelta(hours=hours)


def test_the_directory_refuses_other_cac_deadlines() -> None:
    with pytest.raises(ValueError):
        directory(**{"cn-sub": {"cn_cac_deadline_h": 3}})
