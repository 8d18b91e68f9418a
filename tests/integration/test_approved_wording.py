"""What is sent is what was approved (issue 12, item 2): the approval carries the hash of the wording of
every language draft it covers, locks them, and a different wording is refused visibly, never sent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.domain.approval import hash_of
from pidesk.services.notifier.service import drafting, issuing
from pidesk.shared.events import IncidentUpdated, NoticeRequested
from pidesk.shared.vocabulary import Role
from tests.integration.test_notice_delivery_service import (
    NOW,
    Notifier,
    approval,
    notifier,
    reported_and_assessed,
    sink,
)
from tests.integration.test_notices_api import api, token
from tests.support.mail import MailSink

__all__ = ["api", "notifier", "sink"]  # the fixtures

SUBJECTS = ("data_subject", "subjects")


async def approved_as_seen(notifier: Notifier, incident_id: uuid.UUID) -> tuple[uuid.UUID, dict[str, str]]:
    """The Japanese data-subject draft and the hashes the desk read when approving it (both languages)."""
    drafts = await notifier.notices(incident_id)
    japanese, english = drafts[(*SUBJECTS, "ja")], drafts[(*SUBJECTS, "en")]
    return japanese.id, {"ja": hash_of(japanese), "en": hash_of(english)}


def with_wording(event: NoticeRequested, hashes: dict[str, str]) -> NoticeRequested:
    return NoticeRequested(**{**event.model_dump(), "wording_hashes": hashes})


async def test_approving_one_language_locks_the_other_and_its_approved_wording_goes_out(
    notifier: Notifier, sink: MailSink
) -> None:
    incident_id = await reported_and_assessed(notifier)
    japanese, hashes = await approved_as_seen(notifier, incident_id)
    english = (await notifier.notices(incident_id))[(*SUBJECTS, "en")]
    event = with_wording(approval(japanese, [("jane@example.net", "Jane Doe", "en")]), hashes)
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x.test", people=notifier.people))

    # the English draft was approved with the Japanese one: no edit, no re-draft from new facts
    with pytest.raises(drafting.DraftLocked):
        await notifier.apply(lambda s: drafting.edit_draft(s, english.id, None, "Click here", "bureau", NOW))
    changes = {"data_categories": ["name", "credit_card", "health"]}
    updated = IncidentUpdated(
        reference="PI-2026-000042", source="api", reason="facts_added", changes=changes, updated_at=NOW, updated_by="x"
    )
    contact = notifier.settings.contact
    await notifier.apply(lambda s: drafting.record_updated(s, incident_id, updated, contact))
    locked = (await notifier.notices(incident_id))[(*SUBJECTS, "en")]
    assert hash_of(locked) == hashes["en"] == locked.approved_wording

    assert await notifier.deliver_all() == 1
    (message,) = sink.handler.to("jane@example.net")
    assert message.message["Subject"] == english.subject and "Click here" not in message.text()


async def test_an_approval_of_a_wording_changed_since_is_refused_visibly(notifier: Notifier, sink: MailSink) -> None:
    incident_id = await reported_and_assessed(notifier)
    japanese, hashes = await approved_as_seen(notifier, incident_id)
    english = (await notifier.notices(incident_id))[(*SUBJECTS, "en")]
    # between the desk's approval and the notifier consuming it, someone rewords the English draft
    await notifier.apply(lambda s: drafting.edit_draft(s, english.id, None, "Click here", "bureau", NOW))
    people = [("taro@example.net", "山田 太郎", "ja"), ("jane@example.net", "Jane Doe", "en")]
    for batch in (1, 2):  # both batches of the approval: refused once
        event = with_wording(approval(japanese, people[batch - 1 : batch], batch, 2), hashes)
        await notifier.apply(lambda s, e=event: issuing.approve(s, incident_id, e, "x.test", people=notifier.people))

    assert await notifier.deliver_all() == 0 and sink.handler.count() == 0
    notice = (await notifier.notices(incident_id))[(*SUBJECTS, "ja")]
    assert notice.status == "failed" and "en draft" in (notice.failed_reason or "")
    assert await notifier.deliveries(japanese) == []
    (issued,) = await notifier.issued()
    assert issued["status"] == "failed" and "en draft" in issued["reason"]

    # approved again with the wording as it now is: sent, and the reason cleared
    _, now_seen = await approved_as_seen(notifier, incident_id)
    again = approval(japanese, people[1:])
    again = NoticeRequested(**{**again.model_dump(), "approved_at": NOW + timedelta(seconds=1)})
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, with_wording(again, now_seen), "x.test", people=notifier.people)
    )
    assert await notifier.deliver_all() == 1
    (message,) = sink.handler.to("jane@example.net")
    assert "Click here" in message.text()
    assert (await notifier.notices(incident_id))[(*SUBJECTS, "ja")].failed_reason is None


async def test_a_draft_whose_wording_differs_from_its_lock_is_never_sent(notifier: Notifier, sink: MailSink) -> None:
    incident_id = await reported_and_assessed(notifier)
    japanese, hashes = await approved_as_seen(notifier, incident_id)
    english = (await notifier.notices(incident_id))[(*SUBJECTS, "en")]
    event = with_wording(approval(japanese, [("jane@example.net", "Jane Doe", "en")]), hashes)
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x.test", people=notifier.people))
    # whatever path changed it (none should): the wording is no longer the one approved
    await notifier.apply(lambda s: s.execute(update(Notice).where(Notice.id == english.id).values(body="Click here")))

    assert await notifier.deliver_all() == 1 and sink.handler.count() == 0
    (row,) = await notifier.deliveries(japanese)
    assert row.status == "failed" and "not the wording approved" in (row.last_error or "")
    (issued,) = await notifier.issued()
    assert issued["status"] == "failed"


async def test_the_api_tells_what_an_approval_covers_and_refuses_to_edit_a_locked_draft(
    api: tuple[httpx.AsyncClient, Notifier],
) -> None:
    client, notifier = api
    incident_id = await reported_and_assessed(notifier)
    drafts = await notifier.notices(incident_id)
    japanese, english = drafts[(*SUBJECTS, "ja")], drafts[(*SUBJECTS, "en")]
    detail = (await client.get(f"/v1/notices/{japanese.id}", headers=token(Role.AUDITOR))).json()
    assert detail["approval_covers"] == {"ja": hash_of(japanese), "en": hash_of(english)}
    assert detail["wording_hash"] == hash_of(japanese) and detail["locked"] is False

    event = with_wording(approval(japanese.id, [("a@x.test", "", "en")]), detail["approval_covers"])
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x", people=notifier.people))
    url = f"/v1/notices/{english.id}"
    edit = {"body": "[Reset your password](https://evil.example)"}
    refused = await client.put(url, json=edit, headers=token(Role.PROMOTION_BUREAU))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_a_draft"
    assert "other language" in refused.json()["error"]["message"]
    after = (await client.get(url, headers=token(Role.AUDITOR))).json()
    assert after["locked"] is True and after["status"] == "drafted" and after["wording_hash"] == hash_of(english)
