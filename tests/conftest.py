"""Test setup: every test that takes `client` runs once on SQLite (a fresh file per test) and,
when TEST_DATABASE_URL is set, once more on PostgreSQL (tables truncated between tests)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from graphql_api import migrate
from graphql_api.config import Settings
from graphql_api.main import create_app
from tests.helpers import Api

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789abcdef"

BACKENDS = ["sqlite", "postgres"]


def _backend_param(name: str) -> object:
    if name == "postgres":
        return pytest.param(
            name,
            marks=pytest.mark.skipif(
                not TEST_DATABASE_URL,
                reason="PostgreSQL suite: set TEST_DATABASE_URL (CI sets it in .ci/run)",
            ),
        )
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(Settings(database_url=f"sqlite+aiosqlite:///{path}", secret_key=TEST_SECRET))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A private database for this test session (created from TEST_DATABASE_URL's server, dropped
    at the end), so parallel runs never trample each other; migrated once, truncated per test."""
    assert TEST_DATABASE_URL
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(Settings(database_url=url, secret_key=TEST_SECRET))
        yield url
    finally:
        asyncio.run(_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def truncate_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE records, bookings, refresh_tokens, booking_slots, users "
                "RESTART IDENTITY CASCADE"
            )
        )
    await engine.dispose()


@pytest.fixture(params=[_backend_param(b) for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_migrated")
        asyncio.run(truncate_postgres(url))
        yield url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "environment": "development",
        "redis_url": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """The app's settings; tests marked `engine` (of graphql_api/engine itself) run with the
    engine on, whatever FAST_EXECUTOR says (CI runs the suite both ways)."""
    if request.node.get_closest_marker("engine") is not None:
        return make_settings(database_url, fast_executor=True)
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http


@pytest.fixture
def api(app: FastAPI, client: AsyncClient) -> Api:
    return Api(app, client)
