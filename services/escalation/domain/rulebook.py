"""The rules by the date they take effect: which regimes an assessment runs, and under which version.

An assessment uses the rules version in force at the incident's awareness time (T0), never the
newest one, so re-assessing an old incident keeps the rules it was assessed under; inside a version,
a regime whose law is not yet in force at T0 gives nothing (docs/rules.md §2b)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pidesk.services.escalation.domain import regimes as v1
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import RegimeOutcome
from pidesk.services.escalation.domain.regimes_v2.australia import ndb_au
from pidesk.services.escalation.domain.regimes_v2.brazil import lgpd
from pidesk.services.escalation.domain.regimes_v2.china import cn_cac, pipl
from pidesk.services.escalation.domain.regimes_v2.india import certin, dpdp_in
from pidesk.services.escalation.domain.regimes_v2.philippines import dpa_ph
from pidesk.services.escalation.domain.regimes_v2.pmark import pmark
from pidesk.services.escalation.domain.regimes_v2.uk import uk_gdpr
from pidesk.services.escalation.domain.severity import Severity

JST = timezone(timedelta(hours=9), "JST")
CST = timezone(timedelta(hours=8), "CST")
IST = timezone(timedelta(hours=5, minutes=30), "IST")

Rule = Callable[[IncidentFacts, Severity], RegimeOutcome]


@dataclass(frozen=True)
class Regime:
    """A regime's rule, with the date its law takes effect (None: in force before any rules version)."""

    name: str
    rule: Rule
    in_force_from: datetime | None = None
    law: str = ""

    def in_force(self, at: datetime) -> bool:
        return self.in_force_from is None or at >= self.in_force_from

    def outcome(self, facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
        result = self.rule(facts, severity)
        if self.in_force(facts.aware_at) or not result.applies:
            return result
        assert self.in_force_from is not None
        return RegimeOutcome(
            self.name,
            applies=False,
            explanation=(
                f"{self.name}: {self.law} not in force at T0 ({facts.aware_at.isoformat()}); in force from "
                f"{self.in_force_from.isoformat()}: no obligation",
            ),
        )


@dataclass(frozen=True)
class RulesVersion:
    id: str
    effective_from: datetime
    regimes: tuple[Regime, ...]
    source: str

    @property
    def label(self) -> str:
        return f"rules {self.id.removeprefix('rules-')} ({self.effective_from.date().isoformat()})"

    def in_force(self, at: datetime) -> tuple[str, ...]:
        """The regimes whose law is in force at `at` under this version."""
        return tuple(r.name for r in self.regimes if r.in_force(at))


def _regime(rule: Rule, name: str, in_force_from: datetime | None = None, law: str = "") -> Regime:
    return Regime(name, rule, in_force_from, law)


V1_REGIMES = (
    _regime(v1.appi, "appi"),
    _regime(v1.my_number, "mynumber"),
    _regime(v1.gdpr, "gdpr"),
    _regime(v1.california, "ccpa"),
    _regime(v1.thailand, "pdpa_th"),
    _regime(v1.singapore, "pdpa_sg"),
    _regime(v1.korea, "pipa_kr"),
)
INTERNAL = _regime(v1.internal, "internal")

RULES_V1 = RulesVersion(
    id="rules-v1",
    # the amended APPI breach rules (Rules Art. 7–10) the v1 table encodes
    effective_from=datetime(2022, 4, 1, tzinfo=JST),
    regimes=(*V1_REGIMES, INTERNAL),
    source="docs/rules.md v1",
)
RULES_V2 = RulesVersion(
    id="rules-v2",
    effective_from=datetime(2025, 11, 1, tzinfo=JST),
    regimes=(
        _regime(v1.appi_v2, "appi"),  # v2 correction: an entity in Japan counts every region
        *V1_REGIMES[1:],
        _regime(uk_gdpr, "ukgdpr"),
        _regime(pipl, "pipl"),
        _regime(cn_cac, "cn_cac", datetime(2025, 11, 1, tzinfo=CST), "the CAC incident-reporting Measures"),
        _regime(ndb_au, "ndb_au"),
        _regime(dpdp_in, "dpdp_in", datetime(2027, 5, 13, tzinfo=IST), "DPDP Act s 8(6) and DPDP Rules 2025 r 7"),
        _regime(certin, "certin"),
        _regime(lgpd, "lgpd"),
        _regime(dpa_ph, "dpa_ph"),
        _regime(pmark, "pmark"),
        INTERNAL,
    ),
    source="docs/rules.md v2 (§2b)",
)
RULEBOOK: tuple[RulesVersion, ...] = (RULES_V1, RULES_V2)  # oldest first


def rules_in_force(at: datetime) -> RulesVersion:
    """The newest version in effect at `at`; before the first one, the first (the oldest rules there are)."""
    chosen = RULEBOOK[0]
    for version in RULEBOOK:
        if at >= version.effective_from:
            chosen = version
    return chosen


def rules_by_id(version_id: str) -> RulesVersion:
    return next(v for v in RULEBOOK if v.id == version_id)
