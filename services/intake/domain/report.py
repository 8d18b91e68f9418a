"""A report as the contract defines it (docs/contract.md, "POST /v1/reports"), validated at the edge."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from pidesk.shared.events import MAX_ASSETS, AssetRef
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole, IncidentKind

REGION = re.compile(r"^(EU|[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3})$")
MAX_SUBJECTS = 10**10  # more than everyone alive: anything larger is a typo, not a count


def _no_nul(value: str) -> str:
    if "\x00" in value:  # PostgreSQL cannot store U+0000 in text
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    email: EmailStr
    division: ShortText
    entity: ShortText
    entity_country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]

    @field_validator("name", "division", "entity")
    @classmethod
    def _text(cls, value: str) -> str:
        return _no_nul(value)


class ReportSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reporter: Reporter
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    incident_kind: IncidentKind
    aware_at: AwareDatetime
    occurred_at: AwareDatetime | None = None
    data_categories: Annotated[list[DataCategory], Field(max_length=len(DataCategory))]
    affected_count: Annotated[int, Field(ge=0, le=MAX_SUBJECTS)] | None = None
    subject_regions: dict[str, Annotated[int, Field(ge=0, le=MAX_SUBJECTS)]] = Field(
        default_factory=dict, max_length=300
    )
    encryption: Encryption = Encryption.NONE
    recovered_before_access: bool = False
    malicious: bool | None = None
    publicly_viewable: bool = False
    entity_role: EntityRole = EntityRole.CONTROLLER
    contact_info_available: bool = True
    # typed assets (`{type, id}`, looked up in escalation's personal-information ledger) or free text
    assets: Annotated[
        list[AssetRef | Annotated[str, StringConstraints(min_length=1, max_length=200)]], Field(max_length=MAX_ASSETS)
    ] = Field(default_factory=list)

    @field_validator("title", "description")
    @classmethod
    def _text(cls, value: str) -> str:
        return _no_nul(value)

    @field_validator("assets")
    @classmethod
    def _assets(cls, value: list[AssetRef | str]) -> list[AssetRef | str]:
        return [_no_nul(asset) if isinstance(asset, str) else asset for asset in value]

    @field_validator("data_categories")
    @classmethod
    def _unique_categories(cls, value: list[DataCategory]) -> list[DataCategory]:
        return list(dict.fromkeys(value))

    @field_validator("subject_regions")
    @classmethod
    def _regions(cls, value: dict[str, int]) -> dict[str, int]:
        normalised = {k.strip().upper(): v for k, v in value.items()}
        bad = [k for k in normalised if not REGION.match(k)]
        if bad:
            raise ValueError("regions are ISO 3166 alpha-2 codes, 'EU', or subdivisions like 'US-CA'")
        return normalised
