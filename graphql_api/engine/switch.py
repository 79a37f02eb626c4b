"""The engine's switch (the setting FAST_EXECUTOR, default on).

Off, the product runs stock Strawberry and graphql-core execution over the same resolvers and
loaders: no planner (the schema gets Strawberry's execution context), no prepared path, no
direct reads and no generated builders. The schema reads the setting when it is built; the
rest asks `enabled()`, which the request's context sets (`set_enabled`) for everything that
runs on its behalf (a ContextVar: tasks started by the request inherit it).
"""

from __future__ import annotations

from contextvars import ContextVar

_enabled: ContextVar[bool] = ContextVar("graphql_api_engine_enabled", default=True)


def enabled() -> bool:
    """Whether the engine's fast paths may run for the current request (default: yes)."""
    return _enabled.get()


def set_enabled(on: bool) -> None:
    """Set for the current task and the tasks it starts from now on."""
    _enabled.set(on)
