"""The desk API's response shapes (docs/contract.md, desk API), so /openapi.json describes every answer.

Times are ISO 8601 strings as `datetime.isoformat()` writes them (the contract's JSON since the first
version), never re-serialised by pydantic. Fields are declared in the order the JSON has always had;
the only keys a shape may lack are a snooze marker's details (see `SnoozeMarker`), so the routes that
show one answer with `response_model_exclude_unset=True`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Id = Annotated[str, Field(json_schema_extra={"format": "uuid"})]


class SnoozeMarker(BaseModel):
    """A snooze matched the incident: `snoozed` (silenced now), `overridden` (a statutory obligation made
    it an incident like any other), `opened` (silenced, then opened). The incident itself (not a list
    row) also shows the snooze's reason and times."""

    snooze_id: int
    state: str | None
    reason: str | None = None
    expires_at: Timestamp | None = None
    ended_at: Timestamp | None = None


class Report(BaseModel):
    """The report: where it came from, and every fact as the report and the desk left it."""

    model_config = ConfigDict(extra="allow")
    source: str
    source_alert_id: str | None


class AlertsSummary(BaseModel):
    count: int
    last_alert_at: Timestamp | None


class LocalDue(BaseModel):
    """The due time on the authority's own clock."""

    at: Timestamp
    zone: str


class Obligation(BaseModel):
    code: str
    regime: str
    due_at: Timestamp
    due_at_local: LocalDue | None
    target_at: Timestamp | None
    status: str
    basis: str
    done_at: Timestamp | None
    done_by: str | None


class RouteRecipient(BaseModel):
    name: str | None
    email: str | None


class Route(BaseModel):
    target: str
    step: int
    reason: str
    recipients: list[RouteRecipient]
    notified_at: Timestamp
    ack_due_at: Timestamp | None
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None


class TimelineItem(BaseModel):
    at: Timestamp
    kind: str
    by: str
    detail: dict[str, Any]


class Notice(BaseModel):
    """A notice as the desk last heard of it (drafted, issued); live progress is on the notices API."""

    notice_id: Id
    kind: str
    variant: str
    language: str
    status: str
    current: bool
    subject: str
    obligations: list[str]
    recipients: dict[str, Any] | None
    updated_at: Timestamp


class LedgerFilledFact(BaseModel):
    """A fact the report lacked, taken from a ledger entry (docs/rules.md §1c)."""

    fact: str
    value: Any
    entry_id: str
    version: int
    asset: str
    text: dict[str, str]  # the explanation's line: en, ja


class LedgerMatchedEntry(BaseModel):
    """A ledger entry covering an asset the incident names; `filled`: the facts taken from it."""

    entry_id: str
    version: int
    asset: str  # the incident's asset, type:identifier
    ledger_asset: str  # the entry's asset that covers it
    fit: str  # exact, under, pattern
    company: str
    division: str
    on_behalf_of: str | None  # a processor's holding: the controller it is processed for
    filled: list[str]


class IncidentLedger(BaseModel):
    """What the personal-information ledger says of the assets the incident names (issue 16)."""

    matched_entries: list[LedgerMatchedEntry]
    filled: list[LedgerFilledFact]
    owner: dict[str, str] | None  # the holding's company and division, routed to (a DLP alert)
    unknown_assets: list[str]  # assets no entry covers: "not in the ledger"
    not_in_ledger: bool


class IncidentDetail(BaseModel):
    """GET /v1/incidents/{id}, and the answer of every action on an incident."""

    incident_id: Id
    reference: str
    status: str
    entity: str
    division: str
    reporter: dict[str, Any]
    received_at: Timestamp
    report: Report
    alerts: AlertsSummary
    follows_incident_id: Id | None
    merged_into: Id | None
    snooze: SnoozeMarker | None
    ledger: IncidentLedger | None  # None: it names no asset the ledger could cover
    assessment: dict[str, Any] | None
    obligations: list[Obligation]
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None
    routes: list[Route]
    timeline: list[TimelineItem]
    notices: list[Notice]


class NextObligation(BaseModel):
    code: str
    due_at: Timestamp


class IncidentSummary(BaseModel):
    """One row of the incident list: enough for the board, no free text."""

    incident_id: Id
    reference: str
    status: str
    risk_level: str | None
    incident_kind: str | None
    entity: str
    source: str
    received_at: Timestamp
    aware_at: Timestamp
    acknowledged_at: Timestamp | None
    alert_count: int
    last_alert_at: Timestamp | None
    next_obligation: NextObligation | None
    snooze: SnoozeMarker | None


class IncidentPage(BaseModel):
    """Newest first; `next_cursor` continues the list (null on its last page)."""

    items: list[IncidentSummary]
    next_cursor: str | None


class Alert(BaseModel):
    """One grouped DLP alert: where, what fired and how many; never the matched content."""

    alert_row_id: int
    source: str
    alert_id: str
    received_at: Timestamp
    aware_at: Timestamp
    grouped_at: Timestamp
    rule: str | None
    asset: str | None
    actor: str | None
    detections: dict[str, int]
    data_categories: list[str]
    affected_count: int | None
    vendor_state: str | None


class AlertPage(BaseModel):
    """Newest first, with how many alerts the incident groups in all."""

    items: list[Alert]
    total: int
    next_cursor: str | None


class NoticeApproval(BaseModel):
    notice_id: Id
    status: str
    recipients: int
    batches: int


class AuditItem(BaseModel):
    id: int
    at: Timestamp
    actor: str
    role: str | None
    method: str
    path: str
    incident_id: Id | None
    status: int
    client: str


class AuditPage(BaseModel):
    """Newest first; `next_before_id` continues it (null on the last page)."""

    items: list[AuditItem]
    next_before_id: int | None


class SnoozeFilterView(BaseModel):
    source: str | None
    rule: str | None
    asset: str | None
    actor: str | None


class SnoozeEvent(BaseModel):
    at: Timestamp
    what: str
    by: str | None


class SnoozeView(BaseModel):
    """A snooze: its filter, reason, who and when, its state, what it matched, and its history."""

    snooze_id: int
    filter: SnoozeFilterView
    reason: str
    created_by: str
    created_at: Timestamp
    starts_at: Timestamp
    expires_at: Timestamp
    ended_at: Timestamp | None
    ended_by: str | None
    state: str
    matched_alerts: int
    matched_incidents: int
    snoozed_incidents: int
    history: list[SnoozeEvent]


class SnoozeEnded(SnoozeView):
    """`opened`: the snoozed incidents the snooze no longer covers, opened and routed."""

    opened: list[Id]


class SnoozeDetail(SnoozeView):
    """The snooze and the incidents it matched (snoozed, overridden or opened since), newest first."""

    incidents: list[IncidentSummary]
    next_cursor: str | None


class SnoozePage(BaseModel):
    items: list[SnoozeView]
    next_before_id: int | None


class RevokedTokens(BaseModel):
    """The jtis of revoked tokens that may still be unexpired."""

    revoked: list[str]


class LedgerEntryRecord(BaseModel):
    """A personal-information ledger entry, every field (domain/ledger.py): the shape of the ledger's files."""

    id: str
    name: str
    company: str
    division: str
    assets: list[str]  # type:identifier, canonical (e.g. s3:customer-data, github:example/crm)
    data_categories: list[str]
    people_count: int | None
    counted_on: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    subject_regions: dict[str, int]
    purpose: str
    legal_basis: str
    entity_role: str
    on_behalf_of: str | None
    retention: str
    storage_location: str
    transfers: list[str]
    encryption: str
    responsible: str
    retired: bool


class LedgerEntryView(LedgerEntryRecord):
    """The entry as it stands: its version, and who changed it last and when."""

    version: int
    updated_at: Timestamp
    updated_by: str


class LedgerSaved(LedgerEntryView):
    """What a change did: `created`, `updated`, `retired`, `restored`, or `unchanged` (no new version)."""

    change: str


class LedgerPage(BaseModel):
    """By id; `next_cursor` continues the list (null on its last page)."""

    items: list[LedgerEntryView]
    next_cursor: str | None


class LedgerVersionView(BaseModel):
    """One version: who made it, when, how (`api` or `import`), what changed, and the entry in full."""

    version: int
    at: Timestamp
    by: str
    via: str
    change: str
    changed_fields: list[str]
    entry: LedgerEntryRecord


class LedgerHistory(BaseModel):
    """Every version of an entry, newest first."""

    entry_id: str
    versions: list[LedgerVersionView]
