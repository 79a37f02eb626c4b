"""Prometheus metrics: requests and latency per operation, errors per code, bookings, DB pool,
and fields that left the engine's fast path.

One registry per app (tests build many apps). With several worker processes each process
exposes its own numbers; scrape each process, or put them behind one exporter per host."""

from __future__ import annotations

import re
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool

from graphql_api.db import Database

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_OPERATIONS = 200  # operation names come from clients: bound the label values


class _PoolCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        pool = self.db.engine.sync_engine.pool
        in_use = GaugeMetricFamily(
            "graphql_api_db_connections_in_use", "Database connections checked out of the pool"
        )
        idle = GaugeMetricFamily("graphql_api_db_connections_idle", "Idle pooled connections")
        if isinstance(pool, QueuePool):
            in_use.add_metric([], pool.checkedout())
            idle.add_metric([], pool.checkedin())
        yield in_use
        yield idle


class Metrics:
    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "graphql_api_requests",
            "GraphQL requests",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "graphql_api_request_duration_seconds",
            "GraphQL request latency",
            ["operation"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "graphql_api_errors",
            "GraphQL errors by extensions.code",
            ["code"],
            registry=self.registry,
        )
        self.bookings_created = Counter(
            "graphql_api_bookings_created", "Bookings created", registry=self.registry
        )
        self.bookings_cancelled = Counter(
            "graphql_api_bookings_cancelled",
            "Bookings cancelled (one by one or with their slot)",
            registry=self.registry,
        )
        self.records = Counter(
            "graphql_api_records_written",
            "History records committed, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "graphql_engine_fallbacks",
            "Fields that left the engine's planned fast path, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(db))
        self._operations: set[str] = set()

    def _operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _OPERATION_NAME.match(name):
            return "invalid"
        if name not in self._operations:
            if len(self._operations) >= _MAX_OPERATIONS:
                return "other"
            self._operations.add(name)
        return name

    def observe_request(self, operation: str | None, codes: list[str], seconds: float) -> None:
        label = self._operation_label(operation)
        self.requests.labels(label, ",".join(codes) if codes else "OK").inc()
        self.latency.labels(label).observe(seconds)
        for code in codes:
            self.errors.labels(code).inc()

    def count_records(self, kinds: list[str]) -> None:
        """Called after a commit with the kinds of the records it wrote."""
        for kind in kinds:
            self.records.labels(kind).inc()
            if kind == "BOOKING_CREATED":
                self.bookings_created.inc()
            elif kind == "BOOKING_CANCELLED":
                self.bookings_cancelled.inc()

    def count_fallback(self, reason: str) -> None:
        """One field off the engine's fast path (graphql_api.engine reports them)."""
        self.fallbacks.labels(reason).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
