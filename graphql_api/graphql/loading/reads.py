"""Where an operation's read statements run.

On SQLite every read of an operation (the viewer, root lists, every loader batch) shares one
connection that runs without BEGIN, each statement its own transaction: a fresh connection
per batch would cost a pool checkout, BEGIN and ROLLBACK, each a round trip to aiosqlite's
thread (docs/PERFORMANCE.md). Batches take turns on it;
on SQLite they could not overlap much anyway. Without BEGIN a read sees every commit made
before it, so a mutation's answer (read after its write transaction) is never stale.

On PostgreSQL each batch checks out its own connection, as before: sibling batches run in
parallel there, and the pool is sized for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from graphql_api.db import Database


class Reads:
    """The read connections of one operation (one HTTP request's GraphQL operation)."""

    def __init__(self, db: Database, *, shared: bool) -> None:
        # Without BEGIN on SQLite also when not shared: a batch is a single read.
        self._engine = db.autocommit_reads or db.engine
        self._shared_engine = db.autocommit_reads if shared else None
        self._shared: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self._closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for plain statements (the reads build detached entities or rows)."""
        if self._shared_engine is None or self._closed:
            # Also after close(): a batch still settling after its operation ended (its
            # sibling failed) gets a connection of its own rather than keeping one open.
            async with self._engine.connect() as connection:
                yield connection
            return
        async with self._turn:
            if self._shared is None:
                self._shared = await self._shared_engine.connect()
            try:
                yield self._shared
            except BaseException:
                # A statement that failed or was cancelled may leave the connection unusable
                # (invalidated on a lost connection, by SQLAlchemy or services/fetch.py;
                # mid-statement): the next batch starts on a fresh one.
                broken, self._shared = self._shared, None
                if broken is not None:
                    await broken.close()
                raise

    async def close(self) -> None:
        """Give the shared connection back to the pool (the operation is answered)."""
        self._closed = True
        async with self._turn:
            connection, self._shared = self._shared, None
            if connection is not None:
                await connection.close()
