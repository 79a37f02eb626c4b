"""Batch forms of relation resolvers, for the level-at-a-time executor (graphql/executor.py).

A relation field keeps its ordinary Strawberry resolver, which is what graphql-core calls. It
also names a batch function with `@batched(fn)`: `fn(context, parents, **arguments)` returns
one value per parent (or an awaitable of them), and the resolver is that function applied to
`[self]`, so both executors run the same code (permissions included) and cannot drift apart.

`@batched(fn, planned=args)`: when the executor plans the field, it calls `args(fields_read)`
once with what the subtree will read of each object type (FieldsRead) and passes the keyword
arguments it returns to `fn` on every request the plan serves (say, the columns no one reads).
The resolver passes none of them: graphql-core's path gets `fn`'s defaults (read everything).

`@batched(fn, written=form)`: a page whose rows answer its nodes as `form` says
(graphql/written.py). When the planned subtree reads only what the rows hold, the executor
passes `write=` a generated writer, and `fn` answers with each parent's connection completed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from graphql_api.engine.written import RowForm

F = TypeVar("F", bound=Callable[..., Any])

BatchResolver = Callable[..., Awaitable[Sequence[Any]] | Sequence[Any]]

# GraphQL type name -> the Python attributes (fields) read of its objects: a leaf's attribute,
# a relation's name.
FieldsRead = Mapping[str, frozenset[str]]

# Keyword arguments for a batch form, from what its planned subtree reads (made once per plan).
PlannedArguments = Callable[[FieldsRead], dict[str, Any]]

_ATTRIBUTE = "__batch_resolver__"
_PLANNED = "__batch_planned_arguments__"
_WRITTEN = "__batch_written_form__"


def batched(
    batch: BatchResolver,
    *,
    planned: PlannedArguments | None = None,
    written: RowForm | Callable[[], RowForm] | None = None,
) -> Callable[[F], F]:
    """Mark a resolver as having the batch form `batch` (and its planned arguments and row
    form, if any)."""

    def mark(resolver: F) -> F:
        setattr(resolver, _ATTRIBUTE, batch)
        setattr(resolver, _PLANNED, planned)
        setattr(resolver, _WRITTEN, written)
        return resolver

    return mark


def batch_resolver_of(resolver: object) -> BatchResolver | None:
    return getattr(resolver, _ATTRIBUTE, None)


def planned_arguments_of(resolver: object) -> PlannedArguments | None:
    found: PlannedArguments | None = getattr(resolver, _PLANNED, None)
    return found


def written_form_of(resolver: object) -> RowForm | None:
    """The relation's row form; one given as a function (a form made from types declared
    after the relation) is asked for it."""
    found: RowForm | Callable[[], RowForm] | None = getattr(resolver, _WRITTEN, None)
    return found() if callable(found) else found
