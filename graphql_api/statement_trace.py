"""Every statement a database runs, seen as it runs: statement counts in tests and the benchmark.

Importable without Strawberry or graphql-core: the benchmark's Graphene server runs in a
virtualenv of its own, with graphql-core 3.2, and counts its statements with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from graphql_api.sqlalchemy_compat import await_


def watch_statements(engine: AsyncEngine, seen: Callable[[str], None]) -> Callable[[], None]:
    """Calls `seen` with the text of every statement the database runs, until the returned
    function is called (statement counts in tests and the benchmark).

    On SQLite it asks the database itself (sqlite3's trace callback on each connection as it
    is checked out), so the engine's direct reads are counted too and stays in use: an engine event
    listener would switch it off. Elsewhere an engine event."""
    sync_engine = engine.sync_engine
    if engine.dialect.name != "sqlite":

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen(statement)

        event.listen(sync_engine, "before_cursor_execute", on_execute)
        return lambda: event.remove(sync_engine, "before_cursor_execute", on_execute)

    watching = True

    def traced(statement: str) -> None:  # in aiosqlite's thread
        if watching:
            seen(statement)

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("statement_trace") is not traced:  # once per connection
            await_(dbapi_connection.driver_connection.set_trace_callback(traced))
            record.info["statement_trace"] = traced

    event.listen(sync_engine, "checkout", on_checkout)

    def stop() -> None:
        nonlocal watching
        watching = False  # connections in the pool keep the callback until next checked out
        event.remove(sync_engine, "checkout", on_checkout)

    return stop
