"""Batch forms of relation resolvers, for the level-at-a-time executor (graphql/executor.py).

A relation field keeps its ordinary Strawberry resolver, which is what graphql-core calls. It
also names a batch function with `@batched(fn)`: `fn(context, parents, **arguments)` returns
one value per parent (or an awaitable of them), and the resolver is that function applied to
`[self]`, so both executors run the same code (permissions included) and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

BatchResolver = Callable[..., Awaitable[Sequence[Any]] | Sequence[Any]]

_ATTRIBUTE = "__batch_resolver__"


def batched(batch: BatchResolver) -> Callable[[F], F]:
    """Mark a resolver as having the batch form `batch`."""

    def mark(resolver: F) -> F:
        setattr(resolver, _ATTRIBUTE, batch)
        return resolver

    return mark


def batch_resolver_of(resolver: object) -> BatchResolver | None:
    return getattr(resolver, _ATTRIBUTE, None)
