"""Bulk inserts of new ORM objects: one multi-row INSERT per table instead of a unit-of-work flush.

For the consumers' hot path: a batch of events builds ordinary (transient) ORM objects with the same
use-case code as everywhere else, and `BulkRows` turns them into rows. Foreign keys that the ORM
would fill in from a many-to-one relationship at flush time are taken from the related object, column
defaults are applied, and tables are written parents first. Database-generated primary keys are left
to the database; rows of one table keep the order they were added in (an outbox's id order).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, RelationshipDirection


class BulkRows:
    def __init__(self) -> None:
        self._rows: dict[Table, list[dict[str, Any]]] = defaultdict(list)

    def add(self, obj: object) -> None:
        table, row = row_of(obj)
        self._rows[table].append(row)

    def add_values(self, cls: type[Any], values: dict[str, Any]) -> None:
        """A row of `cls`'s table from attribute values, defaults filled in, without building an ORM
        object (whose instrumentation is most of a hot path's cost when only the row is wanted)."""
        plan = _plan(cls)
        self._rows[plan.table].append(plan.row(values))

    async def insert(self, session: AsyncSession) -> None:
        """Write every staged row (parents before children) and start empty again."""
        staged, self._rows = self._rows, defaultdict(list)
        if not staged:
            return
        metadata = next(iter(staged)).metadata
        for table in metadata.sorted_tables:
            rows = staged.get(table)
            if rows:
                await session.execute(insert(table), rows)


def table_of(cls: type[Any]) -> Table:
    """The table a mapped class is stored in (typed as a Table, for Core statements)."""
    return _plan(cls).table


def row_of(obj: Any) -> tuple[Table, dict[str, Any]]:
    """A new ORM object as its table and the row to insert (for statements of one's own)."""
    plan = _plan(type(obj))
    return plan.table, plan.row(obj)


@dataclass(frozen=True)
class _RowPlan:
    """How one mapped class becomes a row: its columns, their defaults, its many-to-one foreign keys."""

    table: Table
    columns: tuple[tuple[str, str, Any], ...]  # (attribute, column, default or None)
    parents: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (relationship, ((fk column, parent attribute)…))

    def row(self, obj: object) -> dict[str, Any]:
        """The row of an ORM object, or of a dict of its attribute values."""
        values = obj if isinstance(obj, dict) else obj.__dict__
        row: dict[str, Any] = {}
        for attribute, column, default in self.columns:
            value = values.get(attribute)
            if value is None and default is not None:
                value = default.arg(None) if default.is_callable else default.arg
            row[column] = value
        for relationship, pairs in self.parents:
            parent = values.get(relationship)
            if parent is not None:
                for column, attribute in pairs:
                    if row.get(column) is None:
                        row[column] = getattr(parent, attribute)
        return row


_PLANS: dict[type[Any], _RowPlan] = {}


def _plan(cls: type[Any]) -> _RowPlan:
    """The row plan of a mapped class, made once per class."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _make_plan(cls)
    return plan


def _make_plan(cls: type[Any]) -> _RowPlan:
    mapper: Mapper[Any] = sa_inspect(cls)
    table = mapper.local_table
    if not isinstance(table, Table):
        raise TypeError(f"{cls.__name__} is not mapped to one table")
    columns = tuple(
        (prop.key, prop.columns[0].key, prop.columns[0].default)
        for prop in mapper.column_attrs
        if not _numbered_by_database(prop.columns[0])  # the database numbers these
    )
    parents = tuple(
        (
            rel.key,
            tuple(
                (str(local.key), _attribute_of(rel.mapper, remote)) for local, remote in rel.local_remote_pairs or ()
            ),
        )
        for rel in mapper.relationships
        if rel.direction is RelationshipDirection.MANYTOONE
    )
    return _RowPlan(table, columns, parents)


def _attribute_of(mapper: Mapper[Any], column: Any) -> str:
    return mapper.get_property_by_column(column).key


def _numbered_by_database(column: Any) -> bool:
    if not column.primary_key or column.foreign_keys or column.autoincrement not in (True, "auto"):
        return False
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False
