"""Visible fallbacks: each field that leaves the planned fast path is logged and counted.

`report` writes a DEBUG line on the `graphql_api.engine` logger naming the field (`Type.field`)
and the reason, increments `graphql_engine_fallbacks_total{reason}` through the context's
`metrics` (anything with `count_fallback(reason)`), and hands it to `watch_fallbacks()` blocks
(tests). The executor (executor.py) reports, per request, each distinct (field, reason) once:

- `no_batch_form`: a field with a resolver and no `@batched` form (graphql-core runs it and
  its subtree, and every field above it in the same plan). The field named is the one without
  the batch form, not the fields above it that went to graphql-core with it.
- `abstract_type`: a field of an interface or union type (graphql-core resolves the type).
- `field_extensions`: a batched field with Strawberry field extensions (`permission_classes`).
- `defer`: a field whose selection has a `@defer` fragment.
- `all_columns`: a batched page (an object type with `edges`) without `planned=`: its rows
  are read with every column.
- `objects_built`: a page whose `written=` form the planned subtree does not fit (the writer
  declined), or a page below the root without one: its rows become objects, not answers.
- `error_reexecuted`: a planned field that raised at run time, executed again by graphql-core
  (one report per field handed back: a failure deep in a subtree hands back each planned
  level above it on the way down, each is named).
- `middleware`: a schema extension hooks `resolve` (tracing), so every field runs on
  graphql-core; the first level executed is reported, once per request.

Not fallbacks, by design: root fields without a batch form (`me`, `node`, mutations' and
subscriptions' top level are graphql-core's), introspection, and arguments graphql-core refuses
(an error answer). Plans are cached across requests: a plan keeps its fallbacks, so a request
served from the cache reports them too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

log = logging.getLogger("graphql_api.engine")


class FallbackReason(StrEnum):
    """Why a field left the fast path (the counter's `reason` label)."""

    NO_BATCH_FORM = "no_batch_form"
    ABSTRACT_TYPE = "abstract_type"
    FIELD_EXTENSIONS = "field_extensions"
    DEFER = "defer"
    ALL_COLUMNS = "all_columns"
    OBJECTS_BUILT = "objects_built"
    ERROR_REEXECUTED = "error_reexecuted"
    MIDDLEWARE = "middleware"


@dataclass(frozen=True, slots=True)
class FieldFallback:
    """One field (`Type.field`) off the fast path, and why."""

    field: str
    reason: FallbackReason


@runtime_checkable
class CountsFallbacks(Protocol):
    """What `report` asks of a context's `metrics` (graphql_api.metrics.Metrics has it)."""

    def count_fallback(self, reason: str) -> None: ...


_WATCHERS: ContextVar[list[FieldFallback] | None] = ContextVar(
    "graphql_engine_fallbacks", default=None
)


def report(field: str, reason: FallbackReason, metrics_holder: object) -> None:
    """Log `field` and `reason` at DEBUG, count them on `metrics_holder.metrics` if it counts
    fallbacks, and add them to the enclosing `watch_fallbacks()` list, if any."""
    log.debug("%s left the fast path: %s", field, reason.value)
    metrics = getattr(metrics_holder, "metrics", None)
    if isinstance(metrics, CountsFallbacks):
        metrics.count_fallback(reason.value)
    watched = _WATCHERS.get()
    if watched is not None:
        watched.append(FieldFallback(field, reason))


@contextmanager
def watch_fallbacks() -> Iterator[list[FieldFallback]]:
    """A list receiving every fallback reported in this context (and the tasks it starts)
    until the block ends."""
    seen: list[FieldFallback] = []
    token = _WATCHERS.set(seen)
    try:
        yield seen
    finally:
        _WATCHERS.reset(token)
