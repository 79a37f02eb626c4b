"""Query building blocks shared by the services: per-parent pages and grouped counts.

The per-parent statements are built once per shape and reused (parent ids, page size and
filter values are bind parameters): building and cache-keying a windowed SELECT costs more
Python than reading a small page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Row,
    Select,
    Table,
    bindparam,
    func,
    inspect,
    null,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, configure_mappers, make_transient_to_detached

from graphql_api import sqlalchemy_compat
from graphql_api.db import Base
from graphql_api.engine import NULL_COLUMNS_UNSENT, read_rows
from graphql_api.engine import Reader as Reader
from graphql_api.sqlalchemy_compat import instance_dict

M = TypeVar("M", bound=Base)

# The per-parent reads are Core statements: they run on a plain connection (the loaders use
# one, cheaper than the ORM session's execute path; on SQLite read_rows skips SQLAlchemy's
# execute path too) or a session.


async def by_ids(reader: Reader, model: type[M], ids: Sequence[int]) -> list[M]:
    """The rows of `model` with these ids, in no particular order, as detached entities.

    Read with a plain statement and built with `make_transient_to_detached`: the state an
    entity has after its (closed) session loaded it, without the ORM's loading machinery
    (every request loads its viewer this way)."""
    found = await read_rows(reader, _by_ids_query(model), {"ids": list(ids)})
    attributes = _attribute_names(model)
    new_instance = _instance_maker(model)
    entities = []
    for row in found:
        # As the ORM's loading does: the instance without `__init__` (and its attribute
        # events), its columns straight into its dict.
        entity = cast(M, new_instance())
        instance_dict(entity).update(zip(attributes, row, strict=True))
        make_transient_to_detached(entity)
        entities.append(entity)
    return entities


@cache
def _by_ids_query(model: type[Base]) -> Select[Any]:
    table = model.__table__
    return select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))


@cache
def _instance_maker(model: type[Base]) -> Callable[[], Base]:
    """The model's `new_instance`, once its mappers are configured: `__init__` would configure
    them on first use, new_instance() does not (a fresh process's first by-id load would meet
    unconfigured attributes). Every model is mapped at import, before any read."""
    configure_mappers()
    return sqlalchemy_compat.instance_factory(model)


@cache
def _attribute_names(model: type[Base]) -> tuple[str, ...]:
    """The mapped attribute of each column of the model's table, in table order."""
    mapper = inspect(model)
    return tuple(mapper.get_property_by_column(column).key for column in model.__table__.columns)


def parent_ids_param() -> BindParameter[Any]:
    return bindparam("parent_ids", expanding=True)


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A `first_n_per_parent_query`: the statement, and how to read a row's parent id."""

    statement: Select[Any]
    parent_of: Callable[[Row[Any]], int]


def first_n_per_parent_query(
    model: type[M],
    parent: InstrumentedAttribute[Any],
    *,
    order_by: Sequence[Any],
    where: Sequence[ColumnElement[bool]] = (),
    joined: Sequence[tuple[str, Table, Sequence[str]]] = (),
    omitted: frozenset[str] = frozenset(),
) -> PageQuery:
    """Up to `:limit` rows for each parent in `:parent_ids`, in one statement (ROW_NUMBER over
    a partition). `where` may hold further bind parameters, given at execution.

    `joined` adds to-one relations to each row: `(foreign key column, table, columns)` joins
    `table` on its `id` and adds the columns as `<table>__<column>` (one statement instead of
    a second batch for, say, each booking's user).

    `omitted` names columns (`<column>`, or `<table>__<column>` for joined ones) that nobody
    will read: they are selected as NULL, so rows keep their shape and positions while SQLite
    neither reads nor converts them. The parent's key, `id`, the join keys and the order may not
    be omitted."""
    table = model.__table__
    needed = {"id", parent.key, *(foreign_key for foreign_key, _t, _n in joined)}
    assert not omitted & needed, f"{sorted(omitted & needed)} are always read"
    rank = func.row_number().over(partition_by=parent, order_by=list(order_by)).label("rank")
    kept = [column for column in table.columns if column.key not in omitted]
    ranked = select(*kept, rank).where(parent.in_(parent_ids_param()), *where).subquery()
    columns: list[Any] = [
        # (the subquery has no omitted columns: `get` is None for them, and unused)
        or_null(ranked.c.get(column.key), column.key, omitted)
        for column in table.columns
    ]
    source: FromClause = ranked
    for foreign_key, joined_table, names in joined:
        for name in names:
            label = f"{joined_table.name}__{name}"
            columns.append(or_null(joined_table.c[name], label, omitted))
        source = source.join(joined_table, joined_table.c.id == ranked.c[foreign_key])
    statement = (
        select(*columns)
        .select_from(source)
        .where(ranked.c.rank <= bindparam("limit"))
        .order_by(ranked.c[parent.key], ranked.c.rank)
        .execution_options(**NULLS_UNSENT)
    )
    return PageQuery(statement, itemgetter(column_position(model, parent.key)))


# For a statement with `or_null` columns and no positional or textual ORDER BY, GROUP BY or
# HAVING: its NULL columns need not be sent at all (NULL_COLUMNS_UNSENT).
NULLS_UNSENT = {NULL_COLUMNS_UNSENT: True}


def or_null(column: ColumnElement[Any] | None, name: str, omitted: frozenset[str]) -> Any:
    """`column` labelled `name`, or NULL under that name when no one reads it: the row keeps its
    shape and positions, and the database neither reads nor converts the value."""
    if name in omitted:
        return null().label(name)
    assert column is not None
    return column.label(name)


def column_position(model: type[Base], name: str, *, joined: Sequence[str] = ()) -> int:
    """Where a column is in the rows of a `first_n_per_parent_query` of `model`: the model's
    columns first, in table order, then the JOINed `joined` columns (give their names to find
    one of those). Nested pages are read by position: ~15x cheaper than a Row's attribute."""
    keys = [column.key for column in model.__table__.columns]
    return len(keys) + list(joined).index(name) if joined else keys.index(name)


async def first_n_per_parent(
    session: Reader,
    query: PageQuery,
    parent_ids: Sequence[int],
    limit: int,
    **params: Any,
) -> dict[int, list[Row[Any]]]:
    """Run a `first_n_per_parent_query`: rows grouped by their parent's id. `params` are the
    values of its further bind parameters (values it does not use are ignored).

    Plain rows, not ORM entities: they carry the model's columns as attributes (`row.id`,
    `row.slot_id`), types converted as for the model, at a fraction of an entity's cost (these
    pages are most of a nested read). Read-only: nothing here is tracked by a session."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    found = await read_rows(
        session, query.statement, {"parent_ids": list(parent_ids), "limit": limit, **params}
    )
    parent_of = query.parent_of
    for row in found:
        grouped[parent_of(row)].append(row)
    return grouped


def count_per_parent_query(
    parent: InstrumentedAttribute[Any], *, where: Sequence[ColumnElement[bool]] = ()
) -> Select[Any]:
    return (
        select(parent, func.count()).where(parent.in_(parent_ids_param()), *where).group_by(parent)
    )


async def count_per_parent(
    session: Reader, query: Select[Any], parent_ids: Sequence[int], **params: Any
) -> dict[int, int]:
    found = await read_rows(session, query, {"parent_ids": list(parent_ids), **params})
    return {key: int(count) for key, count in found}
