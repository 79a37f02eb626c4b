"""Schema extensions: document limits before validation, and the one place where errors get
their `extensions.code` (domain errors keep their message; anything unexpected is masked)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graphql_api import compat
from graphql_api.compat import CannotGetOperationTypeError, InvalidOperationTypeError
from graphql_api.errors import DomainError, InvalidToken, QueryTooComplex
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.transport import limits, variables

log = logging.getLogger("graphql_api.errors")

MASKED_MESSAGE = "Unexpected error."
_TOKEN_LIMIT_HINT = (
    "tokens"  # graphql-core: "Document contains more than N tokens. Parsing aborted."
)
# graphql-core's messages when a scalar refuses an input: a variable value, or an inline literal
# (ValuesOfCorrectTypeRule wraps the scalar's ValueError, so `original_error` is set for both).
_INPUT_ERRORS = ("Variable '$", "Expected value of type ")
# Strawberry's refusals of a request's operation (none sent, an unknown name, a type this
# transport does not run): the client's request is at fault.
_OPERATION_REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
# graphql-core's messages when an argument (of a field or a directive) is coerced during
# execution: a variable with a default may still be sent as `null` where a non-null type is
# expected (`query($t: Boolean = true) { x @skip(if: $t) }` with `{"t": null}`), which
# validation allows and only coercion at run time refuses.
_RUNTIME_ARGUMENT_ERRORS = ("Argument '", "Variable '$")


def document_limits_extension(settings_limits: limits.DocumentLimits) -> type[SchemaExtension]:
    """An extension class bound to the configured limits (Strawberry wants classes)."""

    class DocumentLimitsExtension(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is not None and not ctx.pre_execution_errors:
                refused = limits.refusal(
                    ctx.graphql_document, ctx.operation_name, ctx.variables or {}, settings_limits
                )
                if refused is None:
                    nulled = variables.null_where_required(
                        compat.graphql_core_schema(ctx.schema),
                        ctx.graphql_document,
                        ctx.operation_name,
                        ctx.variables or {},
                    )
                    refused = None if nulled is None else (nulled, "BAD_USER_INPUT")
                if refused is not None:
                    # Setting errors here makes Strawberry (and our ValidationCache, which runs
                    # after this extension) skip validation and execution.
                    message, code = refused
                    ctx.pre_execution_errors = [GraphQLError(message, extensions={"code": code})]
            yield

    return DocumentLimitsExtension


class OperationReads(SchemaExtension):
    """Decides where an operation reads (graphql/reads.py) and ends its reads when it is
    answered (Context.end_operation: DataLoaders emptied, shared connection given back)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            # Only queries share a read connection: a mutation also takes a write connection
            # from the same pool, and fifty concurrent mutations each holding one while
            # waiting for the other would exhaust it (found by the concurrency tests).
            context.share_reads(self.execution_context.operation_type is OperationType.QUERY)
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context = self.execution_context.context
            if isinstance(context, Context):
                await context.end_operation()


def _rebuilt(
    error: GraphQLError, message: str, extensions: dict[str, Any], *, keep_path: bool = True
) -> GraphQLError:
    """The same error (location, path) with a new message and extensions, and no original."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path if keep_path else None,
        extensions=extensions,
    )


def format_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        return _rebuilt(error, original.message, {**original.extensions, "code": original.code})
    if error.extensions and "code" in error.extensions:
        return error
    if _is_argument_coercion_error(original):
        # The client's input, refused while a field or directive was coerced: not a fault.
        return _rebuilt(error, error.message, {"code": "BAD_USER_INPUT"})
    if error.path is None and (
        original is None
        or isinstance(original, _OPERATION_REFUSALS)
        or error.message.startswith(_INPUT_ERRORS)
    ):
        # Parse, validation and variable errors: the document or its input is at fault.
        is_token_limit = (
            original is None
            and _TOKEN_LIMIT_HINT in error.message
            and "Parsing aborted" in error.message
        )
        code = QueryTooComplex.code if is_token_limit else "BAD_USER_INPUT"
        return _rebuilt(error, error.message, {"code": code}, keep_path=False)
    log.error(
        "unexpected error at %s: %r",
        ".".join(str(p) for p in error.path or ["<operation>"]),
        original,
        exc_info=original if original is not None else None,
    )
    return _rebuilt(error, MASKED_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})


def _is_argument_coercion_error(original: BaseException | None) -> bool:
    """An error graphql-core raised itself (no cause of its own) when an argument's value could
    not be coerced during execution (graphql.execution.values.coerce_argument)."""
    return (
        isinstance(original, GraphQLError)
        and original.original_error is None
        and original.message.startswith(_RUNTIME_ARGUMENT_ERRORS)
    )


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    """Production: no "Did you mean …?" hints (fields are handled by Strawberry's config;
    arguments, enum values and types are not), so the schema cannot be mapped by guessing."""
    if "Did you mean" not in error.message:
        return error
    return _rebuilt(error, _SUGGESTION.sub("", error.message), dict(error.extensions or {}))


class ErrorFormatter(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        finish_operation(ctx.result, ctx.context, ctx.operation_name)

    def on_stream_result(self, result: Any) -> None:  # type: ignore[override]
        """WebSocket operations send each result before the operation ends: format it first."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [format_error(e) for e in errors]


def finish_operation(result: Any, context: Any, operation_name: str | None) -> None:
    """An answered operation's last step (the ErrorFormatter extension's, and prepared
    queries'): errors formatted, 401 for a bad token, the access log's note."""
    errors = getattr(result, "errors", None) or []
    if any(isinstance(e.original_error, InvalidToken) for e in errors):
        _answer_401(context)
    if errors:
        result.errors = [format_error(e) for e in errors]
        settings = getattr(context, "settings", None)
        if settings is not None and settings.is_production:
            result.errors = [_without_suggestions(e) for e in result.errors]
    _note_for_access_log(context, operation_name, result.errors if errors else [])


def _note_for_access_log(
    context: Any, operation_name: str | None, errors: list[GraphQLError]
) -> None:
    """The access log line (graphql_api.http) reports the operation and its outcome codes."""
    request = getattr(context, "request", None)
    scope = getattr(request, "scope", None)
    if scope is None or scope.get("type") != "http":
        return
    codes = sorted({str((e.extensions or {}).get("code")) for e in errors})
    scope.setdefault("state", {})["graphql"] = {
        "operation": operation_name,
        "outcome": ",".join(codes) if codes else "OK",
        "codes": codes,
    }


def _answer_401(context: Any) -> None:
    # RFC 6750 §3.1: the SPA sees 401 and knows to refresh, then retry.
    response = getattr(context, "response", None)
    if response is not None:
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
