"""Framework-neutral resolvers over the product's batch functions, for the `ariadne` and `graphene`
servers: the same services (graphql_api.services.*: list_slots, get_by_ids, page_per_parent,
count_per_parent) and the same batching as the product's loaders (one statement per relation and
level, each batch on its own session), through `aiodataloader`, the DataLoader those two
frameworks' documentation recommends.

Objects are ORM rows; connections are dicts with snake_case keys (both frameworks' default
resolvers read them). No Strawberry here (see common.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader

from bench.apps.common import bearer, require_staff, token_still_valid
from graphql_api import models, security
from graphql_api.config import Settings
from graphql_api.db import Database
from graphql_api.graphql.schema import ids
from graphql_api.pagination import Cursor, Page, PageRequest
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service


def _page_loader(
    db: Database,
    fetch: Callable[[Any, Sequence[int], PageRequest], Awaitable[dict[int, list[Any]]]],
) -> DataLoader:
    async def load(keys: list[tuple[int, PageRequest]]) -> list[list[Any]]:
        groups: dict[PageRequest, list[int]] = defaultdict(list)
        for parent_id, page in keys:
            groups[page].append(parent_id)
        found: dict[tuple[int, PageRequest], list[Any]] = {}
        async with db.read() as session:
            for page, parent_ids in groups.items():
                pages = await fetch(session, parent_ids, page)
                for parent_id in parent_ids:
                    found[(parent_id, page)] = pages.get(parent_id, [])
        return [found[key] for key in keys]

    return DataLoader(load)


def _count_loader(
    db: Database, fetch: Callable[[Any, Sequence[int]], Awaitable[dict[int, int]]]
) -> DataLoader:
    async def load(keys: list[int]) -> list[int]:
        async with db.read() as session:
            counts = await fetch(session, keys)
        return [counts.get(key, 0) for key in keys]

    return DataLoader(load)


class Context:
    """Per request: the loaders and the viewer (read once)."""

    def __init__(self, db: Database, config: Settings, authorization: str | None) -> None:
        self.db = db
        self.config = config
        self.authorization = authorization
        self._viewer: asyncio.Future[models.User | None] | None = None

        async def users(keys: list[int]) -> list[models.User | None]:
            async with db.read() as session:
                rows = {u.id: u for u in await user_service.get_by_ids(session, keys)}
            return [rows.get(k) for k in keys]

        self.user = DataLoader(users)
        self.bookings_of_slot = _page_loader(
            db,
            lambda s, ids_, page: booking_service.page_per_parent(
                s, by_slot=True, parent_ids=ids_, page=page, status=None
            ),
        )
        self.records_of_booking = _page_loader(
            db,
            lambda s, ids_, page: record_service.page_per_parent(
                s, by_booking=True, parent_ids=ids_, page=page
            ),
        )
        self.booking_count_of_slot = _count_loader(
            db,
            lambda s, ids_: booking_service.count_per_parent(
                s, by_slot=True, parent_ids=ids_, status=None
            ),
        )
        self.record_count_of_booking = _count_loader(
            db, lambda s, ids_: record_service.count_per_parent(s, by_booking=True, parent_ids=ids_)
        )

    async def viewer(self) -> models.User | None:
        """As the product's context: decode once, read the user through the user loader (so it
        shares a batch with the other users of that tick), check the token's revocation."""
        if self._viewer is None:
            self._viewer = asyncio.ensure_future(self._load_viewer())
        return await self._viewer

    async def _load_viewer(self) -> models.User | None:
        token = bearer(self.authorization)
        claims = security.decode_access_token(self.config, token) if token else None
        if claims is None:
            return None
        user = await self.user.load(claims.user_id)
        return user if user is not None and token_still_valid(claims, user) else None


def connection(
    page: Page[Any], cursors: list[str], count: Callable[[], Awaitable[int]]
) -> dict[str, Any]:
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, page.items, strict=True)],
        "page_info": {
            "has_next_page": page.has_next,
            "has_previous_page": page.has_previous,
            "start_cursor": cursors[0] if cursors else None,
            "end_cursor": cursors[-1] if cursors else None,
        },
        "count": count,
    }


async def total_count(conn: dict[str, Any]) -> int:
    return int(await conn["count"]())


def global_id(type_name: str) -> Callable[[Any], str]:
    def resolve(obj: Any) -> str:
        return ids.encode(type_name, obj.id)

    return resolve


async def slots(ctx: Context, first: int | None, after: str | None) -> dict[str, Any]:
    page = PageRequest.of(first, after)
    flt = slot_service.SlotFilter()
    async with ctx.db.read() as session:
        result = await slot_service.list_slots(session, page=page, flt=flt)

    async def count() -> int:
        async with ctx.db.read() as session:
            return await slot_service.count_slots(session, flt=flt)

    cursors = [Cursor(id=r.id, at=r.starts_at).encode() for r in result.items]
    return connection(result, cursors, count)


async def slot_staff(slot: models.BookingSlot, ctx: Context) -> models.User | None:
    return None if slot.staff_id is None else await ctx.user.load(slot.staff_id)


async def slot_bookings(
    slot: models.BookingSlot, ctx: Context, first: int | None, after: str | None
) -> dict[str, Any]:
    await require_staff(await ctx.viewer())
    page = PageRequest.of(first, after)
    result = Page.from_overfetch(await ctx.bookings_of_slot.load((slot.id, page)), page)
    return connection(
        result,
        [Cursor(id=r.id).encode() for r in result.items],
        lambda: ctx.booking_count_of_slot.load(slot.id),
    )


async def booking_user(booking: models.Booking, ctx: Context) -> Any:
    """A slot's bookings page JOINs each customer (services.bookings.page_per_parent), as it
    does for the product: use it, like the product does, instead of the user loader."""
    if hasattr(booking, "users__id"):
        return booking_service.customer_of(booking)  # type: ignore[arg-type]
    return await ctx.user.load(booking.user_id)


async def booking_records(
    booking: models.Booking, ctx: Context, first: int | None, after: str | None
) -> dict[str, Any]:
    page = PageRequest.of(first, after)
    result = Page.from_overfetch(await ctx.records_of_booking.load((booking.id, page)), page)
    return connection(
        result,
        [Cursor(id=r.id).encode() for r in result.items],
        lambda: ctx.record_count_of_booking.load(booking.id),
    )


async def record_actor(record: models.Record, ctx: Context) -> models.User | None:
    return None if record.actor_id is None else await ctx.user.load(record.actor_id)


def remaining(slot: models.BookingSlot) -> int:
    return slot.capacity - slot.booked_count
