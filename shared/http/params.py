"""Bounds for integer parameters: a database row id or cursor is a signed 64-bit integer, and a
larger value sent to the driver raises OverflowError (a 500). Anything outside is a 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

INT64_MAX = 2**63 - 1

RowIdPath = Annotated[int, Path(ge=1, le=INT64_MAX)]
RowIdQuery = Annotated[int | None, Query(ge=1, le=INT64_MAX)]
OffsetQuery = Annotated[int, Query(ge=0, le=INT64_MAX)]


def row_id_in_range(value: int) -> bool:
    return 1 <= value <= INT64_MAX
