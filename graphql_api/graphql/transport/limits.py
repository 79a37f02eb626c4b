"""Document limits, checked before validation and execution: depth, aliases, directives and an
estimated cost that multiplies page sizes through nested connections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from weakref import ref

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.language.visitor import BREAK

from graphql_api.errors import QueryTooComplex
from graphql_api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

V = TypeVar("V")

# Fields that return a connection: their `first` multiplies the cost of what is under them.
CONNECTION_FIELDS = frozenset({"slots", "bookings", "records", "users"})


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_depth: int
    max_aliases: int
    max_directives: int
    max_cost: int
    max_field_repeats: int


@dataclass(slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0
    repeats: int = 0  # most occurrences of one response key in one selection set


class _Walker:
    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ):
        self.fragments = fragments
        self.variables = variables
        self.measure = Measure()
        self.read_variables = False  # the measure depends on this request's variables

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), MAX_PAGE_SIZE))
            if isinstance(value, VariableNode):
                self.read_variables = True
                raw = self.variables.get(value.name.value)
                if isinstance(raw, int) and not isinstance(raw, bool):
                    return max(0, min(raw, MAX_PAGE_SIZE))
            return MAX_PAGE_SIZE  # unknown: assume the worst
        return DEFAULT_PAGE_SIZE

    def walk(
        self,
        selections: SelectionSetNode | None,
        depth: int,
        multiplier: int,
        seen: frozenset[str],
        keys: Counter[str] | None = None,
    ) -> None:
        """`keys` counts response keys of one merged selection set (fragments included):
        validation compares same-named fields pairwise, so many repeats cost quadratic time."""
        if selections is None:
            return
        keys = Counter() if keys is None else keys
        for node in selections.selections:
            self.measure.directives += len(node.directives or ())
            if isinstance(node, FieldNode):
                if node.alias is not None:
                    self.measure.aliases += 1
                key = (node.alias or node.name).value
                keys[key] += 1
                self.measure.repeats = max(self.measure.repeats, keys[key])
                if node.name.value.startswith("__"):
                    continue
                self.measure.depth = max(self.measure.depth, depth)
                if node.selection_set is not None:  # cost counts objects; leaves ride along
                    self.measure.cost += multiplier
                inner = multiplier
                if node.name.value in CONNECTION_FIELDS and node.selection_set is not None:
                    inner = multiplier * max(1, self.page_size(node))
                self.walk(node.selection_set, depth + 1, inner, seen)
            elif isinstance(node, InlineFragmentNode):
                self.walk(node.selection_set, depth, multiplier, seen, keys)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation reports it
                    continue
                self.measure.directives += len(fragment.directives or ())
                self.walk(fragment.selection_set, depth, multiplier, seen | {name}, keys)


class _PerDocument(Generic[V]):
    """Values kept per parsed document for as long as it lives. By identity: AST nodes are
    frozen dataclasses whose hash walks the whole tree. The parser cache hands out the same
    DocumentNode for the same text, so a repeated query is walked once."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[ref[DocumentNode], V]] = {}

    def get(self, document: DocumentNode) -> V | None:
        item = self._items.get(id(document))
        return item[1] if item is not None and item[0]() is document else None

    def set(self, document: DocumentNode, value: V) -> None:
        key = id(document)

        def forget(dead: ref[DocumentNode]) -> None:
            item = self._items.get(key)
            if item is not None and item[0] is dead:
                del self._items[key]

        self._items[key] = (ref(document, forget), value)


# The measure (unless it read variables) per operation name, and the NUL search.
_measures: _PerDocument[dict[str | None, Measure]] = _PerDocument()
_nul_free: _PerDocument[bool] = _PerDocument()


def measure(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
) -> Measure:
    known = _measures.get(document)
    if known is not None and operation_name in known:
        return known[operation_name]
    found, read_variables = _measure(document, operation_name, variables)
    if not read_variables:
        if known is None:
            known = {}
            _measures.set(document, known)
        known[operation_name] = found
    return found


def _measure(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
) -> tuple[Measure, bool]:
    read_variables = False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    total = Measure()
    for operation in operations:
        if operation_name and operation.name and operation.name.value != operation_name:
            continue
        walker = _Walker(fragments, variables)
        walker.measure.directives += len(operation.directives or ())
        walker.walk(operation.selection_set, 1, 1, frozenset())
        read_variables = read_variables or walker.read_variables
        m = walker.measure
        total.depth = max(total.depth, m.depth)
        total.aliases += m.aliases
        total.directives += m.directives
        total.cost += m.cost
        total.repeats = max(total.repeats, m.repeats)
    return total, read_variables


def violation(m: Measure, limits: DocumentLimits) -> str | None:
    """The first limit the document breaks, as a message, or None."""
    if m.depth > limits.max_depth:
        return f"Query depth {m.depth} exceeds the limit of {limits.max_depth}."
    if m.aliases > limits.max_aliases:
        return f"Query uses {m.aliases} aliases; the limit is {limits.max_aliases}."
    if m.directives > limits.max_directives:
        return f"Query uses {m.directives} directives; the limit is {limits.max_directives}."
    if m.repeats > limits.max_field_repeats:
        return (
            f"A field is selected {m.repeats} times in one selection set; "
            f"the limit is {limits.max_field_repeats}."
        )
    if m.cost > limits.max_cost:
        return f"Query cost {m.cost} exceeds the limit of {limits.max_cost} objects."
    return None


NUL_MESSAGE = "Text must not contain the NUL character (U+0000)."


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if "\x00" in node.value:
            self.found = True
            return BREAK
        return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def refusal(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    limits: DocumentLimits,
) -> tuple[str, str] | None:
    """Why this request of the document is refused before validation, as (message, code), or
    None: over a limit (QUERY_TOO_COMPLEX), or a NUL character (BAD_USER_INPUT). Both paths
    ask this: the DocumentLimits extension and prepared queries (graphql/prepared.py)."""
    problem = violation(measure(document, operation_name, variables), limits)
    if problem is not None:
        return problem, QueryTooComplex.code
    if contains_nul(document, variables):
        return NUL_MESSAGE, "BAD_USER_INPUT"
    return None


def contains_nul(document: DocumentNode, variables: Mapping[str, Any]) -> bool:
    """NUL in any string argument or variable: no database column may hold it (PostgreSQL
    refuses it outright), so it is refused as bad input before anything runs."""
    if _has_nul(variables):
        return True
    nul_free = _nul_free.get(document)
    if nul_free is None:
        finder = _NulFinder()
        visit(document, finder)
        nul_free = not finder.found
        _nul_free.set(document, nul_free)
    return not nul_free
