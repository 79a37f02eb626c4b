"""The schema object, built from settings (limits and introspection are settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graphql_api.config import Settings
from graphql_api.graphql.extensions import ErrorFormatter, document_limits_extension
from graphql_api.graphql.limits import DocumentLimits
from graphql_api.graphql.mutations import Mutation
from graphql_api.graphql.queries import Query
from graphql_api.graphql.subscriptions import Subscription
from graphql_api.graphql.types.base import DATETIME_SCALAR
from graphql_api.graphql.types.nodes import Booking, BookingSlot, Record, User


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorFormatter logs what is unexpected; domain errors are answers, not incidents.
        return None


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings()
    extensions: list[Any] = [
        ErrorFormatter,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        # After ValidationCache, which overwrites earlier validation results.
        document_limits_extension(
            DocumentLimits(
                max_depth=settings.max_query_depth,
                max_aliases=settings.max_aliases,
                max_directives=settings.max_directives,
                max_cost=settings.max_query_cost,
            )
        ),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, BookingSlot, Booking, Record],
        extensions=extensions,
        config=StrawberryConfig(
            scalar_map={datetime: DATETIME_SCALAR},
            disable_field_suggestions=settings.is_production,
            batching_config=(
                {"max_operations": settings.max_batch_size} if settings.batching else None
            ),
        ),
    )


def export_sdl() -> str:
    return build_schema(Settings()).as_str() + "\n"
