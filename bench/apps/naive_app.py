"""`naive`: the same schema shape in Strawberry, written the way a first version usually is —
every relation field runs its own query (no DataLoaders), on its own session (sibling fields
resolve concurrently and one AsyncSession cannot be shared), through the ORM.

Same token check, same page semantics (`first + 1` rows for hasNextPage), same output formats.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Generic, TypeVar

import strawberry
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.requests import Request
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.schema.config import StrawberryConfig

from bench.apps.common import (
    StatementCounter,
    disposing,
    healthz,
    load_viewer,
    require_staff,
    serialize_datetime,
    settings,
)
from graphql_api import models
from graphql_api.graphql.schema import ids
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus
from graphql_api.pagination import Cursor

config = settings()
from graphql_api.db import create_database  # noqa: E402

db = create_database(config)
counter = StatementCounter()
counter.install(db.engine)

DATETIME = strawberry.scalar(
    name="DateTime", serialize=serialize_datetime, parse_value=datetime.fromisoformat
)
strawberry.enum(Role)
strawberry.enum(SlotStatus)
strawberry.enum(BookingStatus)
strawberry.enum(RecordKind)


class Context(BaseContext):
    def __init__(self, authorization: str | None) -> None:
        super().__init__()
        self.authorization = authorization
        self._viewer: asyncio.Future[models.User | None] | None = None

    async def viewer(self) -> models.User | None:
        if self._viewer is None:
            self._viewer = asyncio.ensure_future(load_viewer(db, config, self.authorization))
        return await self._viewer


Info = strawberry.Info[Context, None]
N = TypeVar("N")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    count_query: strawberry.Private[object]

    @strawberry.field
    async def total_count(self) -> int:
        async with db.read() as session:
            return int(await session.scalar(self.count_query) or 0)  # type: ignore[call-overload]


def _connection(
    rows: list[object], first: int, cursors: list[str], nodes: list[N], count: object
) -> Connection[N]:
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=False,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        count_query=count,
    )


async def _one(model: type[models.Base], pk: int | None) -> object | None:  # type: ignore[name-defined]
    if pk is None:
        return None
    async with db.read() as session:
        return await session.get(model, pk)


@strawberry.type
class User:
    row: strawberry.Private[models.User]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("User", self.row.id))

    @strawberry.field
    def full_name(self) -> str:
        return self.row.full_name

    @strawberry.field
    def role(self) -> Role:
        return self.row.role

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type
class Record:
    row: strawberry.Private[models.Record]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Record", self.row.id))

    @strawberry.field
    def kind(self) -> RecordKind:
        return self.row.kind

    @strawberry.field
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    async def actor(self) -> User | None:
        row = await _one(models.User, self.row.actor_id)
        return User(row=row) if row else None  # type: ignore[arg-type]


@strawberry.type
class Booking:
    row: strawberry.Private[models.Booking]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Booking", self.row.id))

    @strawberry.field
    def customer_name(self) -> str:
        return self.row.customer_name

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def status(self) -> BookingStatus:
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    async def user(self) -> User:
        row = await _one(models.User, self.row.user_id)
        return User(row=row)  # type: ignore[arg-type]

    @strawberry.field
    async def records(self, first: int = 20) -> Connection[Record]:
        where = models.Record.booking_id == self.row.id
        query = (
            select(models.Record).where(where).order_by(models.Record.id.desc()).limit(first + 1)
        )
        async with db.read() as session:
            rows = list((await session.scalars(query)).all())
        shown = rows[:first]
        count = select(func.count()).select_from(models.Record).where(where)
        return _connection(
            rows,
            first,
            [Cursor(id=r.id).encode() for r in shown],
            [Record(row=r) for r in shown],
            count,
        )


@strawberry.type(name="BookingSlot")
class BookingSlot:
    row: strawberry.Private[models.BookingSlot]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("BookingSlot", self.row.id))

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def location(self) -> str | None:
        return self.row.location

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.row.ends_at

    @strawberry.field
    def time_zone(self) -> str:
        return self.row.time_zone

    @strawberry.field
    def capacity(self) -> int:
        return self.row.capacity

    @strawberry.field
    def booked_count(self) -> int:
        return self.row.booked_count

    @strawberry.field
    def remaining(self) -> int:
        return self.row.capacity - self.row.booked_count

    @strawberry.field
    def status(self) -> SlotStatus:
        return self.row.status

    @strawberry.field
    async def staff(self) -> User | None:
        row = await _one(models.User, self.row.staff_id)
        return User(row=row) if row else None  # type: ignore[arg-type]

    @strawberry.field
    async def bookings(self, info: Info, first: int = 20) -> Connection[Booking]:
        await require_staff(await info.context.viewer())
        where = models.Booking.slot_id == self.row.id
        query = select(models.Booking).where(where).order_by(models.Booking.id).limit(first + 1)
        async with db.read() as session:
            rows = list((await session.scalars(query)).all())
        shown = rows[:first]
        count = select(func.count()).select_from(models.Booking).where(where)
        return _connection(
            rows,
            first,
            [Cursor(id=r.id).encode() for r in shown],
            [Booking(row=r) for r in shown],
            count,
        )


@strawberry.type
class Query:
    @strawberry.field
    async def slots(self, first: int = 20) -> Connection[BookingSlot]:
        query = (
            select(models.BookingSlot)
            .order_by(models.BookingSlot.starts_at, models.BookingSlot.id)
            .limit(first + 1)
        )
        async with db.read() as session:
            rows = list((await session.scalars(query)).all())
        shown = rows[:first]
        count = select(func.count()).select_from(models.BookingSlot)
        cursors = [Cursor(id=r.id, at=r.starts_at).encode() for r in shown]
        return _connection(rows, first, cursors, [BookingSlot(row=r) for r in shown], count)


schema = strawberry.Schema(query=Query, config=StrawberryConfig(scalar_map={datetime: DATETIME}))


async def context_getter(request: Request) -> Context:
    return Context(request.headers.get("authorization"))


app = FastAPI(lifespan=disposing(db), docs_url=None, redoc_url=None, openapi_url=None)
app.include_router(
    GraphQLRouter(schema, path="/graphql", context_getter=context_getter, graphql_ide=None)
)
app.add_route("/healthz", healthz)
app.router.routes.append(counter.route())
