"""Per-request batch loaders (graphql/batchloader.py): one `IN (...)` statement per batch, each
batch on a connection from the operation's Reads (graphql/reads.py: a query's batches on SQLite
take turns on one connection, elsewhere each batch has its own)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from graphql_api.engine import BatchLoader
from graphql_api.graphql.loading.reads import Reads
from graphql_api.models import Booking, BookingSlot, BookingStatus, Record, User
from graphql_api.pagination import PageRequest
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service

T = TypeVar("T")
K = TypeVar("K")


class ChildPageKey(NamedTuple):
    """One parent's page of children: batched with other parents asking for the same page."""

    parent_id: int
    page: PageRequest
    status: BookingStatus | None = None
    # Columns no one reads (services/queries.first_n_per_parent_query): a part of the key, so
    # a page read without them is never handed to a reader that needs them.
    omitted: frozenset[str] = frozenset()


class ChildCountKey(NamedTuple):
    parent_id: int
    status: BookingStatus | None = None


def _by_id_loader(
    reads: Reads, fetch: Callable[[AsyncConnection, Sequence[int]], Awaitable[Sequence[T]]]
) -> BatchLoader[int, T | None]:
    async def load(ids: list[int]) -> list[T | None]:
        async with reads.connection() as connection:  # detached entities from plain rows
            rows = {row.id: row for row in await fetch(connection, ids)}  # type: ignore[attr-defined]
        return [rows.get(pk) for pk in ids]

    return BatchLoader(load)


def _page_loader(
    reads: Reads,
    fetch: Callable[
        [AsyncConnection, Sequence[int], PageRequest, BookingStatus | None, frozenset[str]],
        Awaitable[dict[int, list[T]]],
    ],
) -> BatchLoader[ChildPageKey, list[T]]:
    async def load(keys: list[ChildPageKey]) -> list[list[T]]:
        # Parents asking for the same page (key[1:]: page, status, omitted) share a statement.
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for key in keys:
            groups[key[1:]].append(key.parent_id)
        found: dict[tuple[Any, ...], dict[int, list[T]]] = {}
        async with reads.connection() as connection:  # Core statements: no ORM session needed
            for group, parent_ids in groups.items():
                page, status, omitted = group
                found[group] = await fetch(connection, parent_ids, page, status, omitted)
        return [found[key[1:]].get(key.parent_id, []) for key in keys]

    return BatchLoader(load)


def _count_loader(
    reads: Reads,
    fetch: Callable[
        [AsyncConnection, Sequence[int], BookingStatus | None], Awaitable[dict[int, int]]
    ],
) -> BatchLoader[ChildCountKey, int]:
    async def load(keys: list[ChildCountKey]) -> list[int]:
        groups: dict[BookingStatus | None, list[int]] = defaultdict(list)
        for key in keys:
            groups[key.status].append(key.parent_id)
        found: dict[ChildCountKey, int] = {}
        async with reads.connection() as connection:
            for status, parent_ids in groups.items():
                counts = await fetch(connection, parent_ids, status)
                for parent_id in parent_ids:
                    found[ChildCountKey(parent_id, status)] = counts.get(parent_id, 0)
        return [found[key] for key in keys]

    return BatchLoader(load)


PageFetch = Callable[
    [AsyncConnection, Sequence[int], PageRequest, BookingStatus | None, frozenset[str]],
    Awaitable[dict[int, list[Row[Any]]]],
]
CountFetch = Callable[
    [AsyncConnection, Sequence[int], BookingStatus | None], Awaitable[dict[int, int]]
]


def _booking_pages(*, by_slot: bool) -> PageFetch:
    return lambda s, ids, page, status, omitted: booking_service.page_per_parent(
        s, by_slot=by_slot, parent_ids=ids, page=page, status=status, omitted=omitted
    )


def _booking_counts(*, by_slot: bool) -> CountFetch:
    return lambda s, ids, status: booking_service.count_per_parent(
        s, by_slot=by_slot, parent_ids=ids, status=status
    )


def _record_pages(*, by_booking: bool) -> PageFetch:
    return lambda s, ids, page, _status, omitted: record_service.page_per_parent(
        s, by_booking=by_booking, parent_ids=ids, page=page, omitted=omitted
    )


def _record_counts(*, by_booking: bool) -> CountFetch:
    return lambda s, ids, _status: record_service.count_per_parent(
        s, by_booking=by_booking, parent_ids=ids
    )


class Loaders:
    """Every relation of the schema, batched. Built fresh for each request, each loader on
    first use (a request uses two or three of the twelve)."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads

    @cached_property
    def user(self) -> BatchLoader[int, User | None]:
        return _by_id_loader(self._reads, user_service.get_by_ids)

    @cached_property
    def slot(self) -> BatchLoader[int, BookingSlot | None]:
        return _by_id_loader(self._reads, slot_service.get_by_ids)

    @cached_property
    def booking(self) -> BatchLoader[int, Booking | None]:
        return _by_id_loader(self._reads, booking_service.get_by_ids)

    @cached_property
    def record(self) -> BatchLoader[int, Record | None]:
        return _by_id_loader(self._reads, record_service.get_by_ids)

    @cached_property
    def bookings_of_slot(self) -> BatchLoader[ChildPageKey, list[Row[Any]]]:
        return _page_loader(self._reads, _booking_pages(by_slot=True))

    @cached_property
    def bookings_of_user(self) -> BatchLoader[ChildPageKey, list[Row[Any]]]:
        return _page_loader(self._reads, _booking_pages(by_slot=False))

    @cached_property
    def booking_count_of_slot(self) -> BatchLoader[ChildCountKey, int]:
        return _count_loader(self._reads, _booking_counts(by_slot=True))

    @cached_property
    def booking_count_of_user(self) -> BatchLoader[ChildCountKey, int]:
        return _count_loader(self._reads, _booking_counts(by_slot=False))

    @cached_property
    def records_of_booking(self) -> BatchLoader[ChildPageKey, list[Row[Any]]]:
        return _page_loader(self._reads, _record_pages(by_booking=True))

    @cached_property
    def records_of_user(self) -> BatchLoader[ChildPageKey, list[Row[Any]]]:
        return _page_loader(self._reads, _record_pages(by_booking=False))

    @cached_property
    def record_count_of_booking(self) -> BatchLoader[ChildCountKey, int]:
        return _count_loader(self._reads, _record_counts(by_booking=True))

    @cached_property
    def record_count_of_user(self) -> BatchLoader[ChildCountKey, int]:
        return _count_loader(self._reads, _record_counts(by_booking=False))

    def clear(self) -> None:
        """Drop every cached value and pending batch reference (see Context.release_loaders)."""
        for loader in vars(self).values():
            if isinstance(loader, BatchLoader):
                loader.clear()
