"""The notifier's service layer on fakes (no database): drafting, the desk's edits, approval and what is sent.

The fake session keeps rows in memory and answers the service's selects by evaluating their `where`
clauses (equality, inequality, `in`) on those rows: the services run unchanged, nothing is mocked out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace, TracebackType
from typing import Any

import pytest
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ClauseElement

from pidesk.services.notifier import views
from pidesk.services.notifier.adapters.orm import Notice, OutboxMessage
from pidesk.services.notifier.adapters.repository import NotifierUnitOfWork
from pidesk.services.notifier.domain.approval import hash_of
from pidesk.services.notifier.domain.context import Contact
from pidesk.services.notifier.service import drafting, issuing
from pidesk.services.notifier.service.leases import Claim
from pidesk.services.notifier.service.wording import Wording
from pidesk.shared.events import (
    IncidentAssessed,
    IncidentReported,
    IncidentUpdated,
    NoticeRequested,
    ObligationRef,
    ReporterRef,
)
from pidesk.shared.vocabulary import NoticeStatus

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CONTACT = Contact(
    name={"ja": "お客様相談窓口", "en": "Customer Privacy Desk"},
    email="privacy@example.com",
    phone="0120-123-456",
    hours={"ja": "平日 9時〜17時", "en": "weekdays 9:00-17:00 JST"},
    url="https://example.com/notices/public",
    dpo_name={"ja": "データ保護責任者", "en": "Data Protection Officer"},
    dpo_email="dpo@example.com",
)
SUBJECTS_AND_PPC = ("appi.notify_individuals", "appi.ppc_preliminary_report")


# --- fakes ------------------------------------------------------------------------------------------------


def _holds(clause: ClauseElement | None, row: object) -> bool:
    """Whether `row` meets a where clause of the kinds the services write (and/==/!=/in)."""
    if clause is None:
        return True
    if isinstance(clause, BooleanClauseList):
        assert clause.operator is operators.and_, clause
        return all(_holds(c, row) for c in clause.clauses)
    assert isinstance(clause, BinaryExpression) and isinstance(clause.right, BindParameter), clause
    value, wanted = getattr(row, clause.left.key), clause.right.value  # type: ignore[attr-defined]
    if clause.operator is operators.in_op:
        return value in wanted
    assert clause.operator in (operators.eq, operators.ne), clause
    return (value == wanted) == (clause.operator is operators.eq)


def _with_defaults(row: Any) -> Any:
    """Column defaults as a flush would give them (a new Notice's counts, approvals, ...)."""
    for column in row.__table__.columns:
        if getattr(row, column.key, None) is None and column.default is not None:
            default = column.default
            setattr(row, column.key, default.arg if default.is_scalar else default.arg(None))
    return row


class FakeSession:
    """Rows in memory; the outbox as a list; no open delivery rows (every count is 0)."""

    def __init__(self, *rows: Any) -> None:
        self.rows: list[Any] = [_with_defaults(r) for r in rows]
        self.outbox: list[OutboxMessage] = []
        self.info: dict[str, Any] = {}  # a session's own scratch dict, as SQLAlchemy's

    def add(self, row: Any) -> None:
        if isinstance(row, OutboxMessage):
            self.outbox.append(row)
        else:
            self.rows.append(_with_defaults(row))

    async def get(self, model: type[Any], ident: Any, **_options: Any) -> Any:
        return next((r for r in self.rows if isinstance(r, model) and r.id == ident), None)

    async def scalars(self, statement: Any) -> SimpleNamespace:
        model = statement.column_descriptions[0]["entity"]
        found = sorted((r for r in self.rows if isinstance(r, model) and _holds(statement.whereclause, r)), key=_id)
        return SimpleNamespace(all=lambda: found, first=lambda: found[0] if found else None)

    async def scalar(self, _statement: Any) -> int:
        return 0

    async def execute(self, _statement: Any, *_args: Any) -> SimpleNamespace:
        return SimpleNamespace(all=list)

    def expunge(self, _row: Any) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...

    async def commit(self) -> None: ...

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The payloads of the staged events of `event_type` (e.g. "pidesk.notice.drafted")."""
        values = [json.loads(m.value) for m in self.outbox]
        return [v["payload"] for v in values if v["event_type"] == event_type]


def _id(row: Any) -> str:
    return str(row.id)


class FakeNotices:
    """The draft store of the edit use case: notices by id, the events it staged."""

    def __init__(self, *notices: Notice) -> None:
        self.by_id = {n.id: n for n in notices}
        self.published: list[Any] = []

    async def locked(self, notice_id: uuid.UUID) -> Notice | None:
        return self.by_id.get(notice_id)

    def publish(self, envelope: Any) -> None:
        self.published.append(envelope)


class FakeUnitOfWork:
    def __init__(self, *notices: Notice) -> None:
        self.notices = FakeNotices(*notices)
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self.committed = True


def notice(kind: str, variant: str, language: str, incident_id: uuid.UUID, **values: Any) -> Notice:
    return _with_defaults(
        Notice(
            id=drafting.notice_id(incident_id, kind, variant, language),
            incident_id=incident_id,
            reference="PI-2026-000042",
            kind=kind,
            variant=variant,
            language=language,
            channel="email" if kind == "data_subject" else "web",
            status=values.pop("status", NoticeStatus.DRAFTED),
            subject=values.pop("subject", f"{kind} {language}"),
            body=values.pop("body", f"# {kind} in {language}\n"),
            approvals={},
            created_at=NOW,
            updated_at=NOW,
            **values,
        )
    )


def reported() -> IncidentReported:
    return IncidentReported(
        reference="PI-2026-000042",
        source="api",
        reporter=ReporterRef(
            name="A", email="a@example.co.jp", division="Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="misdelivery",
        aware_at=NOW - timedelta(hours=2),
        received_at=NOW - timedelta(hours=1),
        data_categories=["name", "credit_card"],
        affected_count=3,
        subject_regions={"JP": 3},
    )


def assessed(version: int, codes: Iterable[str]) -> IncidentAssessed:
    return IncidentAssessed(
        reference="PI-2026-000042",
        version=version,
        reason="reported",
        risk_level="very_high",
        severity_score=4.25,
        enisa={"dpc": 4, "ei": 1.0, "cb": 0.25},
        legal_triggers=["appi.financial_misuse"],
        obligations=[
            ObligationRef(code=c, due_at=NOW + timedelta(days=3), status="pending", basis="APPI Art. 26") for c in codes
        ],
        assessed_at=NOW,
    )


async def drafted(codes: Iterable[str] = SUBJECTS_AND_PPC) -> tuple[FakeSession, uuid.UUID]:
    session, incident_id = FakeSession(), uuid.uuid4()
    await drafting.record_reported(session, incident_id, reported(), CONTACT)  # type: ignore[arg-type]
    await drafting.record_assessed(session, incident_id, assessed(1, codes), CONTACT)  # type: ignore[arg-type]
    return session, incident_id


def drafts(session: FakeSession) -> dict[tuple[str, str, str], Notice]:
    return {(n.kind, n.variant, n.language): n for n in session.rows if isinstance(n, Notice)}


def facts_changed(**changes: Any) -> IncidentUpdated:
    return IncidentUpdated(
        reference="PI-2026-000042",
        source="api",
        reason="facts_added",
        changes=changes,
        updated_at=NOW,
        updated_by="desk",
    )


def approval(notice_id: uuid.UUID, hashes: dict[str, str] | None) -> NoticeRequested:
    return NoticeRequested(
        notice_id=notice_id,
        reference="PI-2026-000042",
        approved_by="bureau",
        approved_at=NOW,
        batch=1,
        batches=1,
        total_recipients=0,
        recipients=[],
        wording_hashes=hashes,
    )


# --- drafting -----------------------------------------------------------------------------------------------


async def test_an_assessment_drafts_each_notice_it_calls_for_in_both_languages_and_announces_each() -> None:
    session, incident_id = await drafted()
    found = drafts(session)
    assert set(found) == {
        ("data_subject", "subjects", "ja"),
        ("data_subject", "subjects", "en"),
        ("regulator_draft", "ppc", "ja"),
        ("regulator_draft", "ppc", "en"),
    }
    assert all(n.status == NoticeStatus.DRAFTED and n.current and n.incident_id == incident_id for n in found.values())
    assert found["data_subject", "subjects", "en"].body.startswith("# Notice of Data Breach")
    announced = session.events("pidesk.notice.drafted")
    assert sorted(e["notice_id"] for e in announced) == sorted(str(n.id) for n in found.values())


async def test_a_notice_no_longer_called_for_stops_being_current() -> None:
    session, incident_id = await drafted()
    only_subjects = assessed(2, ("appi.notify_individuals",))
    await drafting.record_assessed(session, incident_id, only_subjects, CONTACT)  # type: ignore[arg-type]
    found = drafts(session)
    assert not found["regulator_draft", "ppc", "ja"].current and found["data_subject", "subjects", "ja"].current


async def test_a_redraft_keeps_the_desks_wording_and_says_the_facts_moved_under_it() -> None:
    session, incident_id = await drafted()
    english = drafts(session)["data_subject", "subjects", "en"]
    await drafting.edit_draft(session, english.id, "Our subject", "Our own words.", "bureau", NOW)  # type: ignore[arg-type]
    update = facts_changed(affected_count=300)
    assert await drafting.record_updated(session, incident_id, update, CONTACT)  # type: ignore[arg-type]
    assert (english.subject, english.body) == ("Our subject", "Our own words.\n")
    assert english.facts_changed_since_edit and english.edited_by == "bureau"
    regulator = drafts(session)["regulator_draft", "ppc", "ja"]
    assert "300" in regulator.body  # a draft nobody edited is re-drafted with the new facts


async def test_a_redraft_never_touches_an_approved_draft() -> None:
    session, incident_id = await drafted()
    japanese = drafts(session)["data_subject", "subjects", "ja"]
    japanese.approved_wording = hash_of(japanese)
    wording = (japanese.subject, japanese.body)
    update = facts_changed(affected_count=300)
    await drafting.record_updated(session, incident_id, update, CONTACT)  # type: ignore[arg-type]
    assert (japanese.subject, japanese.body) == wording and hash_of(japanese) == japanese.approved_wording


# --- the desk's edit (use case on a fake unit of work) --------------------------------------------------------


async def test_an_edit_stores_the_desks_wording_announces_it_and_commits() -> None:
    draft = notice("data_subject", "subjects", "en", uuid.uuid4(), body="Dear [TO COMPLETE]\n")
    uow = FakeUnitOfWork(draft)
    edit = drafting.EditDraft(draft.id, "  Your   card  ", "  Complete text.  ", "bureau", NOW)
    answer = await drafting.edit_notice(edit, uow=uow, answer=views.edited_notice)
    assert uow.committed and answer is not None
    assert (draft.subject, draft.body, draft.edited_by, draft.edited_at) == (
        "Your card",
        "Complete text.\n",
        "bureau",
        NOW,
    )
    assert answer.body == "Complete text.\n" and answer.gaps == 0 and answer.edited_at == NOW.isoformat()
    (event,) = uow.notices.published
    assert event.event_type == "pidesk.notice.drafted" and event.payload["subject"] == "Your card"


@pytest.mark.parametrize(
    "values",
    [
        {"approved_wording": "0" * 64},  # approved with its other language draft
        {"status": NoticeStatus.SENDING},
        {"status": NoticeStatus.SENT},
    ],
)
async def test_only_a_draft_no_approval_covers_can_be_edited(values: dict[str, Any]) -> None:
    draft = notice("data_subject", "subjects", "en", uuid.uuid4(), **values)
    before = (draft.subject, draft.body)
    uow = FakeUnitOfWork(draft)
    with pytest.raises(drafting.DraftLocked):
        await drafting.edit_notice(
            drafting.EditDraft(draft.id, None, "new", "bureau", NOW), uow=uow, answer=views.edited_notice
        )
    assert not uow.committed and uow.notices.published == [] and (draft.subject, draft.body) == before


async def test_an_internal_alert_is_never_edited_and_an_unknown_notice_is_none() -> None:
    alert = notice("internal", "desk", "ja", uuid.uuid4())
    with pytest.raises(drafting.DraftLocked):
        await drafting.reword(FakeNotices(alert), drafting.EditDraft(alert.id, None, "x", "bureau", NOW))
    uow = FakeUnitOfWork()
    unknown = drafting.EditDraft(uuid.uuid4(), None, "x", "bureau", NOW)
    assert await drafting.edit_notice(unknown, uow=uow, answer=views.edited_notice) is None and not uow.committed


# --- approval -----------------------------------------------------------------------------------------------


async def test_approving_a_data_subject_notice_locks_both_language_drafts_at_their_wording() -> None:
    incident_id = uuid.uuid4()
    ja, en = (notice("data_subject", "subjects", lang, incident_id) for lang in ("ja", "en"))
    session = FakeSession(ja, en)
    hashes = {"ja": hash_of(ja), "en": hash_of(en)}
    await issuing.approve(session, incident_id, approval(ja.id, hashes), "x.test", people=None)  # type: ignore[arg-type]
    assert (ja.approved_wording, en.approved_wording) == (hashes["ja"], hashes["en"])
    assert (ja.approved_by, ja.approved_at, ja.failed_reason) == ("bureau", NOW, None)
    assert ja.status == NoticeStatus.SENT  # no recipient in this approval: nothing is left to deliver


async def test_an_approval_of_another_wording_is_refused_and_nothing_is_locked() -> None:
    incident_id = uuid.uuid4()
    ja, en = (notice("data_subject", "subjects", lang, incident_id) for lang in ("ja", "en"))
    session = FakeSession(ja, en)
    stale = {"ja": hash_of(ja), "en": "f" * 64}  # the English draft changed after the desk approved it
    await issuing.approve(session, incident_id, approval(ja.id, stale), "x.test", people=None)  # type: ignore[arg-type]
    assert ja.status == NoticeStatus.FAILED and "en" in (ja.failed_reason or "")
    assert ja.approved_wording is None and en.approved_wording is None
    (issued,) = session.events("pidesk.notice.issued")
    assert issued["status"] == "failed" and issued["reason"] == ja.failed_reason


async def test_an_approved_public_notice_is_published_in_its_own_language_only() -> None:
    incident_id = uuid.uuid4()
    ja, en = (notice("public", "public", lang, incident_id) for lang in ("ja", "en"))
    session = FakeSession(ja, en)
    await issuing.approve(session, incident_id, approval(ja.id, {"ja": hash_of(ja)}), "x", people=None)  # type: ignore[arg-type]
    assert ja.status == NoticeStatus.SENT and ja.issued_at == NOW and ja.approved_wording == hash_of(ja)
    assert en.status == NoticeStatus.DRAFTED and en.approved_wording is None
    assert [e["notice_id"] for e in session.events("pidesk.notice.issued")] == [str(ja.id)]


async def test_an_internal_alert_or_a_notice_drafted_elsewhere_cannot_be_approved() -> None:
    incident_id = uuid.uuid4()
    alert = notice("internal", "desk", "ja", incident_id)
    session = FakeSession(alert)
    for notice_id in (alert.id, uuid.uuid4()):
        with pytest.raises(issuing.NoticeRefused):
            await issuing.approve(session, incident_id, approval(notice_id, None), "x", people=None)  # type: ignore[arg-type]
    assert session.outbox == []


async def test_the_detail_shows_what_an_approval_covers() -> None:
    incident_id = uuid.uuid4()
    ja, en = (notice("data_subject", "subjects", lang, incident_id) for lang in ("ja", "en"))
    public = notice("public", "public", "ja", incident_id, approved_wording="0" * 64)
    session = FakeSession(ja, en, public, notice("public", "public", "en", incident_id))
    uow = NotifierUnitOfWork(lambda: session)  # type: ignore[arg-type,return-value]
    detail = await views.notice_detail(uow, en.id)
    assert detail is not None and detail.approval_covers == {"ja": hash_of(ja), "en": hash_of(en)}
    assert detail.wording_hash == hash_of(en) and not detail.locked
    shown = await views.notice_detail(uow, public.id)
    assert shown is not None and shown.approval_covers == {"ja": hash_of(public)} and shown.locked
    assert await views.notice_detail(uow, uuid.uuid4()) is None


# --- what is sent (wording.py) ------------------------------------------------------------------------------

SETTINGS = SimpleNamespace(mail_from="desk@example.com", mail_from_name="Desk", desk_url="https://desk.example.com")


def claim(notice_id: uuid.UUID, language: str) -> Claim:
    return Claim(
        id=1,
        notice_id=notice_id,
        channel="email",
        address="index",
        name="",
        language=language,
        attempts=0,
        priority=10,
        due_at=NOW,
        message_id="<m@example.com>",
    )


def approved_pair() -> tuple[Notice, Notice]:
    """A data-subject notice in both languages in the desk's wording, both locked by one approval."""
    incident_id = uuid.uuid4()
    ja, en = (
        notice(
            "data_subject", "subjects", lang, incident_id, subject=f"件名 {lang}", body=f"本文 {lang}\n", edited_at=NOW
        )
        for lang in ("ja", "en")
    )
    for draft in (ja, en):
        draft.approved_wording, draft.status = hash_of(draft), NoticeStatus.SENDING
    return ja, en


async def test_each_person_is_sent_the_approved_wording_in_their_own_language() -> None:
    ja, en = approved_pair()
    claims = [claim(ja.id, "ja"), claim(ja.id, "en")]
    await Wording(SETTINGS).attach(FakeSession(ja, en), claims, NOW)  # type: ignore[arg-type]
    assert [c.letter.subject if c.letter else c.problem for c in claims] == ["件名 ja", "件名 en"]
    assert claims[1].letter is not None and claims[1].letter.body.endswith("本文 en\n")


async def test_a_language_draft_changed_after_the_approval_is_never_sent() -> None:
    ja, en = approved_pair()
    en.body = "Another wording\n"
    refused = claim(ja.id, "en")
    await Wording(SETTINGS).attach(FakeSession(ja, en), [refused], NOW)  # type: ignore[arg-type]
    assert refused.letter is None and refused.refused and "not the wording approved" in refused.problem


async def test_a_language_draft_the_approval_did_not_cover_is_never_sent() -> None:
    ja, en = approved_pair()
    en.approved_wording = None
    refused = claim(ja.id, "en")
    await Wording(SETTINGS).attach(FakeSession(ja, en), [refused], NOW)  # type: ignore[arg-type]
    assert refused.letter is None and refused.refused and "not covered by the approval" in refused.problem
