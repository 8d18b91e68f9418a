"""The idempotency fingerprint is keyed (issue 12, item 12): whoever reads the database cannot confirm a
guessed report by hashing it; replays keep working, across key rotation and for rows written unkeyed."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import IdempotencyKey
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.reports import FINGERPRINT_PURPOSE, fingerprint, same_report
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app
from tests.unit.factories import report_body

KEY = {"Idempotency-Key": "retry-42"}


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "fprint") as app:
        yield app


async def _stored_fingerprint(url: str) -> str:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        row = (await session.scalars(select(IdempotencyKey))).one()
    await engine.dispose()
    return row.fingerprint


async def _overwrite_fingerprint(url: str, value: str) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(IdempotencyKey).values(fingerprint=value))
    await engine.dispose()


async def test_a_database_reader_cannot_confirm_a_guessed_report(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    first = await client.post("/v1/reports", json=report_body(), headers=KEY)
    assert first.status_code == 202
    guess = ReportSubmission.model_validate(report_body()).model_dump_json().encode()
    assert await _stored_fingerprint(url) != hashlib.sha256(guess).hexdigest()
    replay = await client.post("/v1/reports", json=report_body(), headers=KEY)
    assert replay.status_code == 200 and replay.json()["incident_id"] == first.json()["incident_id"]


async def test_a_fingerprint_stored_unkeyed_before_still_replays(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    first = await client.post("/v1/reports", json=report_body(), headers=KEY)
    legacy = ReportSubmission.model_validate(report_body()).model_dump_json().encode()
    await _overwrite_fingerprint(url, hashlib.sha256(legacy).hexdigest())
    replay = await client.post("/v1/reports", json=report_body(), headers=KEY)
    assert replay.status_code == 200 and replay.json()["incident_id"] == first.json()["incident_id"]
    clash = await client.post("/v1/reports", json=report_body(affected_count=13), headers=KEY)
    assert clash.status_code == 409


def test_fingerprints_survive_key_rotation_and_differ_per_keyring() -> None:
    old, new = _key(), _key()
    submission = ReportSubmission.model_validate(report_body())
    before = FieldCipher(f"k1:{old}")
    stored = fingerprint(submission, before.derived_keys(FINGERPRINT_PURPOSE)[0])
    rotated = FieldCipher(f"k2:{new},k1:{old}")
    assert same_report(stored, submission, rotated)
    assert not same_report(stored, submission, FieldCipher(f"k2:{new}"))
    other = ReportSubmission.model_validate(report_body(affected_count=13))
    assert not same_report(stored, other, rotated)
