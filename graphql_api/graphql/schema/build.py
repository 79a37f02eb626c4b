"""The schema object, built from settings (limits and introspection are settings)."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from datetime import datetime
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graphql_api import compat
from graphql_api.config import Settings
from graphql_api.engine import FastExecutor, PreparedQueries, Refuses
from graphql_api.graphql.schema.mutations import Mutation
from graphql_api.graphql.schema.queries import Query
from graphql_api.graphql.schema.subscriptions import Subscription
from graphql_api.graphql.schema.types.base import DATETIME_SCALAR
from graphql_api.graphql.schema.types.nodes import Booking, BookingSlot, Record, User
from graphql_api.graphql.transport import limits
from graphql_api.graphql.transport import variables as graphql_variables
from graphql_api.graphql.transport.extensions import (
    ErrorFormatter,
    OperationReads,
    document_limits_extension,
)
from graphql_api.graphql.transport.limits import DocumentLimits


class Schema(strawberry.Schema):
    # Query documents the router may run without Strawberry's per-request machinery
    # (graphql/prepared.py); None when every operation must see the extensions (tracing).
    prepared: PreparedQueries | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorFormatter logs what is unexpected; domain errors are answers, not incidents.
        return None


_SECRET_ARGUMENTS = frozenset(
    {"password", "refreshToken", "currentPassword", "newPassword", "input"}
)


def _tracing_extension() -> Any:
    from strawberry.extensions.tracing import OpenTelemetryExtension

    class RedactedOpenTelemetry(OpenTelemetryExtension):
        """Span attributes leave the process: never passwords or tokens. The document may hold
        them as inline literals, so the operation span names the operation instead."""

        def on_operation(self) -> Generator[None, None, None]:
            steps = super().on_operation()
            next(steps)
            span = compat.operation_span(self)
            if span is not None:
                span.set_attribute("query", "<redacted>")
            yield
            if span is not None and self.execution_context.operation_name:
                span.set_attribute("graphql.operation.name", self.execution_context.operation_name)
            for _ in steps:  # the parent ends the span
                pass

    def drop_secrets(args: dict[str, Any], _info: Any) -> dict[str, Any]:
        return {k: v for k, v in args.items() if k not in _SECRET_ARGUMENTS}

    return lambda: RedactedOpenTelemetry(arg_filter=drop_secrets)


class _ValidationCacheAfterLimits(ValidationCache):
    """Strawberry's ValidationCache validates unconditionally and overwrites earlier errors;
    a document the limits already refused is not validated at all."""

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors:
            yield
            return
        yield from super().on_validate()


def _takes_full_path(document_limits: DocumentLimits) -> Refuses:
    """Which requests of a prepared document the full path must answer: over a document
    limit, holding a NUL, or with a variable sent as `null` where it may be refused."""

    def refuses(
        document: DocumentNode, operation: str | None, variables: Mapping[str, Any]
    ) -> bool:
        if limits.refusal(document, operation, variables, document_limits) is not None:
            return True
        return bool(variables) and graphql_variables.may_need_check(document, operation, variables)

    return refuses


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings()
    document_limits = DocumentLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
        max_cost=settings.max_query_cost,
        max_field_repeats=settings.max_field_repeats,
    )
    # Tracing wants a span per operation and per field: every operation takes the full path.
    # Tracing wants every operation through the extensions; FAST_EXECUTOR=false, no engine.
    fast = settings.fast_executor and not settings.tracing
    prepared = PreparedQueries(_takes_full_path(document_limits)) if fast else None
    extensions: list[Any] = [
        ErrorFormatter,
        OperationReads,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        # Before validation: some validation rules are superlinear (a stack of 200 directives
        # makes hundreds of errors), so a document over a limit must not reach them.
        document_limits_extension(document_limits),
        lambda: _ValidationCacheAfterLimits(maxsize=1024),
    ]
    if prepared is not None:
        extensions.append(prepared.remembering())
    if settings.tracing:  # off by default: when off, not even imported
        extensions.append(_tracing_extension())
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, BookingSlot, Booking, Record],
        extensions=extensions,
        execution_context_class=FastExecutor if settings.fast_executor else None,
        config=StrawberryConfig(
            scalar_map={datetime: DATETIME_SCALAR},
            disable_field_suggestions=settings.is_production,
            batching_config=(
                {"max_operations": settings.max_batch_size} if settings.batching else None
            ),
        ),
    )
    schema.prepared = prepared
    return schema


def export_sdl() -> str:
    return build_schema(Settings()).as_str() + "\n"
