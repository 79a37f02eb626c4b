"""Engine and session factories, the declarative base and the UTC datetime type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from graphql_api.config import Settings, sqlite_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored as UTC (`timestamptz` on PostgreSQL, ISO text on SQLite), read aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone first")
        value = value.astimezone(UTC)
        # SQLite has no zone type: store naive UTC so text comparison orders instants.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """On SQLite, text straight to an aware datetime in one C call (a nested read converts
        thousands; the generic path is a parser, a decorator call and `replace(tzinfo=UTC)`)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                return parse(value + "+00:00")  # naive UTC text, as process_bind_param stores
            except ValueError:  # text written with an offset by something else
                return self.process_result_value(parse(value), dialect)

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Database:
    """The engine plus two session factories: reads, and writes that lock up front on SQLite."""

    engine: AsyncEngine
    read: async_sessionmaker[AsyncSession]
    write: async_sessionmaker[AsyncSession]
    # SQLite only: connections whose statements run without BEGIN, each its own transaction,
    # so one of them can serve all the reads of a request (graphql/reads.py).
    autocommit_reads: AsyncEngine | None = None

    async def dispose(self) -> None:
        await self.engine.dispose()


# Execution option: on SQLite, run each statement as its own transaction (no BEGIN).
SQLITE_AUTOCOMMIT = "sqlite_autocommit"


def _install_sqlite_transaction_control(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """pysqlite starts transactions late, so a read-then-write transaction under WAL fails with
    SQLITE_BUSY at once, ignoring the busy timeout. We take control of BEGIN ourselves (the recipe
    from SQLAlchemy's SQLite dialect docs) and start write transactions with BEGIN IMMEDIATE, so
    writers queue on the busy timeout instead of failing."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(SQLITE_AUTOCOMMIT, False):
            return  # every statement its own transaction (see Database.autocommit_reads)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if settings.is_sqlite:
        # A file database gets the same pool sizing as PostgreSQL: a query holds one
        # connection while it runs (graphql/reads.py), and a connection past the pool is
        # opened and closed per use (an aiosqlite thread, a file open and four PRAGMAs), which
        # under a burst fed on itself into stalls of seconds with SQLAlchemy's default of 5.
        # An in-memory database is one connection (StaticPool), which takes no sizing.
        pool: dict[str, Any] = (
            {}
            if sqlite_file(url) is None
            else {
                "pool_size": settings.db_pool_size,
                "max_overflow": settings.db_max_overflow,
                "pool_timeout": settings.db_pool_timeout,
            }
        )
        engine = create_async_engine(
            url,
            echo=settings.db_echo,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            **pool,
        )
        _install_sqlite_transaction_control(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        connect_args={"timeout": settings.db_connect_timeout},
    )


def create_database(settings: Settings) -> Database:
    engine = create_engine(settings)
    write_engine = engine.execution_options(sqlite_immediate=True) if settings.is_sqlite else engine
    return Database(
        engine=engine,
        read=async_sessionmaker(engine, expire_on_commit=False),
        write=async_sessionmaker(write_engine, expire_on_commit=False),
        autocommit_reads=(
            engine.execution_options(**{SQLITE_AUTOCOMMIT: True}) if settings.is_sqlite else None
        ),
    )
