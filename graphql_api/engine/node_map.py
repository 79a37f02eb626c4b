"""How a node type's fields come from its table, derived once from the type and the model.

A node type's plain fields are declared once, on its Strawberry type; `NodeMap(cls, model)`
finds each in the model's table (a column of the same name) or in `derived` (a field computed
from columns), and refuses at import a field it cannot map, naming it. Everything the engine
needs of the type comes from the map: building it from an entity or a row (`from_row`), the
columns a page may leave out (`unread`), and how a page's row answers each field
(`row_expressions`, for generated edge builders and page writers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from graphql_api.compat import resolver_function
from graphql_api.engine.batching import FieldsRead
from graphql_api.engine.codegen import generate
from graphql_api.engine.switch import enabled as engine_enabled

T = TypeVar("T")


@dataclass(frozen=True)
class Derived:
    """A field computed from columns: `compute(*values)`, the columns' values in order."""

    columns: tuple[str, ...]
    compute: Callable[..., Any]


@dataclass(frozen=True)
class MappedField:
    """One plain field of a node type: the columns it reads, and how (a column copied as is,
    or `derived`)."""

    name: str
    columns: tuple[str, ...]
    derived: Derived | None = None


class NodeMap(Generic[T]):
    """The map of a node type `cls` (a Strawberry type whose `id` is the global id of the
    model's `id`) onto `model`'s table.

    `derived`: fields computed from columns. `reads`: resolver fields and the columns they
    read of the row (a relation's key; `email` read by its resolver). `kept`: columns a page
    never leaves out (a parent's key, an order's column). `encode(type_name, pk)`: the global
    id. Private fields (named `_name`) other than `_model` (the row itself) take their defaults
    unless given.
    """

    def __init__(
        self,
        cls: type[T],
        model: type[Any],
        *,
        encode: Callable[[str, Any], str],
        derived: Mapping[str, Derived] | None = None,
        reads: Mapping[str, Sequence[str]] | None = None,
        kept: Sequence[str] = (),
    ) -> None:
        self.cls = cls
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        self.type_name: str = definition.name
        self.table_columns: tuple[str, ...] = tuple(c.key for c in model.__table__.columns)
        self.encode = encode
        derived = dict(derived or {})
        # Private fields are named `_name` (Strawberry lists them too until the schema is built).
        public_fields = [f for f in definition.fields if not f.python_name.startswith("_")]
        plain = [f.python_name for f in public_fields if resolver_function(f) is None]
        resolved = {f.python_name for f in public_fields if resolver_function(f) is not None}
        self.fields: tuple[MappedField, ...] = tuple(
            self._map(name, derived) for name in plain if name != "id"
        )
        unused = set(derived) - set(plain)
        if unused:
            raise TypeError(f"{self.type_name}: derived {sorted(unused)} are not plain fields")
        reads = {name: tuple(columns) for name, columns in (reads or {}).items()}
        unknown = set(reads) - resolved
        if unknown:
            raise TypeError(f"{self.type_name}: reads= names {sorted(unknown)}, not resolvers")
        self._check_columns([c for columns in reads.values() for c in columns] + list(kept))
        public = {f.python_name for f in public_fields}
        init = [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
        self.private = {
            f.name: f.default
            for f in init
            if f.name not in public and f.name != "_model" and f.name.startswith("_")
        }
        if "_model" not in {f.name for f in init}:
            raise TypeError(f"{self.type_name}: no private `_model` field for the row")
        # Pruning: each column a page may leave out -> the fields that read it.
        needs: dict[str, set[str]] = {
            c: set() for c in self.table_columns if c != "id" and c not in kept
        }
        for mapped in self.fields:
            for column in mapped.columns:
                if column in needs:
                    needs[column].add(mapped.name)
        for name, columns in reads.items():
            for column in columns:
                if column in needs:
                    needs[column].add(name)
        self.needs = {column: frozenset(names) for column, names in needs.items()}
        self.readable = frozenset(public)
        # Generated; with the engine off, it hands over to `_plain` (the class's constructor).
        self.from_row: Callable[..., T] = self._generated()

    def _map(self, name: str, derived: Mapping[str, Derived]) -> MappedField:
        if name in derived:
            found = derived[name]
            self._check_columns(found.columns)
            return MappedField(name, found.columns, found)
        if name in self.table_columns:
            return MappedField(name, (name,))
        raise TypeError(
            f"{self.type_name}.{name}: not a column of {self.table_columns!r} and not declared "
            "derived: the engine cannot map it (add the column, or NodeMap(derived=...))"
        )

    def _check_columns(self, columns: Sequence[str]) -> None:
        missing = [c for c in columns if c not in self.table_columns]
        if missing:
            raise TypeError(f"{self.type_name}: no columns {missing} in the table")

    # -- building from a row -------------------------------------------------------------

    def _plain(self, row: Any, **private: Any) -> T:
        values: dict[str, Any] = {"id": self.encode(self.type_name, row.id)}
        for mapped in self.fields:
            if mapped.derived is None:
                values[mapped.name] = getattr(row, mapped.name)
            else:
                args = [getattr(row, column) for column in mapped.derived.columns]
                values[mapped.name] = mapped.derived.compute(*args)
        build: Any = self.cls
        return cast(T, build(**values, _model=row, **private))

    def _generated(self) -> Callable[..., T]:
        """`_plain` as one generated function: fields assigned in the dataclass's order."""
        namespace: dict[str, Any] = {
            "_new": object.__new__,
            "_cls": self.cls,
            "_encode": self.encode,
            "_type": self.type_name,
            "_enabled": engine_enabled,
            "_plain": self._plain,
        }
        expressions = {"id": "_encode(_type, row.id)", "_model": "row"}
        for mapped in self.fields:
            if mapped.derived is None:
                expressions[mapped.name] = f"row.{mapped.name}"
            else:
                namespace[f"_derived_{mapped.name}"] = mapped.derived.compute
                args = ", ".join(f"row.{column}" for column in mapped.derived.columns)
                expressions[mapped.name] = f"_derived_{mapped.name}({args})"
        parameters = []
        for number, (name, default) in enumerate(self.private.items()):
            namespace[f"_default{number}"] = default
            parameters.append(f"{name}=_default{number}")
            expressions[name] = name
        signature = f"row, *, {', '.join(parameters)}" if parameters else "row"
        passed = "".join(f", {name}={name}" for name in self.private)
        lines = [
            f"def from_row({signature}):\n",
            f"    if not _enabled():\n        return _plain(row{passed})\n",
            "    self = _new(_cls)\n",
        ]
        for field in dataclasses.fields(self.cls):  # type: ignore[arg-type]
            if field.init:
                lines.append(f"    self.{field.name} = {expressions[field.name]}\n")
        lines.append("    return self\n")
        built: Callable[..., T] = generate("".join(lines), "from_row", namespace)
        return built

    # -- pages ---------------------------------------------------------------------------

    def unread(
        self,
        fields_read: FieldsRead,
        read: frozenset[str] | None = None,
        *,
        label: Callable[[str], str] = str,
        columns: Sequence[str] | None = None,
    ) -> set[str] | None:
        """The columns a page may leave out: those no read field needs (labelled by `label`,
        only among `columns` when given); None (leave everything in) when a field read is not
        one of the type's (it might read any column through `_model`)."""
        read = fields_read.get(self.type_name, frozenset()) if read is None else read
        if not read <= self.readable:
            return None
        return {
            label(column)
            for column, needed_by in self.needs.items()
            if not needed_by & read and (columns is None or column in columns)
        }

    def row_expressions(self, position: Callable[[str], int]) -> dict[str, str]:
        """How a page's row `r` answers each plain field (and `id`), `position(column)` giving
        where a column is in the row; names: `_encode`, `_derived_<field>` (`row_namespace`)."""
        expressions = {"id": f"_encode({self.type_name!r}, r[{position('id')}])"}
        for mapped in self.fields:
            if mapped.derived is None:
                expressions[mapped.name] = f"r[{position(mapped.name)}]"
            else:
                args = ", ".join(f"r[{position(column)}]" for column in mapped.columns)
                expressions[mapped.name] = f"_derived_{self.type_name}_{mapped.name}({args})"
        return expressions

    def row_namespace(self) -> dict[str, Any]:
        """The names `row_expressions` uses."""
        namespace: dict[str, Any] = {"_encode": self.encode}
        for mapped in self.fields:
            if mapped.derived is not None:
                namespace[f"_derived_{self.type_name}_{mapped.name}"] = mapped.derived.compute
        return namespace
