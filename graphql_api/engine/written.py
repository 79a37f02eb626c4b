"""Nested pages written straight into the answer.

The executor completes a nested page level by level: each row of a slot's bookings page
becomes a Booking, its customer (a User) and an Edge (types/construct.py), and those objects
are then read again, one level at a time, into the answer's dicts (plans.row_builder). When
the subtree under a page reads nothing but what the page holds, the objects are not needed:
`page_writer` generates one loop that writes each page's connection straight from its rows.

What qualifies: `edges { cursor node { ... } }` and `pageInfo { hasNextPage hasPreviousPage
startCursor endCursor }` (aliases and `__typename` anywhere), where the node reads only plain
scalar fields and to-one objects held by the same row (a booking's customer, JOINed by a
slot's bookings page), those under the same rule. Anything else (`totalCount`, a relation
loaded on its own such as a customer's `email`, which checks who may see it, or a booking's
`records`) makes `page_writer` answer None, and the page takes the general way.

A relation declares how a row answers its node (`RowForm`, graphql/types/nodes.py); the
executor asks once per plan and passes the writer to the batch form as `write`, with each
page's rows and whether more follow, and whether the pages start after a cursor. Values are
coerced as the row builders coerce them (plans.leaf_lines): a value they would refuse raises
Fallback, and graphql-core answers the subtree again with its own error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql_api.engine.codegen import generate
from graphql_api.engine.plans import (
    UNCHANGED,
    Leaf,
    ObjectPlan,
    Selection,
    Shape,
    ShapeKind,
    dict_display,
    leaf_lines,
    typename_values,
)
from graphql_api.lru import LRU

# Each parent's page (its rows, and whether more follow), and whether the pages start after a
# cursor -> each parent's connection, completed.
PageWriter = Callable[[Sequence[tuple[Sequence[Any], bool]], bool], list[dict[str, Any]]]


@dataclass(frozen=True)
class RowForm:
    """How one row of a page answers a node of `type_name`: an expression over the row `r`
    (and `namespace`) for each plain field, and the to-one objects the same row holds, never
    null (a JOINed customer)."""

    type_name: str
    columns: Mapping[str, str]
    relations: Mapping[str, RowForm] = field(default_factory=dict)
    namespace: Mapping[str, Any] = field(default_factory=dict)
    # The row's cursor, as the page's own edges and pageInfo encode it (None: not written).
    cursor: str | None = None

    def __post_init__(self) -> None:
        """Refuse at import what would otherwise only make pages take the general way for
        good: an expression that does not compile or names anything but `r` and this form's
        namespace, and namespace names the generated loop uses itself."""
        for name in self.namespace:
            # The loop's own names do not start with `_`; leaf_lines' start with `_v`.
            if not name.startswith("_") or name.startswith("_v"):
                raise TypeError(f"{self.type_name}: {name!r} is not a name a row form may use")
        expressions = dict(self.columns)
        if self.cursor is not None:
            expressions["cursor"] = self.cursor
        for attribute, expression in expressions.items():
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
    if shape.kind is not ShapeKind.OBJECT:
        return (shape.kind, _structure(shape.of) if isinstance(shape.of, Shape) else shape.of)
    plan: ObjectPlan = shape.of
    nested = tuple(
        (s.key, s.field, s.batch, bool(s.arguments), _structure(s.shape)) for s in plan.nested
    )
    return (plan.type_name, tuple(plan.keys), tuple(plan.typenames), tuple(plan.leaves), nested)


def compile_page_writer(shape: Shape, form: RowForm) -> PageWriter | None:
    """page_writer's work, uncached."""
    connection = _object(shape)
    if connection is None or connection.leaves:
        return None
    writer = _Generated(form)
    lines: list[str] = []
    values = typename_values(connection)
    edge_lists = 0
    for selection in connection.nested:
        if selection.batch is not None:
            return None  # (totalCount)
        if selection.field == "edges":
            edge = _object(_item(selection.shape))
            built = writer.edge(edge, form) if edge is not None else None
            if built is None:
                return None
            edges = f"e{edge_lists}"
            edge_lists += 1
            lines += [
                f"        {edges} = []\n        push_{edges} = {edges}.append\n",
                "        for r in rows:\n",
                *built[0],
                f"            push_{edges}({built[1]})\n",
            ]
            values[selection.key] = edges
        elif selection.field == "page_info":
            page_info = _object(selection.shape)
            built = writer.page_info(page_info, form) if page_info is not None else None
            if built is None:
                return None
            lines += built[0]
            values[selection.key] = built[1]
        else:
            return None
    source = [
        "def write(pages, has_previous):\n    out = []\n    add = out.append\n",
        "    for rows, has_next in pages:\n",
        *lines,
        f"        add({dict_display(connection, values)})\n",
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
        lines: list[str] = []
        values = typename_values(edge)
        nodes: list[tuple[str, ObjectPlan | None, RowForm | None]] = []
        for s in edge.nested:
            cursor = _leaf(s) if s.field == "cursor" and s.batch is not None else None
            if s.field == "node" and s.batch is None:
                nodes.append((s.key, _object(s.shape), form))
            elif cursor is not None and form.cursor is not None:
                values[s.key] = self.leaf(form.cursor, cursor, lines, indent=12)
            else:
                return None
        if not self.objects(nodes, lines, values):
            return None
        return lines, dict_display(edge, values)

    def page_info(self, plan: ObjectPlan, form: RowForm) -> tuple[list[str], str] | None:
        """Lines computing a page's pageInfo, and its dict display: whether more follow and
        whether it starts after a cursor, as the page says; its first and last rows' cursors,
        None for an empty page. (They set `r` outside the edge loops, before or after them in
        the order of the selections; each loop sets `r` for its own rows, and every value has
        a variable of its own, read only by the displays at the end.)"""
        flags = {"has_next_page": "has_next", "has_previous_page": "has_previous"}
        lines: list[str] = []
        values = typename_values(plan)
        for leaf in plan.leaves:
            if leaf.attribute not in flags:
                return None
            values[leaf.key] = self.leaf(flags[leaf.attribute], leaf, lines, indent=8)
        ends = {"start_cursor": "rows[0]", "end_cursor": "rows[-1]"}
        for s in plan.nested:
            cursor = _leaf(s) if s.field in ends and s.batch is not None else None
            if cursor is None or form.cursor is None:
                return None
            lines.append(f"        r = {ends[s.field]} if rows else None\n")
            expression = f"None if r is None else {form.cursor}"
            values[s.key] = self.leaf(expression, cursor, lines, indent=8)
        return lines, dict_display(plan, values)

    def leaf(self, expression: str, leaf: Leaf, lines: list[str], *, indent: int) -> str:
        """A new variable holding the leaf's coerced value (plans.leaf_lines)."""
        variable = f"v{self.count}"
        self.count += 1
        lines += leaf_lines(variable, expression, leaf, self.scope, indent=indent)
        return variable

    def node(self, plan: ObjectPlan, form: RowForm) -> tuple[list[str], str] | None:
        """Lines computing the node's leaves, and a dict display of the node."""
        if plan.type_name != form.type_name:
            return None
        lines: list[str] = []
        values = typename_values(plan)
        for leaf in plan.leaves:
            expression = form.columns.get(leaf.attribute)
            if expression is None:
                return None
            values[leaf.key] = self.leaf(expression, leaf, lines, indent=12)
        held = [
            (s.key, None if s.arguments else _object(s.shape), form.relations.get(s.field))
            for s in plan.nested
        ]
        if not self.objects(held, lines, values):
            return None
        return lines, dict_display(plan, values)

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
        write: PageWriter = generate(source, "write", self.scope)
        return write


def _object(shape: Shape) -> ObjectPlan | None:
    """The object plan of an object shape (nullable or not); None for anything else."""
    if shape.kind is ShapeKind.NON_NULL:
        shape = shape.of
    return shape.of if shape.kind is ShapeKind.OBJECT else None


def _leaf(selection: Selection) -> Leaf | None:
    """A batched scalar field (a cursor) as a Leaf for leaf_lines; None for anything else."""
    shape = selection.shape
    non_null = shape.kind is ShapeKind.NON_NULL
    if non_null:
        shape = shape.of
    if shape.kind is not ShapeKind.LEAF:
        return None
    coerce = shape.of
    return Leaf(selection.key, selection.field, coerce, non_null, UNCHANGED.get(coerce))


def _item(shape: Shape) -> Shape:
    """The item shape of a list shape (nullable or not); a leaf shape for anything else."""
    if shape.kind is ShapeKind.NON_NULL:
        shape = shape.of
    return shape.of if shape.kind is ShapeKind.LIST else Shape(ShapeKind.LEAF, None)


def _namespaces(form: RowForm) -> list[tuple[str, Any]]:
    found = list(form.namespace.items())
    for related in form.relations.values():
        found += _namespaces(related)
    return found
