"""Routing (docs/rules.md §4): who is told, at which step, and how long they have to acknowledge.

The policy is data (a versioned YAML file, see policy/default.yaml); these are the pure functions
that read it. Conditions: `always`, `risk_at_least`, `regulator_obligation`, `kind_in`,
`category_in`, `obligation_in`, `duty_in`, `obligation_due_within`, `entity_country_in`,
`entity_country_not_in`, and `any` / `all` of other conditions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from pidesk.services.escalation.domain.assessment import Assessment
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty
from pidesk.services.escalation.domain.risk import rank
from pidesk.shared.vocabulary import DataCategory, IncidentKind, RiskLevel

Target = Literal[
    "security_contact_desk",
    "promotion_bureau",
    "division_manager",
    "pi_administrator",
    "officer_in_charge",
    "privacy_compliance_supervisor",
]
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    text = str(text).strip()
    if len(text) < 2 or text[-1] not in UNITS or not text[:-1].isdecimal():
        raise ValueError(f"{text!r} is not a duration like 15m, 4h or 2d")
    return timedelta(**{UNITS[text[-1]]: int(text[:-1])})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Always(_Strict):
    always: Literal[True]


class RiskAtLeast(_Strict):
    risk_at_least: RiskLevel


class RegulatorObligation(_Strict):
    regulator_obligation: Literal[True]


class KindIn(_Strict):
    kind_in: list[IncidentKind]


class CategoryIn(_Strict):
    category_in: list[DataCategory]


class ObligationIn(_Strict):
    obligation_in: list[str]


class DutyIn(_Strict):
    duty_in: list[Duty]


class ObligationDueWithin(_Strict):
    """A non-internal obligation due at most this long after awareness (T0): the CAC's 4 h, CERT-In's 6 h."""

    obligation_due_within: str

    @field_validator("obligation_due_within")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class EntityCountryIn(_Strict):
    entity_country_in: list[str]


class EntityCountryNotIn(_Strict):
    entity_country_not_in: list[str]


class AnyOf(_Strict):
    any: list[Condition]


class AllOf(_Strict):
    all: list[Condition]


CONDITION_TYPES: dict[str, type[_Strict]] = {
    "always": Always,
    "risk_at_least": RiskAtLeast,
    "regulator_obligation": RegulatorObligation,
    "kind_in": KindIn,
    "category_in": CategoryIn,
    "obligation_in": ObligationIn,
    "duty_in": DutyIn,
    "obligation_due_within": ObligationDueWithin,
    "entity_country_in": EntityCountryIn,
    "entity_country_not_in": EntityCountryNotIn,
    "any": AnyOf,
    "all": AllOf,
}


def _condition_tag(value: Any) -> str | None:
    """The condition's class by its one key, so a bad value gets one error rather than one per kind."""
    if isinstance(value, dict) and len(value) == 1:
        kind = CONDITION_TYPES.get(next(iter(value)))
        return kind.__name__ if kind else None
    return type(value).__name__ if isinstance(value, BaseModel) else None


Condition = Annotated[
    Annotated[Always, Tag("Always")]
    | Annotated[RiskAtLeast, Tag("RiskAtLeast")]
    | Annotated[RegulatorObligation, Tag("RegulatorObligation")]
    | Annotated[KindIn, Tag("KindIn")]
    | Annotated[CategoryIn, Tag("CategoryIn")]
    | Annotated[ObligationIn, Tag("ObligationIn")]
    | Annotated[DutyIn, Tag("DutyIn")]
    | Annotated[ObligationDueWithin, Tag("ObligationDueWithin")]
    | Annotated[EntityCountryIn, Tag("EntityCountryIn")]
    | Annotated[EntityCountryNotIn, Tag("EntityCountryNotIn")]
    | Annotated[AnyOf, Tag("AnyOf")]
    | Annotated[AllOf, Tag("AllOf")],
    Discriminator(_condition_tag),
]
AnyOf.model_rebuild()
AllOf.model_rebuild()


CONDITION_KEYS = tuple(CONDITION_TYPES)


def _check_condition(value: Any) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"a condition is a mapping with exactly one key, one of {', '.join(CONDITION_KEYS)}")
    ((key, inner),) = value.items()
    if key not in CONDITION_KEYS:
        raise ValueError(f"unknown condition {key!r}; use one of {', '.join(CONDITION_KEYS)}")
    if key in ("any", "all"):
        if not isinstance(inner, list) or not inner:
            raise ValueError(f"{key!r} takes a non-empty list of conditions")
        for item in inner:
            _check_condition(item)


class RouteRule(_Strict):
    target: Target
    step: int = Field(default=1, ge=1)
    when: Condition
    why: str = ""

    @field_validator("when", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        _check_condition(value)  # one clear message instead of one per kind of condition
        return value


class ObligationReminder(_Strict):
    before_due: str = "24h"
    target: Target = "pi_administrator"

    @field_validator("before_due")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class RoutingPolicy(_Strict):
    version: int = Field(ge=1)
    name: str
    ack_deadlines: dict[RiskLevel, str]
    escalation_chain: list[Target] = Field(min_length=1)
    obligation_reminder: ObligationReminder = ObligationReminder()
    routes: list[RouteRule] = Field(min_length=1)

    @field_validator("ack_deadlines")
    @classmethod
    def _every_risk(cls, value: dict[RiskLevel, str]) -> dict[RiskLevel, str]:
        missing = [r.value for r in RiskLevel if r not in value]
        if missing:
            raise ValueError(f"an acknowledgement deadline is needed for every risk level; missing {missing}")
        for text in value.values():
            parse_duration(text)
        return value

    def ack_deadline(self, risk: RiskLevel) -> timedelta:
        return parse_duration(self.ack_deadlines[risk])

    def reminder_lead(self) -> timedelta:
        return parse_duration(self.obligation_reminder.before_due)

    def next_tier(self, notified: set[str]) -> str:
        """The first tier of the chain not yet told; the last tier again once all have been."""
        for tier in self.escalation_chain:
            if tier not in notified:
                return tier
        return self.escalation_chain[-1]


def holds(condition: Any, facts: IncidentFacts, assessment: Assessment) -> bool:
    codes = {o.code for o in assessment.obligations}
    duties = {o.duty for o in assessment.obligations}
    match condition:
        case Always():
            return True
        case RiskAtLeast(risk_at_least=level):
            return rank(assessment.risk_level) >= rank(level)
        case RegulatorObligation():
            return Duty.REGULATOR_REPORT in duties
        case KindIn(kind_in=kinds):
            return facts.incident_kind in kinds
        case CategoryIn(category_in=categories):
            return bool(facts.data_categories & set(categories))
        case ObligationIn(obligation_in=wanted):
            return bool(codes & set(wanted))
        case DutyIn(duty_in=wanted):
            return bool(duties & set(wanted))
        case ObligationDueWithin(obligation_due_within=text):
            # from T0, not from now: the length of the duty, the same at first routing and on re-assessment
            window = parse_duration(text)
            return any(o.statutory and o.due_at - facts.aware_at <= window for o in assessment.obligations)
        case EntityCountryIn(entity_country_in=countries):
            return facts.entity_country in {c.upper() for c in countries}
        case EntityCountryNotIn(entity_country_not_in=countries):
            return facts.entity_country not in {c.upper() for c in countries}
        case AnyOf(any=conditions):
            return any(holds(c, facts, assessment) for c in conditions)
        case AllOf(all=conditions):
            return all(holds(c, facts, assessment) for c in conditions)
    raise TypeError(f"unknown condition {condition!r}")


def route(policy: RoutingPolicy, facts: IncidentFacts, assessment: Assessment) -> list[RouteRule]:
    """The rules whose condition holds, one per target (the lowest step wins)."""
    chosen: dict[str, RouteRule] = {}
    for rule in policy.routes:
        if holds(rule.when, facts, assessment) and (rule.target not in chosen or rule.step < chosen[rule.target].step):
            chosen[rule.target] = rule
    return sorted(chosen.values(), key=lambda r: (r.step, policy.routes.index(r)))
