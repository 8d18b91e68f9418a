"""The case policy (issue 17): how government requests and privacy complaints are routed, the
acknowledgement deadline of each tier, and who may decide on a request. A YAML file
(services/escalation/policy/cases.yaml, or PIDESK_CASE_POLICY), validated at start-up; a bad file
stops it with `file:line: field: reason` (shared/policy_files.py)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pidesk.services.escalation.domain.government_requests import REQUEST_PATH
from pidesk.services.escalation.domain.routing import Target, parse_duration
from pidesk.shared.vocabulary import CASE_DECIDERS, Role


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _durations(value: dict[Target, str]) -> dict[Target, str]:
    for text in value.values():
        parse_duration(text)
    return value


class RequestRouting(_Strict):
    """The seeds' path (division manager → PI administrator → officer in charge) with a deadline per tier."""

    path: list[Target] = Field(default_factory=lambda: list(REQUEST_PATH), min_length=1)  # type: ignore[arg-type]
    ack_deadlines: dict[Target, str]
    deciders: list[Role] = Field(default_factory=lambda: sorted(CASE_DECIDERS), min_length=1)

    _check_durations = field_validator("ack_deadlines")(_durations)

    @field_validator("deciders")
    @classmethod
    def _acting_roles(cls, value: list[Role]) -> list[Role]:
        if Role.AUDITOR in value:
            raise ValueError("the auditor reads and acts on nothing; it cannot decide")
        return value

    @model_validator(mode="after")
    def _every_tier_timed(self) -> RequestRouting:
        missing = [t for t in self.path if t not in self.ack_deadlines]
        if missing:
            raise ValueError(f"an acknowledgement deadline is needed for every tier of the path; missing {missing}")
        return self


class ComplaintRouting(_Strict):
    """Who a complaint is routed to at once (the contact desk and the promotion bureau), each with a deadline."""

    targets: list[Target] = Field(min_length=1)
    ack_deadlines: dict[Target, str]

    _check_durations = field_validator("ack_deadlines")(_durations)

    @model_validator(mode="after")
    def _every_target_timed(self) -> ComplaintRouting:
        missing = [t for t in self.targets if t not in self.ack_deadlines]
        if missing:
            raise ValueError(f"an acknowledgement deadline is needed for every target; missing {missing}")
        return self


class CasePolicy(_Strict):
    version: int = Field(ge=1)
    name: str
    government_requests: RequestRouting
    complaints: ComplaintRouting

    def request_deadlines(self) -> dict[str, timedelta]:
        return {t: parse_duration(d) for t, d in self.government_requests.ack_deadlines.items()}

    def complaint_deadlines(self) -> dict[str, timedelta]:
        return {t: parse_duration(d) for t, d in self.complaints.ack_deadlines.items()}

    @property
    def deciders(self) -> frozenset[Role]:
        return frozenset(self.government_requests.deciders)
