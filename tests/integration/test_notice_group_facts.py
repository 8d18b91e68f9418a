"""A notice states the facts escalation assessed, not the first alert's: a DLP group's count, categories
and regions are decided by the whole group (issue 11), and `incident.assessed` carries them to the notifier."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pidesk.services.notifier.service import drafting
from pidesk.shared.events import IncidentReported, ReporterRef
from tests.integration.test_notice_delivery_service import NOW, Notifier, assessment, notifier, sink

__all__ = ["notifier", "sink"]  # the fixtures

CODES = ("appi.notify_individuals", "appi.public_announcement")


async def test_the_public_notice_states_the_groups_count_once_escalation_assessed_it(notifier: Notifier) -> None:
    incident_id = uuid.uuid4()
    first_alert = IncidentReported(
        reference="PI-2026-000042",
        source="ms-purview",
        reporter=ReporterRef(
            name="DLP", email="dlp@example.co.jp", division="IT", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="public_exposure",
        aware_at=NOW - timedelta(hours=2),
        received_at=NOW - timedelta(hours=1),
        data_categories=["name"],
        affected_count=12,
        subject_regions={"JP": 12},
    )
    contact = notifier.settings.contact
    await notifier.apply(lambda s: drafting.record_reported(s, incident_id, first_alert, contact))
    await notifier.apply(lambda s: drafting.record_assessed(s, incident_id, assessment(1, CODES), contact))
    before = (await notifier.notices(incident_id))[("public", "public", "en")]
    assert "Approximately 12 people." in before.body

    grouped = assessment(2, CODES).model_copy(
        update={
            "facts": {"affected_count": 1240, "data_categories": ["name", "email"], "subject_regions": {"JP": 1240}}
        }
    )
    await notifier.apply(lambda s: drafting.record_assessed(s, incident_id, grouped, contact))
    after = (await notifier.notices(incident_id))[("public", "public", "en")]
    assert "Approximately 1,240 people." in after.body and "12 people" not in after.body
