"""The event envelope and the versioned event payloads that cross service boundaries.

Events carry identifiers and classifications, never the free-text title or description and never
the leaked personal data itself (docs/events.md, "The envelope").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_serializer, field_validator

from pidesk.shared import topics
from pidesk.shared.vocabulary import (
    AssetType,
    CaseKind,
    ComplainantKind,
    ComplaintRequestKind,
    DataCategory,
    Encryption,
    EntityRole,
    IncidentKind,
    LegalInstrument,
    ReportSource,
)


class MalformedEvent(ValueError):
    """The bytes are not a valid envelope, or its payload does not fit its declared schema."""


class UnknownEventVersion(MalformedEvent):
    """A well-formed envelope whose (event_type, schema_version) this consumer does not know."""


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    event_type: str = Field(min_length=1, max_length=200)
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    incident_id: uuid.UUID
    correlation_id: uuid.UUID
    producer: str = Field(min_length=1, max_length=100)
    payload: dict[str, Any]

    @field_serializer("occurred_at")
    def _serialize_time(self, value: datetime) -> str:
        return _utc(value)

    @property
    def topic(self) -> str:
        return topics.topic_for(self.event_type, self.schema_version)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes | None) -> Envelope:
        if raw is None:
            raise MalformedEvent("message has no value")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise MalformedEvent(f"invalid envelope: {_summary(exc)}") from None


def _summary(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])


class EventPayload(BaseModel):
    """Base of every event payload; subclasses name their event type and schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    # optional fields added to a published version later: left out of the payload when unset, so a consumer
    # deployed before they were added (its payloads forbid unknown fields) still reads the event
    added_later: ClassVar[frozenset[str]] = frozenset()

    def envelope(
        self,
        *,
        incident_id: uuid.UUID,
        producer: str,
        correlation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        at = occurred_at or datetime.now(UTC)
        if at.tzinfo is None or not producer or len(producer) > 100:
            raise ValueError("an event needs an aware time and a producer name of 1-100 characters")
        # every other field is this class's or a fresh id: checked once here, not validated again (hot path)
        return Envelope.model_construct(
            event_id=uuid.uuid4(),
            event_type=self.event_type,
            schema_version=self.schema_version,
            occurred_at=at,
            incident_id=incident_id,
            correlation_id=correlation_id or incident_id,
            producer=producer,
            payload=self._payload(),
        )

    def _payload(self) -> dict[str, Any]:
        payload = self.model_dump(mode="json")
        for name in self.added_later:
            if payload.get(name) is None:
                del payload[name]
        return payload


class ReporterRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    email: str
    division: str
    entity: str
    entity_country: str


MAX_ASSETS = 200  # the assets a report or an incident names, at most
ASSET_ID_MAX = 500  # the longest asset identifier (as the ledger's, domain/ledger_assets.py)


class AssetRef(BaseModel):
    """An asset a report or an alert names, typed as the personal-information ledger types its assets:
    escalation looks it up in the ledger (docs/contract.md, "Assets")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: AssetType
    id: str = Field(min_length=1, max_length=ASSET_ID_MAX)

    @field_validator("id")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("an asset id cannot hold NUL (U+0000)")
        return value


# an asset as a report names it: typed (`AssetRef`), or free text naming a system or a device (as before
# typed assets; escalation reads one as an asset only when its shape tells its type, e.g. an S3 ARN)
AssetItem = AssetRef | str


def asset_key(item: AssetRef | str | dict[str, Any]) -> str:
    """One asset item's identity, for keeping a list of them free of repeats."""
    if isinstance(item, AssetRef):
        return f"{item.type.value}:{item.id}"
    if isinstance(item, dict):
        return f"{item.get('type')}:{item.get('id')}"
    return item


def asset_values(items: Sequence[AssetRef | str | dict[str, Any]]) -> list[str | dict[str, Any]]:
    """Asset items as JSON values (a typed one as `{type, id}`), repeats left out."""
    seen: dict[str, str | dict[str, Any]] = {}
    for item in items:
        seen.setdefault(asset_key(item), item.model_dump(mode="json") if isinstance(item, AssetRef) else item)
    return list(seen.values())


class AlertRecord(BaseModel):
    """One DLP or secret-scanning alert as grouped into an incident: where, what fired, how many.

    Never the matched content: the rule, detector and asset names are the vendor's identifiers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: ReportSource
    alert_id: str = Field(max_length=300)
    received_at: AwareDatetime
    aware_at: AwareDatetime
    rule: str | None = Field(default=None, max_length=300)
    asset: str | None = Field(default=None, max_length=500)
    actor: str | None = Field(default=None, max_length=300)
    detections: dict[str, int] = Field(default_factory=dict)
    data_categories: list[DataCategory] = Field(default_factory=list)
    affected_count: int | None = Field(default=None, ge=0)
    vendor_state: str | None = Field(default=None, max_length=30)


class IncidentReported(EventPayload):
    """pidesk.incident.reported.v1: a new incident from the form, the API or a DLP webhook."""

    event_type: ClassVar[str] = "pidesk.incident.reported"
    schema_version: ClassVar[int] = 1

    reference: str
    source: ReportSource
    source_alert_id: str | None = None
    reporter: ReporterRef
    incident_kind: IncidentKind
    aware_at: AwareDatetime
    occurred_at: AwareDatetime | None = None
    received_at: AwareDatetime
    data_categories: list[DataCategory]
    affected_count: int | None = None
    subject_regions: dict[str, int] = Field(default_factory=dict)
    encryption: Encryption = Encryption.NONE
    recovered_before_access: bool = False
    malicious: bool | None = None
    publicly_viewable: bool = False
    entity_role: EntityRole = EntityRole.CONTROLLER
    contact_info_available: bool = True
    # the systems and assets the report names: typed ones are looked up in the personal-information ledger
    assets: list[AssetItem] = Field(default_factory=list, max_length=MAX_ASSETS)
    # a webhook incident: the alerts it groups so far (empty for reports from people)
    alerts: list[AlertRecord] = Field(default_factory=list, max_length=1000)
    # a group's alerts that arrived after the incident it was growing into had been closed
    follows_incident_id: uuid.UUID | None = None


# A report's facts: its classifications and counts, never free text. An update may carry any of them.
REPORT_FACTS: tuple[str, ...] = (
    "incident_kind",
    "data_categories",
    "affected_count",
    "subject_regions",
    "encryption",
    "recovered_before_access",
    "malicious",
    "publicly_viewable",
    "entity_role",
    "contact_info_available",
    "assets",
    "occurred_at",
    "aware_at",
)


class IncidentUpdated(EventPayload):
    """pidesk.incident.updated.v1: new facts on an existing incident; re-assessment follows."""

    event_type: ClassVar[str] = "pidesk.incident.updated"
    schema_version: ClassVar[int] = 1

    reference: str
    source: ReportSource
    source_alert_id: str | None = None
    reason: str = Field(max_length=100)  # e.g. vendor_update, facts_added
    changes: dict[str, Any]
    vendor_state: str | None = None
    updated_at: AwareDatetime
    updated_by: str = Field(max_length=200)
    # reason "alerts_grouped": alerts that joined the incident's group (its facts follow the group)
    alerts: list[AlertRecord] = Field(default_factory=list, max_length=1000)
    # reason "merged" (producer escalation): the incident was merged into this one
    merged_into: uuid.UUID | None = None

    @field_validator("changes")
    @classmethod
    def _only_facts(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(REPORT_FACTS)
        if unknown:
            raise ValueError(f"not updatable facts: {sorted(unknown)}")
        return value


class ObligationRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    due_at: AwareDatetime
    target_at: AwareDatetime | None = None
    status: str
    basis: str


class IncidentAssessed(EventPayload):
    """pidesk.incident.assessed.v1: risk, obligations with deadlines (and routes, once routed)."""

    event_type: ClassVar[str] = "pidesk.incident.assessed"
    schema_version: ClassVar[int] = 1

    reference: str
    version: int = Field(ge=1)
    reason: str
    risk_level: str
    severity_score: float
    enisa: dict[str, float]
    legal_triggers: list[str]
    obligations: list[ObligationRef]
    routes: list[dict[str, Any]] = Field(default_factory=list)
    assessed_at: AwareDatetime
    # the facts a group of DLP alerts decides (data_categories, affected_count, subject_regions) as this
    # assessment used them: the notices draw on these, not on the first alert's (optional: older events lack it)
    facts: dict[str, Any] = Field(default_factory=dict)
    # the rules in force at the incident's awareness time that this assessment applied (e.g. "rules-v2")
    rules_version: str | None = None


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    email: str
    language: str = "en"
    chat_webhook: str | None = None
    # the directory's `digest: daily`: non-urgent alerts come as one mail a day (notifier, issue 11)
    digest: str | None = None


class GroupProgress(BaseModel):
    """How a group of DLP alerts grew since the people on an incident were last told."""

    model_config = ConfigDict(frozen=True)

    since: AwareDatetime  # the last update (or the first routing) this one follows
    new_alerts: int = Field(ge=0)  # alerts grouped since then
    total_alerts: int = Field(ge=0)
    affected_count: int | None = None  # the group's count now (None: unknown)
    new_obligations: list[str] = Field(default_factory=list)  # obligation codes gained since then


CASE_RISK = "none"  # the `risk_level` of a case's escalation request: a case is not risk-assessed


class EscalationRequested(EventPayload):
    """pidesk.escalation.requested.v1: a role must be told now (first routing, or an escalation) about an
    incident or, with `case`, a government request or privacy complaint (issue 17)."""

    event_type: ClassVar[str] = "pidesk.escalation.requested"
    schema_version: ClassVar[int] = 1

    reference: str
    target: str
    step: int = Field(ge=1)
    reason: str  # routed, escalated, manual, obligation_reminder
    risk_level: str
    recipients: list[Recipient]
    ack_due_at: AwareDatetime | None = None
    nearest_obligation: ObligationRef | None = None
    obligation_code: str | None = None
    requested_at: AwareDatetime
    # who raised the incident: at one risk level a report from a person is mailed before a tool's alert
    source: ReportSource | None = None
    # reason obligation_reminder: every obligation this one reminder covers (due together)
    obligations: list[ObligationRef] = Field(default_factory=list)
    # reason group_update: how the incident's group of alerts grew since the last mail
    group: GroupProgress | None = None
    # issue 17: the tier of a government request or privacy complaint told (the envelope's `incident_id` is
    # the case id; `risk_level` is CASE_RISK). Detail-free: the case's kind and reference, the role, why and
    # its deadline — nothing of the authority, the complainant or the words (domain/case_alerts.py)
    case: CaseKind | None = None
    added_later: ClassVar[frozenset[str]] = frozenset({"case"})  # a notifier from before issue 17 forbids it


class NoticeRecipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    language: str = Field(default="ja", pattern=r"^(ja|en)$")


class NoticeRequested(EventPayload):
    """pidesk.notice.requested.v1: a notice approved on the desk, with its recipients in batches."""

    event_type: ClassVar[str] = "pidesk.notice.requested"
    schema_version: ClassVar[int] = 1

    notice_id: uuid.UUID
    reference: str
    approved_by: str
    approved_at: AwareDatetime
    batch: int = Field(ge=1)
    batches: int = Field(ge=1)
    total_recipients: int = Field(ge=0)
    recipients: list[NoticeRecipient]
    # the wording approved, per language draft the approval covers (a data-subject notice: both, each person
    # reads their own language): SHA-256 of subject and body (`wording_hash`). The notifier sends nothing
    # whose wording differs. None: an approval of before this field (locked at the wording found on arrival)
    wording_hashes: dict[str, str] | None = None


class NoticeDrafted(EventPayload):
    """pidesk.notice.drafted.v1: the notifier drafted (or re-drafted) a notice; the desk may approve it."""

    event_type: ClassVar[str] = "pidesk.notice.drafted"
    schema_version: ClassVar[int] = 1

    notice_id: uuid.UUID
    reference: str
    kind: str
    variant: str
    language: str
    channel: str
    status: str
    current: bool
    subject: str
    obligations: list[str]
    drafted_at: AwareDatetime
    gaps: int = Field(default=0, ge=0)  # places the desk still has to complete before approving


class RecipientCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: int = Field(ge=0)
    sent: int = Field(ge=0)
    failed: int = Field(ge=0)
    unconfirmed: int = Field(default=0, ge=0)


class NoticeIssued(EventPayload):
    """pidesk.notice.issued.v1: a notice was delivered (or failed for good), with its counts."""

    event_type: ClassVar[str] = "pidesk.notice.issued"
    schema_version: ClassVar[int] = 1

    notice_id: uuid.UUID
    reference: str
    kind: str
    variant: str
    language: str
    channel: str
    status: str  # sent | failed
    recipients: RecipientCounts
    obligations: list[str]
    issued_at: AwareDatetime
    reason: str | None = None  # why it failed as a whole (e.g. the approved wording was not the notifier's)


class GovernmentRequestReceived(EventPayload):
    """pidesk.government_request.received.v1: a government or law-enforcement request for personal
    information, as the receiving division entered it (issue 17). The envelope's `incident_id` is the
    case id. Classifications and identifiers only: the request's text and the people it names stay in
    intake, encrypted; `people_count` says how many it names."""

    event_type: ClassVar[str] = "pidesk.government_request.received"
    schema_version: ClassVar[int] = 1

    reference: str = Field(max_length=30)
    authority: str = Field(min_length=1, max_length=200)
    authority_country: str = Field(pattern=r"^[A-Z]{2}$")
    instrument: LegalInstrument
    deadline_at: AwareDatetime | None = None
    received_at: AwareDatetime
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=50)
    subject_regions: list[str] = Field(default_factory=list, max_length=50)
    people_count: int = Field(default=0, ge=0)
    assets: list[str] = Field(default_factory=list, max_length=50)
    confidential: bool = False  # a gag order: never on a public page, counted only in aggregate
    division: str = Field(min_length=1, max_length=200)
    company: str = Field(min_length=1, max_length=200)
    submitted_by: str = Field(max_length=200)


class ComplaintReceived(EventPayload):
    """pidesk.complaint.received.v1: a privacy complaint or data-subject request (issue 17). The
    envelope's `incident_id` is the case id. The complainant's name, contact and words stay in intake,
    encrypted; an authority complaining is named (`authority`), a person never."""

    event_type: ClassVar[str] = "pidesk.complaint.received"
    schema_version: ClassVar[int] = 1

    reference: str = Field(max_length=30)
    complainant_kind: ComplainantKind
    authority: str | None = Field(default=None, max_length=200)
    authority_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    request_kind: ComplaintRequestKind
    received_at: AwareDatetime
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=50)
    subject_regions: list[str] = Field(default_factory=list, max_length=50)
    alleges_leak: bool = False
    division: str = Field(min_length=1, max_length=200)
    company: str = Field(min_length=1, max_length=200)
    submitted_by: str = Field(max_length=200)


P = TypeVar("P", bound=EventPayload)

PAYLOADS: dict[tuple[str, int], type[EventPayload]] = {
    (m.event_type, m.schema_version): m
    for m in (
        IncidentReported,
        IncidentUpdated,
        IncidentAssessed,
        EscalationRequested,
        NoticeRequested,
        NoticeDrafted,
        NoticeIssued,
        GovernmentRequestReceived,
        ComplaintReceived,
    )
}


def parse_payload(envelope: Envelope, known: dict[tuple[str, int], type[EventPayload]] = PAYLOADS) -> EventPayload:
    """The typed payload of `envelope`; UnknownEventVersion or MalformedEvent when it cannot be read."""
    model = known.get((envelope.event_type, envelope.schema_version))
    if model is None:
        raise UnknownEventVersion(f"unknown event {envelope.event_type} v{envelope.schema_version}")
    try:
        return model.model_validate(envelope.payload)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid {envelope.event_type} payload: {_summary(exc)}") from None


def payload_as(kind: type[P], envelope: Envelope, payload: EventPayload) -> P:
    """`payload` as the type its topic carries (handlers dispatch by type, not by `assert`, which
    `python -O` removes); MalformedEvent — dead-lettered, never retried — for any other."""
    if not isinstance(payload, kind):
        raise MalformedEvent(f"{envelope.topic} carried {type(payload).__name__}, not {kind.__name__}")
    return payload
