"""Read statements in one round trip on SQLite's driver connection.

SQLAlchemy's execute path (execution context, cursor wrapper, result object, a row processor
per column) plus aiosqlite's three hand-offs to its thread (execute, fetchall, close) are most
of a small query's SQL time. On SQLite with an uninstrumented engine, `rows` sends the same
compiled statement, with the same bind and result processing, through `aiosqlite`'s
`execute_fetchall` (one hand-off) and returns named tuples; a statement that opts in
(NULL_COLUMNS_UNSENT) is sent without its `NULL AS name` columns, which come back as None all
the same.

Everything else takes SQLAlchemy's path, unchanged: PostgreSQL, ORM sessions (they may have
pending changes to flush), a connection that would BEGIN first, engines with
`before_cursor_execute`/`after_cursor_execute` listeners (tracing: they see every statement,
at the usual cost) and engines that log their statements (DB_ECHO).

The rows are named tuples, not SQLAlchemy Rows: labelled columns have the same names, an
unlabelled expression (`count(*)`) a positional one; read those by position.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Enum, Label, Null, Select, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import TypeEngine

from graphql_api.db import SQLITE_AUTOCOMMIT
from graphql_api.engine.codegen import generate
from graphql_api.engine.switch import enabled as engine_enabled
from graphql_api.lru import LRU
from graphql_api.sqlalchemy_compat import (
    SQLCompiler,
    as_sqlalchemy_error,
    computed_at_execution,
    driver_module,
    enum_lookup,
    expanded_state,
    has_cursor_listeners,
    is_disconnect,
    logs_statements,
    renders_literal_values,
    statement_binds,
)

Reader = AsyncSession | AsyncConnection
_namedtuple: Any = namedtuple  # field names known only at run time


class _Prepared:
    """A statement compiled once for a dialect: its result row type and result processors."""

    __slots__ = ("binds", "compiled", "layouts", "rows")

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        columns = list(statement.selected_columns)
        compiled, places = _compiled_without_null_columns(statement, columns, dialect)
        self.compiled = compiled
        # Attribute access like SQLAlchemy's Row (`row.id`); rename=True turns a key that is
        # no identifier (an unlabelled expression) into a positional name.
        row_type = _namedtuple("Row", [str(column.key) for column in columns], rename=True)
        # Bind processors of the statement's own parameters (the expanded state of a
        # construct_expanded_state() has those of expanded IN lists only).
        self.binds: dict[str, Callable[[Any], Any]] = {}
        for name, bind in statement_binds(compiled).items():
            to_db = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if to_db is not None:
                self.binds[name] = to_db
        processors: dict[int, Callable[[Any], Any]] = {}
        for position, column in enumerate(columns):
            process = _result_processor(column.type.dialect_impl(dialect), dialect)
            if process is not None:
                processors[position] = process
        self.rows = _rows_converter(row_type, places, processors)
        # Parameter layouts by shape (see _layout): a few per statement (list lengths vary with
        # page and batch sizes), bounded all the same.
        self.layouts: LRU[tuple[Any, ...], _Layout] = LRU(64)

    def parameters(self, params: Mapping[str, Any]) -> tuple[str, Sequence[Any]]:
        """The SQL text (expanding IN lists rendered) and its positional parameters."""
        shape = tuple(
            (name, len(value)) if type(value) is list else name for name, value in params.items()
        )
        layout = self.layouts.get(shape)
        if layout is None:
            layout = _layout(self, params)
            self.layouts.put(shape, layout)
        if layout is _UNCACHED:
            return self.expand(params)
        sql, places = layout
        positional = []
        for name, index, process in places:
            if index == _CONSTANT:  # the statement's own value, processed already
                positional.append(process)
                continue
            value = params[name] if index < 0 else params[name][index]
            positional.append(value if process is None else process(value))
        return sql, positional

    def expand(self, params: Mapping[str, Any]) -> tuple[str, Sequence[Any]]:
        """`parameters` the way SQLAlchemy's execution makes them, every time."""
        # Unescaped names, as SQLAlchemy's own execution uses (a bind named `a.b` would
        # otherwise come back under an escaped key).
        expanded = expanded_state(self.compiled, params)
        processors = {**self.binds, **expanded.processors} if expanded.processors else self.binds
        values = expanded.parameters
        assert expanded.positiontup is not None  # SQLite's qmark style
        return expanded.statement, [
            processors[name](values[name]) if name in processors else values[name]
            for name in expanded.positiontup
        ]


class _Marker:
    """A stand-in value whose identity says which parameter (and list item) it stands for."""

    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index


# (name, list index or -1, bind processor or None) for each positional parameter; for a value
# of the statement's own (_CONSTANT), (name, _CONSTANT, the value as sent).
_Layout = tuple[str, list[tuple[str, int, Any]]]
_CONSTANT = -2
_UNCACHED: _Layout = ("", [])  # (by identity) parameters of this shape are expanded each time


def _layout(prepared: _Prepared, params: Mapping[str, Any]) -> _Layout:
    """Where each positional parameter of the expanded statement comes from, for parameters of
    this shape (the same names, lists of the same lengths): rendering the expanding `IN (...)`
    lists (`construct_expanded_state`) gives the same text every time for the same lengths.
    Found by expanding markers; a value that does not come back as a marker is kept as it is
    sent if it is the statement's own fixed value (not one of ours, not made per execution).
    _UNCACHED when SQLAlchemy processed one of ours or could not render it, or the statement
    renders values into its text (literal_execute): then every call expands."""
    compiled = prepared.compiled
    if renders_literal_values(compiled):
        # Values rendered into the text: a type's literal rendering might turn a marker into
        # text without failing, and the text would then be kept. Such statements expand.
        return _UNCACHED
    markers = {
        name: [_Marker(name, i) for i in range(len(value))]
        if type(value) is list
        else _Marker(name, -1)
        for name, value in params.items()
    }
    try:
        expanded = expanded_state(compiled, markers)
    except Exception:  # rendering a literal value it cannot (a marker is not an int)
        return _UNCACHED
    processors = (
        {**prepared.binds, **expanded.processors} if expanded.processors else prepared.binds
    )
    if expanded.positiontup is None:
        return _UNCACHED
    own_binds = statement_binds(compiled)
    places: list[tuple[str, int, Any]] = []
    for name in expanded.positiontup:
        marker = expanded.parameters[name]
        if type(marker) is _Marker:
            places.append((marker.name, marker.index, processors.get(name)))
            continue
        own = own_binds.get(name)
        if name in params or own is None or computed_at_execution(own):
            return _UNCACHED  # a value SQLAlchemy made of ours, or one made at each execution
        # The statement's own fixed value (the OFFSET 0 SQLite's LIMIT comes with): the same
        # in every execution of this compiled statement.
        process = processors.get(name)
        places.append((name, _CONSTANT, marker if process is None else process(marker)))
    return expanded.statement, places


def _result_processor(impl: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The type's result processor; for a non-native Enum (TEXT on SQLite) its own table of
    members (None included) directly: SQLAlchemy's processor is three calls deep per value,
    ~17% of converting a slot's bookings page. An unknown value raises KeyError, a LookupError
    as SQLAlchemy's would be."""
    if isinstance(impl, Enum) and String.result_processor(impl, dialect, None) is None:
        lookup = enum_lookup(impl)
        if lookup is not None and None in lookup:
            return lookup.__getitem__
    return impl.result_processor(dialect, None)


# The execution option by which a statement lets `rows` leave its `NULL AS name` columns out of
# the SQL: its ORDER BY, GROUP BY and HAVING refer to no column by position or in text (`ORDER
# BY 2` or text("x") would then mean another column, or none). The page statements built with
# queries.or_null set it.
NULL_COLUMNS_UNSENT = "graphql_api_null_columns_unsent"


def _compiled_without_null_columns(
    statement: Select[Any], columns: Sequence[Any], dialect: Dialect
) -> tuple[SQLCompiler, list[int | None]]:
    """The statement compiled to be sent, and for each of its columns where the driver's row
    has it (None: a `NULL AS name` column, left out of the SQL and put back as None in each
    row).

    Pages select the columns nobody reads as NULL (services/queries.or_null) so their rows
    keep one shape; SQLite still carried those NULLs through the window and the sort. Only for
    statements that opt in (NULL_COLUMNS_UNSENT); a NULL has no
    FROM, so dropping one changes nothing else there. If the rest does not compile without
    them, or every column is NULL, the statement is sent as it is."""
    constant = [isinstance(c, Label) and isinstance(c.element, Null) for c in columns]
    opted_in = statement.get_execution_options().get(NULL_COLUMNS_UNSENT, False)
    if opted_in and any(constant) and not all(constant):
        kept = [column for column, null in zip(columns, constant, strict=True) if not null]
        try:
            shorter = statement.with_only_columns(*kept, maintain_column_froms=False)
            compiled = shorter.compile(dialect=dialect)
        except Exception:  # e.g. ORDER BY a label of one of them: send the statement whole
            compiled = None
        if compiled is not None:
            assert isinstance(compiled, SQLCompiler)
            places: list[int | None] = []
            sent = 0
            for null in constant:
                places.append(None if null else sent)
                sent += not null
            return compiled, places
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled, list(range(len(columns)))


def _rows_converter(
    row_type: type, places: Sequence[int | None], processors: Mapping[int, Callable[[Any], Any]]
) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
    """The driver's rows to named tuples, each column through its result processor, as one
    generated comprehension per statement (`[new(Row, (r[0], p1(r[1]), ...)) for r in raw]`):
    no per-row list copy, loop over processors or `_make` call, ~2x cheaper than the generic
    loop on a slot's bookings page. `places[i]` is where column i is in the driver's row, None
    for a NULL left out of the SQL (_compiled_without_null_columns). The source holds only
    positions and fixed names."""
    columns = ", ".join(
        # A NULL left out: its processor's answer for None, else None.
        (f"p{i}(None)" if i in processors else "None")
        if place is None
        else f"p{i}(r[{place}])"
        if i in processors
        else f"r[{place}]"
        for i, place in enumerate(places)
    )
    values = f"({columns},)" if places else "()"
    source = f"def convert(raw):\n    return [new(Row, {values}) for r in raw]\n"
    namespace: dict[str, Any] = {f"p{i}": process for i, process in processors.items()}
    namespace.update(new=tuple.__new__, Row=row_type)
    convert: Callable[[Sequence[Sequence[Any]]], list[Any]] = generate(source, "convert", namespace)
    return convert


@lru_cache(maxsize=2048)
def _prepared(statement: Select[Any], dialect: Dialect) -> _Prepared:
    return _Prepared(statement, dialect)


def _direct(reader: Reader) -> bool:
    """SQLite, a plain connection, nobody listening for statements, and a statement that runs
    where SQLAlchemy would run it: on an autocommit connection, or in the transaction already
    begun (a connection that has not begun one yet would BEGIN first); the engine on."""
    if not isinstance(reader, AsyncConnection) or reader.dialect.name != "sqlite":
        return False
    if not engine_enabled():
        return False
    engine = reader.sync_engine
    if has_cursor_listeners(engine):
        return False
    if logs_statements(engine):  # DB_ECHO: SQLAlchemy logs what it executes
        return False
    connection = reader.sync_connection
    if connection is None:  # not started: SQLAlchemy's path starts it
        return False
    autocommit = bool(connection.get_execution_options().get(SQLITE_AUTOCOMMIT))
    return autocommit or reader.in_transaction()


async def rows(reader: Reader, statement: Select[Any], params: Mapping[str, Any]) -> list[Any]:
    """`(await reader.execute(statement, params)).all()`, in one round trip where it can be
    (see the module's docstring). The rows have the statement's column keys as attributes."""
    if not _direct(reader):
        return list((await reader.execute(statement, params)).all())
    assert isinstance(reader, AsyncConnection)
    dialect = reader.dialect
    prepared = _prepared(statement, dialect)
    sql, positional = prepared.parameters(params)
    driver = await driver_connection(reader)
    try:
        found = await driver.execute_fetchall(sql, positional)
    except Exception as error:
        wrapped = await _as_sqlalchemy_error(reader, sql, positional, error)
        if wrapped is error:
            raise
        raise wrapped from error
    return prepared.rows(found)


async def driver_connection(connection: AsyncConnection) -> Any:
    """The driver's connection under `connection` (aiosqlite's, here), as
    `(await connection.get_raw_connection()).driver_connection` gives it."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated or sync.closed:
        raw = await connection.get_raw_connection()  # SQLAlchemy's way: it reconnects or raises
    else:
        # A live connection: `connection` returns it without any I/O, so no greenlet is needed
        # (get_raw_connection spawns one per call).
        raw = sync.connection
    driver = raw.driver_connection
    assert driver is not None
    return driver


async def _as_sqlalchemy_error(
    reader: AsyncConnection, sql: str, positional: Sequence[Any], error: Exception
) -> Exception:
    """What SQLAlchemy's path raises for a driver error: a DBAPIError, and on a lost connection
    the connection invalidated first, so the pool replaces it instead of handing it out again.
    aiosqlite reports a closed connection as ValueError, which SQLAlchemy's adapter turns into
    OperationalError("no active connection")."""
    dialect = reader.dialect
    dbapi = driver_module(dialect)
    if not isinstance(error, dbapi.Error):
        if not isinstance(error, ValueError):
            return error  # not the driver's (cancellation, a bug): as it is
        error = dbapi.OperationalError(f"no active connection: {error}")
    lost = is_disconnect(dialect, error)
    if lost:
        await reader.invalidate()
    return as_sqlalchemy_error(sql, positional, error, dialect, connection_invalidated=lost)
