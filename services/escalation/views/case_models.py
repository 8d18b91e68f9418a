"""Response shapes of the desk API on government requests and privacy complaints (issue 17).

Times are ISO 8601 strings as `datetime.isoformat()` writes them, as everywhere in the desk API."""

from __future__ import annotations

from pydantic import BaseModel

from pidesk.services.escalation.views.models import Id, Timestamp


class CaseRouteView(BaseModel):
    """A tier told about the case and its acknowledgement deadline (`overdue`: past it, unacknowledged)."""

    step: int
    target: str
    told_at: Timestamp
    ack_due_at: Timestamp
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None
    reason: str  # routed, escalated (the tier below let its deadline pass)
    overdue: bool


class CaseDocumentView(BaseModel):
    """An attached document's metadata (its name unsealed for the desk; its content is never answered)."""

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    added_at: Timestamp
    added_by: str


class CaseLogView(BaseModel):
    """A read of or change to the case: who, in which role, what, when."""

    at: Timestamp
    actor: str
    role: str | None
    action: str


class LawConflictView(BaseModel):
    code: str
    basis: str


class RequestAssessmentView(BaseModel):
    legal_basis_checked: bool
    necessary_and_proportionate: bool
    rights_of_person_considered: bool
    conflicts_of_law: list[str]
    notes: str
    assessed_at: Timestamp
    assessed_by: str


class GovernmentRequestSummary(BaseModel):
    id: Id
    reference: str
    status: str
    authority: str
    authority_country: str
    instrument: str
    deadline_at: Timestamp | None
    received_at: Timestamp
    confidential: bool
    division: str
    company: str
    decision: str | None


class GovernmentRequestDetail(GovernmentRequestSummary):
    data_categories: list[str]
    subject_regions: list[str]
    people_count: int
    assets: list[str]
    ledger_matches: dict[str, list[str]]  # asset named -> the ledger entries covering it
    conflicts_of_law: list[LawConflictView]
    submitted_by: str
    assessment: RequestAssessmentView | None
    decision_reason: str | None
    provided_scope: str | None
    decided_at: Timestamp | None
    decided_by: str | None
    provided: str | None
    provided_at: Timestamp | None
    routes: list[CaseRouteView]
    documents: list[CaseDocumentView]
    log: list[CaseLogView]


class GovernmentRequestPage(BaseModel):
    items: list[GovernmentRequestSummary]
    next_offset: int | None


class ComplaintSummary(BaseModel):
    id: Id
    reference: str
    status: str
    complainant_kind: str
    authority: str | None
    request_kind: str
    received_at: Timestamp
    due_at: Timestamp | None
    without_delay: bool
    alleges_leak: bool
    outcome: str | None
    incident_id: Id | None


class HandlingClockView(BaseModel):
    """The statutory clock: a due date, the latest extension, or "without delay" (basis: the law)."""

    basis: str
    due_at: Timestamp | None  # the month's end; once extended, `extended_due_at` is the date that counts
    extended_due_at: Timestamp | None
    without_delay: bool
    extended_at: Timestamp | None
    extension_reason: str | None


class ComplaintDetail(ComplaintSummary):
    authority_country: str | None
    data_categories: list[str]
    subject_regions: list[str]
    division: str
    company: str
    submitted_by: str
    clock: HandlingClockView
    reply: str | None
    replied_at: Timestamp | None
    outcome_by: str | None
    routes: list[CaseRouteView]
    documents: list[CaseDocumentView]
    log: list[CaseLogView]


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    next_offset: int | None


class DocumentAdded(BaseModel):
    id: int
    size: int
    sha256: str


class LinkedIncident(BaseModel):
    complaint_id: Id
    incident_id: Id
