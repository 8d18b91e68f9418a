"""Reference numbers of incidents the desk makes out of others (a split)."""

from __future__ import annotations


def split_reference(reference: str, taken: set[str], max_length: int = 20) -> str:
    """The reference of an incident split out of `reference`: `<reference>-<n>`, the first n not
    `taken`. A reference that is itself a split (`PI-2026-000001-2`) whose next number would not fit
    the column splits from its parent instead; intake's own part (`PI-2026-000001`) is never cut."""
    base = reference
    while True:
        n = 1
        while len(candidate := f"{base}-{n}") <= max_length:
            if candidate not in taken:
                return candidate
            n += 1
        parent, _, tail = base.rpartition("-")
        if parent.count("-") < 2 or not tail.isdigit():
            raise ValueError(f"no free split reference for {reference!r}")
        base = parent
