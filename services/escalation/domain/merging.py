"""The facts of an incident another was merged into (the desk found both are one event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def merged_facts(survivor: dict[str, Any], absorbed: dict[str, Any]) -> dict[str, Any]:
    """What is known of either is known of the one event, read the worst plausible way (docs/rules.md §1):

    - data categories, assets: the union; subject regions: the larger count per region;
    - affected count: the larger, unknown if either is unknown (with alerts, the group then decides);
    - publicly viewable if either was; malicious if either was, unknown if either is unknown;
    - aware at, occurred at: the earlier — the clocks started when the first part became known.
    Everything else stays the survivor's.
    """
    merged = dict(survivor)
    merged["data_categories"] = _union(survivor.get("data_categories"), absorbed.get("data_categories"))
    merged["assets"] = _union(survivor.get("assets"), absorbed.get("assets"))[:200]
    regions = dict(survivor.get("subject_regions") or {})
    for region, count in (absorbed.get("subject_regions") or {}).items():
        regions[region] = max(regions.get(region, 0), count)
    merged["subject_regions"] = regions
    counts = (survivor.get("affected_count"), absorbed.get("affected_count"))
    merged["affected_count"] = None if None in counts else max(c for c in counts if c is not None)
    merged["publicly_viewable"] = bool(survivor.get("publicly_viewable")) or bool(absorbed.get("publicly_viewable"))
    flags = (survivor.get("malicious"), absorbed.get("malicious"))
    merged["malicious"] = True if True in flags else (None if None in flags else False)
    for moment in ("aware_at", "occurred_at"):
        merged[moment] = _earlier(survivor.get(moment), absorbed.get(moment))
    return merged


def _union(first: list[str] | None, second: list[str] | None) -> list[str]:
    return list(dict.fromkeys([*(first or []), *(second or [])]))


def _earlier(first: str | None, second: str | None) -> str | None:
    known = [v for v in (first, second) if v]
    return min(known, key=datetime.fromisoformat) if known else None
