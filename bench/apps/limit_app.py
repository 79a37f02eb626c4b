"""`limit`: the fastest honest answer this stack (Starlette + async SQLAlchemy's pool and
aiosqlite on the same engine configuration) can give to Q-small and Q-large — hand-written SQL,
one connection without BEGIN, each statement sent on aiosqlite's connection in one hand-off
(as the product's reads are since services/fetch.py; through exec_driver_sql the limit cost
~40% more CPU on Q-small), no ORM objects, no GraphQL, orjson — returning byte-for-byte the
same `data` as `/graphql`.

Per request: decode the bearer token and read the viewer (the product's rule: a role change
applies at once), then one statement per level with JOINs for the to-one relations:
Q-small 3 statements, Q-large 4. Reads are SQLite-only (the read benchmark's database).

`POST /book` is the write baseline: the same conditional UPDATE + INSERT booking + INSERT record
as createBooking's core, in one write transaction (BEGIN IMMEDIATE on SQLite), on SQLite or
PostgreSQL.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps.common import StatementCounter, bearer, disposing, healthz, settings
from graphql_api import security
from graphql_api.db import UTCDateTime, create_database, utcnow
from graphql_api.engine import driver_connection
from graphql_api.models import User

config = settings()
db = create_database(config)
write_engine = db.engine.execution_options(sqlite_immediate=True) if config.is_sqlite else db.engine
# Reads without BEGIN/ROLLBACK, each statement its own transaction: what the product's reads
# use on SQLite (graphql/reads.py).
reads = db.autocommit_reads or db.engine
counter = StatementCounter()
counter.install(db.engine)


def _gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _iso(value: str | datetime) -> str:
    """SQLite text 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC) -> '...THH:MM:SS[.ffffff]Z'."""
    if isinstance(value, datetime):  # pragma: no cover - PostgreSQL
        return value.isoformat().replace("+00:00", "Z")
    frac = value[20:26]
    return f"{value[:10]}T{value[11:19]}{'.' + frac if frac and frac != '000000' else ''}Z"


def _slot_cursor(slot_id: int, starts_at: str) -> str:
    at = _iso(starts_at)[:-1] + "+00:00"
    return base64.urlsafe_b64encode(f"c:{at}|{slot_id}".encode()).decode().rstrip("=")


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _error(code: str, message: str) -> Response:
    return _json({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})


def _marks(n: int) -> str:
    return ",".join("?" * n)


# The product's token revocation column (it has had two forms; see common.token_still_valid).
_VERSIONED = hasattr(User, "token_version")
_REVOCATION = "token_version" if _VERSIONED else "tokens_valid_after"
VIEWER_SQL = f"SELECT role, {_REVOCATION} FROM users WHERE id = ?"

SMALL_SLOTS = "SELECT id, title, starts_at FROM booking_slots ORDER BY starts_at, id LIMIT ?"
SMALL_BOOKINGS = """SELECT b.slot_id, b.id, b.customer_name, b.status, u.full_name
FROM (SELECT id, slot_id, user_id, customer_name, status,
             row_number() OVER (PARTITION BY slot_id ORDER BY id) AS rn
      FROM bookings WHERE slot_id IN ({})) AS b
JOIN users AS u ON u.id = b.user_id
WHERE b.rn <= ? ORDER BY b.slot_id, b.rn"""

LARGE_SLOTS = """SELECT s.id, s.title, s.location, s.starts_at, s.ends_at, s.time_zone, s.capacity,
       s.booked_count, s.status, u.id, u.full_name
FROM booking_slots AS s LEFT JOIN users AS u ON u.id = s.staff_id
ORDER BY s.starts_at, s.id LIMIT ?"""
LARGE_BOOKINGS = """SELECT b.slot_id, b.id, b.customer_name, b.notes, b.status, b.created_at,
       u.id, u.full_name
FROM (SELECT id, slot_id, user_id, customer_name, notes, status, created_at,
             row_number() OVER (PARTITION BY slot_id ORDER BY id) AS rn
      FROM bookings WHERE slot_id IN ({})) AS b
JOIN users AS u ON u.id = b.user_id
WHERE b.rn <= ? ORDER BY b.slot_id, b.rn"""
LARGE_RECORDS = """SELECT booking_id, id, kind, note, created_at
FROM (SELECT id, booking_id, kind, note, created_at,
             row_number() OVER (PARTITION BY booking_id ORDER BY id DESC) AS rn
      FROM records WHERE booking_id IN ({})) AS r
WHERE rn <= ? ORDER BY booking_id, rn"""


async def _all(conn: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """All rows of one statement on the driver connection, in one hand-off to aiosqlite's
    thread (SQLAlchemy's exec_driver_sql: three, plus its cursor and result wrappers). The
    driver connection is found as the product's reads find it (engine.driver_connection)."""
    driver = await driver_connection(conn)
    return list(await driver.execute_fetchall(sql, params))


async def _viewer_is_staff(conn: Any, authorization: str | None) -> str | None:
    """None when the viewer may see bookings, else the error code."""
    token = bearer(authorization)
    claims = security.decode_access_token(config, token) if token else None
    if claims is None:
        return "UNAUTHENTICATED"
    found = await _all(conn, VIEWER_SQL, (claims.user_id,))
    row = found[0] if found else None
    if row is None:
        return "UNAUTHENTICATED"
    if _VERSIONED:
        if getattr(claims, "version", 0) != row[1]:
            return "UNAUTHENTICATED"
    elif row[1] is not None and claims.issued_at < datetime.fromisoformat(str(row[1])).replace(
        tzinfo=UTC
    ):
        return "UNAUTHENTICATED"
    return None if row[0] in ("STAFF", "ADMIN") else "FORBIDDEN"


async def q_small(authorization: str | None, slots: int = 10, per_slot: int = 10) -> Response:
    async with reads.connect() as conn:
        denied = await _viewer_is_staff(conn, authorization)
        if denied:
            return _error(denied, "Only STAFF and ADMIN see who booked a slot.")
        slot_rows = await _all(conn, SMALL_SLOTS, (slots,))
        ids = tuple(r[0] for r in slot_rows)
        booking_rows = (
            await _all(conn, SMALL_BOOKINGS.format(_marks(len(ids))), (*ids, per_slot))
            if ids
            else []
        )
    by_slot: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for slot_id, bid, customer_name, status, full_name in booking_rows:
        by_slot[slot_id].append(
            {
                "node": {
                    "id": _gid("Booking", bid),
                    "customerName": customer_name,
                    "status": status,
                    "user": {"fullName": full_name},
                }
            }
        )
    edges = [
        {
            "node": {
                "id": _gid("BookingSlot", sid),
                "title": title,
                "startsAt": _iso(starts_at),
                "bookings": {"edges": by_slot.get(sid, [])},
            }
        }
        for sid, title, starts_at in slot_rows
    ]
    return _json({"data": {"slots": {"edges": edges}}})


async def q_large(
    authorization: str | None, slots: int = 50, per_slot: int = 10, per_booking: int = 3
) -> Response:
    async with reads.connect() as conn:
        denied = await _viewer_is_staff(conn, authorization)
        if denied:
            return _error(denied, "Only STAFF and ADMIN see who booked a slot.")
        slot_rows = await _all(conn, LARGE_SLOTS, (slots + 1,))
        has_more_slots = len(slot_rows) > slots
        slot_rows = slot_rows[:slots]
        ids = tuple(r[0] for r in slot_rows)
        booking_rows = (
            await _all(conn, LARGE_BOOKINGS.format(_marks(len(ids))), (*ids, per_slot + 1))
            if ids
            else []
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in booking_rows:
            grouped[row[0]].append(row)
        shown = [b[1] for rows in grouped.values() for b in rows[:per_slot]]
        record_rows = (
            await _all(conn, LARGE_RECORDS.format(_marks(len(shown))), (*shown, per_booking))
            if shown
            else []
        )
    records: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for booking_id, rid, kind, note, created_at in record_rows:
        records[booking_id].append(
            {
                "node": {
                    "id": _gid("Record", rid),
                    "kind": kind,
                    "note": note,
                    "createdAt": _iso(created_at),
                }
            }
        )
    edges = []
    for (
        sid,
        title,
        location,
        starts_at,
        ends_at,
        tz,
        capacity,
        booked,
        status,
        staff_id,
        staff_name,
    ) in slot_rows:
        rows = grouped.get(sid, [])
        bookings = [
            {
                "node": {
                    "id": _gid("Booking", bid),
                    "customerName": customer_name,
                    "notes": notes,
                    "status": bstatus,
                    "createdAt": _iso(created_at),
                    "user": {"id": _gid("User", uid), "fullName": full_name},
                    "records": {"edges": records.get(bid, [])},
                }
            }
            for _slot, bid, customer_name, notes, bstatus, created_at, uid, full_name in rows[
                :per_slot
            ]
        ]
        edges.append(
            {
                "cursor": _slot_cursor(sid, starts_at),
                "node": {
                    "id": _gid("BookingSlot", sid),
                    "title": title,
                    "location": location,
                    "startsAt": _iso(starts_at),
                    "endsAt": _iso(ends_at),
                    "timeZone": tz,
                    "capacity": capacity,
                    "bookedCount": booked,
                    "remaining": capacity - booked,
                    "status": status,
                    "staff": None
                    if staff_id is None
                    else {"id": _gid("User", staff_id), "fullName": staff_name},
                    "bookings": {
                        "pageInfo": {"hasNextPage": len(rows) > per_slot},
                        "edges": bookings,
                    },
                },
            }
        )
    page_info = {
        "hasNextPage": has_more_slots,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return _json({"data": {"slots": {"pageInfo": page_info, "edges": edges}}})


HANDLERS = {"QSmall": q_small, "QLarge": q_large}


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    handler = HANDLERS.get(body.get("operationName") or "")
    if handler is None:
        return _error("BAD_USER_INPUT", "The limit endpoint answers QSmall and QLarge only.")
    return await handler(request.headers.get("authorization"))


# --- the write baseline -------------------------------------------------------------------

TAKE_PLACE = text(
    "UPDATE booking_slots SET booked_count = booked_count + 1, updated_at = :now "
    "WHERE id = :slot AND status = 'OPEN' AND booked_count < capacity"
).bindparams(bindparam("now", type_=UTCDateTime()))
INSERT_BOOKING = text(
    "INSERT INTO bookings (slot_id, user_id, customer_name, notes, status, created_at, updated_at) "
    "VALUES (:slot, :user, (SELECT full_name FROM users WHERE id = :user), NULL, 'CONFIRMED', "
    ":now, :now) RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime()))
INSERT_RECORD = text(
    "INSERT INTO records (kind, actor_id, user_id, booking_id, slot_id, created_at) "
    "VALUES ('BOOKING_CREATED', :actor, :user, :booking, :slot, :now)"
).bindparams(bindparam("now", type_=UTCDateTime()))


async def book(request: Request) -> Response:
    body = orjson.loads(await request.body())
    token = bearer(request.headers.get("authorization"))
    claims = security.decode_access_token(config, token) if token else None
    if claims is None:
        return _error("UNAUTHENTICATED", "An access token is required.")
    slot, user, now = int(body["slot"]), int(body["user"]), utcnow()
    async with write_engine.begin() as conn:
        taken = await conn.execute(TAKE_PLACE, {"slot": slot, "now": now})
        if taken.rowcount != 1:
            return _error("SLOT_FULL", "This slot is full.")
        booking_id = (
            await conn.execute(INSERT_BOOKING, {"slot": slot, "user": user, "now": now})
        ).scalar_one()
        await conn.execute(
            INSERT_RECORD,
            {
                "actor": claims.user_id,
                "user": user,
                "booking": booking_id,
                "slot": slot,
                "now": now,
            },
        )
    return _json(
        {"data": {"createBooking": {"id": _gid("Booking", booking_id), "status": "CONFIRMED"}}}
    )


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/book", book, methods=["POST"]),
        Route("/healthz", healthz),
        counter.route(),
    ],
    lifespan=disposing(db),
)
