"""What intake's JSON routes answer, as pydantic models for the OpenAPI document.

The report API and the webhooks build their answers as dicts and return them already serialised; the
models only describe them (`responses=`), so no answer is validated a second time on the hot path."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REFERENCE = Field(
    description="The incident's reference number: PI-YYYY-NNNNNN, sequential per year of receipt (Japan time)",
    examples=["PI-2026-000123"],
)


class AcceptedReport(BaseModel):
    """A report accepted: 202 when it opened an incident, 200 when the incident already existed (a replay
    with the same Idempotency-Key)."""

    incident_id: uuid.UUID
    reference: str = REFERENCE
    status_url: str = Field(description="GET it for the report's state (GET /v1/reports/{incident_id})")


class AcceptedAlert(AcceptedReport):
    """The incident a webhook alert opened or went to."""

    grouped: bool = Field(
        default=False, description="Present, and true, only when the alert joined its group's open incident"
    )


class AcceptedDelivery(AcceptedAlert):
    """A webhook delivery accepted: its first alert's incident, and all of them when it held several."""

    incidents: list[AcceptedAlert] = Field(
        default=[], description="Present only when the delivery held several alerts: each one's incident"
    )


class HandshakeAnswer(BaseModel):
    """A delivery answered without an incident: a vendor's URL verification or ping, or an event that
    carries nothing to report. Further fields depend on the vendor (e.g. GitHub's `zen`)."""

    model_config = ConfigDict(extra="allow")

    status: str = Field(examples=["pong", "ignored", "validated", "no findings"])


class ReportStatusAnswer(BaseModel):
    """The state of a report as intake knows it: received (the desk tracks it from there)."""

    incident_id: uuid.UUID
    reference: str = REFERENCE
    status: Literal["received"]
    received_at: str = Field(json_schema_extra={"format": "date-time"}, description="ISO 8601, with its offset")
