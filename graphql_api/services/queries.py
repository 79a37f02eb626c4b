"""Query building blocks shared by the services: per-parent pages and grouped counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from graphql_api.db import Base

M = TypeVar("M", bound=Base)


async def first_n_per_parent(
    session: AsyncSession,
    model: type[M],
    parent: InstrumentedAttribute[Any],
    parent_ids: Sequence[int],
    *,
    order_by: Sequence[Any],
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[int, list[M]]:
    """Up to `limit` rows for each parent, in one statement (ROW_NUMBER over a partition)."""
    rank = func.row_number().over(partition_by=parent, order_by=list(order_by)).label("rank")
    ranked = select(model, rank).where(parent.in_(parent_ids), *where).subquery()
    row = aliased(model, ranked)
    query = select(row).where(ranked.c.rank <= limit).order_by(ranked.c[parent.key], ranked.c.rank)
    grouped: dict[int, list[M]] = defaultdict(list)
    for item in (await session.scalars(query)).all():
        grouped[getattr(item, parent.key)].append(item)
    return grouped


async def count_per_parent(
    session: AsyncSession,
    parent: InstrumentedAttribute[Any],
    parent_ids: Sequence[int],
    *,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[int, int]:
    query = select(parent, func.count()).where(parent.in_(parent_ids), *where).group_by(parent)
    return {key: int(count) for key, count in (await session.execute(query)).all()}
