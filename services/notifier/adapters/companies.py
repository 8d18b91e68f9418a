"""The group companies from the directory file (PIDESK_DIRECTORY, else the bundled example), read once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from pidesk.services.notifier.domain.companies import GroupCompanies, GroupCompany
from pidesk.shared.policy_files import load, read_policy_text

PACKAGE, BUNDLED = "pidesk.services.escalation.policy", "example_directory.yaml"  # the file escalation routes by


class _Entity(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str = Field(min_length=1)
    names: list[str] = Field(min_length=1)


class _Directory(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    entities: list[_Entity] = Field(min_length=1)


@lru_cache(maxsize=4)
def load_companies(path: str | None = None) -> GroupCompanies:
    """Only the companies' ids and names are read (the people are escalation's); PolicyFileError names
    the file and line of a problem."""
    text, source = read_policy_text(path, PACKAGE, BUNDLED)
    directory = load(text, source, _Directory)
    return GroupCompanies(
        tuple(GroupCompany(e.id, tuple(" ".join(n.split()) for n in e.names)) for e in directory.entities)
    )
