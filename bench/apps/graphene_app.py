"""`graphene`: the same query served by Graphene 3 (code-first) over the same batch functions as
the product (see batched.py). Graphene ships no HTTP server; this is the minimal Starlette
endpoint its documentation suggests: parse the JSON body, `execute_async`, answer JSONResponse.

Runs in its own virtualenv (bench/results/venv-graphene): Graphene 3.4 requires graphql-core <
3.3, which the product's Strawberry cannot use.
"""

from __future__ import annotations

from typing import Any

import graphene
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.apps import batched
from bench.apps.common import StatementCounter, disposing, healthz, serialize_datetime, settings
from graphql_api.db import create_database
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus

config = settings()
db = create_database(config)
counter = StatementCounter()
counter.install(db.engine)


class DateTime(graphene.Scalar):
    @staticmethod
    def serialize(value: Any) -> str:
        return serialize_datetime(value)


RoleEnum = graphene.Enum.from_enum(Role)
SlotStatusEnum = graphene.Enum.from_enum(SlotStatus)
BookingStatusEnum = graphene.Enum.from_enum(BookingStatus)
RecordKindEnum = graphene.Enum.from_enum(RecordKind)


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


def _connection(name: str, node_type: Any) -> type[graphene.ObjectType]:
    edge = type(
        f"{name}Edge",
        (graphene.ObjectType,),
        {
            "cursor": graphene.String(required=True),
            "node": graphene.Field(node_type, required=True),
        },
    )

    async def resolve_total_count(parent: Any, _info: Any) -> int:
        return await batched.total_count(parent)

    return type(
        f"{name}Connection",
        (graphene.ObjectType,),
        {
            "edges": graphene.List(graphene.NonNull(edge), required=True),
            "page_info": graphene.Field(PageInfo, required=True),
            "total_count": graphene.Int(required=True),
            "resolve_total_count": resolve_total_count,
        },
    )


class User(graphene.ObjectType):
    id = graphene.ID(required=True)
    full_name = graphene.String(required=True)
    role = graphene.Field(RoleEnum, required=True)
    created_at = graphene.Field(DateTime, required=True)

    resolve_id = staticmethod(lambda parent, _info: batched.global_id("User")(parent))


class Record(graphene.ObjectType):
    id = graphene.ID(required=True)
    kind = graphene.Field(RecordKindEnum, required=True)
    actor = graphene.Field(User)
    note = graphene.String()
    created_at = graphene.Field(DateTime, required=True)

    resolve_id = staticmethod(lambda parent, _info: batched.global_id("Record")(parent))

    @staticmethod
    async def resolve_actor(parent: Any, info: Any) -> Any:
        return await batched.record_actor(parent, info.context)


RecordConnection = _connection("Record", Record)


class Booking(graphene.ObjectType):
    id = graphene.ID(required=True)
    customer_name = graphene.String(required=True)
    notes = graphene.String()
    status = graphene.Field(BookingStatusEnum, required=True)
    created_at = graphene.Field(DateTime, required=True)
    updated_at = graphene.Field(DateTime, required=True)
    user = graphene.Field(User, required=True)
    records = graphene.Field(
        RecordConnection, required=True, first=graphene.Int(), after=graphene.String()
    )

    resolve_id = staticmethod(lambda parent, _info: batched.global_id("Booking")(parent))

    @staticmethod
    async def resolve_user(parent: Any, info: Any) -> Any:
        return await batched.booking_user(parent, info.context)

    @staticmethod
    async def resolve_records(
        parent: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        return await batched.booking_records(parent, info.context, first, after)


BookingConnection = _connection("Booking", Booking)


class BookingSlot(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    location = graphene.String()
    starts_at = graphene.Field(DateTime, required=True)
    ends_at = graphene.Field(DateTime, required=True)
    time_zone = graphene.String(required=True)
    capacity = graphene.Int(required=True)
    booked_count = graphene.Int(required=True)
    remaining = graphene.Int(required=True)
    status = graphene.Field(SlotStatusEnum, required=True)
    staff = graphene.Field(User)
    created_at = graphene.Field(DateTime, required=True)
    bookings = graphene.Field(
        BookingConnection, required=True, first=graphene.Int(), after=graphene.String()
    )

    resolve_id = staticmethod(lambda parent, _info: batched.global_id("BookingSlot")(parent))
    resolve_remaining = staticmethod(lambda parent, _info: batched.remaining(parent))

    @staticmethod
    async def resolve_staff(parent: Any, info: Any) -> Any:
        return await batched.slot_staff(parent, info.context)

    @staticmethod
    async def resolve_bookings(
        parent: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        return await batched.slot_bookings(parent, info.context, first, after)


BookingSlotConnection = _connection("BookingSlot", BookingSlot)


class Query(graphene.ObjectType):
    slots = graphene.Field(
        BookingSlotConnection, required=True, first=graphene.Int(), after=graphene.String()
    )

    @staticmethod
    async def resolve_slots(
        _parent: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        return await batched.slots(info.context, first, after)


schema = graphene.Schema(query=Query)


async def graphql(request: Request) -> JSONResponse:
    body = await request.json()
    result = await schema.execute_async(
        body["query"],
        variable_values=body.get("variables"),
        operation_name=body.get("operationName"),
        context_value=batched.Context(db, config, request.headers.get("authorization")),
    )
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return JSONResponse(payload)


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/healthz", healthz),
        counter.route(),
    ],
    lifespan=disposing(db),
)
