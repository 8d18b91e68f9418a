"""What every vendor module produces: alerts in the contract's terms, or a handshake answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.webhooks.signatures import Verifier
from pidesk.shared.events import AssetRef
from pidesk.shared.vocabulary import DataCategory, IncidentKind


class UnreadablePayload(ValueError):
    """Valid JSON, but not this vendor's payload: a 422 naming what is missing."""


@dataclass(frozen=True)
class VendorAlert:
    """One vendor alert mapped to the contract. Summaries name detectors and places, never matches."""

    alert_id: str
    incident_kind: IncidentKind
    data_categories: list[DataCategory]
    aware_at: datetime | None  # None: the vendor sent no usable time; the receipt time stands for it
    title: str
    summary: str
    affected_count: int | None = None
    publicly_viewable: bool = False
    malicious: bool | None = None
    recovered_before_access: bool = False  # e.g. the DLP tool blocked the share or the mail
    # the places it names: typed assets (looked up in escalation's ledger) and free-text names
    assets: list[AssetRef | str] = field(default_factory=list)
    vendor_state: str | None = None  # e.g. open, resolved, reopened: a change is news for the desk
    report: ReportSubmission | None = None  # the whole report, for sources that send our own schema
    # correlation keys (the correlation policy groups alerts on them; None when the vendor omits it)
    rule: str | None = None  # the rule, policy or detector that fired, as the vendor names it
    asset: str | None = None  # the one place it concerns: bucket, site, repository, mailbox, device
    actor: str | None = None  # the user or account whose action raised it
    # matches per detector (detector name -> count of records/people found), when the vendor says
    detections: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Handshake:
    """A delivery answered without an incident: a URL verification (answered as the vendor expects),
    a ping, or an event that carries nothing to report."""

    body: Any
    status: int = 200
    media_type: str = "application/json"


Parser = Callable[[Any, Mapping[str, str]], "list[VendorAlert] | Handshake"]


@dataclass(frozen=True)
class WebhookSource:
    name: str
    display_name: str
    verify: Verifier
    parse: Parser  # called with the decoded JSON and the request headers
    handshake_before_auth: Callable[[Any, Mapping[str, str]], Handshake | None] | None = None
    # the header in which the vendor numbers each delivery (a redelivery repeats it), lower case
    delivery_id_header: str | None = None
