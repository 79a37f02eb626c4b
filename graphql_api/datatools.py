"""Data management: online SQLite backups and copying every row between databases."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from graphql_api import migrate
from graphql_api.config import Settings, sqlite_file
from graphql_api.db import Base, create_engine

# Parents before children, so foreign keys hold at every step.
TABLE_ORDER = ["users", "refresh_tokens", "booking_slots", "bookings", "records"]
BATCH_ROWS = 1_000


def sqlite_path(database_url: str) -> Path:
    path = sqlite_file(database_url)
    if path is None:
        raise ValueError("backup works on a SQLite file database; for PostgreSQL use pg_dump")
    return Path(path)


def backup_sqlite(database_url: str, output: Path) -> int:
    """Copy a live SQLite database with SQLite's online backup API: a consistent snapshot,
    safe while the server keeps writing. Returns the number of pages copied."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise FileNotFoundError(source_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        with target:
            source.backup(target, pages=256)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        target.close()
        source.close()
    partial.replace(output)  # atomic: a reader never sees a half-written backup
    return pages


async def _row_counts(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for name in TABLE_ORDER:
        table = Base.metadata.tables[name]
        counts[name] = int(
            (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        )
    return counts


def copy_data(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row from one database to another (e.g. SQLite to PostgreSQL). The target is
    migrated first and must be empty; ids are kept, and PostgreSQL sequences are moved past them.
    All rows commit in one transaction, or none do. Blocking: runs its own event loop."""
    migrate.upgrade(Settings(database_url=target_url))
    return asyncio.run(_copy_rows(source_url, target_url))


async def _copy_rows(source_url: str, target_url: str) -> dict[str, int]:
    source = create_engine(Settings(database_url=source_url))
    target = create_engine(Settings(database_url=target_url))
    try:
        async with source.connect() as src, target.begin() as dst:
            if any((await _row_counts(dst)).values()):
                raise ValueError("the target database is not empty; copy-data needs an empty one")
            for name in TABLE_ORDER:
                table = Base.metadata.tables[name]
                result = await src.stream(select(table).order_by(table.c.id))
                async for rows in result.partitions(BATCH_ROWS):
                    await dst.execute(insert(table), [dict(row._mapping) for row in rows])
                if dst.dialect.name == "postgresql":
                    await dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                            f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                        )
                    )
            copied = await _row_counts(dst)
            if copied != await _row_counts(src):
                raise RuntimeError("row counts differ after the copy; nothing was committed")
            return copied
    finally:
        await source.dispose()
        await target.dispose()
