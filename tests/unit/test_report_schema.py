import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pidesk.services.intake.domain.report import ReportSubmission
from tests.unit.factories import report_body


def test_minimal_report_gets_the_contract_defaults() -> None:
    body = report_body()
    for optional in ("affected_count", "subject_regions"):
        body.pop(optional)
    report = ReportSubmission.model_validate(body)
    assert report.affected_count is None
    assert report.subject_regions == {}
    assert report.encryption == "none"
    assert report.recovered_before_access is False
    assert report.malicious is None
    assert report.publicly_viewable is False
    assert report.entity_role == "controller"
    assert report.contact_info_available is True
    assert report.assets == []


@pytest.mark.parametrize("field", ["reporter", "title", "description", "incident_kind", "aware_at", "data_categories"])
def test_each_required_field_is_required(field: str) -> None:
    body = report_body()
    body.pop(field)
    with pytest.raises(ValidationError) as caught:
        ReportSubmission.model_validate(body)
    assert caught.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"incident_kind": "volcano"}, "incident_kind"),
        ({"data_categories": ["name", "shoe_size"]}, "data_categories"),
        ({"aware_at": "2026-11-20T10:15:00"}, "aware_at"),  # no offset: the clock would be ambiguous
        ({"affected_count": -1}, "affected_count"),
        ({"subject_regions": {"Japan": 3}}, "subject_regions"),
        ({"encryption": "rot13"}, "encryption"),
        ({"entity_role": "owner"}, "entity_role"),
        ({"title": "   "}, "title"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_values_are_named(overrides: dict[str, Any], loc: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ReportSubmission.model_validate(report_body(**overrides))
    assert caught.value.errors()[0]["loc"][0] == loc


def test_regions_and_countries_are_normalised() -> None:
    body = report_body(subject_regions={"jp": 3, "us-ca": 2, "EU": 1})
    body["reporter"]["entity_country"] = "de"
    report = ReportSubmission.model_validate(body)
    assert report.subject_regions == {"JP": 3, "US-CA": 2, "EU": 1}
    assert report.reporter.entity_country == "DE"


def test_duplicate_categories_collapse() -> None:
    report = ReportSubmission.model_validate(report_body(data_categories=["name", "name", "email"]))
    assert report.data_categories == ["name", "email"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(sorted(report_body())), value=json_values)
def test_any_json_value_in_any_field_is_accepted_or_rejected_cleanly(field: str, value: Any) -> None:
    raw = json.dumps(report_body(**{field: value}))
    with contextlib.suppress(ValidationError):
        ReportSubmission.model_validate_json(raw)
