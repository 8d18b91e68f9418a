"""`generic`: any tool that speaks our own report schema (docs/contract.md, POST /v1/reports), plus an
optional `source_alert_id` for deduplication. Authenticated with our HMAC headers or API key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError

from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.webhooks.common import Fallbacks, asset_key, with_asset
from pidesk.services.intake.webhooks.model import UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.events import AssetRef
from pidesk.shared.vocabulary import Encryption, EntityRole


class GenericAlert(ReportSubmission):
    source_alert_id: str | None = Field(default=None, min_length=1, max_length=300)


# optional fields of our schema (docs/contract.md): null stands for the default, as an absent field does
DEFAULTED: tuple[str, ...] = ("subject_regions", "encryption", "recovered_before_access", "publicly_viewable")
DEFAULTED += ("entity_role", "contact_info_available", "assets")
ENUMS = {"encryption": {e.value for e in Encryption}, "entity_role": {r.value for r in EntityRole}}


def _with_defaults(record: Any, fallbacks: Fallbacks) -> Any:
    """The record with each optional field that is null, or an enum value we do not know, left to its
    default (encryption "none", the worst case; role "controller"), noted in the description."""
    if not isinstance(record, dict):
        return record
    cleaned = dict(record)
    for name in DEFAULTED:
        if name in cleaned and cleaned[name] is None:
            del cleaned[name]
            fallbacks.note(name, "null: the default")
    for name, known in ENUMS.items():
        value = cleaned.get(name)
        if name in cleaned and not (isinstance(value, str) and value.strip().lower() in known):
            del cleaned[name]
            fallbacks.note(name, f"unknown value {str(value)[:40]!r}: the default")
        elif isinstance(value, str):
            cleaned[name] = value.strip().lower()
    return cleaned


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert]:
    records = payload if isinstance(payload, list) else [payload]
    alerts = []
    for record in records:
        fallbacks = Fallbacks()
        try:
            generic = GenericAlert.model_validate(_with_defaults(record, fallbacks))
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise UnreadablePayload(f"not our report schema: {where}: {exc.errors()[0]['msg']}") from None
        report = ReportSubmission.model_validate(generic.model_dump(exclude={"source_alert_id"}))
        if fallbacks.notes:  # said on the timeline, as a missing time of detection is
            description = fallbacks.summary(report.description)[:20_000]
            report = report.model_copy(update={"description": description})
        # without an alert id, the same body twice is the same alert
        alert_id = (
            generic.source_alert_id
            or "sha256:" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        )
        # our schema names no rule, actor or detector counts: the first place reported is the asset
        asset = asset_key(*(a.id if isinstance(a, AssetRef) else a for a in report.assets[:1]))
        alerts.append(
            VendorAlert(
                alert_id=alert_id,
                incident_kind=report.incident_kind,
                data_categories=report.data_categories,
                aware_at=report.aware_at,
                title=report.title,
                summary=report.description,
                report=report,
                assets=with_asset(list(report.assets), asset),
                asset=asset,
            )
        )
    return alerts


SOURCE = WebhookSource(name="generic", display_name="Generic", verify=verify_pidesk, parse=parse)
