"""What the level-at-a-time executor (graphql/executor.py) plans for a subtree, and the code it
generates from a plan: a level's rows (one dict per object, in the response's key order) filled
with each leaf's coerced value. graphql/written.py generates whole pages from the same pieces.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Undefined

from graphql_api.compat import (
    enum_class,
    serialize_boolean,
    serialize_id,
    serialize_string,
    strawberry_classes,
)
from graphql_api.engine.batching import BatchResolver
from graphql_api.engine.codegen import generate
from graphql_api.lru import LRU


class Fallback(Exception):
    """A value this executor does not complete itself (null in a non-null field, a value the
    scalar refuses, an unexpected object): graphql-core will produce the error."""


class ShapeKind(Enum):
    LEAF = "leaf"
    OBJECT = "object"
    LIST = "list"
    NON_NULL = "non_null"


class Shape(NamedTuple):
    """How to complete one column of values: `of` is a leaf's output coercion (LEAF), an
    ObjectPlan (OBJECT), or the inner Shape (LIST, NON_NULL). Hashable when its parts are."""

    kind: ShapeKind
    of: Any


@dataclass(slots=True)
class Selection:
    key: str
    field: str  # the Python name of the field: a plain attribute ...
    batch: BatchResolver | None  # ... or, when set, a relation's batch form
    arguments: dict[str, Any]
    shape: Shape
    # The batch form answers with the subtree's completed values: the executor passed it a
    # writer (`write=`, engine/written.py).
    written: bool = False


class Leaf(NamedTuple):
    """A scalar or enum field read as a plain attribute."""

    key: str  # the response key
    attribute: str  # the Python attribute
    coerce: Callable[[Any], Any]  # the type's output coercion
    non_null: bool
    unchanged: type | None  # values of this type come back from `coerce` as they are


# A level's rows from its objects, or None when the general way must check them.
RowBuilder = Callable[[list[Any]], list[dict[str, Any]] | None]


@dataclass(slots=True)
class ObjectPlan:
    type_name: str
    is_type_of: Callable[[Any, Any], Any] | None
    keys: list[str]
    # Classes whose instances is_type_of accepts without looking (see exact_classes).
    exact: tuple[type, ...] = ()
    typenames: list[str] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    nested: list[Selection] = field(default_factory=list)
    # Generated on first use (row_builder): the level's rows, or None to take the general way.
    build: RowBuilder | None = None


# graphql-core's output coercions that return a value of this exact type as it is: most leaves
# of an answer are strings, and skipping the call is ~a third of filling them.
UNCHANGED: dict[Callable[[Any], Any], type] = {
    serialize_string: str,
    serialize_id: str,
    serialize_boolean: bool,
}


_enum_names: dict[GraphQLEnumType, Callable[[Any], Any]] = {}


def exact_classes(object_type: GraphQLObjectType) -> tuple[type, ...]:
    """The Python classes of this GraphQL type (its class, and for a generic specialisation
    such as `BookingEdge` the generic `Edge`). Strawberry's is_type_of accepts an instance of
    them unless it was `strawberry.cast` to another type, which this API never does; checking
    the class is far cheaper per object than the call."""
    return strawberry_classes(object_type)


def output_coercion(leaf_type: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The type's own output coercion; for enums a table of its answers per member, since
    Strawberry's enum type searches all values on every call."""
    if not isinstance(leaf_type, GraphQLEnumType):
        return leaf_type.coerce_output_value
    coerce = _enum_names.get(leaf_type)
    if coerce is None:
        original = leaf_type.coerce_output_value
        wrapped = enum_class(leaf_type)
        if wrapped is None:
            return original
        names = {member: original(member) for member in wrapped}

        def coerce(value: Any) -> Any:
            return names[value] if type(value) is wrapped else original(value)

        _enum_names[leaf_type] = coerce
        if all(answer == member._name_ for member, answer in names.items()):
            NAMED_BY_MEMBER[coerce] = wrapped
    return coerce


# Enum coercions whose answer for a member of the class is the member's name (Strawberry's
# default): generated row builders read `member._name_` instead of calling them.
NAMED_BY_MEMBER: dict[Callable[[Any], Any], type[Enum]] = {}


def rows_checked(plan: ObjectPlan, parents: list[Any]) -> list[dict[str, Any]]:
    """A level's rows with its typenames and leaves, parents checked by is_type_of: the way
    for what the generated builder declines (an object of another class than the type's)."""
    is_type_of = plan.is_type_of
    if is_type_of is not None:
        exact = plan.exact
        if not all(type(p) in exact for p in parents) and not all(
            is_type_of(p, None) for p in parents
        ):
            raise Fallback
    template = dict.fromkeys(plan.keys)  # the response's key order; copying is ~4x cheaper
    rows = [template.copy() for _ in parents]
    for key in plan.typenames:
        for row in rows:
            row[key] = plan.type_name
    fill_leaves(rows, parents, plan.leaves)
    return rows


# Row builders by what they are generated from: a plan made again for new variable values (a
# new cursor) has the same levels, and compiling one (~0.3 ms) costs more than it saves once.
BUILDERS: LRU[tuple[Any, ...], RowBuilder] = LRU(1024)


def row_builder(plan: ObjectPlan) -> RowBuilder:
    """The plan's generated row builder (compile_row_builder), shared by every plan of the
    same shape."""
    key = (plan.type_name, tuple(plan.keys), tuple(plan.typenames), tuple(plan.leaves), plan.exact)
    found = BUILDERS.get(key)
    if found is None:
        found = compile_row_builder(plan)
        BUILDERS.put(key, found)
    return found


def compile_row_builder(plan: ObjectPlan) -> RowBuilder:
    """A generated loop doing what rows_checked does, one object at a time: the class check,
    each leaf read and (unless already of its output type) coerced, and the row written as one
    dict display in the response's key order. ~2x cheaper than a loop per leaf over template
    copies. Returns None for a level with an object of another class (the general way checks
    it with is_type_of). Names come from the schema and the document, and go into the source
    only as `repr` literals or checked identifiers."""
    if not plan.exact or not all(
        leaf.attribute.isidentifier() and not keyword.iskeyword(leaf.attribute)
        for leaf in plan.leaves
    ):
        return lambda parents: None
    scope: dict[str, Any] = {}
    checks = " and ".join(f"type(p) is not _class{n}" for n in range(len(plan.exact)))
    for number, cls in enumerate(plan.exact):
        scope[f"_class{number}"] = cls
    lines = [
        "def build(parents):\n    rows = []\n    add = rows.append\n    for p in parents:\n",
        f"        if {checks}:\n            return None\n",
    ]
    values = typename_values(plan)
    for number, leaf in enumerate(plan.leaves):
        lines += leaf_lines(f"v{number}", f"p.{leaf.attribute}", leaf, scope, indent=8)
        values[leaf.key] = f"v{number}"
    lines += [f"        add({dict_display(plan, values)})\n", "    return rows\n"]
    build: RowBuilder = generate("".join(lines), "build", scope)
    return build


def typename_values(plan: ObjectPlan) -> dict[str, str]:
    """The source of each response key's value in a generated row, to be filled in: the type's
    name (a literal) for its `__typename` keys, None until a leaf or object is put there."""
    values = dict.fromkeys(plan.keys, "None")
    for key in plan.typenames:
        values[key] = repr(plan.type_name)
    return values


def dict_display(plan: ObjectPlan, values: dict[str, str]) -> str:
    """A generated row: a dict display in the response's key order. Keys (the document's
    response names) go in as `repr` literals; values are the generated code's own variables
    and literals, and expressions of the product's code (written.py's forms), never input."""
    return "{" + ", ".join(f"{key!r}: {values[key]}" for key in plan.keys) + "}"


def leaf_lines(
    variable: str, expression: str, leaf: Leaf, scope: dict[str, Any], *, indent: int
) -> list[str]:
    """Generated lines setting `variable` to the leaf's value read by `expression`, coerced
    as fill_leaves does (unless already of its output type; an enum member of a type answering
    by name gives its `_name_`); what they use is put in `scope` under names starting with
    `_` + `variable`."""
    coerce, unchanged = leaf.coerce, leaf.unchanged
    pad = " " * indent
    coerced = f"_{variable}_leaf"
    scope[coerced] = leaf_coercion(coerce, leaf.non_null)
    lines = [f"{pad}{variable} = {expression}\n"]
    enum = NAMED_BY_MEMBER.get(coerce)
    if unchanged is not None:
        scope[f"_{variable}_type"] = unchanged
        lines.append(f"{pad}if type({variable}) is not _{variable}_type:\n    ")
    elif enum is not None:
        scope[f"_{variable}_enum"] = enum
        lines.append(
            f"{pad}if type({variable}) is _{variable}_enum:\n"
            f"{pad}    {variable} = {variable}._name_\n{pad}else:\n    "
        )
    lines.append(f"{pad}{variable} = {coerced}({variable})\n")
    return lines


@cache  # one per (output coercion, nullability): bounded by the schema
def leaf_coercion(coerce: Callable[[Any], Any], non_null: bool) -> Callable[[Any], Any]:
    """One value as fill_leaves takes it: None stays None (or fails a non-null field), a value
    the scalar refuses raises Fallback."""

    def leaf(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Fallback
            return None
        try:
            coerced = coerce(value)
        except Exception as exc:
            raise Fallback from exc
        if coerced is None or coerced is Undefined:
            raise Fallback
        return coerced

    return leaf


def fill_leaves(rows: list[dict[str, Any]], parents: list[Any], leaves: list[Leaf]) -> None:
    """Each leaf's coerced value into each row; a value graphql-core would refuse raises
    Fallback. The general way (root fields' leaves, levels row_builder declines); planned
    levels are filled by their generated builders."""
    for leaf in leaves:
        coerce = leaf_coercion(leaf.coerce, leaf.non_null)
        key, attribute, unchanged = leaf.key, leaf.attribute, leaf.unchanged
        for row, parent in zip(rows, parents, strict=True):
            value = getattr(parent, attribute)
            row[key] = value if type(value) is unchanged else coerce(value)
