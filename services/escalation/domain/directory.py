"""The directory: who holds each routed role, per group company and division (PIDESK_DIRECTORY)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from pidesk.services.escalation.domain.routing import Target


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    email: EmailStr
    language: Literal["ja", "en"] = "en"
    chat_webhook: str | None = None  # Slack/Teams-compatible incoming webhook, optional
    # "daily": non-urgent alerts (low/medium risk, group updates, reminders not yet overdue) come as one
    # mail a day from the notifier; very_high/high first routing and overdue statutory reminders at once
    digest: Literal["daily"] | None = None


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    names: list[str] = Field(min_length=1)  # as reporters and DLP settings name the company
    country: str = Field(pattern=r"^[A-Z]{2}$")
    group_office: bool = False  # holds the group-wide roles every entity falls back to
    roles: dict[Target, list[Person]] = Field(default_factory=dict)
    division_managers: dict[str, list[Person]] = Field(default_factory=dict)
    default_division_manager: list[Person] = Field(default_factory=list)
    # holds or applies for the Privacy Mark (docs/rules.md §2b); None: true for an entity in Japan
    pmark: bool | None = None
    # the CAC report deadline in hours: 1 for critical information infrastructure, 2 for state organs
    cn_cac_deadline_h: Literal[1, 2, 4] | None = None

    @property
    def holds_pmark(self) -> bool:
        return self.pmark if self.pmark is not None else self.country == "JP"


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    entities: list[Entity] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_group_office(self) -> Directory:
        offices = [e.id for e in self.entities if e.group_office]
        if len(offices) != 1:
            raise ValueError(f"exactly one entity must be the group office (group_office: true); found {offices}")
        return self

    @property
    def group_office(self) -> Entity:
        return next(e for e in self.entities if e.group_office)

    def entity(self, name: str) -> Entity:
        wanted = name.strip().casefold()
        for entity in self.entities:
            if wanted == entity.id.casefold() or wanted in (n.casefold() for n in entity.names):
                return entity
        return self.group_office

    def find(self, name: str) -> Entity | None:
        """The entity of that name or id, or None (no group-office stand-in: for its own attributes)."""
        wanted = name.strip().casefold()
        return next(
            (e for e in self.entities if wanted == e.id.casefold() or wanted in (n.casefold() for n in e.names)),
            None,
        )

    def people(self, target: Target, *, entity_name: str, division: str) -> list[Person]:
        """Who holds `target` for an incident of that entity and division; the group office stands in."""
        entity, office = self.entity(entity_name), self.group_office
        if target == "division_manager":
            by_division = {k.casefold(): v for k, v in entity.division_managers.items()}
            return (
                by_division.get(division.strip().casefold())
                or entity.default_division_manager
                or office.default_division_manager
            )
        return entity.roles.get(target) or office.roles.get(target) or []
