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
- `read_rows`, `Reader`, `NULL_COLUMNS_UNSENT`, `watch_statements`, `driver_connection`: reads
  on SQLite's driver connection (direct reads), and a way to see every statement sent.
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

from graphql_api.engine.batching import FieldsRead, PlannedArguments, batched
from graphql_api.engine.batchloader import BatchLoader
from graphql_api.engine.codegen import show_source
from graphql_api.engine.construct import Built, constructor, rows_builder
from graphql_api.engine.direct_reads import (
    NULL_COLUMNS_UNSENT,
    Reader,
    driver_connection,
    watch_statements,
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
    "watch_statements",
]
