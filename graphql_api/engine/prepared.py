"""Prepared queries: a query document already parsed and validated, run again without
Strawberry's per-request machinery.

Most traffic repeats a handful of documents (an SPA's or a mobile app's own queries). For each
request Strawberry's view and `Schema.execute` still build an execution context, enter every
schema extension's hooks, look the document up in the parser and validation caches, and
convert the result.

The first time a query document succeeds in validation on the full path, `remembering()`
stores it under its text and `operationName`. The router (graphql/router.py) then serves a
plain JSON POST of the same text straight through graphql-core with the same executor, context,
document limits, error formatting and response encoding (`run`). Anything else takes the full
path: mutations and subscriptions, GET, batches, `extensions` (persisted queries),
streaming `Accept` headers, allow-list mode, tracing, a document not seen yet, and a request
over a document limit or with a NUL character (the full path answers those with its error).
tests/test_prepared.py checks the two paths give the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import DocumentNode, ExecutionResult, Executor, GraphQLError, GraphQLSchema, execute
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graphql_api.compat import optimized_is_awaitable, provided_operation_name
from graphql_api.lru import LRU

# Strawberry's (typed as a plain predicate there).
_is_awaitable: Any = optimized_is_awaitable

# The keys a request body may have to be served here (`extensions` needs the full path).
_PLAIN_KEYS = frozenset({"query", "variables", "operationName"})


class OperationContext(Protocol):
    """What a prepared run asks of the request's context."""

    def share_reads(self, share: bool) -> None: ...

    async def end_operation(self) -> None: ...


# Whether a request of a document must take the full path (over a limit, a NUL, a variable the
# full path must refuse): (document, operation name, variables) -> bool. May raise.
Refuses = Callable[[DocumentNode, str | None, Mapping[str, Any]], bool]
# The operation's last step, as the full path's ErrorFormatter takes it: (result, context,
# operation name).
Finish = Callable[[ExecutionResult, Any, str | None], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    document: DocumentNode
    operation_name: str | None  # the provided one, else the document's (the access log's)


class PreparedQueries(LRU[tuple[str, str | None], Prepared]):
    """Validated query documents by (text, provided operationName), at most `maxsize` (as
    Strawberry's parser and validation caches)."""

    def __init__(self, refuses: Refuses, maxsize: int = 1024) -> None:
        super().__init__(maxsize)
        self.refuses = refuses

    def request(self, body: object) -> tuple[Prepared, dict[str, Any] | None] | None:
        """The prepared document and variables of a decoded JSON body, or None: the full path
        (not a plain single operation, not seen, over a limit or holding a NUL)."""
        if not isinstance(body, dict) or not body.keys() <= _PLAIN_KEYS:
            return None
        query = body.get("query")
        name = body.get("operationName")
        variables = body.get("variables")
        if not isinstance(query, str) or not isinstance(name, str | None):
            return None
        if not isinstance(variables, dict | None):
            return None
        prepared = self.get((query, name))
        if prepared is None:
            return None
        try:
            # The operation the full path measures (for a document of several, the named one).
            refused = self.refuses(prepared.document, prepared.operation_name, variables or {})
        except Exception:  # e.g. variables nested past the recursion limit
            return None  # the full path answers them (Schema.execute turns errors into results)
        return None if refused else (prepared, variables)

    def remembering(self) -> type[SchemaExtension]:
        """The schema extension that stores each query document validation passed."""
        store = self

        class RememberPreparedQueries(SchemaExtension):
            def on_execute(self) -> Iterator[None]:
                ctx = self.execution_context
                # on_execute runs only for a document that parsed, is of an allowed operation
                # type and passed validation and the document limits.
                if (
                    isinstance(ctx.query, str)
                    and ctx.graphql_document is not None
                    and not ctx.pre_execution_errors
                    and ctx.operation_type is OperationType.QUERY
                ):
                    provided = provided_operation_name(ctx)
                    store.put(
                        (ctx.query, provided), Prepared(ctx.graphql_document, ctx.operation_name)
                    )
                yield

        return RememberPreparedQueries


async def run(
    schema: GraphQLSchema,
    prepared: Prepared,
    variables: dict[str, Any] | None,
    context: OperationContext,
    executor_class: type[Executor[Any]],
    finish: Finish,
) -> ExecutionResult:
    """What `Schema.execute` does for this document with our extensions: reads shared by the
    operation (a query), ended when it is answered, errors formatted once."""
    context.share_reads(True)
    try:
        try:
            found = execute(
                schema,
                prepared.document,
                context_value=context,
                variable_values=variables,
                operation_name=prepared.operation_name,
                executor_class=executor_class,
                is_awaitable=_is_awaitable,
            )
            result = found if isinstance(found, ExecutionResult) else await found
        finally:
            await context.end_operation()
    except Exception as error:
        result = ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
    finish(result, context, prepared.operation_name)
    return result
