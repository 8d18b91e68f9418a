"""Government requests and privacy complaints as the receiving division enters them (issue 17;
docs/contract.md, "POST /v1/government-requests", "POST /v1/complaints"), validated at the edge.

Every field is bounded. The free text (the request's words, the people it names, the complainant's
name and contact) is sealed at rest and never leaves intake; the classifications go to escalation."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from pidesk.services.intake.domain.report import REGION, Reporter, ShortText, _no_nul
from pidesk.shared.vocabulary import (
    ComplainantKind,
    ComplaintRequestKind,
    DataCategory,
    LegalInstrument,
)

Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Categories = Annotated[list[DataCategory], Field(max_length=len(DataCategory))]
Regions = Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]], Field(max_length=50)]
Assets = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]], Field(max_length=50)]
People = Annotated[list[ShortText], Field(max_length=200)]

GOVERNMENT_REQUEST_PREFIX, COMPLAINT_PREFIX = "GR", "PC"


def _regions(value: list[str]) -> list[str]:
    if any(not REGION.match(r) for r in value):
        raise ValueError("regions are ISO 3166 alpha-2 codes, 'EU', or subdivisions like 'US-CA'")
    return list(dict.fromkeys(value))


class GovernmentRequestSubmission(BaseModel):
    """A request from a government or law-enforcement agency to provide personal information."""

    model_config = ConfigDict(extra="forbid")

    submitted_by: Reporter  # who in the receiving division enters it (division, entity: the company)
    authority: ShortText
    authority_country: Country
    instrument: LegalInstrument
    authority_reference: ShortText | None = None  # the authority's file number (sealed)
    received_at: AwareDatetime  # when the division received it
    deadline_at: AwareDatetime | None = None
    data_categories: Categories
    subject_regions: Regions = Field(default_factory=list)
    people: People = Field(default_factory=list)  # the people it names (sealed; only the count travels)
    assets: Assets = Field(default_factory=list)  # systems and assets it names (matched against the ledger)
    confidential: bool = False  # a confidentiality (gag) order
    summary: Summary

    @field_validator("summary", "authority")
    @classmethod
    def _text(cls, value: str) -> str:
        return _no_nul(value)

    @field_validator("people", "assets")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        return [_no_nul(v) for v in value]

    @field_validator("subject_regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        return _regions(value)

    @field_validator("data_categories")
    @classmethod
    def _unique(cls, value: list[DataCategory]) -> list[DataCategory]:
        return list(dict.fromkeys(value))


class ComplaintSubmission(BaseModel):
    """A complaint about the handling of personal information, or a data-subject request."""

    model_config = ConfigDict(extra="forbid")

    submitted_by: Reporter
    complainant_kind: ComplainantKind
    complainant_name: ShortText | None = None  # sealed
    complainant_contact: ShortText | None = None  # sealed
    authority: ShortText | None = None  # the authority complaining (complainant_kind authority)
    authority_country: Country | None = None
    request_kind: ComplaintRequestKind = ComplaintRequestKind.GENERAL
    received_at: AwareDatetime
    data_categories: Categories = Field(default_factory=list)
    subject_regions: Regions = Field(default_factory=list)
    alleges_leak: bool = False
    summary: Summary

    @field_validator("summary", "complainant_name", "complainant_contact", "authority")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _no_nul(value) if value is not None else None

    @field_validator("subject_regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        return _regions(value)

    @field_validator("data_categories")
    @classmethod
    def _unique(cls, value: list[DataCategory]) -> list[DataCategory]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _authority_named(self) -> ComplaintSubmission:
        if self.complainant_kind is ComplainantKind.AUTHORITY and not self.authority:
            raise ValueError("authority: name the authority complaining")
        return self


def case_reference(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year:04d}-{sequence:06d}"
