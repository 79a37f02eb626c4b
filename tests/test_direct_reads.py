"""The direct read path (graphql_api/services/fetch.py): on SQLite, reads on a plain
connection go to aiosqlite in one hand-off instead of through SQLAlchemy's execute. It must
answer exactly as SQLAlchemy's path does (same rows, values and types, same names for labelled
columns), step aside when anyone listens for statements, raise SQLAlchemy's errors, and be
counted by the statement counters (tests/helpers.StatementCounter watches the database
itself). PostgreSQL has no direct path: there the comparison only checks the services agree
with themselves through the same connection kinds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import String, TypeDecorator, bindparam, column, event, select, table, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import Label

from graphql_api.config import Settings
from graphql_api.db import Database, create_database
from graphql_api.engine import direct_reads as fetch
from graphql_api.graphql.schema import ids
from graphql_api.models import Booking, BookingSlot, BookingStatus, Record, Role, SlotStatus, User
from graphql_api.pagination import Cursor, PageRequest
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service
from graphql_api.services.slots import SlotFilter
from graphql_api.statement_trace import watch_statements
from tests.domain_helpers import book, cancel_booking
from tests.helpers import Api, StatementCounter

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine


def _reads_engine(db: Database) -> Any:
    return db.autocommit_reads or db.engine


@contextmanager
def _listening(db: Database, name: str) -> Iterator[list[str]]:
    """The statements an engine event sees. `before_cursor_execute` is what tracing listens
    to (it switches the direct path off: every statement goes through SQLAlchemy);
    `do_execute` sees what SQLAlchemy's path hands the driver and is no statement listener
    (it leaves the direct path on)."""
    seen: list[str] = []

    def on_event(*args: Any) -> None:
        seen.append(next(arg for arg in args if isinstance(arg, str)))

    event.listen(db.engine.sync_engine, name, on_event)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, name, on_event)


def _engine_listener(db: Database) -> AbstractContextManager[list[str]]:
    return _listening(db, "before_cursor_execute")


def _sqlalchemy_executes(db: Database) -> AbstractContextManager[list[str]]:
    return _listening(db, "do_execute")


def _plain(value: Any) -> Any:
    """Rows as (column names, values), recursively through the services' dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "_fields"):
        return (tuple(value._fields), tuple(value))
    if hasattr(value, "items") and hasattr(value, "has_next"):  # a Page
        return (_plain(value.items), value.has_next, value.has_previous)
    if isinstance(value, Booking | BookingSlot | Record | User):  # detached entities
        return {key: getattr(value, key) for key in value.__mapper__.columns.keys()}  # noqa: SIM118
    return value


async def _every_read(connection: AsyncConnection, ctx: dict[str, Any]) -> list[Any]:
    """Every statement shape of the read services, with values that select some rows."""
    slot_ids, user_ids, booking_ids = ctx["slot_ids"], ctx["user_ids"], ctx["booking_ids"]
    everything = SlotFilter(
        starts_after=datetime.now(UTC),
        starts_before=datetime.now(UTC) + timedelta(days=30),
        available_only=True,
        status=SlotStatus.OPEN,
        search="vacc",
        staff_id=ctx["staff_id"],
    )
    first = await slot_service.list_slots(connection, page=PageRequest(2, None), flt=everything)
    after = Cursor(first.items[-1].id, first.items[-1].starts_at)
    page_2 = PageRequest(2, Cursor(booking_ids[0]))
    out: list[Any] = [
        first,
        await slot_service.list_slots(connection, page=PageRequest(2, after), flt=everything),
        await slot_service.list_slots(connection, page=PageRequest(50, None), flt=SlotFilter()),
        await slot_service.count_slots(connection, flt=everything),
        await slot_service.count_slots(connection, flt=SlotFilter(search="no such title")),
    ]
    for by_slot, parents in ((True, slot_ids), (False, user_ids)):
        for status in (None, BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
            for page in (PageRequest(1, None), page_2):
                out.append(
                    await booking_service.page_per_parent(
                        connection, by_slot=by_slot, parent_ids=parents, page=page, status=status
                    )
                )
            out.append(
                await booking_service.count_per_parent(
                    connection, by_slot=by_slot, parent_ids=parents, status=status
                )
            )
    for by_booking, parents in ((True, booking_ids), (False, user_ids)):
        for page in (PageRequest(2, None), PageRequest(2, Cursor(10**9))):
            out.append(
                await record_service.page_per_parent(
                    connection, by_booking=by_booking, parent_ids=parents, page=page
                )
            )
        out.append(
            await record_service.count_per_parent(
                connection, by_booking=by_booking, parent_ids=parents
            )
        )
    # Columns nobody reads, as the GraphQL layer omits them (NULL in SQLAlchemy's statement,
    # left out of the SQL and put back as None on the direct path).
    out += [
        await slot_service.list_slots(
            connection,
            page=PageRequest(50, None),
            flt=SlotFilter(),
            omitted=frozenset({"location", "capacity", "status", "updated_at"}),
        ),
        await booking_service.page_per_parent(
            connection,
            by_slot=True,
            parent_ids=slot_ids,
            page=PageRequest(2, None),
            status=None,
            omitted=frozenset({"notes", "created_at", "users__email", "users__role"}),
        ),
        await record_service.page_per_parent(
            connection,
            by_booking=True,
            parent_ids=booking_ids,
            page=PageRequest(2, None),
            omitted=frozenset({"note", "created_at"}),
        ),
    ]
    out += [
        await user_service.get_by_ids(connection, [*user_ids, 10**9]),
        await user_service.get_by_ids(connection, []),  # an empty IN list
        await slot_service.get_by_ids(connection, slot_ids),
        await booking_service.get_by_ids(connection, booking_ids),
        await record_service.get_by_ids(connection, list(range(1, 20))),
    ]
    return [_plain(item) for item in out]


async def _data(api: Api) -> dict[str, Any]:
    staff = await api.user(Role.STAFF)
    slots = [
        await api.create_slot(staff, capacity=4, starts_in_hours=24 + hours, title=f"Vacc {hours}")
        for hours in range(4)
    ]
    customers = [await api.user() for _ in range(3)]
    bookings = [await book(api, c, s["id"], notes="note") for c in customers for s in slots[:3]]
    (await cancel_booking(api, customers[0].token, bookings[0]["id"], "ill")).ok()
    async with api.db.write() as session, session.begin():  # createSlot leaves staff unset
        await session.execute(update(BookingSlot).values(staff_id=staff.id))
    return {
        "staff_id": staff.id,
        "slot_ids": [ids.decode(s["id"], "BookingSlot") for s in slots],
        "user_ids": [c.id for c in customers],
        "booking_ids": [ids.decode(b["id"], "Booking") for b in bookings],
    }


async def test_the_direct_path_answers_as_sqlalchemy_does(api: Api, backend: str) -> None:
    ctx = await _data(api)
    async with _reads_engine(api.db).connect() as connection:
        direct = await _every_read(connection, ctx)
    with _engine_listener(api.db) as seen:
        async with _reads_engine(api.db).connect() as connection:
            through_sqlalchemy = await _every_read(connection, ctx)
    assert len(seen) == 37  # the listener saw the reads: SQLAlchemy's path ran them
    assert direct == through_sqlalchemy
    # Not vacuous: the reads found rows, with converted types.
    first_page = direct[0][0]
    assert len(first_page) == 2
    names, values = first_page[0]
    assert "starts_at" in names
    assert isinstance(values[names.index("starts_at")], datetime)
    assert values[names.index("status")] is SlotStatus.OPEN


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_reads_skip_sqlalchemy_execute_unless_someone_listens(api: Api) -> None:
    """The database's own trace (the statement counters) sees every direct read."""
    ctx = await _data(api)
    with _sqlalchemy_executes(api.db) as executed:
        with StatementCounter(api.db) as counter:
            async with _reads_engine(api.db).connect() as connection:
                await _every_read(connection, ctx)
        assert executed == []
        assert counter.count == 37
        with _engine_listener(api.db) as seen:
            async with _reads_engine(api.db).connect() as connection:
                await _every_read(connection, ctx)
        assert len(executed) == len(seen) == counter.count


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_connection_that_would_begin_keeps_sqlalchemys_path(api: Api) -> None:
    """On a connection of the plain engine SQLAlchemy emits BEGIN before the first statement
    (a read that needs a consistent snapshot): the direct path must not skip it."""
    await _data(api)
    statements: list[str] = []
    stop = watch_statements(api.db.engine, statements.append)
    try:
        async with api.db.engine.connect() as connection:
            first = await user_service.get_by_ids(connection, [1])
            second = await user_service.get_by_ids(connection, [2])
    finally:
        stop()
    assert [s.split()[0].upper() for s in statements] == ["BEGIN", "SELECT", "SELECT", "ROLLBACK"]
    assert [u.id for u in first + second] == [1, 2]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_failing_direct_read_raises_sqlalchemys_error(api: Api) -> None:
    async with _reads_engine(api.db).connect() as connection:
        missing = select(column("id")).select_from(table("no_such_table"))
        with _sqlalchemy_executes(api.db) as executed, pytest.raises(DBAPIError) as raised:
            await fetch.rows(connection, missing, {})
    assert executed == []  # raised by the direct path
    assert "no such table: no_such_table" in str(raised.value.orig)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_db_echo_logs_every_read(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """DB_ECHO=true logs statements from SQLAlchemy's execute path: reads must go through it."""
    db = create_database(settings.model_copy(update={"db_echo": True}))
    try:
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
            async with _reads_engine(db).connect() as connection:
                found = await user_service.get_by_ids(connection, [1])
        assert found == []  # an empty database: the statement ran
        assert any("FROM users" in record.getMessage() for record in caplog.records)
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_lost_connection_is_invalidated_and_replaced(api: Api) -> None:
    """As on SQLAlchemy's path: the read fails with a DBAPIError saying the connection was
    invalidated, and the next read gets a working connection instead of the dead one."""
    engine = _reads_engine(api.db)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.close()  # the driver connection dies under the pool
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as connection:
            await user_service.get_by_ids(connection, [1])
    assert raised.value.connection_invalidated
    for _ in range(2):
        async with engine.connect() as connection:
            assert await user_service.get_by_ids(connection, [1]) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_bind_names_sqlalchemy_would_escape(api: Api) -> None:
    statement = select(User.id).where(User.id == bindparam("user.id"))
    await api.user()
    async with _reads_engine(api.db).connect() as connection:
        with _sqlalchemy_executes(api.db) as executed:
            rows = await fetch.rows(connection, statement, {"user.id": 1})
        assert executed == []
        assert [tuple(row) for row in rows] == [(1,)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_enum_columns_read_null_and_refuse_unknown_values(api: Api) -> None:
    """The direct path reads enum columns from the type's own table of members: NULL stays
    None, and a value that is no member raises a LookupError as SQLAlchemy's processor does."""
    await api.user(Role.STAFF)
    role = User.__table__.c.role
    statement = select(User.id, role, select(role).where(User.id < 0).scalar_subquery())
    async with _reads_engine(api.db).connect() as connection:
        rows = await fetch.rows(connection, statement, {})
        assert [(row[1], row[2]) for row in rows] == [(Role.STAFF, None)]
        assert type(rows[0][1]) is Role
        await connection.exec_driver_sql("UPDATE users SET role = 'OWNER'")
        with pytest.raises(LookupError):
            await fetch.rows(connection, select(User.role), {})
        with pytest.raises(LookupError):
            (await connection.execute(select(User.role))).all()


def test_parameter_layouts_give_what_sqlalchemy_expands() -> None:
    """fetch._Prepared.parameters renders each shape of parameters once (the same names, lists
    of the same lengths) and fills in values by position afterwards: for every shape, the SQL
    and the processed values are the ones construct_expanded_state gives."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    by_ids = fetch._Prepared(select(User.__table__).where(User.id.in_(bindparam("ids"))), dialect)
    when = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    dated = fetch._Prepared(
        select(Booking.__table__).where(
            Booking.slot_id.in_(bindparam("parent_ids", expanding=True)),
            Booking.created_at > bindparam("after", type_=Booking.created_at.type),
            Booking.status == bindparam("status", type_=Booking.status.type),
        ),
        dialect,
    )
    cases: list[tuple[Any, dict[str, Any]]] = [
        (by_ids, {"ids": [1]}),
        (by_ids, {"ids": [4, 5, 6]}),
        (by_ids, {"ids": [7, 8, 9]}),  # the same shape again: from the layout
        (by_ids, {"ids": []}),
        (dated, {"parent_ids": [1, 2], "after": when, "status": BookingStatus.CONFIRMED}),
        (dated, {"parent_ids": [3, 4], "after": when, "status": BookingStatus.CANCELLED}),
    ]
    # SQLite's LIMIT comes with an OFFSET of the statement's own: a constant of the layout.
    limited = fetch._Prepared(
        select(User.__table__).order_by(User.id).limit(bindparam("limit")), dialect
    )
    cases += [(limited, {"limit": 2}), (limited, {"limit": 7})]
    for prepared, params in cases:
        assert prepared.parameters(params) == prepared.expand(params)
    assert len(by_ids.layouts) == 3  # lengths 1, 3 and 0
    (layout,) = [limited.layouts.get(("limit",))]
    assert layout is not None and layout is not fetch._UNCACHED
    assert [index for _name, index, _p in layout[1]] == [-1, fetch._CONSTANT]
    # A value made at each execution (a bind's callable) cannot be kept.
    made = fetch._Prepared(
        select(User.__table__).where(User.id == bindparam("now", callable_=lambda: 5)), dialect
    )
    assert made.parameters({}) == made.expand({}) and made.layouts.get(()) is fetch._UNCACHED


def test_parameters_sqlalchemy_renders_into_the_sql_are_expanded_every_time() -> None:
    from sqlalchemy.dialects import sqlite

    literal = fetch._Prepared(
        select(User.__table__).where(User.id == bindparam("pk", literal_execute=True)),
        sqlite.dialect(),
    )
    first, second = literal.parameters({"pk": 1}), literal.parameters({"pk": 2})
    assert first == literal.expand({"pk": 1}) and second == literal.expand({"pk": 2})
    assert first[0] != second[0]  # the value is in the text

    class Lenient(TypeDecorator[str]):
        """Renders any value as text, a marker too: no error to tell it was rendered."""

        impl = String
        cache_ok = True

        def process_literal_param(self, value: Any, dialect: Any) -> str:
            return f"'{value}'"

    rendered = fetch._Prepared(
        select(column("x")).where(
            bindparam("v", type_=Lenient(), literal_execute=True) == bindparam("w")
        ),
        sqlite.dialect(),
    )
    assert rendered.parameters({"v": 1, "w": 2}) == rendered.expand({"v": 1, "w": 2})
    assert "'3'" in rendered.parameters({"v": 3, "w": 2})[0]


async def test_by_id_entities_are_detached_as_if_a_session_had_loaded_them(api: Api) -> None:
    """queries.by_ids builds entities without `__init__` (its columns straight into the
    instance's dict): they must be what a session's load leaves after it closes: detached,
    keyed, every column loaded, no pending change, and mergeable without a statement."""
    from sqlalchemy import inspect

    ctx = await _data(api)
    async with _reads_engine(api.db).connect() as connection:
        (user,) = await user_service.get_by_ids(connection, [ctx["staff_id"]])
    async with api.db.write() as session:
        loaded = await session.get(User, ctx["staff_id"])
        assert loaded is not None
        session.expunge(loaded)
    state, expected = inspect(user), inspect(loaded)
    assert state.detached and state.key == expected.key
    assert not state.modified and not state.expired_attributes and not state.unloaded
    columns = [c.key for c in User.__table__.columns]
    assert {k: state.dict[k] for k in columns} == {k: expected.dict[k] for k in columns}
    assert user.is_staff
    statements: list[str] = []
    stop = watch_statements(api.db.engine, statements.append)
    try:
        async with api.db.write() as session:
            merged = await session.merge(user, load=False)
            assert merged.full_name == loaded.full_name and not session.dirty
    finally:
        stop()
    assert statements == []


def test_a_fresh_process_can_load_by_id_before_anything_else_uses_the_orm(tmp_path: Any) -> None:
    """by_ids builds entities without `__init__`, which is what configures the mappers on first
    use: in a new process whose first ORM use is a by-id load (a server's first request reads
    its viewer so), the mappers must get configured all the same."""
    import subprocess
    import sys

    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    script = f"""
import asyncio, sqlite3
from graphql_api import migrate
from graphql_api.config import Settings
from graphql_api.db import create_database
from graphql_api.services import users


settings = Settings(database_url={url!r})
migrate.upgrade(settings)
with sqlite3.connect({str(tmp_path / "fresh.db")!r}) as raw:
    raw.execute("INSERT INTO users (id, email, password_hash, full_name, role, created_at, "
                "updated_at, token_version) VALUES (1, 'a@b.c', 'x', 'Ada', 'STAFF', "
                "'2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000000', 0)")

async def main():
    db = create_database(settings)
    async with (db.autocommit_reads or db.engine).connect() as connection:
        (user,) = await users.get_by_ids(connection, [1])
    await db.dispose()
    print(user.full_name, user.is_staff)

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["Ada", "True"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_null_columns_are_left_out_of_the_sql_and_come_back_as_none(api: Api) -> None:
    """fetch.rows sends a page's `NULL AS name` columns (nobody reads them) as no column at all
    and puts None back in their places, for statements that opt in: the rows are the ones
    SQLAlchemy's path gives. Where the statement needs such a column (ORDER BY its label), has
    nothing else, or did not opt in, it is sent whole."""
    from sqlalchemy import null, text

    user = await api.user()
    users = User.__table__
    unsent = {fetch.NULL_COLUMNS_UNSENT: True}
    shapes = {
        "some null": select(
            users.c.id, null().label("a"), users.c.email, null().label("b"), users.c.role
        )
        .where(users.c.id == user.id)
        .execution_options(**unsent),
        "ordered by a null": select(users.c.id, null().label("a"))
        .where(users.c.id == user.id)
        .order_by("a")
        .execution_options(**unsent),
        "only nulls": select(null().label("a"), null().label("b")).execution_options(**unsent),
        # A NULL of a type whose result processor answers something for it: left out, and
        # each row gets that answer, as SQLAlchemy's path gives it.
        "typed null": select(users.c.id, Label("t", null(), type_=_AnswersForNull()))
        .where(users.c.id == user.id)
        .execution_options(**unsent),
        # Not opted in: `ORDER BY 2` would mean another column without the NULL.
        "positional order, not opted in": select(users.c.id, null().label("a"), users.c.email)
        .where(users.c.id == user.id)
        .order_by(text("2")),
    }
    engine = api.db.engine
    for name, statement in shapes.items():
        sent: list[str] = []
        stop = watch_statements(engine, sent.append)
        try:
            async with _reads_engine(api.db).connect() as connection:
                direct = await fetch.rows(connection, statement, {})
        finally:
            stop()
        async with _reads_engine(api.db).connect() as connection:
            expected = (await connection.execute(statement)).all()
        assert [tuple(row) for row in direct] == [tuple(row) for row in expected], name
        assert [row._fields for row in direct] == [tuple(row._fields) for row in expected], name
        assert len(sent) == 1, name
        assert ("NULL" in sent[0]) is (name not in ("some null", "typed null")), (name, sent[0])
    some = shapes["some null"]
    async with _reads_engine(api.db).connect() as connection:
        (row,) = await fetch.rows(connection, some, {})
    assert row == (user.id, None, user.email, None, Role.CUSTOMER)  # not vacuous
    async with _reads_engine(api.db).connect() as connection:
        (typed,) = await fetch.rows(connection, shapes["typed null"], {})
    assert tuple(typed) == (user.id, "none!")


class _AnswersForNull(TypeDecorator[str]):
    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str:
        return "none!" if value is None else str(value)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_read_on_an_invalidated_connection_reconnects_as_sqlalchemy_would(
    api: Api,
) -> None:
    """fetch.rows reads a live connection's driver connection directly; an invalidated one
    goes through get_raw_connection, which reconnects (SQLAlchemy's own behaviour)."""
    user = await api.user()
    statement = select(User.__table__.c.email).where(User.__table__.c.id == user.id)
    async with _reads_engine(api.db).connect() as connection:
        assert [tuple(r) for r in await fetch.rows(connection, statement, {})] == [(user.email,)]
        before = (await connection.get_raw_connection()).driver_connection
        await connection.invalidate()
        assert connection.invalidated
        assert [tuple(r) for r in await fetch.rows(connection, statement, {})] == [(user.email,)]
        after = (await connection.get_raw_connection()).driver_connection
    assert after is not before  # a new driver connection, not the invalidated one
