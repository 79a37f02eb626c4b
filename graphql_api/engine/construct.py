"""Constructors for the object types a nested read builds by the thousand.

`Booking(id=..., customer_name=..., ...)` goes through `type.__call__`, which on CPython 3.11
packs the keyword arguments into a dict for the dataclass `__init__` and unpacks them again; a
plain function doing what that `__init__` does (`object.__new__`, then each field assigned in
the same order, so instances keep sharing their attribute keys) is about twice as fast.

`constructor(cls)` generates that function from the dataclass's fields, for classes whose
construction is nothing more: the `__init__` dataclasses generated, no `__new__`,
`__post_init__`, `__setattr__`, `__slots__` or default factory (it refuses anything else, so a
change to a type cannot silently skip work). Fields with a
resolver are `init=False` fields without a default factory: `__init__` leaves them alone, and
so does the constructor.

`rows_builder(...)` goes one step further for nested pages: one generated loop over a page's
rows that builds each row's objects (a Booking, its customer, its Edge) with their fields
assigned inline, the same refusals applying to every class: no call per object at all.
tests/test_construct.py checks both build what the classes build.
"""

from __future__ import annotations

import dataclasses
import keyword
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from graphql_api.engine.codegen import generate
from graphql_api.engine.switch import enabled as engine_enabled

T = TypeVar("T")


def constructor(cls: type[T]) -> Callable[..., T]:
    """A keyword-only function that builds `cls` as its dataclass `__init__` would."""
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    parameters: list[str] = []
    assignments: list[str] = []
    for number, (name, default) in enumerate(_init_fields(cls)):
        if default is dataclasses.MISSING:
            parameters.append(name)
        else:
            namespace[f"_default{number}"] = default
            parameters.append(f"{name}=_default{number}")
        assignments.append(f"    self.{name} = {name}\n")
    namespace["_enabled"] = engine_enabled
    arguments = ", ".join(f"{name}={name}" for name, _default in _init_fields(cls))
    source = (
        f"def build(*, {', '.join(parameters)}):\n"
        f"    if not _enabled():\n        return _cls({arguments})\n"
        "    self = _new(_cls)\n"
        f"{''.join(assignments)}"
        "    return self\n"
    )
    build: Callable[..., T] = generate(source, "build", namespace)
    build.__qualname__ = f"{cls.__qualname__}.build"
    return build


class Built(NamedTuple):
    """One object a rows builder makes per row: its variable, its class, and an expression for
    each field (of the row `r`, earlier variables and the builder's namespace). Only private
    fields (`_name`) may be left out, taking their defaults: a public field left out would be
    answered as its default, whatever the row holds."""

    variable: str
    cls: type
    values: Mapping[str, str]


def rows_builder(
    name: str, objects: Sequence[Built], namespace: Mapping[str, Any]
) -> Callable[[Sequence[Any]], list[Any]]:
    """A function `rows -> [the last object built from each row]`, building every object of
    `objects` per row as `constructor(cls)` would (same refusals, fields assigned in the same
    order), inline in one loop: no call per object (a slot's bookings page builds a User, a
    Booking and an Edge per row).
    Expressions come from the caller's own code (column positions, names), never from input."""
    if not objects:
        raise TypeError("rows_builder needs at least one object")
    clashing = [n for n in namespace if n in _LOOP_NAMES or n.startswith(("_new", "_cls", "_def"))]
    if clashing:
        raise TypeError(f"{clashing}: names the generated loop uses")
    scope: dict[str, Any] = {**namespace, "_new": object.__new__}
    lines = ["def build(rows):\n    out = []\n    add = out.append\n    for r in rows:\n"]
    for number, (variable, cls, values) in enumerate(objects):
        if not _usable_name(variable) or variable in _LOOP_NAMES or variable in namespace:
            raise TypeError(f"{variable!r}: not a free identifier")
        scope[f"_cls{number}"] = cls
        lines.append(f"        {variable} = _new(_cls{number})\n")
        fields = _init_fields(cls)
        unknown = set(values) - {field for field, _default in fields}
        if unknown:
            raise TypeError(f"{cls.__name__}: no init fields {sorted(unknown)}")
        for field, default in fields:
            if field in values:
                expression = values[field]
            elif default is dataclasses.MISSING:
                raise TypeError(f"{cls.__name__}.{field}: no value and no default")
            elif not field.startswith("_"):
                raise TypeError(
                    f"{cls.__name__}.{field}: no expression for a public field (its default "
                    "would be the answer, whatever the row holds)"
                )
            else:
                expression = f"_default{number}_{field}"
                scope[expression] = default
            lines.append(f"        {variable}.{field} = {expression}\n")
    lines += [f"        add({objects[-1][0]})\n", "    return out\n"]
    build: Callable[[Sequence[Any]], list[Any]] = generate("".join(lines), "build", scope)
    build.__name__ = build.__qualname__ = name
    return build


# The generated loop's own names: neither an object's variable nor a namespace entry may be one.
_LOOP_NAMES = frozenset({"build", "rows", "out", "add", "r"})


def _usable_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def _init_fields(cls: type[T]) -> list[tuple[str, Any]]:
    """`(name, default or MISSING)` of each field `__init__` assigns, in its order; TypeError
    when building `cls` does more than assign them."""
    if (
        cls.__new__ is not object.__new__
        or hasattr(cls, "__post_init__")
        or cls.__setattr__ is not object.__setattr__
        or "__slots__" in vars(cls)
        or not _generated_init(cls)
    ):
        raise TypeError(f"{cls.__name__}: construction does more than assign fields")
    found: list[tuple[str, Any]] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: has a default factory")
        if not field.init:  # a field with a resolver: `__init__` does not touch it either
            continue
        if not _usable_name(field.name):
            raise TypeError(f"{cls.__name__}.{field.name}: not an identifier")
        found.append((field.name, field.default))
    return found


def _generated_init(cls: type) -> bool:
    """Whether `cls.__init__` is the one `dataclasses` wrote (compiled from a string), not a
    hand-written one that might do more."""
    init = cls.__dict__.get("__init__") or getattr(cls, "__init__", None)
    code = getattr(init, "__code__", None)
    return code is not None and code.co_filename == "<string>" and code.co_name == "__init__"
