"""The facts of a group of DLP alerts, the group-update window, split references and merged facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pidesk.services.escalation.dashboard.timeline_notes import timeline_note
from pidesk.services.escalation.domain.alert_groups import (
    AlertFacts,
    group_count,
    group_facts,
    regions_for_count,
)
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.group_updates import ALREADY_FOLDED, TELL_NOW, Telling, when_to_tell
from pidesk.services.escalation.domain.merging import merged_facts
from pidesk.services.escalation.domain.references import split_reference

AWARE = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)


def alert(asset: str | None, count: int | None = None, **detections: int) -> AlertFacts:
    return AlertFacts(asset=asset, detections=detections, data_categories=["email"], affected_count=count)


def triggers_for(count: int | None) -> set[str]:
    facts = IncidentFacts.from_report(
        {"incident_kind": "misdelivery", "data_categories": ["email"], "aware_at": AWARE, "affected_count": count},
        "JP",
    )
    return {t.code for t in assess(facts).triggers}


@pytest.mark.parametrize(("second", "total", "over_1000"), [(499, 999, False), (500, 1000, False), (501, 1001, True)])
def test_counts_are_summed_over_assets_and_appi_reads_more_than_1000(second: int, total: int, over_1000: bool) -> None:
    alerts = [alert("s3://bucket-a", email=500), alert("s3://bucket-b", email=second)]
    count = group_count(alerts)
    assert count == total
    assert ("appi.over_1000" in triggers_for(count)) is over_1000


def test_one_place_counts_the_largest_single_detector_never_a_sum() -> None:
    same_place = [
        alert("mailbox:sales", email=300, phone=120),  # one alert, two detectors on the same records
        alert("mailbox:sales", email=250, name=310),  # a re-scan of the same mailbox
    ]
    assert group_count(same_place) == 310
    assert group_count([*same_place, alert("mailbox:hr", email=40)]) == 350


def test_an_alert_without_detections_is_one_detector_with_its_count() -> None:
    assert group_count([alert("site:a", count=70), alert("site:a", email=60)]) == 70
    assert group_count([alert("site:a", count=70, email=60)]) == 60  # detections say more than the total
    assert group_count([alert("site:a", email=0)]) == 0


def test_alerts_without_an_asset_are_each_a_place_of_their_own() -> None:
    assert group_count([alert(None, email=10), alert(None, email=10), alert("x", email=10), alert("x", email=10)]) == 30


def test_one_alert_saying_neither_detections_nor_a_count_makes_the_count_unknown() -> None:
    assert group_count([alert("a", email=5000), alert("b")]) is None
    assert group_count([alert("a", count=0)]) == 0
    assert "appi.over_1000" in triggers_for(None), "unknown reads as the worst plausible count"


def test_group_facts_unite_categories_and_fall_back_to_the_stated_count_without_alerts() -> None:
    alerts = [
        AlertFacts(asset="a", detections={"card": 3}, data_categories=["credit_card", "name"]),
        AlertFacts(asset="b", detections={"phone": 4}, data_categories=["phone"]),
    ]
    facts = group_facts(alerts, categories=["name", "email"], stated_count=12)
    assert facts.data_categories == ["name", "email", "credit_card", "phone"]
    assert facts.affected_count == 7, "with alerts the group decides, not the report's count"
    alone = group_facts([], categories=["name"], stated_count=12)
    assert (alone.data_categories, alone.affected_count) == (["name"], 12)


def test_regions_grow_at_home_when_the_count_outgrows_them_and_are_never_lowered() -> None:
    assert regions_for_count({}, 1240, "JP") == {}
    assert regions_for_count({"JP": 12}, 1240, "JP") == {"JP": 1240}
    assert regions_for_count({"US-CA": 5}, 50, "DE") == {"US-CA": 5, "EU": 45}
    assert regions_for_count({"JP": 900}, 300, "JP") == {"JP": 900}
    assert regions_for_count({"JP": 12}, None, "JP") == {"JP": 12}


def test_group_updates_tell_at_once_after_a_quiet_window_and_fold_within_one() -> None:
    window, t0 = timedelta(minutes=5), AWARE
    assert when_to_tell(last_told=None, folding=False, now=t0, window=window) == TELL_NOW
    assert when_to_tell(last_told=t0, folding=False, now=t0 + timedelta(minutes=2), window=window) == Telling(
        fold_until=t0 + window
    )
    assert when_to_tell(last_told=t0, folding=True, now=t0 + timedelta(minutes=3), window=window) == ALREADY_FOLDED
    assert when_to_tell(last_told=t0, folding=False, now=t0 + window, window=window) == TELL_NOW


def test_split_references_count_up_and_fit_the_column() -> None:
    assert split_reference("PI-2026-000001", set()) == "PI-2026-000001-1"
    assert split_reference("PI-2026-000001", {"PI-2026-000001-1", "PI-2026-000001-2"}) == "PI-2026-000001-3"
    assert split_reference("PI-2026-000001-2", set()) == "PI-2026-000001-2-1"
    nested = "PI-2026-000001-2-1"  # 18 characters: another level would not fit in 20
    taken = {f"{nested}-{n}" for n in range(1, 10)} | {"PI-2026-000001-2-1"}
    assert split_reference(nested, taken) == "PI-2026-000001-2-2"
    assert len(split_reference(nested, taken)) <= 20


def test_merged_facts_take_the_worst_plausible_reading_of_both() -> None:
    survivor = {
        "data_categories": ["email"],
        "affected_count": 300,
        "subject_regions": {"JP": 300},
        "malicious": False,
        "publicly_viewable": False,
        "aware_at": "2026-11-20T01:15:00Z",
        "occurred_at": None,
        "assets": ["a"],
    }
    absorbed = {
        "data_categories": ["my_number"],
        "affected_count": 120,
        "subject_regions": {"JP": 120, "EU": 4},
        "malicious": None,
        "publicly_viewable": True,
        "aware_at": "2026-11-19T01:15:00+00:00",
        "occurred_at": "2026-11-18T00:00:00+00:00",
        "assets": ["b", "a"],
    }
    merged = merged_facts(survivor, absorbed)
    assert merged["data_categories"] == ["email", "my_number"]
    assert merged["affected_count"] == 300
    assert merged["subject_regions"] == {"JP": 300, "EU": 4}
    assert merged["malicious"] is None and merged["publicly_viewable"] is True
    assert merged["aware_at"] == "2026-11-19T01:15:00+00:00" and merged["occurred_at"] == absorbed["occurred_at"]
    assert merged["assets"] == ["a", "b"]
    assert merged_facts(survivor, {**absorbed, "affected_count": None})["affected_count"] is None


def test_the_timeline_says_why_in_both_languages() -> None:
    detail = {"new_alerts": 37, "total_alerts": 412, "changes": {"affected_count": {"from": 980, "to": 1240}}}
    assert timeline_note("alerts_grouped", detail, "en") == "37 alerts grouped, 412 in all; count 980 -> 1,240"
    assert timeline_note("alerts_grouped", detail, "ja") == "アラート37件を集約（計412件）、人数 980 → 1,240"
    assert timeline_note("acknowledged", {}, "en") is None
