"""The engine is a bounded package (graphql_api/engine/): it imports none of the schema's,
transport's or loading's modules, nor the services or models, and no module of the product
outside it imports its modules: only `graphql_api.engine` itself, the stated interface.
(Tests may reach inside to test the parts.)"""

from __future__ import annotations

import ast
from pathlib import Path

import graphql_api.engine

PACKAGE = Path(graphql_api.engine.__file__).resolve().parent.parent
ENGINE = PACKAGE / "engine"
ENGINE_MODULES = {f"graphql_api.engine.{path.stem}" for path in ENGINE.glob("*.py")}
# What the engine may use of the product: its own modules, two small utilities, and the
# registry of the libraries' private APIs it reads.
ENGINE_MAY_IMPORT = (
    "graphql_api.engine",
    "graphql_api.lru",
    "graphql_api.db",
    "graphql_api.compat",
    "graphql_api.sqlalchemy_compat",
)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports; for `from a import b`, `a.b` when that is a module here."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if candidate.replace(".", "/") in _MODULE_PATHS:
                    found.add(candidate)
    return found


_MODULE_PATHS = {
    str(path.relative_to(PACKAGE.parent).with_suffix("")).replace("\\", "/")
    for path in PACKAGE.rglob("*.py")
} | {str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*") if path.is_dir()}


def test_the_engine_imports_nothing_of_the_schema_transport_loading_or_services() -> None:
    wrong = {
        f"{path.name}: {module}"
        for path in ENGINE.glob("*.py")
        for module in _imports(path)
        if module.startswith("graphql_api") and not module.startswith(ENGINE_MAY_IMPORT)
    }
    assert not wrong, f"the engine must not depend on the product's layers: {sorted(wrong)}"


def test_nothing_outside_the_engine_imports_its_modules() -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in PACKAGE.rglob("*.py")
        if ENGINE not in path.parents
        for module in _imports(path)
        if module in ENGINE_MODULES
    }
    assert not wrong, f"import from graphql_api.engine (its interface) instead: {sorted(wrong)}"


def test_the_interface_is_what_the_docstring_lists() -> None:
    doc = graphql_api.engine.__doc__ or ""
    missing = [name for name in graphql_api.engine.__all__ if f"`{name}`" not in doc]
    assert not missing, f"graphql_api/engine/__init__.py's docstring does not describe {missing}"


def test_the_services_import_neither_strawberry_nor_the_executor() -> None:
    """Layers below the schema (and the benchmark's Graphene server, which has no Strawberry)
    import the engine's direct reads only."""
    import subprocess
    import sys

    probe = (
        "import sys, graphql_api.services.bookings, graphql_api.services.slots, "
        "graphql_api.statement_trace\n"
        "loaded = [m for m in ('strawberry', 'graphql', 'graphql_api.engine.executor') "
        "if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
