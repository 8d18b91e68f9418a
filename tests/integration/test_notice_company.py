"""Reporter text never reaches an official notice (issue 12, item 3): the company is the directory's group
company the report names, or a neutral wording; what is interpolated into the Markdown is escaped."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from pidesk.services.notifier.adapters.rendering import markdown_html
from pidesk.services.notifier.service import drafting, issuing
from pidesk.shared.events import IncidentReported, ReporterRef
from tests.integration.test_notice_delivery_service import NOW, Notifier, approval, assessment, notifier, sink
from tests.integration.test_notices_api import api

__all__ = ["api", "notifier", "sink"]  # the fixtures

LURE = "Acme\n\n[Reset your password](https://evil.example)"
CODES = ("appi.notify_individuals", "appi.public_announcement")


async def reported(notifier: Notifier, entity: str) -> uuid.UUID:
    """A report whose free-text company is `entity`, assessed to call for data-subject and public notices."""
    incident_id = uuid.uuid4()
    event = IncidentReported(
        reference="PI-2026-000042",
        source="form",
        reporter=ReporterRef(name="A", email="a@example.co.jp", division="Sales", entity=entity, entity_country="JP"),
        incident_kind="misdelivery",
        aware_at=NOW - timedelta(hours=2),
        received_at=NOW - timedelta(hours=1),
        data_categories=["name"],
        affected_count=3,
        subject_regions={"JP": 3},
    )
    contact = notifier.settings.contact
    await notifier.apply(lambda s: drafting.record_reported(s, incident_id, event, contact))
    await notifier.apply(lambda s: drafting.record_assessed(s, incident_id, assessment(1, CODES), contact))
    return incident_id


async def test_a_reporters_company_text_never_reaches_a_notice(notifier: Notifier) -> None:
    incident_id = await reported(notifier, LURE)
    drafts = await notifier.notices(incident_id)
    assert {kind for kind, _, _ in drafts} == {"data_subject", "public"}
    for (_, _, language), notice in drafts.items():
        text = notice.subject + notice.body
        assert "evil.example" not in text and "Acme" not in text and "Reset your password" not in text
        assert "<a " not in markdown_html(notice.body)
        assert ("当社" if language == "ja" else "The company") in notice.subject


async def test_a_group_company_is_named_as_the_directory_names_it(notifier: Notifier) -> None:
    incident_id = await reported(notifier, "  example   DEUTSCHLAND ")  # one of de-gmbh's names, loosely typed
    drafts = await notifier.notices(incident_id)
    assert all("Example GmbH" in n.subject and "Example GmbH" in n.body for n in drafts.values())


async def test_the_public_page_carries_no_link_from_a_report(api: tuple[httpx.AsyncClient, Notifier]) -> None:
    client, notifier = api
    incident_id = await reported(notifier, LURE)
    public = (await notifier.notices(incident_id))[("public", "public", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(public.id, []), "x", people=notifier.people)
    )
    page = (await client.get("/notices/public")).text
    assert public.subject in page and "evil.example" not in page and "Reset your password" not in page
