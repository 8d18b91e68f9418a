"""The wording of a notice draft as the desk edits it, and the notifier's answer: escalation's desk API
takes the wording, hands it to the notifier's, which stores it, and passes the answer on as it came (one
definition of each, so the two services' documents can never drift apart)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NoticeWording(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(default=None, min_length=1, max_length=500)  # mail subject; none for a page
    body: str = Field(min_length=1, max_length=100_000)  # Markdown


class RecipientCounts(BaseModel):
    """`sent` counts the unconfirmed too (handed over, not refused); `pending` what is still to go."""

    total: int
    sent: int
    failed: int
    unconfirmed: int
    pending: int


class NoticeSummary(BaseModel):
    """A notice as listed. `held`: an internal alert's recipients whose mail waits (rate limit, group-update
    window, daily digest), counted among `recipients.pending`; `wording_hash`: what the desk approves (its
    hash goes with the approval, and only that wording is ever sent)."""

    notice_id: str
    incident_id: str
    reference: str
    kind: str
    variant: str
    language: str
    channel: str
    status: str
    current: bool
    subject: str
    obligations: list[str]
    recipients: RecipientCounts
    held: int
    gaps: int
    wording_hash: str
    locked: bool
    failed_reason: str | None
    edited_by: str | None
    edited_at: str | None
    facts_changed_since_edit: bool
    approved_by: str | None
    approved_at: str | None
    issued_at: str | None
    created_at: str | None
    updated_at: str | None


class EditedNotice(NoticeSummary):
    """The answer to an edit: the summary and the wording as it now stands."""

    body: str
