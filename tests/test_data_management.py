"""Backups taken while bookings are written, restore, and copying SQLite into PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from graphql_api import datatools
from graphql_api.config import sqlite_file
from graphql_api.main import create_app
from graphql_api.models import Role
from tests.conftest import TEST_DATABASE_URL, make_settings
from tests.helpers import Api

CONSISTENCY = {
    "slots whose count differs from their confirmed bookings": """
        SELECT count(*) FROM booking_slots s WHERE booked_count != (
            SELECT count(*) FROM bookings b WHERE b.slot_id = s.id AND b.status = 'CONFIRMED')""",
    "bookings without their BOOKING_CREATED record": """
        SELECT count(*) FROM bookings b WHERE NOT EXISTS (
            SELECT 1 FROM records r WHERE r.booking_id = b.id AND r.kind = 'BOOKING_CREATED')""",
    "records pointing at missing bookings": """
        SELECT count(*) FROM records r WHERE r.booking_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM bookings b WHERE b.id = r.booking_id)""",
}


async def _inconsistencies(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            found = {
                k: int((await conn.execute(text(q))).scalar_one()) for k, q in CONSISTENCY.items()
            }
            found["bookings"] = int(
                (await conn.execute(text("SELECT count(*) FROM bookings"))).scalar_one()
            )
            return found
    finally:
        await engine.dispose()


async def _book_many(api: Api, slots: list[str], customers: int) -> int:
    accounts = [await api.user() for _ in range(customers)]
    results = await asyncio.gather(
        *(api.book(account, slots[i % len(slots)]) for i, account in enumerate(accounts))
    )
    return sum(1 for r in results if not r.errors)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_backup_while_booking_restores_consistently(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    staff = await api.user(Role.STAFF)
    slots = [
        (await api.create_slot(staff, capacity=3, starts_in_hours=24 + 2 * i))["id"]
        for i in range(8)
    ]
    backup = tmp_path / "backup.db"

    writer = asyncio.create_task(_book_many(api, slots, 40))
    backups: list[Path] = []
    while not writer.done() or not backups:  # back up again and again while bookings land
        backup = tmp_path / f"backup{len(backups)}.db"
        assert await asyncio.to_thread(datatools.backup_sqlite, database_url, backup) > 0
        backups.append(backup)
    assert await writer == 24  # 8 slots x 3 places

    seen_bookings = set()
    for backup in backups:
        # Restore: a stopped server's database file is replaced by the backup.
        restored = tmp_path / "restored.db"
        shutil.copyfile(backup, restored)
        url = f"sqlite+aiosqlite:///{restored}"
        found = await _inconsistencies(url)
        assert {k: v for k, v in found.items() if k != "bookings"} == dict.fromkeys(CONSISTENCY, 0)
        seen_bookings.add(found["bookings"])
    assert max(seen_bookings) <= 24
    app = create_app(make_settings(url))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        body = (await client.post("/graphql", json={"query": "{ slots { totalCount } }"})).json()
    await app.state.db.dispose()
    assert body == {"data": {"slots": {"totalCount": 8}}}


def test_backup_refuses_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pg_dump"):
        datatools.backup_sqlite("postgresql+asyncpg://u@h/db", tmp_path / "x.db")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///file:shared?mode=memory&cache=shared&uri=true",
    ],
)
def test_backup_refuses_an_in_memory_database(tmp_path: Path, url: str) -> None:
    """The same test of "a file database" as the engine's pool sizing (config.sqlite_file)."""
    assert sqlite_file(url) is None
    with pytest.raises(ValueError, match="file database"):
        datatools.backup_sqlite(url, tmp_path / "x.db")
    assert sqlite_file("sqlite+aiosqlite:////var/lib/app/app.db") == "/var/lib/app/app.db"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_copy_data_from_sqlite_to_postgresql(api: Api, database_url: str) -> None:
    from tests.conftest import _admin

    staff = await api.user(Role.STAFF)
    slots = [
        (await api.create_slot(staff, capacity=2, starts_in_hours=30 + i))["id"] for i in range(3)
    ]
    assert await _book_many(api, slots, 5) == 5
    await api.app.state.db.dispose()

    assert TEST_DATABASE_URL
    target_name = "copy_target_" + Path(database_url).parent.name[-8:].replace("-", "_")
    await _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
    await _admin(TEST_DATABASE_URL, f'CREATE DATABASE "{target_name}"')
    target = TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{target_name}"
    try:
        counts = await asyncio.to_thread(datatools.copy_data, database_url, target)
        assert counts["bookings"] == 5 and counts["booking_slots"] == 3
        assert {
            k: v for k, v in (await _inconsistencies(target)).items() if k != "bookings"
        } == dict.fromkeys(CONSISTENCY, 0)
        with pytest.raises(ValueError, match="not empty"):
            await asyncio.to_thread(datatools.copy_data, database_url, target)

        # The copy is a working database: new rows get fresh ids past the copied ones.
        app = create_app(make_settings(target))
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            copied_api = Api(app, client)
            customer = await copied_api.user()
            third = await copied_api.book(customer, slots[2])
            assert third.errors == []  # slots[2] held one of its two places
            fresh = await copied_api.create_slot(await copied_api.user(Role.STAFF))
            assert fresh["id"] not in slots
        await app.state.db.dispose()
    finally:
        await _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
