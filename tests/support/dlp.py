"""DLP alerts as vendors send them, and a whole stack that takes them, for the storm and snooze e2e tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.apps import mailing_stack
from tests.support.mail import MailSink
from tests.support.webhooks import fixture_bytes
from tests.unit.factories import report_body

PURVIEW = json.loads(fixture_bytes("ms-purview", "dlp_rule_match_single.json"))


def purview_alert(n: int, rule: str) -> bytes:
    """One DLP.All record of `rule`: its own alert id and sender mailbox, four card numbers found."""
    record = json.loads(json.dumps(PURVIEW))
    record["IncidentId"] = record["Id"] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{rule}-{n}"))
    record["UserId"] = record["ExchangeMetaData"]["From"] = f"sender{n}@contoso.co.jp"
    for policy in record["PolicyDetails"]:
        for each in policy["Rules"]:
            each["RuleName"] = rule
    return json.dumps(record).encode()


def low_risk_alert(alert_id: str, asset: str) -> bytes:
    """A low-risk `generic` alert (one name, a mail recalled before anyone opened it) at `asset`."""
    body = report_body(
        title="DLP match on a mail recalled before anyone opened it",
        aware_at=datetime.now(UTC).isoformat(),
        data_categories=["name"],
        affected_count=1,
        subject_regions={"JP": 1},
        recovered_before_access=True,
        assets=[asset],
    )
    body["source_alert_id"] = alert_id
    return json.dumps(body).encode()


@asynccontextmanager
async def dlp_stack(tmp_path: Path, sink: MailSink, secret: str, **env: str) -> AsyncIterator[dict[str, Any]]:
    """Intake (Purview and generic webhooks enabled with `secret`), escalation and notifier, mailing `sink`."""
    settings = {
        "INTAKE_WEBHOOK_SECRET_MS_PURVIEW": secret,
        "INTAKE_WEBHOOK_SECRET_GENERIC": secret,
        "INTAKE_WEBHOOKS_PER_MINUTE": "100000",
        **env,
    }
    async with mailing_stack(tmp_path, sink, **settings) as stack:
        yield stack
