"""The group companies a notice may speak for, as the directory names them (PIDESK_DIRECTORY). Pure.

A report names its company in free text (`reporter.entity`); a notice never prints that text. It prints the
official name of the group company the text resolves to (the first of its directory `names`, matched on its
`id` or any of its names, case-insensitively, as escalation routes), or a neutral wording when none does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NEUTRAL = {"ja": "当社", "en": "The company"}


@dataclass(frozen=True)
class GroupCompany:
    id: str
    names: tuple[str, ...]  # the first is the official name printed on notices

    @property
    def official_name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class GroupCompanies:
    companies: tuple[GroupCompany, ...] = field(default=())

    def resolve(self, entity: str) -> GroupCompany | None:
        wanted = " ".join(entity.split()).casefold()
        for company in self.companies:
            if wanted == company.id.casefold() or wanted in (n.casefold() for n in company.names):
                return company
        return None

    def name_for(self, entity: str, language: str) -> str:
        """What a notice calls the company `entity` (free text from a report) names."""
        company = self.resolve(entity)
        return company.official_name if company else NEUTRAL[language]
