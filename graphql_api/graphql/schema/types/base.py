"""Scalars, enums, the Node interface and the Relay connection shapes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeAlias, TypeVar

import strawberry

from graphql_api.engine import batched, constructor
from graphql_api.graphql.loading.context import Context
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus
from graphql_api.pagination import Cursor, Page

Info: TypeAlias = strawberry.Info[Context, None]


def _serialize_datetime(value: datetime) -> str:
    if value.tzinfo is UTC:  # what the database layer hands out: no conversion needed
        return value.isoformat()[:-6] + "Z"
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string with an offset.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO-8601 date-time.") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(
            f"{value!r} has no UTC offset; send e.g. 2027-03-01T09:00:00+08:00 or ...Z."
        )
    return parsed.astimezone(UTC)


# Mapped onto `datetime` through StrawberryConfig.scalar_map (see schema.py).
DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="An instant, ISO-8601 with an offset on input (naive values are refused), "
    "always UTC on output, e.g. 2027-03-01T01:00:00Z.",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

# The model enums are the GraphQL enums: registering them returns the same classes.
strawberry.enum(Role, description="What an account may do.")
strawberry.enum(SlotStatus)
strawberry.enum(BookingStatus)
strawberry.enum(RecordKind, description="What a history entry records.")


@strawberry.type(description="A point on the earth (WGS 84 degrees).")
class GeoPoint:
    latitude: float
    longitude: float


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


# Cursors are encoded only when selected.
def _row_cursor(info: PageInfo, row: object | None) -> str | None:
    return None if row is None else info._cursor_of(row).encode()


def _start_cursors(_context: Context, infos: Sequence[PageInfo]) -> list[str | None]:
    return [_row_cursor(info, info._start) for info in infos]


def _end_cursors(_context: Context, infos: Sequence[PageInfo]) -> list[str | None]:
    return [_row_cursor(info, info._end) for info in infos]


def _edge_cursors(_context: Context, edges: Sequence[Edge[Any]]) -> list[str]:
    return [edge._cursor_of(edge._row).encode() for edge in edges]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    # The page's first and last rows, and how a row becomes a cursor.
    _start: strawberry.Private[object | None]
    _end: strawberry.Private[object | None]
    _cursor_of: strawberry.Private[Callable[[object], Cursor]]

    @strawberry.field
    @batched(_start_cursors)
    def start_cursor(self) -> str | None:
        return _row_cursor(self, self._start)

    @strawberry.field
    @batched(_end_cursors)
    def end_cursor(self) -> str | None:
        return _row_cursor(self, self._end)


N = TypeVar("N")


@strawberry.type
class Edge(Generic[N]):
    node: N
    _row: strawberry.Private[object]
    _cursor_of: strawberry.Private[Callable[[object], Cursor]]

    @strawberry.field
    @batched(_edge_cursors)
    def cursor(self) -> str:
        return self._cursor_of(self._row).encode()


async def _total_counts(_context: Context, connections: Sequence[Connection[Any]]) -> list[int]:
    return list(await asyncio.gather(*(c._count() for c in connections)))


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All items matching the filter (counted only when asked for).")
    @batched(_total_counts)
    async def total_count(self) -> int:
        return await self._count()


def connection(
    page: Page[Any],
    nodes: Sequence[N],
    cursor_of: Callable[[object], Cursor],
    count: Callable[[], Awaitable[int]],
) -> Connection[N]:
    """A connection from a page of ORM rows and their GraphQL nodes (same order)."""
    new_edge = _new_edge
    edges = [
        new_edge(node=node, _row=row, _cursor_of=cursor_of)
        for row, node in zip(page.items, nodes, strict=True)
    ]
    return connection_of_edges(
        page.items, page.has_next, page.has_previous, edges, cursor_of, count
    )


def connection_of_edges(
    rows: list[Any],
    has_next: bool,
    has_previous: bool,
    edges: list[Edge[N]],
    cursor_of: Callable[[object], Cursor],
    count: Callable[[], Awaitable[int]],
) -> Connection[N]:
    """A connection from a page's rows and their edges, built already (same order). Takes the
    page's parts rather than a Page: nested pages build one per parent."""
    return _new_connection(
        edges=edges,
        page_info=_new_page_info(
            has_next_page=has_next,
            has_previous_page=has_previous,
            _start=rows[0] if rows else None,
            _end=rows[-1] if rows else None,
            _cursor_of=cursor_of,
        ),
        _count=count,
    )


# Built for every page and every row of one: see construct.py.
_new_connection = constructor(Connection)
_new_edge = constructor(Edge)
_new_page_info = constructor(PageInfo)


def id_cursor(row: object) -> Cursor:
    return Cursor(id=row.id)  # type: ignore[attr-defined]


async def zero() -> int:
    return 0


def empty_connection() -> Connection[N]:
    return Connection(
        edges=[],
        page_info=PageInfo(
            has_next_page=False,
            has_previous_page=False,
            _start=None,
            _end=None,
            _cursor_of=id_cursor,
        ),
        _count=zero,
    )
