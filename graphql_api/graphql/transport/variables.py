"""Variables sent as `null` where the document needs a value, refused before anything runs.

Validation lets a nullable variable with a default stand where a non-null value is expected
(`query($t: Boolean = true) { x @skip(if: $t) }`); sent as `null`, graphql-core only refuses
it while executing that field, after a mutation's change is made. This check finds such a
request before execution, so a client's bad variable is BAD_USER_INPUT and changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLNonNull,
    GraphQLSchema,
    NonNullTypeNode,
    NullValueNode,
    OperationDefinitionNode,
    TypeInfo,
    get_operation_ast,
)
from graphql.validation import ValidationContext


def _nulled_defaults(operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> set[str]:
    """Variables of nullable type with a default that the request sends as `null`."""
    return {
        definition.variable.name.value
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
        and not isinstance(definition.default_value, NullValueNode)
        and not isinstance(definition.type, NonNullTypeNode)
        and definition.variable.name.value in variables
        and variables[definition.variable.name.value] is None
    }


def may_need_check(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
) -> bool:
    """Cheap: whether `null_where_required` could refuse this request (most never can)."""
    operation = get_operation_ast(document, operation_name)
    return operation is not None and bool(_nulled_defaults(operation, variables))


def null_where_required(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> str | None:
    """The refusal's message when a variable sent as `null` is used where a non-null value is
    required (in the operation or a fragment it spreads), else None."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    nulled = _nulled_defaults(operation, variables)
    if not nulled:
        return None
    context = ValidationContext(schema, document, TypeInfo(schema), lambda _error: None)
    for usage in context.get_recursive_variable_usages(operation):
        name = usage.node.name.value
        if name in nulled and isinstance(usage.type, GraphQLNonNull):
            return (
                f"Variable '${name}' is null, but it is used where a value of type"
                f" '{usage.type}' is required."
            )
    return None
