"""Query building blocks shared by the services: per-parent pages and grouped counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, FromClause, Row, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from graphql_api.db import Base

M = TypeVar("M", bound=Base)

# The per-parent reads are Core statements: they run on a plain connection (the loaders use
# one; the ORM session's execute path costs ~2 ms more per nested page, measured) or a session.
Reader = AsyncSession | AsyncConnection


async def first_n_per_parent(
    session: Reader,
    model: type[M],
    parent: InstrumentedAttribute[Any],
    parent_ids: Sequence[int],
    *,
    order_by: Sequence[Any],
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    joined: Sequence[tuple[str, Table, Sequence[str]]] = (),
) -> dict[int, list[Row[Any]]]:
    """Up to `limit` rows for each parent, in one statement (ROW_NUMBER over a partition).

    Plain rows, not ORM entities: they carry the model's columns as attributes (`row.id`,
    `row.slot_id`), types converted as for the model, at a fraction of an entity's cost (these
    pages are most of a nested read: 2,500 of the 3,070 rows of bench/'s Q-large). Read-only:
    nothing here is tracked by a session.

    `joined` adds to-one relations to each row: `(foreign key column, table, columns)` joins
    `table` on its `id` and adds the columns as `<table>__<column>` (one statement instead of
    a second batch for, say, each booking's user)."""
    rank = func.row_number().over(partition_by=parent, order_by=list(order_by)).label("rank")
    ranked = select(model, rank).where(parent.in_(parent_ids), *where).subquery()
    columns: list[Any] = [ranked.c[column.key] for column in model.__table__.columns]
    source: FromClause = ranked
    for foreign_key, table, names in joined:
        columns += [table.c[name].label(f"{table.name}__{name}") for name in names]
        source = source.join(table, table.c.id == ranked.c[foreign_key])
    query = (
        select(*columns)
        .select_from(source)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c[parent.key], ranked.c.rank)
    )
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    key = parent.key
    for row in (await session.execute(query)).all():
        grouped[getattr(row, key)].append(row)
    return grouped


async def count_per_parent(
    session: Reader,
    parent: InstrumentedAttribute[Any],
    parent_ids: Sequence[int],
    *,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[int, int]:
    query = select(parent, func.count()).where(parent.in_(parent_ids), *where).group_by(parent)
    return {key: int(count) for key, count in (await session.execute(query)).all()}
