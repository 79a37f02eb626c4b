"""Settings: one class, read from the environment or `.env` (names case-insensitive)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# Usable only in development: production refuses it (see `_refuse_weak_secret`).
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
# RFC 7518 §3.2: an HMAC key at least as long as the hash output.
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def sqlite_file(database_url: str) -> str | None:
    """The file of a SQLite database URL; None for an in-memory database (`:memory:`, no name,
    or `mode=memory`) and for any other database."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return None if "mode=memory" in database_url else url.database


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
        env_ignore_empty=True,
    )

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./app.db"
    secret_key: str = DEV_SECRET_KEY
    algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_expire_days: int = Field(default=30, ge=1, le=365)
    jwt_issuer: str = "graphql-api"
    jwt_audience: str = "graphql-api"
    redis_url: str | None = None

    # Database pool (both databases; an in-memory SQLite database has a single connection).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_connect_timeout: float = Field(default=10.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    db_echo: bool = False

    # GraphQL
    graphiql: bool | None = None  # default: on in development, off in production
    introspection: bool | None = None  # default: on in development, off in production
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=15, ge=0)
    max_tokens: int = Field(default=2_000, ge=1)
    max_directives: int = Field(default=10, ge=0)
    max_query_cost: int = Field(default=10_000, ge=1)
    max_field_repeats: int = Field(default=20, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    batching: bool = False
    max_batch_size: int = Field(default=10, ge=1)
    cors_origins: list[str] = Field(default_factory=list)

    # WebSocket subscriptions: operations per connection, seconds to send connection_init.
    ws_max_subscriptions: int = Field(default=20, ge=1)
    ws_connection_init_timeout_seconds: float = Field(default=10.0, gt=0)

    # Persisted queries: APQ store size (in-process) and lifetime (Redis); allow-list mode runs
    # only the documents of `persisted_queries_file` (a JSON list of documents or {sha256: doc}).
    apq_max_entries: int = Field(default=1_000, ge=1)
    apq_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    persisted_queries_only: bool = False
    persisted_queries_file: str | None = None

    # Abuse controls
    login_attempts_per_email: int = Field(default=5, ge=1)
    login_attempts_per_ip: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    register_attempts_per_ip: int = Field(default=20, ge=1)
    register_window_seconds: int = Field(default=60 * 60, ge=1)

    log_level: str = "INFO"
    # OpenTelemetry spans per operation and resolver (needs the `tracing` extra; the exporter is
    # configured the OpenTelemetry way, e.g. opentelemetry-instrument / OTEL_* variables).
    tracing: bool = False
    # The engine (graphql_api/engine/): planned execution, prepared queries, direct reads and
    # generated builders. Off: stock Strawberry and graphql-core, the same answers, slower.
    fast_executor: bool = True

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        minimum = MIN_SECRET_BYTES[self.algorithm]
        if len(self.secret_key.encode()) < minimum or (
            self.is_production and self.secret_key == DEV_SECRET_KEY
        ):
            raise ValueError(
                f"SECRET_KEY must be at least {minimum} bytes for {self.algorithm} "
                "and must not be the development default in production; "
                "generate one with: python -c "
                '"import secrets; print(secrets.token_urlsafe(64))"'
            )
        if self.persisted_queries_only and not self.persisted_queries_file:
            raise ValueError("PERSISTED_QUERIES_ONLY needs PERSISTED_QUERIES_FILE (the allow-list)")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
