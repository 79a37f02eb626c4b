"""`ariadne`: the same query served by Ariadne (schema-first, its own ASGI GraphQL app with its
defaults) over the same batch functions as the product (see batched.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ariadne import (
    InterfaceType,
    ObjectType,
    QueryType,
    ScalarType,
    load_schema_from_path,
    make_executable_schema,
)
from ariadne.asgi import GraphQL
from graphql import GraphQLResolveInfo
from starlette.applications import Starlette
from starlette.routing import Route

from bench.apps import batched
from bench.apps.common import StatementCounter, disposing, healthz, serialize_datetime, settings
from graphql_api.db import create_database

config = settings()
db = create_database(config)
counter = StatementCounter()
counter.install(db.engine)

query = QueryType()
slot = ObjectType("BookingSlot")
booking = ObjectType("Booking")
record = ObjectType("Record")
user = ObjectType("User")
connection_types = [
    ObjectType(n) for n in ("BookingSlotConnection", "BookingConnection", "RecordConnection")
]
node = InterfaceType("Node", lambda obj, *_: type(obj).__name__)
datetime_scalar = ScalarType("DateTime", serializer=serialize_datetime)


@query.field("slots")
async def resolve_slots(
    _: Any, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Any:
    return await batched.slots(info.context, first, after)


@slot.field("bookings")
async def resolve_slot_bookings(
    obj: Any, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Any:
    return await batched.slot_bookings(obj, info.context, first, after)


@slot.field("staff")
async def resolve_staff(obj: Any, info: GraphQLResolveInfo) -> Any:
    return await batched.slot_staff(obj, info.context)


@booking.field("records")
async def resolve_booking_records(
    obj: Any, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Any:
    return await batched.booking_records(obj, info.context, first, after)


@booking.field("user")
async def resolve_booking_user(obj: Any, info: GraphQLResolveInfo) -> Any:
    return await batched.booking_user(obj, info.context)


@record.field("actor")
async def resolve_actor(obj: Any, info: GraphQLResolveInfo) -> Any:
    return await batched.record_actor(obj, info.context)


slot.set_field("remaining", lambda obj, _info: batched.remaining(obj))
for kind, name in ((slot, "BookingSlot"), (booking, "Booking"), (record, "Record"), (user, "User")):
    encode = batched.global_id(name)
    kind.set_field("id", lambda obj, _info, encode=encode: encode(obj))
for conn in connection_types:
    conn.set_field("totalCount", lambda obj, _info: batched.total_count(obj))

schema = make_executable_schema(
    load_schema_from_path(str(Path(__file__).with_name("schema.graphql"))),
    query,
    slot,
    booking,
    record,
    user,
    node,
    datetime_scalar,
    *connection_types,
    convert_names_case=True,
)


def context_value(request: Any, _data: Any) -> batched.Context:
    return batched.Context(db, config, request.headers.get("authorization"))


graphql_app = GraphQL(schema, context_value=context_value, introspection=False)

app = Starlette(
    routes=[
        Route("/healthz", healthz),
        counter.route(),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
    ],
    lifespan=disposing(db),
)
