"""SQLAlchemy's private and internal APIs the product uses, read in one place.

The accessors graphql_api.compat re-exports and registers (with a check for each); they are
here, apart, because the services, direct reads and statement traces use them and must import
without Strawberry or graphql-core (layers below the GraphQL schema, and the benchmark's
Graphene server, which runs in a virtualenv of its own)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import BindParameter, Engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import instance_dict as instance_dict
from sqlalchemy.sql.compiler import ExpandedState
from sqlalchemy.sql.compiler import SQLCompiler as SQLCompiler
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import await_ as await_

_M = TypeVar("_M")


def enum_lookup(impl: TypeEngine[Any]) -> Mapping[Any, Any] | None:
    """A non-native SQLAlchemy Enum's table from stored value (None included) to member."""
    found = getattr(impl, "_object_lookup", None)
    return found if isinstance(found, Mapping) else None


def expanded_state(compiled: SQLCompiler, params: Mapping[str, Any]) -> ExpandedState:
    """The statement with its expanding IN lists rendered, parameters by unescaped name."""
    return compiled.construct_expanded_state(dict(params), escape_names=False)


def renders_literal_values(compiled: SQLCompiler) -> bool:
    """Whether executing the statement renders parameter values into its text."""
    return bool(compiled.literal_execute_params)


def statement_binds(compiled: SQLCompiler) -> Mapping[str, BindParameter[Any]]:
    """The compiled statement's bind parameters by name."""
    return compiled.binds


def computed_at_execution(bind: BindParameter[Any]) -> bool:
    """Whether the parameter's value is made by a callable at each execution."""
    return bind.callable is not None


def has_cursor_listeners(engine: Engine) -> bool:
    """Whether anything listens for the engine's before/after_cursor_execute events."""
    dispatch = engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def logs_statements(engine: Engine) -> bool:
    """Whether the engine logs the statements it runs (`echo`)."""
    return engine.logger.isEnabledFor(logging.INFO)


def driver_module(dialect: Dialect) -> Any:
    """The DBAPI module (or adapter) the dialect runs on."""
    return dialect.loaded_dbapi


def is_disconnect(dialect: Dialect, error: BaseException) -> bool:
    """Whether the driver's error means the connection is lost (no connection or cursor at hand)."""
    return dialect.is_disconnect(error, None, None)  # type: ignore[arg-type]


def as_sqlalchemy_error(
    statement: str,
    params: Sequence[Any],
    error: Exception,
    dialect: Dialect,
    *,
    connection_invalidated: bool,
) -> Exception:
    """The DBAPIError SQLAlchemy's execution raises for this driver error."""
    wrapped: Exception = DBAPIError.instance(
        statement,
        params,
        error,
        driver_module(dialect).Error,
        connection_invalidated=connection_invalidated,
        dialect=dialect,
    )
    return wrapped


def instance_factory(model: type[_M]) -> Callable[[], _M]:
    """A mapped class's `new_instance`: an instance without `__init__` (as the ORM loads rows)."""
    return cast(Callable[[], _M], sa_inspect(model).class_manager.new_instance)
