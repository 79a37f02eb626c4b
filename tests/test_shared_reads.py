"""Where an operation's reads run (graphql/reads.py): on SQLite all reads of a query share one
connection without BEGIN; mutations and PostgreSQL check out a connection per batch. Either
way every connection is back in the pool when the answer is out, and a crowd of queries and
mutations larger than the pool finishes (a mutation holding a shared read connection while it
waits for a write connection could exhaust the pool)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from graphql_api.db import create_database
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.loading.reads import Reads
from graphql_api.main import create_app
from graphql_api.models import Role
from graphql_api.statement_trace import watch_statements
from tests.concurrency_helpers import assert_invariants
from tests.conftest import make_settings
from tests.helpers import Account, Api

NESTED = """{ slots(first: 5) { edges { node { title staff { fullName }
  bookings(first: 5) { edges { node { user { fullName }
    records(first: 3) { edges { node { kind } } } } } } } } } }"""


class PoolWatch:
    """Counts connection checkouts and BEGIN statements on the app's engine."""

    def __init__(self, api: Api) -> None:
        self.db = api.db
        self.engine = api.db.engine.sync_engine
        self.checkouts = 0
        self.begins = 0

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def _statement(self, statement: str) -> None:
        if statement.strip().upper().startswith("BEGIN"):
            self.begins += 1

    def __enter__(self) -> PoolWatch:
        event.listen(self.engine, "checkout", self._checkout)
        # Watched by the database, not an engine event, which would switch SQLite's direct
        # reads (services/fetch.py) off and test another path than production's.
        self._stop = watch_statements(self.db.engine, self._statement)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "checkout", self._checkout)
        self._stop()


async def _slot_with_bookings(api: Api) -> tuple[Account, dict[str, Any]]:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=10)
    for _ in range(3):
        (await api.book(await api.user(), slot["id"])).ok()
    return staff, slot


def _checked_out(api: Api) -> int:
    return int(api.db.engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_a_nested_query_reads_where_its_backend_reads_best(api: Api, backend: str) -> None:
    staff, _slot = await _slot_with_bookings(api)
    with PoolWatch(api) as watch:
        data = (await api.gql(NESTED, token=staff.token)).ok()
    bookings = data["slots"]["edges"][0]["node"]["bookings"]["edges"]
    assert len(bookings) == 3 and all(b["node"]["records"]["edges"] for b in bookings)
    if backend == "sqlite":
        # viewer, slots, staff, bookings with customers, records: one connection, no BEGIN
        assert (watch.checkouts, watch.begins) == (1, 0)
    else:
        # one connection per batch: sibling batches run in parallel on PostgreSQL
        assert watch.checkouts >= 4
    assert _checked_out(api) == 0


async def test_a_mutation_reads_on_connections_of_its_own(api: Api, backend: str) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=2)
    customer = await api.user()
    with PoolWatch(api) as watch:
        booked = (await api.book(customer, slot["id"])).ok()["createBooking"]
    # its answer is read after its write transaction committed, and sees it
    assert booked["slot"]["bookedCount"] == 1
    # the viewer, the write transaction, the booking's slot for the answer: sharing would
    # have read the viewer and the slot on one connection (2)
    assert watch.checkouts == 3
    if backend == "sqlite":
        assert watch.begins == 1  # the write's BEGIN IMMEDIATE; reads run without
    assert _checked_out(api) == 0


async def test_a_failing_query_gives_its_connection_back(api: Api, backend: str) -> None:
    await _slot_with_bookings(api)
    customer = await api.user()
    result = await api.gql(NESTED, token=customer.token)
    assert set(result.codes) == {"FORBIDDEN"}
    assert _checked_out(api) == 0
    # and the next request reads normally
    (await api.gql("{ slots(first: 1) { edges { node { title } } } }")).ok()


async def test_more_queries_and_mutations_at_once_than_the_pool_holds(
    api: Api, backend: str
) -> None:
    staff, slot = await _slot_with_bookings(api)
    customers = [await api.user() for _ in range(25)]
    # SQLite's pool holds 5 + 10 overflow, PostgreSQL's 10 + 10 (settings): 55 requests
    queries = [api.gql(NESTED, token=staff.token) for _ in range(30)]
    bookings = [api.book(customer, slot["id"]) for customer in customers]
    results = await asyncio.gather(*queries, *bookings)
    for result in results[:30]:
        assert result.ok()["slots"]["edges"]
    codes = [result.code for result in results[30:]]
    assert codes.count(None) == 7 and codes.count("SLOT_FULL") == 18, codes
    await assert_invariants(api)
    assert _checked_out(api) == 0


async def test_a_burst_of_queries_reuses_pooled_connections(api: Api, backend: str) -> None:
    """Each query holds a connection while it runs: a burst within DB_POOL_SIZE must not
    open and close connections per request (on SQLite that is a thread, a file and four
    PRAGMAs each; with SQLAlchemy's default pool of 5 it fed bursts into second-long stalls)."""
    staff, _slot = await _slot_with_bookings(api)
    burst = api.app.state.settings.db_pool_size
    opened = 0

    def _connect(*_args: Any) -> None:
        nonlocal opened
        opened += 1

    engine = api.db.engine.sync_engine
    await asyncio.gather(*(api.gql(NESTED, token=staff.token) for _ in range(burst)))
    event.listen(engine, "connect", _connect)
    try:
        results = await asyncio.gather(*(api.gql(NESTED, token=staff.token) for _ in range(burst)))
    finally:
        event.remove(engine, "connect", _connect)
    assert all(result.ok() for result in results)
    assert opened == 0
    assert _checked_out(api) == 0


async def test_a_batch_never_shares_reads(database_url: str, backend: str) -> None:
    """A batch's operations run concurrently on one context: the mutation in it must not hold
    a shared read connection (it would also wait for a write connection), so no operation of
    a batch shares."""
    app = create_app(make_settings(database_url, batching=True))
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
            api = Api(app, http)
            staff, slot = await _slot_with_bookings(api)
            book = """mutation($input: CreateBookingInput!) {
                createBooking(input: $input) { id slot { bookedCount } } }"""
            batch = [
                {"query": NESTED},
                {"query": book, "variables": {"input": {"slotId": slot["id"]}}},
            ]
            with PoolWatch(api) as watch:
                response = await http.post(
                    "/graphql",
                    json=batch,
                    headers={"Authorization": f"Bearer {staff.token}"},
                )
            first, second = response.json()
            assert "errors" not in first and "errors" not in second, response.text
            assert second["data"]["createBooking"]["slot"]["bookedCount"] == 4
            if backend == "sqlite":
                assert watch.begins == 1  # the write's BEGIN IMMEDIATE; reads run without
            # viewer, slots, staff, bookings, records, the write, the booking's slot
            assert watch.checkouts >= 6
            assert _checked_out(api) == 0
    finally:
        await app.state.db.dispose()


async def test_reads_after_the_operation_ended_do_not_keep_a_connection(
    api: Api, backend: str
) -> None:
    """A batch still settling when its operation is answered (a sibling failed) reads on a
    connection of its own, closed after use: a new shared one would never be closed."""
    staff = await api.user(Role.STAFF)
    context = Context(
        settings=api.app.state.settings,
        db=api.db,
        broker=api.app.state.broker,
        limits=api.app.state.limits,
        metrics=api.app.state.metrics,
        authorization=f"Bearer {staff.token}",
        shared_reads=True,
    )
    context.share_reads(True)
    assert (await context.viewer()) is not None
    await context.end_operation()
    assert _checked_out(api) == 0
    late = await context.loaders.user.load(staff.id)  # after the end
    assert late is not None and late.id == staff.id
    assert _checked_out(api) == 0


async def test_a_failed_statement_does_not_spoil_the_shared_connection(
    api: Api, backend: str
) -> None:
    """The connection a statement failed on may be unusable (invalidated, mid-statement): the
    operation's next batch gets a fresh one. (PostgreSQL shares nothing: each use its own.)"""
    reads = Reads(api.db, shared=True)
    with PoolWatch(api) as watch:
        with pytest.raises(DBAPIError):
            async with reads.connection() as connection:
                await connection.exec_driver_sql("SELECT * FROM no_such_table")
        assert _checked_out(api) == 0  # the failed one went back
        async with reads.connection() as connection:
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
        async with reads.connection() as again:
            # on SQLite the fresh one is shared from then on
            assert (again is connection) == (backend == "sqlite")
    assert watch.checkouts == (2 if backend == "sqlite" else 3)
    await reads.close()
    assert _checked_out(api) == 0


async def test_an_in_memory_sqlite_database_starts() -> None:
    db = create_database(make_settings("sqlite+aiosqlite:///:memory:"))
    try:
        async with db.engine.connect() as connection:
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await db.dispose()
