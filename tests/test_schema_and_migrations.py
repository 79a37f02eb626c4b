"""The exported SDL matches the code; the migrations produce exactly what the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from graphql_api.db import Base
from graphql_api.graphql.schema.build import export_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_in_sync_with_the_code() -> None:
    exported = export_sdl()
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == exported, "schema.graphql drifted: run `graphql-api export-schema`"


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []
