"""Document limits, checked before validation and execution: depth, aliases, directives and an
estimated cost that multiplies page sizes through nested connections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

from graphql_api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

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

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), MAX_PAGE_SIZE))
            if isinstance(value, VariableNode):
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


def measure(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
) -> Measure:
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
        m = walker.measure
        total.depth = max(total.depth, m.depth)
        total.aliases += m.aliases
        total.directives += m.directives
        total.cost += m.cost
        total.repeats = max(total.repeats, m.repeats)
    return total


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


def contains_nul(document: DocumentNode, variables: Mapping[str, Any]) -> bool:
    """NUL in any string argument or variable: no database column may hold it (PostgreSQL
    refuses it outright), so it is refused as bad input before anything runs."""
    if _has_nul(variables):
        return True
    finder = _NulFinder()
    visit(document, finder)
    return finder.found
