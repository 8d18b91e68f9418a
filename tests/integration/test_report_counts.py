"""Found by fuzzing (issue 12 item 20): a report counting more than 2**31 - 1 people, which the schema allows
(up to MAX_SUBJECTS), answered 500 on PostgreSQL (an INTEGER column). It is stored as it was sent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pidesk.services.intake.adapters.orm import Report
from pidesk.services.intake.domain.report import MAX_SUBJECTS
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app
from tests.unit.factories import report_body


async def test_a_count_beyond_int32_is_stored_and_one_beyond_the_schema_is_a_422(tmp_path: Path) -> None:
    async with intake_app(tmp_path, "counts") as (client, url):
        everyone = report_body(affected_count=MAX_SUBJECTS, subject_regions={"JP": MAX_SUBJECTS})
        accepted = await client.post("/v1/reports", json=everyone)
        assert accepted.status_code == 202, accepted.text
        more = await client.post("/v1/reports", json=report_body(affected_count=MAX_SUBJECTS + 1))
        assert more.status_code == 422 and more.json()["error"]["code"] == "validation_error"
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            stored = await session.scalar(select(Report.affected_count))
        await engine.dispose()
    assert stored == MAX_SUBJECTS > 2**31 - 1
