"""Report submission (service/reports.py) on an in-memory unit of work: an Idempotency-Key replays its
incident or refuses a different body, the incident.reported event is written in the same commit as the
report, and the free text goes into the stored report encrypted and never into the event."""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy.exc import IntegrityError

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import IdempotencyKey, Report
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.reports import IdempotencyKeyReused, ReportAccepted, SubmitReport, submit_report
from pidesk.shared.events import Envelope, IncidentReported
from pidesk.shared.vocabulary import ReportSource
from tests.unit.factories import report_body

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
TITLE = "Payroll sheet mailed to the wrong branch"
DESCRIPTION = "The March payroll with bank account numbers went to branch 12 instead of branch 21."


@dataclass
class Tables:
    """What is committed: reports, the outbox and the Idempotency-Keys (unique, like the real table)."""

    reports: dict[uuid.UUID, Report] = field(default_factory=dict)
    outbox: list[Envelope] = field(default_factory=list)
    keys: dict[str, IdempotencyKey] = field(default_factory=dict)
    sequence: int = 0
    commits: int = 0
    hidden_key_reads: int = 0  # the next N key reads miss: a concurrent request commits in between


class FakeSession:
    async def flush(self) -> None:
        """Nothing to send: rows are kept until commit."""


class FakeReports:
    """The repository's interface (adapters/repository.py) over `Tables`; writes wait for the commit."""

    def __init__(self, tables: Tables, pending: list[object]) -> None:
        self.tables = tables
        self.pending = pending

    async def next_sequence(self, year: int) -> int:
        self.tables.sequence += 1
        return self.tables.sequence

    def add(self, report: Report) -> None:
        self.pending.append(report)

    async def get(self, incident_id: uuid.UUID) -> Report | None:
        return self.tables.reports.get(incident_id)

    async def idempotency_key(self, key: str) -> IdempotencyKey | None:
        if self.tables.hidden_key_reads:
            self.tables.hidden_key_reads -= 1
            return None
        return self.tables.keys.get(key)

    def remember_idempotency_key(self, key: str, fingerprint: str, incident_id: uuid.UUID) -> None:
        self.pending.append(IdempotencyKey(key=key, fingerprint=fingerprint, incident_id=incident_id))

    def publish(self, envelope: Envelope) -> None:
        self.pending.append(envelope)


class FakeUnitOfWork:
    """One transaction: what was written is kept only if committed, as IntakeUnitOfWork does."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.pending: list[object] = []
        self.session = FakeSession()

    async def __aenter__(self) -> FakeUnitOfWork:
        self.pending = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.pending = []  # rolled back unless committed

    @property
    def reports(self) -> FakeReports:
        return FakeReports(self.tables, self.pending)

    async def commit(self) -> None:
        keys = [row for row in self.pending if isinstance(row, IdempotencyKey)]
        if any(row.key in self.tables.keys for row in keys):
            raise IntegrityError("INSERT INTO idempotency_keys", {}, Exception("duplicate key"))
        for row in self.pending:
            if isinstance(row, Report):
                self.tables.reports[row.id] = row
            elif isinstance(row, Envelope):
                self.tables.outbox.append(row)
        self.tables.keys.update({row.key: row for row in keys})
        self.tables.commits += 1
        self.pending = []


@pytest.fixture
def tables() -> Tables:
    return Tables()


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(f"k1:{base64.b64encode(os.urandom(32)).decode()}")


def submission(**overrides: Any) -> ReportSubmission:
    return ReportSubmission.model_validate(report_body(title=TITLE, description=DESCRIPTION, **overrides))


async def submit(
    tables: Tables, cipher: FieldCipher, report: ReportSubmission, key: str | None = None
) -> ReportAccepted:
    command = SubmitReport(submission=report, source=ReportSource.API, idempotency_key=key)
    uow = cast(IntakeUnitOfWork, FakeUnitOfWork(tables))
    return await submit_report(command, uow=uow, cipher=cipher, clock=lambda: NOW)


async def test_a_report_and_its_event_are_committed_together(tables: Tables, cipher: FieldCipher) -> None:
    accepted = await submit(tables, cipher, submission())
    assert accepted.created and accepted.received_at == NOW
    assert accepted.reference == "PI-2026-000001"
    assert tables.commits == 1
    assert list(tables.reports) == [accepted.incident_id]
    [event] = tables.outbox
    assert event.event_type == IncidentReported.event_type
    assert event.incident_id == accepted.incident_id
    assert event.payload["reference"] == accepted.reference
    assert event.payload["source"] == "api"


async def test_the_free_text_is_stored_encrypted_and_never_in_the_event(tables: Tables, cipher: FieldCipher) -> None:
    accepted = await submit(tables, cipher, submission())
    stored = tables.reports[accepted.incident_id]
    assert TITLE not in stored.title_encrypted and DESCRIPTION not in stored.description_encrypted
    assert cipher.decrypt(stored.title_encrypted, record_id=accepted.incident_id, field="title") == TITLE
    assert cipher.decrypt(stored.description_encrypted, record_id=accepted.incident_id, field="description") == (
        DESCRIPTION
    )
    [event] = tables.outbox
    sent = event.to_bytes().decode()
    for secret in (TITLE, DESCRIPTION, "payroll", "bank account"):
        assert secret.lower() not in sent.lower(), secret
    assert not {"title", "description"} & set(event.payload)


async def test_the_same_key_with_the_same_body_answers_the_same_incident(tables: Tables, cipher: FieldCipher) -> None:
    first = await submit(tables, cipher, submission(), key="order-4711")
    # the same report, its JSON keys in another order: it validates to the same submission
    reordered = ReportSubmission.model_validate(dict(reversed(list(submission().model_dump(mode="json").items()))))
    again = await submit(tables, cipher, reordered, key="order-4711")
    assert first.created and not again.created
    assert (again.incident_id, again.reference, again.received_at) == (
        first.incident_id,
        first.reference,
        first.received_at,
    )
    assert len(tables.reports) == 1 and len(tables.outbox) == 1  # nothing stored or announced twice


async def test_the_same_key_with_another_body_is_refused(tables: Tables, cipher: FieldCipher) -> None:
    await submit(tables, cipher, submission(), key="order-4711")
    with pytest.raises(IdempotencyKeyReused):
        await submit(tables, cipher, submission(affected_count=13), key="order-4711")
    assert len(tables.reports) == 1 and len(tables.outbox) == 1


async def test_the_key_keeps_a_keyed_fingerprint_not_the_body(tables: Tables, cipher: FieldCipher) -> None:
    accepted = await submit(tables, cipher, submission(), key="order-4711")
    remembered = tables.keys["order-4711"]
    assert remembered.incident_id == accepted.incident_id
    assert len(remembered.fingerprint) == 64 and TITLE not in remembered.fingerprint
    other = FieldCipher(f"k1:{base64.b64encode(os.urandom(32)).decode()}")
    with pytest.raises(IdempotencyKeyReused):  # another keyring cannot confirm the body behind it
        await submit(tables, other, submission(), key="order-4711")


async def test_other_keys_or_no_key_make_new_incidents(tables: Tables, cipher: FieldCipher) -> None:
    results = [
        await submit(tables, cipher, submission(), key="a"),
        await submit(tables, cipher, submission(), key="b"),
        await submit(tables, cipher, submission()),
        await submit(tables, cipher, submission()),
    ]
    assert all(r.created for r in results)
    assert len({r.incident_id for r in results}) == 4
    assert [r.reference for r in results] == [f"PI-2026-00000{n}" for n in range(1, 5)]
    assert {e.incident_id for e in tables.outbox} == {r.incident_id for r in results}


async def test_a_key_committed_concurrently_answers_with_that_incident(tables: Tables, cipher: FieldCipher) -> None:
    first = await submit(tables, cipher, submission(), key="order-4711")
    tables.hidden_key_reads = 1  # the second request looks before the first commits, then loses the race
    again = await submit(tables, cipher, submission(), key="order-4711")
    assert not again.created and again.incident_id == first.incident_id
    assert len(tables.reports) == 1 and len(tables.outbox) == 1  # the losing transaction wrote nothing
