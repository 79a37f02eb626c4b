"""Nested pages written straight into the answer.

The executor completes a nested page level by level: each row of a slot's bookings page
becomes a Booking, its customer (a User) and an Edge (types/construct.py), and those objects
are then read again, one level at a time, into the answer's dicts (plans.row_builder). When
the subtree under a page reads nothing but what the page's rows hold, the objects are not
needed: `page_writer` generates one loop that writes each page's connection straight from its
rows, ~3x cheaper per row (bench/'s Q-small writes 100 such rows, Q-large 1,500).

What qualifies: `edges { node { ... } }` (aliases and `__typename` anywhere), where the node
reads only plain scalar fields and to-one objects held by the same row (a booking's customer,
JOINed by a slot's bookings page), those under the same rule. Anything else (a cursor,
`pageInfo`, `totalCount`, a relation loaded on its own such as a customer's `email`, which
checks who may see it) makes `page_writer` answer None, and the page takes the general way.

A relation declares how a row answers its node (`RowForm`, graphql/types/nodes.py); the
executor asks once per plan and passes the writer to the batch form as `write`. Values are
coerced as the row builders coerce them (plans.leaf_lines): a value they would refuse raises
Fallback, and graphql-core answers the subtree again with its own error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql_api.graphql.plans import ObjectPlan, Shape, leaf_lines
from graphql_api.lru import LRU

# Rows of each parent's page -> each parent's connection, completed.
PageWriter = Callable[[Sequence[Sequence[Any]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class RowForm:
    """How one row of a page answers a node of `type_name`: an expression over the row `r`
    (and `namespace`) for each plain field, and the to-one objects the same row holds, never
    null (a JOINed customer)."""

    type_name: str
    columns: Mapping[str, str]
    relations: Mapping[str, RowForm] = field(default_factory=dict)
    namespace: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse at import what would otherwise only make pages take the general way for
        good: an expression that does not compile or names anything but `r` and this form's
        namespace, and namespace names the generated loop uses itself."""
        for name in self.namespace:
            # The loop's own names do not start with `_`; leaf_lines' start with `_v`.
            if not name.startswith("_") or name.startswith("_v"):
                raise TypeError(f"{self.type_name}: {name!r} is not a name a row form may use")
        for attribute, expression in self.columns.items():
            names = {
                node.id
                for node in ast.walk(ast.parse(expression, mode="eval"))
                if isinstance(node, ast.Name)
            }
            unknown = names - {"r", *self.namespace}
            if unknown:
                raise TypeError(f"{self.type_name}.{attribute}: {sorted(unknown)} not in scope")


# Writers by what they are generated from: a plan is made again for each new set of variable
# values (a cursor, a page size), and its writer would be the same. Forms are module constants
# (their ids stay theirs); each entry keeps its form alive all the same.
_WRITERS: LRU[tuple[Any, ...], tuple[RowForm, PageWriter | None]] = LRU(1024)


def page_writer(shape: Shape, form: RowForm) -> PageWriter | None:
    """The generated writer for a connection of `form`'s nodes planned as `shape`, or None when
    the subtree reads anything its rows do not hold; generated once per form and shape."""
    key = (id(form), _structure(shape))
    found = _WRITERS.get(key)
    if found is None:
        found = (form, compile_page_writer(shape, form))
        _WRITERS.put(key, found)
    return found[1]


def _structure(shape: Shape) -> tuple[Any, ...]:
    """What a writer depends on in a shape: its levels' keys, typenames, leaves and nested
    selections (not their arguments' values, except whether there are any)."""
    if shape[0] != "object":
        return (shape[0], _structure(shape[1]) if isinstance(shape[1], tuple) else shape[1])
    plan: ObjectPlan = shape[1]
    nested = tuple(
        (s.key, s.field, s.batch, bool(s.arguments), _structure(s.shape)) for s in plan.nested
    )
    return (plan.type_name, tuple(plan.keys), tuple(plan.typenames), tuple(plan.leaves), nested)


def compile_page_writer(shape: Shape, form: RowForm) -> PageWriter | None:
    """page_writer's work, uncached."""
    connection = _object(shape)
    if connection is None or connection.leaves:
        return None
    edge_lists: list[tuple[str, ObjectPlan]] = []
    for selection in connection.nested:
        edge = _object(_item(selection.shape)) if selection.field == "edges" else None
        if edge is None or selection.batch is not None:
            return None
        edge_lists.append((selection.key, edge))
    writer = _Generated(form)
    loops: list[str] = []
    values = _typenames(connection)
    for number, (key, edge) in enumerate(edge_lists):
        built = writer.edge(edge, form)
        if built is None:
            return None
        lines, expression = built
        values[key] = f"e{number}"
        loops += [
            f"        e{number} = []\n        push{number} = e{number}.append\n",
            "        for r in rows:\n",
            *lines,
            f"            push{number}({expression})\n",
        ]
    source = [
        "def write(pages):\n    out = []\n    add = out.append\n    for rows in pages:\n",
        *loops,
        f"        add({_display(connection, values)})\n",
        "    return out\n",
    ]
    return writer.compile("".join(source))


class _Generated:
    """The scope and the variables of one writer's source."""

    def __init__(self, form: RowForm) -> None:
        self.scope: dict[str, Any] = {}
        self.count = 0
        for name, value in _namespaces(form):
            if self.scope.setdefault(name, value) is not value:
                raise TypeError(f"{name!r}: two row forms name different things so")

    def edge(self, edge: ObjectPlan, form: RowForm) -> tuple[list[str], str] | None:
        if edge.leaves:
            return None
        nodes = [
            (s.key, _object(s.shape) if s.field == "node" and s.batch is None else None, form)
            for s in edge.nested
        ]
        lines: list[str] = []
        values = _typenames(edge)
        if not self.objects(nodes, lines, values):
            return None
        return lines, _display(edge, values)

    def node(self, plan: ObjectPlan, form: RowForm) -> tuple[list[str], str] | None:
        """Lines computing the node's leaves, and a dict display of the node."""
        if plan.type_name != form.type_name:
            return None
        lines: list[str] = []
        values = _typenames(plan)
        for leaf in plan.leaves:
            expression = form.columns.get(leaf[1])
            if expression is None:
                return None
            variable = f"v{self.count}"
            self.count += 1
            lines += leaf_lines(variable, expression, leaf, self.scope, indent=12)
            values[leaf[0]] = variable
        held = [
            (s.key, None if s.arguments else _object(s.shape), form.relations.get(s.field))
            for s in plan.nested
        ]
        if not self.objects(held, lines, values):
            return None
        return lines, _display(plan, values)

    def objects(
        self,
        found: Sequence[tuple[str, ObjectPlan | None, RowForm | None]],
        lines: list[str],
        values: dict[str, str],
    ) -> bool:
        """Each (response key, object plan, form) written from the row into `lines` and
        `values`; False when one cannot be (no plan or no form for it)."""
        for key, plan, form in found:
            built = self.node(plan, form) if plan is not None and form is not None else None
            if built is None:
                return False
            lines += built[0]
            values[key] = built[1]
        return True

    def compile(self, source: str) -> PageWriter:
        exec(source, self.scope)  # noqa: S102 - see _display: no input reaches the source
        write: PageWriter = self.scope["write"]
        return write


def _object(shape: Shape) -> ObjectPlan | None:
    """The object plan of an object shape (nullable or not); None for anything else."""
    if shape[0] == "non_null":
        shape = shape[1]
    return shape[1] if shape[0] == "object" else None


def _item(shape: Shape) -> Shape:
    """The item shape of a list shape (nullable or not); a leaf shape for anything else."""
    if shape[0] == "non_null":
        shape = shape[1]
    return shape[1] if shape[0] == "list" else ("leaf", None)


def _typenames(plan: ObjectPlan) -> dict[str, str]:
    values = dict.fromkeys(plan.keys, "None")
    for key in plan.typenames:
        values[key] = repr(plan.type_name)
    return values


def _display(plan: ObjectPlan, values: dict[str, str]) -> str:
    """A dict display in the response's key order. Keys (the document's response names) and
    type names go in as `repr` literals; values are the writer's own variables, literals and
    the forms' expressions (nodes.py's code, never input)."""
    return "{" + ", ".join(f"{key!r}: {values[key]}" for key in plan.keys) + "}"


def _namespaces(form: RowForm) -> list[tuple[str, Any]]:
    found = list(form.namespace.items())
    for related in form.relations.values():
        found += _namespaces(related)
    return found
