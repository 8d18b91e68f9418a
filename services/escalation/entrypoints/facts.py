"""The body of POST /v1/incidents/{id}/facts: any report fields that changed, validated as on intake."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from pidesk.services.intake.domain.report import MAX_SUBJECTS, REGION
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole, IncidentKind

# facts a report always has: omit one to leave it as it is; an explicit null is refused (422 naming it).
# occurred_at, affected_count and malicious may be null ("not known").
NOT_NULLABLE = (
    "incident_kind",
    "aware_at",
    "data_categories",
    "subject_regions",
    "encryption",
    "recovered_before_access",
    "publicly_viewable",
    "entity_role",
    "contact_info_available",
    "assets",
)


def _never_null(schema: dict[str, Any]) -> None:
    """The documented schema (OpenAPI) says what the validator enforces: these facts are never null."""
    for name in NOT_NULLABLE:
        field = schema["properties"][name]
        options = [option for option in field.pop("anyOf", []) if option.get("type") != "null"]
        field.pop("default", None)
        if len(options) == 1:
            field.update(options[0])
        elif options:
            field["anyOf"] = options


class FactsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_never_null)

    incident_kind: IncidentKind | None = None
    aware_at: AwareDatetime | None = None
    occurred_at: AwareDatetime | None = None
    data_categories: Annotated[list[DataCategory], Field(max_length=len(DataCategory))] | None = None
    affected_count: Annotated[int, Field(ge=0, le=MAX_SUBJECTS)] | None = None
    subject_regions: dict[str, Annotated[int, Field(ge=0, le=MAX_SUBJECTS)]] | None = None
    encryption: Encryption | None = None
    recovered_before_access: bool | None = None
    malicious: bool | None = None
    publicly_viewable: bool | None = None
    entity_role: EntityRole | None = None
    contact_info_available: bool | None = None
    assets: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=200)] | None = None

    @field_validator(*NOT_NULLABLE, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("this fact cannot be null: leave it out to keep it as it is")
        return value

    @field_validator("subject_regions")
    @classmethod
    def _regions(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        normalised = {k.strip().upper(): v for k, v in value.items()}
        if not all(REGION.match(k) for k in normalised):
            raise ValueError("regions are ISO 3166 alpha-2 codes, 'EU', or subdivisions like 'US-CA'")
        return normalised
