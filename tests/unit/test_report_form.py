from datetime import UTC, datetime

import pytest
from starlette.datastructures import MultiDict

from pidesk.services.intake.form.choices import CATEGORIES, INCIDENT_KINDS
from pidesk.services.intake.form.messages import ERRORS, TEXT, pick_language
from pidesk.services.intake.form.parse import parse_form
from pidesk.shared.vocabulary import DataCategory, IncidentKind

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def form(**fields: object) -> MultiDict:
    base: dict[str, object] = {
        "reporter_name": "佐藤 花子",
        "reporter_email": "hanako@example.co.jp",
        "reporter_division": "営業本部",
        "reporter_entity": "Example Holdings",
        "reporter_entity_country": "JP",
        "title": "請求書の誤送信",
        "description": "別の顧客に請求書を送付した",
        "incident_kind": "misdelivery",
        "aware_at": "2026-11-20T10:15",
    }
    base.update(fields)
    items: list[tuple[str, object]] = []
    for key, value in base.items():
        items.extend((key, v) for v in (value if isinstance(value, list) else [value]))
    return MultiDict(items)


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        (None, None, "ja"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, ja;q=0.8", "ja"),
        (None, "de-DE", "ja"),
        ("en", "ja", "en"),
        ("xx", "en", "en"),
        (None, "ja;q=0, en;q=0.1", "en"),
    ],
)
def test_language_choice(explicit: str | None, header: str | None, expected: str) -> None:
    assert pick_language(explicit, header) == expected


def test_every_choice_maps_to_a_contract_value_and_has_both_languages() -> None:
    assert set(INCIDENT_KINDS) == {k.value for k in IncidentKind}
    assert set(CATEGORIES) == {c.value for c in DataCategory}
    for table in (TEXT, ERRORS, INCIDENT_KINDS, CATEGORIES):
        assert all(len(pair) == 2 and all(pair) for pair in table.values())  # type: ignore[attr-defined]


def test_plain_choices_become_the_contract_report_in_japan_time() -> None:
    outcome = parse_form(
        form(
            data_categories=["name", "credit_card"],
            affected_count="1,200",
            region_JP="1200",
            malicious="yes",
            encryption="standard",
            entity_role="processor",
            assets="crm-01, 顧客DB",
        ),
        lambda: NOW,
    )
    assert outcome.errors == {}
    report = outcome.submission
    assert report is not None
    assert report.data_categories == ["name", "credit_card"]
    assert report.aware_at == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)  # 10:15 JST
    assert report.affected_count == 1200 and report.subject_regions == {"JP": 1200}
    assert report.malicious is True and report.encryption == "standard" and report.entity_role == "processor"
    assert report.assets == ["crm-01", "顧客DB"]
    assert report.contact_info_available is True


def test_unknowns_stay_unknown() -> None:
    outcome = parse_form(form(affected_count="50", affected_unknown="1"), lambda: NOW)
    assert outcome.submission is not None
    assert outcome.submission.affected_count is None
    assert outcome.submission.malicious is None
    assert outcome.submission.data_categories == ["other"]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"reporter_email": "not-an-address"}, "reporter_email", "email"),
        ({"aware_at": ""}, "aware_at", "missing"),
        ({"aware_at": "yesterday"}, "aware_at", "datetime"),
        ({"aware_at": "2027-01-01T00:00"}, "aware_at", "future"),
        ({"incident_kind": "volcano"}, "incident_kind", "choose"),
        ({"affected_count": "-3"}, "affected_count", "number"),
        ({"title": "  "}, "title", "missing"),
        (
            {"reporter_entity_country": "other", "reporter_entity_country_other": "Japan"},
            "reporter_entity_country_other",
            "country",
        ),
        ({"region_other_code": "Mars", "region_other_count": "3"}, "region_other_code", "region"),
        ({"affected_count": "²"}, "affected_count", "number"),  # a digit int() cannot read (found by hypothesis)
    ],
)
def test_errors_are_keyed_by_the_form_field(fields: dict[str, str], field: str, code: str) -> None:
    outcome = parse_form(form(**fields), lambda: NOW)
    assert outcome.submission is None
    assert outcome.errors.get(field) == code


def test_full_width_digits_are_counts() -> None:
    outcome = parse_form(form(affected_count="１２", region_JP="１２"), lambda: NOW)
    assert outcome.submission is not None and outcome.submission.affected_count == 12
