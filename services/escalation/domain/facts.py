"""The facts an assessment reads, with the rules' readings of unknown values (docs/rules.md §1–2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole, IncidentKind

# The EEA: GDPR applies to an entity established here (docs/rules.md §2 "EU, GDPR").
EEA = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)
# docs/rules.md §2b: ISO 3166-1 alpha-2 regions; "UK" is read as "GB"
REGION_ALIASES = {"UK": "GB"}
MALICIOUS_KINDS = frozenset(
    {IncidentKind.UNAUTHORIZED_ACCESS, IncidentKind.MALWARE, IncidentKind.THEFT, IncidentKind.INSIDER_TAKEOUT}
)


@dataclass(frozen=True)
class IncidentFacts:
    incident_kind: IncidentKind
    data_categories: frozenset[DataCategory]
    aware_at: datetime
    entity_country: str
    affected_count: int | None = None
    subject_regions: dict[str, int] = field(default_factory=dict)
    encryption: Encryption = Encryption.NONE
    recovered_before_access: bool = False
    malicious: bool | None = None
    publicly_viewable: bool = False
    entity_role: EntityRole = EntityRole.CONTROLLER
    contact_info_available: bool = True
    # directory attributes of the reporting entity (docs/rules.md §2b); None: not recorded, read as below
    pmark: bool | None = None
    cn_cac_deadline_h: int | None = None

    @classmethod
    def from_report(
        cls,
        facts: dict[str, Any],
        entity_country: str,
        *,
        pmark: bool | None = None,
        cn_cac_deadline_h: int | None = None,
    ) -> IncidentFacts:
        aware_at = facts["aware_at"]
        regions: dict[str, int] = {}
        for region, count in (facts.get("subject_regions") or {}).items():
            key = REGION_ALIASES.get(region.upper(), region)
            regions[key] = regions.get(key, 0) + count
        return cls(
            incident_kind=IncidentKind(facts["incident_kind"]),
            # no category given reads as "other" (unknown data), so adding one never lowers the risk
            data_categories=frozenset(DataCategory(c) for c in facts.get("data_categories") or ["other"]),
            aware_at=datetime.fromisoformat(aware_at) if isinstance(aware_at, str) else aware_at,
            entity_country=REGION_ALIASES.get(entity_country.upper(), entity_country.upper()),
            affected_count=facts.get("affected_count"),
            subject_regions=regions,
            encryption=Encryption(facts.get("encryption", "none")),
            recovered_before_access=bool(facts.get("recovered_before_access", False)),
            malicious=facts.get("malicious"),
            publicly_viewable=bool(facts.get("publicly_viewable", False)),
            entity_role=EntityRole(facts.get("entity_role", "controller")),
            contact_info_available=bool(facts.get("contact_info_available", True)),
            pmark=pmark,
            cn_cac_deadline_h=cn_cac_deadline_h,
        )

    @property
    def holds_pmark(self) -> bool:
        """The entity holds (or applies for) the Privacy Mark; unrecorded, true for an entity in Japan."""
        return self.pmark if self.pmark is not None else self.entity_country == "JP"

    @property
    def is_malicious(self) -> bool:
        """The reported value; when unknown, true for the kinds that imply a wrongful purpose."""
        return self.malicious if self.malicious is not None else self.incident_kind in MALICIOUS_KINDS

    @property
    def exempt(self) -> bool:
        """Not a leak (recovered unread) or unintelligible (high-level encryption): no statutory duty."""
        return self.recovered_before_access or self.encryption is Encryption.HIGH_LEVEL

    @property
    def count_unknown(self) -> bool:
        return self.affected_count is None

    def _at_home(self, region: str) -> bool:
        return self.entity_country == region or (region == "EU" and self.entity_country in EEA)

    def region_counts(self, region: str) -> bool:
        """A region counts when it has a count > 0; with no regions given, everyone is at the entity's."""
        if self.subject_regions:
            return self.subject_regions.get(region, 0) > 0
        return self._at_home(region) and (self.affected_count is None or self.affected_count > 0)

    def subjects_in(self, region: str) -> int:
        if self.subject_regions:
            return self.subject_regions.get(region, 0)
        return (self.affected_count or 0) if self._at_home(region) else 0

    def exceeds(self, region: str, threshold: int) -> bool:
        """More than `threshold` people in `region`; an unknown count exceeds every threshold."""
        if not self.region_counts(region):
            return False
        return self.count_unknown or self.subjects_in(region) > threshold

    def at_least(self, region: str, threshold: int) -> bool:
        return self.exceeds(region, threshold - 1)

    def total_exceeds(self, threshold: int) -> bool:
        if self.affected_count is None:
            return True
        return max(self.affected_count, sum(self.subject_regions.values())) > threshold
