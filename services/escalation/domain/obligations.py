"""Triggers and obligations: the values a regime's rules produce (codes in docs/legal-codes.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Duty(StrEnum):
    """What an obligation is, for the risk level (docs/rules.md §3) and for routing."""

    REGULATOR_REPORT = "regulator_report"
    INDIVIDUAL_NOTICE = "individual_notice"
    PUBLIC_NOTICE = "public_notice"
    INTERNAL = "internal"
    RECORD = "record"
    # v2: neither raises the legal level on its own (docs/rules.md §2b): a self-assessment is not a report,
    # and the Privacy Mark report is a contract's, not the law's
    ASSESSMENT = "assessment"
    CONTRACT_REPORT = "contract_report"


@dataclass(frozen=True)
class Trigger:
    code: str
    basis: str
    reason: str


@dataclass(frozen=True)
class Obligation:
    code: str
    regime: str
    duty: Duty
    due_at: datetime
    basis: str
    target_at: datetime | None = None

    @property
    def statutory(self) -> bool:
        return self.duty is not Duty.INTERNAL


@dataclass(frozen=True)
class RegimeOutcome:
    regime: str
    applies: bool
    triggers: tuple[Trigger, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    explanation: tuple[str, ...] = field(default=())


def days(aware_at: datetime, n: int) -> datetime:
    return aware_at + timedelta(days=n)


def hours(aware_at: datetime, n: int) -> datetime:
    return aware_at + timedelta(hours=n)
