"""graphql_api/compat.py: each private API of graphql-core, Strawberry and SQLAlchemy the
product uses is named there once, still does what the product relies on, and fails loudly when
it does not."""

from __future__ import annotations

import ast
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import strawberry
from graphql import Executor
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.fastapi import GraphQLRouter

import graphql_api
from graphql_api import compat
from graphql_api.compat import PRIVATE_APIS, PrivateApi, PrivateApiChanged
from graphql_api.engine import FastExecutor
from graphql_api.graphql.schema.build import Schema, _ValidationCacheAfterLimits
from graphql_api.graphql.transport.extensions import ErrorFormatter, OperationReads
from graphql_api.graphql.transport.router import BookingRouter
from graphql_api.graphql.transport.websocket import LegacyWSHandler, TransportWSHandler

PACKAGE = Path(graphql_api.__file__).resolve().parent
ROOT = PACKAGE.parent


def _entry(name: str) -> PrivateApi:
    (found,) = [entry for entry in PRIVATE_APIS if entry.name == name]
    return found


@pytest.mark.parametrize("entry", PRIVATE_APIS, ids=[entry.name for entry in PRIVATE_APIS])
def test_the_private_api_still_does_what_the_product_relies_on(entry: PrivateApi) -> None:
    entry.check()


def test_each_private_api_is_named_once() -> None:
    names = [(entry.library, entry.name) for entry in PRIVATE_APIS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, f"named more than once in graphql_api/compat.py: {repeated}"


def test_each_entry_says_which_library_where_and_why() -> None:
    libraries = {compat.GRAPHQL_CORE, compat.STRAWBERRY, compat.SQLALCHEMY}
    for entry in PRIVATE_APIS:
        assert entry.library in libraries, entry
        assert entry.why.strip(), entry
        for path in entry.used_in.split(", "):
            assert (ROOT / path).is_file(), f"{entry.name}: used_in names {path}, not a file"


def test_a_removed_api_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _entry("Executor.collect_subfields")
    monkeypatch.delattr(Executor, "collect_subfields")
    with pytest.raises(PrivateApiChanged) as raised:
        entry.check()
    message = str(raised.value)
    assert message.startswith(
        f"graphql-core {version('graphql-core')} removed Executor.collect_subfields, which"
        " graphql_api/engine/executor.py relies on ("
    ), message
    assert message.endswith("See graphql_api/compat.py."), message


def test_a_changed_api_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _entry("Executor.execute_fields")
    monkeypatch.setattr(Executor, "execute_fields", lambda self, parent_type, source_value: {})
    with pytest.raises(PrivateApiChanged) as raised:
        entry.check()
    message = str(raised.value)
    assert "changed Executor.execute_fields, which graphql_api/engine/executor.py" in message
    assert "takes 3 positional parameters, not 6" in message


def test_compat_imports_nothing_of_the_product() -> None:
    """compat.py imports only its SQLAlchemy half; that half imports nothing of the product
    (and neither imports Strawberry's users: no cycles, importable from the engine)."""
    for name, allowed in (
        ("compat.py", {"graphql_api.sqlalchemy_compat"}),
        ("sqlalchemy_compat.py", set()),
    ):
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        product = {m for m in imported if m and m.startswith("graphql_api")}
        assert product <= allowed, (name, product - allowed)


# Hooks the libraries document for subclasses: a rename would be announced, not silent.
DOCUMENTED_HOOKS = frozenset(
    {
        "on_operation",
        "on_execute",
        "on_validate",
        "on_parse",
        "resolve",
        "get_results",
        "render_graphql_ide",
        "on_ws_connect",
        "encode_json",
        "get_context",
        "get_root_value",
    }
)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (FastExecutor, Executor),
        (BookingRouter, GraphQLRouter),
        (TransportWSHandler, compat.BaseGraphQLTransportWSHandler),
        (LegacyWSHandler, compat.BaseGraphQLWSHandler),
        (ErrorFormatter, SchemaExtension),
        (OperationReads, SchemaExtension),
        (Schema, strawberry.Schema),
        (_ValidationCacheAfterLimits, ValidationCache),
    ],
    ids=lambda cls: cls.__name__,
)
def test_every_override_of_a_library_class_is_in_the_registry(ours: type, theirs: type) -> None:
    """A method or class attribute the product overrides on a library's class is either one of
    the documented hooks or an entry of graphql_api/compat.py (a rename would silently stop
    calling ours)."""
    named = {part for entry in PRIVATE_APIS for part in re.split(r"[./ ,()]+", entry.name)}
    overridden = {
        name
        for name, value in vars(ours).items()
        if not name.startswith("__")
        and (callable(value) or isinstance(value, property | classmethod | staticmethod))
        and hasattr(theirs, name)
        and name not in DOCUMENTED_HOOKS
    }
    assert overridden <= named, f"add to graphql_api/compat.py: {sorted(overridden - named)}"


# What only graphql_api/compat.py may name: internal modules, and private attributes read.
INTERNAL_MODULES = (
    "cross_web",
    "graphql.execution.collect_fields",
    "graphql.execution.executor",
    "graphql.execution.middleware",
    "graphql.type.definition",
    "graphql.type.scalars",
    "sqlalchemy.orm.attributes",
    "sqlalchemy.sql.compiler",
    "sqlalchemy.sql.elements",
    "sqlalchemy.util",
    "strawberry.execution",
    "strawberry.http.async_base_view",
    "strawberry.http.base",
    "strawberry.schema.exceptions",
    "strawberry.schema.schema",
    "strawberry.schema.schema_converter",
    "strawberry.subscriptions.protocols",
    "strawberry.types.arguments",
)
INTERNAL_NAMES = {("graphql.pyutils", "gather_with_cancel"), ("sqlalchemy.sql", "sqltypes")}
PRIVATE_ATTRIBUTES = frozenset(
    {
        "_schema",
        "_strawberry_schema",
        "_provided_operation_name",
        "_is_default",
        "_object_lookup",
        "_span_holder",
        "_get_stream_transport_from_headers",
        "DEFINITION_BACKREF",
        "wrapped_cls",
        "literal_execute_params",
        "construct_expanded_state",
        "callable",
        "class_manager",
        "dispatch",
        "loaded_dbapi",
        "is_disconnect",
        "is_basic_field",
        "default_resolver",
        "base_resolver",
        "concrete_of",
    }
)


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith(INTERNAL_MODULES) or any(
                (node.module, alias.name) in INTERNAL_NAMES for alias in node.names
            ):
                found.append(f"{path.name}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and (
            node.attr in PRIVATE_ATTRIBUTES
            or (node.attr == "binds" and ast.unparse(node.value).endswith("compiled"))
            or (node.attr == "logger" and ast.unparse(node.value).endswith("engine"))
        ):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in PRIVATE_ATTRIBUTES
        ):
            found.append(f"{path.name}:{node.lineno} getattr(..., {node.args[1].value!r})")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "instance"
            and isinstance(node.value, ast.Name)
            and node.value.id == "DBAPIError"
        ):
            found.append(f"{path.name}:{node.lineno} DBAPIError.instance")
    return found


# compat.py and the SQLAlchemy part it re-exports (which must import without Strawberry).
COMPAT_MODULES = ("compat.py", "sqlalchemy_compat.py")


def test_only_compat_names_the_private_apis() -> None:
    found = [
        use
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in COMPAT_MODULES and "migrations" not in path.parts
        for use in _private_uses(path)
    ]
    assert not found, (
        "read these through graphql_api/compat.py (or the library's public module):\n"
        + "\n".join(found)
    )
