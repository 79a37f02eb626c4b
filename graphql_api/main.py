"""The application factory: `create_app(settings)` builds everything, tests pass their own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text
from starlette.requests import HTTPConnection

from graphql_api.config import Settings, get_settings
from graphql_api.db import Database, create_database
from graphql_api.engine import set_engine_enabled
from graphql_api.graphiql import STATIC_MOUNT, STATIC_ROOT
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.schema.build import build_schema
from graphql_api.graphql.transport import apq
from graphql_api.graphql.transport.apq import (
    MemoryQueryStore,
    PersistedQueries,
    QueryStore,
    RedisQueryStore,
)
from graphql_api.graphql.transport.router import BookingRouter
from graphql_api.http import RequestGuard
from graphql_api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from graphql_api.metrics import Metrics
from graphql_api.pubsub import Broker, LocalBroker
from graphql_api.ratelimit import Limits, create_limits

log = logging.getLogger(__name__)


def create_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        from graphql_api.redis_pubsub import RedisBroker

        return RedisBroker(settings.redis_url)
    return LocalBroker()


def create_persisted_queries(settings: Settings) -> PersistedQueries:
    store: QueryStore = (
        RedisQueryStore(settings.redis_url, settings.apq_ttl_seconds)
        if settings.redis_url
        else MemoryQueryStore(settings.apq_max_entries)
    )
    allow_list = (
        apq.load_manifest(Path(settings.persisted_queries_file))
        if settings.persisted_queries_only and settings.persisted_queries_file
        else None
    )
    return PersistedQueries(store, allow_list=allow_list)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db: Database = create_database(settings)
    broker = create_broker(settings)
    limits: Limits = create_limits(settings)
    persisted_queries = create_persisted_queries(settings)
    metrics = Metrics(db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            for client in (limits.counter, persisted_queries.store):
                close = getattr(client, "close", None)
                if close is not None:  # the Redis-backed ones hold connections
                    await close()
            await db.dispose()

    app = FastAPI(
        title="Booking GraphQL API",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # FastAPI's own OpenTelemetry HTTP spans and metrics follow TRACING: off, it does not
        # look for a configured OpenTelemetry provider on every request (three environment
        # lookups each time, even with no OpenTelemetry anywhere).
        telemetry=None if settings.tracing else _NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.broker = broker
    app.state.limits = limits
    app.state.persisted_queries = persisted_queries
    app.state.metrics = metrics

    async def context_getter(connection: HTTPConnection) -> Context:
        # For everything this request runs (its task and the tasks it starts).
        set_engine_enabled(settings.fast_executor)
        return Context(
            settings=settings,
            db=db,
            broker=broker,
            limits=limits,
            metrics=metrics,
            authorization=connection.headers.get("authorization"),
            client_ip=connection.client.host if connection.client else None,
            # A subscription lives long: its reads must not hold a connection meanwhile.
            shared_reads=connection.scope["type"] == "http",
        )

    schema = build_schema(settings)
    app.state.schema = schema
    router = BookingRouter(
        schema,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,
        multipart_uploads_enabled=False,
        # Cross-origin WebSocket handshakes: the CORS allow-list (same-origin ones always work).
        allowed_origins=settings.cors_origins,
        max_subscriptions_per_connection=settings.ws_max_subscriptions,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_timeout_seconds),
    )
    router.persisted_queries = persisted_queries
    app.router.routes.extend(router.routes_for_app())
    if settings.graphiql_enabled:  # GraphiQL's own assets (no CDN); absent in production
        app.mount(STATIC_MOUNT, StaticFiles(directory=STATIC_ROOT), name="graphql-static")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"database": await _database_ok(db), "broker": await broker.healthy()}
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, metrics=metrics)
    return app


_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


async def _database_ok(db: Database) -> bool:
    try:
        async with asyncio.timeout(2), db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("readiness: database unreachable", exc_info=True)
        return False
