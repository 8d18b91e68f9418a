"""Reference numbers: PI-YYYY-NNNNNN, sequential per year of receipt in Japan time."""

from __future__ import annotations

from datetime import datetime

from pidesk.shared.japan_time import JST


def reference_year(received_at: datetime) -> int:
    return received_at.astimezone(JST).year


def format_reference(year: int, sequence: int) -> str:
    return f"PI-{year:04d}-{sequence:06d}"
