"""The engine: a faster way to execute the same schema, which can be switched off.

Everything here answers exactly as stock Strawberry and graphql-core would; it only does less
work per request. Nothing outside this package imports its modules; this is the interface:

- `FastExecutor`: the execution context class (plans subtrees, runs them a level at a time,
  writes nested pages straight from their rows).
- `batched`: `@batched(fn, planned=..., written=...)` is how a relation offers its batch form, with
  `FieldsRead` / `PlannedArguments` (what a planned subtree reads) and `RowForm` (how a page's
  row answers its node); `PageWriter` is what a batch form receives as `write=`.
- `BatchLoader`: per-request batching of loads (one future per batch).
- `constructor`, `rows_builder`, `Built`: generated object builders.
- `PreparedQueries`, `run_prepared`: validated query documents served without Strawberry's
  per-request pipeline; `Refuses` is the check that sends a request back to the full path.
- `read_rows`, `Reader`, `NULL_COLUMNS_UNSENT`, `driver_connection`: reads on SQLite's driver
  connection (direct reads). (graphql_api.statement_trace sees every statement sent.)
- `NodeMap`, `Derived`: a node type mapped onto its table once (from_row, the columns a page
  may leave out, a row's expressions), refusing at import a field it cannot map.
- `engine_enabled`, `set_engine_enabled`: the switch (setting FAST_EXECUTOR) as the current
  request sees it.
- `show_source`: the source of a generated function, for debugging.
- `FallbackReason`, `FieldFallback`, `watch_fallbacks`: why a field left the fast path; each
  such field is logged at DEBUG on `graphql_api.engine` and counted through the context's
  `metrics.count_fallback(reason)`, and `watch_fallbacks()` collects them (tests).

docs/ARCHITECTURE.md has the picture and the glossary.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql_api.engine.batching import FieldsRead, PlannedArguments, batched
    from graphql_api.engine.batchloader import BatchLoader
    from graphql_api.engine.codegen import show_source
    from graphql_api.engine.construct import Built, constructor, rows_builder
    from graphql_api.engine.direct_reads import (
        NULL_COLUMNS_UNSENT,
        Reader,
        driver_connection,
    )
    from graphql_api.engine.direct_reads import rows as read_rows
    from graphql_api.engine.executor import FastExecutor
    from graphql_api.engine.fallbacks import FallbackReason, FieldFallback, watch_fallbacks
    from graphql_api.engine.node_map import Derived, NodeMap
    from graphql_api.engine.prepared import PreparedQueries, Refuses
    from graphql_api.engine.prepared import run as run_prepared
    from graphql_api.engine.switch import enabled as engine_enabled
    from graphql_api.engine.switch import set_enabled as set_engine_enabled
    from graphql_api.engine.written import PageWriter, RowForm

# Where each name of the interface lives, loaded on first use: the services use only the
# direct reads and must not import the executor (nor Strawberry) with them.
_WHERE: dict[str, tuple[str, str]] = {
    "BatchLoader": ("graphql_api.engine.batchloader", "BatchLoader"),
    "Built": ("graphql_api.engine.construct", "Built"),
    "Derived": ("graphql_api.engine.node_map", "Derived"),
    "FallbackReason": ("graphql_api.engine.fallbacks", "FallbackReason"),
    "FastExecutor": ("graphql_api.engine.executor", "FastExecutor"),
    "FieldFallback": ("graphql_api.engine.fallbacks", "FieldFallback"),
    "FieldsRead": ("graphql_api.engine.batching", "FieldsRead"),
    "NULL_COLUMNS_UNSENT": ("graphql_api.engine.direct_reads", "NULL_COLUMNS_UNSENT"),
    "NodeMap": ("graphql_api.engine.node_map", "NodeMap"),
    "PageWriter": ("graphql_api.engine.written", "PageWriter"),
    "PlannedArguments": ("graphql_api.engine.batching", "PlannedArguments"),
    "PreparedQueries": ("graphql_api.engine.prepared", "PreparedQueries"),
    "Reader": ("graphql_api.engine.direct_reads", "Reader"),
    "Refuses": ("graphql_api.engine.prepared", "Refuses"),
    "RowForm": ("graphql_api.engine.written", "RowForm"),
    "batched": ("graphql_api.engine.batching", "batched"),
    "constructor": ("graphql_api.engine.construct", "constructor"),
    "driver_connection": ("graphql_api.engine.direct_reads", "driver_connection"),
    "engine_enabled": ("graphql_api.engine.switch", "enabled"),
    "read_rows": ("graphql_api.engine.direct_reads", "rows"),
    "rows_builder": ("graphql_api.engine.construct", "rows_builder"),
    "run_prepared": ("graphql_api.engine.prepared", "run"),
    "set_engine_enabled": ("graphql_api.engine.switch", "set_enabled"),
    "show_source": ("graphql_api.engine.codegen", "show_source"),
    "watch_fallbacks": ("graphql_api.engine.fallbacks", "watch_fallbacks"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


__all__ = [
    "NULL_COLUMNS_UNSENT",
    "BatchLoader",
    "Built",
    "Derived",
    "FallbackReason",
    "FastExecutor",
    "FieldFallback",
    "FieldsRead",
    "NodeMap",
    "PageWriter",
    "PlannedArguments",
    "PreparedQueries",
    "Reader",
    "Refuses",
    "RowForm",
    "batched",
    "constructor",
    "driver_connection",
    "engine_enabled",
    "read_rows",
    "rows_builder",
    "run_prepared",
    "set_engine_enabled",
    "show_source",
    "watch_fallbacks",
]
