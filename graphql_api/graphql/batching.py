"""Batch forms of relation resolvers, for the level-at-a-time executor (graphql/executor.py).

A relation field keeps its ordinary Strawberry resolver, which is what graphql-core calls. It
also names a batch function with `@batched(fn)`: `fn(context, parents, **arguments)` returns
one value per parent (or an awaitable of them), and the resolver is that function applied to
`[self]`, so both executors run the same code (permissions included) and cannot drift apart.

`@batched(fn, fields_read=True)`: the executor also passes `fields_read`, the attributes it
will read of each object type in the field's subtree (FieldsRead), so `fn` may leave out
columns no one reads. The resolver passes nothing: graphql-core's path reads everything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

BatchResolver = Callable[..., Awaitable[Sequence[Any]] | Sequence[Any]]

# GraphQL type name -> the Python attributes (fields) read of its objects: a leaf's attribute,
# a relation's name.
FieldsRead = Mapping[str, frozenset[str]]

_ATTRIBUTE = "__batch_resolver__"
_FIELDS_READ = "__batch_fields_read__"


def batched(batch: BatchResolver, *, fields_read: bool = False) -> Callable[[F], F]:
    """Mark a resolver as having the batch form `batch` (which takes `fields_read` if set)."""

    def mark(resolver: F) -> F:
        setattr(resolver, _ATTRIBUTE, batch)
        setattr(resolver, _FIELDS_READ, fields_read)
        return resolver

    return mark


def batch_resolver_of(resolver: object) -> BatchResolver | None:
    return getattr(resolver, _ATTRIBUTE, None)


def takes_fields_read(resolver: object) -> bool:
    return bool(getattr(resolver, _FIELDS_READ, False))
