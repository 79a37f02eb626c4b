"""The private and internal APIs of graphql-core, Strawberry and SQLAlchemy the product relies on.

(SQLAlchemy's accessors live in graphql_api/sqlalchemy_compat.py, re-exported here: the services
and direct reads use them and must import without Strawberry. The registry is here.)

Each one graphql_api uses is an entry of PRIVATE_APIS (library, name, users, why, a probe); the
product reads them through the accessors and re-exports here, and names one elsewhere only to
override it in a subclass. To add one: an accessor where it can go through here, and a probe under
`@_private(...)` that raises when an upgrade removes or changes it (tests/test_compat.py runs all).
"""

import asyncio
import dataclasses
import inspect
import logging
import re
from collections.abc import AsyncGenerator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import metadata
from importlib.util import find_spec
from typing import Any, Generic, NoReturn, TypeVar, cast

import strawberry
from cross_web import AsyncHTTPRequestAdapter as AsyncHTTPRequestAdapter
from cross_web import HTTPException as HTTPException
from graphql import (
    Executor,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList as FieldDetailsList
from graphql.execution.collect_fields import GroupedFieldSet as GroupedFieldSet
from graphql.pyutils import gather_with_cancel as gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers as GraphQLResolveInfoHelpers
from graphql.type.scalars import serialize_boolean as serialize_boolean
from graphql.type.scalars import serialize_id as serialize_id
from graphql.type.scalars import serialize_string as serialize_string
from sqlalchemy import BindParameter, Engine
from sqlalchemy import Enum as SAEnum
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from strawberry.execution import optimized_is_awaitable as optimized_is_awaitable
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError as CannotGetOperationTypeError
from strawberry.schema.exceptions import InvalidOperationTypeError as InvalidOperationTypeError
from strawberry.schema.schema import (
    StrawberryGraphQLCoreExecutionContext as StrawberryGraphQLCoreExecutionContext,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler as BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    SubscribeMessage as SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import (
    BaseGraphQLWSHandler as BaseGraphQLWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage as StartMessage
from strawberry.types import ExecutionContext
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.arguments import convert_arguments as convert_arguments
from strawberry.types.field import StrawberryField

from graphql_api.sqlalchemy_compat import SQLCompiler as SQLCompiler
from graphql_api.sqlalchemy_compat import as_sqlalchemy_error as as_sqlalchemy_error
from graphql_api.sqlalchemy_compat import await_ as await_
from graphql_api.sqlalchemy_compat import computed_at_execution as computed_at_execution
from graphql_api.sqlalchemy_compat import driver_module as driver_module
from graphql_api.sqlalchemy_compat import enum_lookup as enum_lookup
from graphql_api.sqlalchemy_compat import expanded_state as expanded_state
from graphql_api.sqlalchemy_compat import has_cursor_listeners as has_cursor_listeners
from graphql_api.sqlalchemy_compat import instance_dict as instance_dict
from graphql_api.sqlalchemy_compat import instance_factory as instance_factory
from graphql_api.sqlalchemy_compat import is_disconnect as is_disconnect
from graphql_api.sqlalchemy_compat import logs_statements as logs_statements
from graphql_api.sqlalchemy_compat import renders_literal_values as renders_literal_values
from graphql_api.sqlalchemy_compat import statement_binds as statement_binds

GRAPHQL_CORE = "graphql-core"
STRAWBERRY = "strawberry-graphql"
SQLALCHEMY = "sqlalchemy"

_M = TypeVar("_M")
_T = TypeVar("_T")

# -- accessors: how the product reads what these libraries keep to themselves -------------------

# The key under which Strawberry's converter leaves its own definition (a StrawberryField, an
# object definition...) in the `extensions` of each graphql-core field and type it builds.
DEFINITION_BACKREF: str = GraphQLCoreConverter.DEFINITION_BACKREF


def strawberry_definition(owner: GraphQLField | GraphQLNamedType) -> object | None:
    """Strawberry's definition behind a graphql-core field or type (None: not Strawberry's)."""
    found: object | None = owner.extensions.get(DEFINITION_BACKREF)
    return found


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema a Strawberry schema executes with."""
    return schema._schema


def strawberry_schema(schema: GraphQLSchema) -> strawberry.Schema:
    """The Strawberry schema that built this graphql-core schema."""
    return cast(strawberry.Schema, schema._strawberry_schema)  # type: ignore[attr-defined]


def convert_field_arguments(
    schema: GraphQLSchema, raw: dict[str, Any], arguments: list[StrawberryArgument]
) -> dict[str, Any]:
    """A field's coerced argument values as its Strawberry resolver receives them."""
    owner = strawberry_schema(schema)
    return convert_arguments(
        raw, arguments, scalar_registry=owner.schema_converter.scalar_registry, config=owner.config
    )


def provided_operation_name(ctx: ExecutionContext) -> str | None:
    """The `operationName` the request sent (None if none), not the one Strawberry picked."""
    return ctx._provided_operation_name


def is_default_resolver(resolve: object) -> bool:
    """Whether a graphql-core field's resolver is the one Strawberry gives a field without one."""
    return bool(getattr(resolve, "_is_default", False))


def resolves_by_getattr(field: GraphQLField, definition: StrawberryField) -> bool:
    """Whether Strawberry resolves the field with `getattr(source, python_name)` and nothing else
    (no resolver, so no arguments, permissions or field extensions run for it)."""
    return (
        definition.is_basic_field
        and is_default_resolver(field.resolve)
        and definition.default_resolver is getattr
    )


def resolver_function(definition: StrawberryField) -> object | None:
    """The function a field's resolver was declared with; None for a field without one."""
    resolver = definition.base_resolver
    return None if resolver is None else resolver.wrapped_func


def strawberry_classes(object_type: GraphQLObjectType) -> tuple[type, ...]:
    """The Python class of a Strawberry object type and, for a specialised generic (`BookingEdge`),
    the generic class (`Edge`); () for a type Strawberry did not build."""
    definition = strawberry_definition(object_type)
    origin = getattr(definition, "origin", None)
    if not isinstance(origin, type):
        return ()
    generic = getattr(getattr(definition, "concrete_of", None), "origin", None)
    return (origin, generic) if isinstance(generic, type) else (origin,)


def enum_class(enum_type: GraphQLEnumType) -> type[Enum] | None:
    """The Python enum behind a Strawberry enum type; None for any other enum type."""
    wrapped = getattr(enum_type, "wrapped_cls", None)
    return wrapped if isinstance(wrapped, type) and issubclass(wrapped, Enum) else None


def operation_span(extension: Any) -> Any:
    """The span an OpenTelemetryExtension opened for the operation (after its first step)."""
    return extension._span_holder.get(LifecycleStep.OPERATION)


def requests_streaming(view: Any, headers: Mapping[str, str]) -> bool:
    """Whether a Strawberry HTTP view would answer a request with these headers as a stream."""
    return view._get_stream_transport_from_headers(headers) is not None


# -- the registry --------------------------------------------------------------------------------


class PrivateApiChanged(AssertionError):
    """An upgrade removed or changed a private API the product relies on."""


class _Changed(Exception):
    """Raised by a probe: what no longer holds."""


@dataclass(frozen=True, slots=True)
class PrivateApi:
    """One private API of a library the product uses, and the probe for what it relies on."""

    library: str  # the distribution: GRAPHQL_CORE, STRAWBERRY or SQLALCHEMY
    name: str  # as the library spells it, e.g. "Executor.collect_subfields"
    used_in: str  # the product's modules that use it
    why: str  # what the product relies on
    probe: Callable[[], None]  # raises when that no longer holds

    def check(self) -> None:
        """Raises PrivateApiChanged, naming the library's version, the API and its users, when
        the installed library no longer provides what the product relies on."""
        cause: Exception
        try:
            self.probe()
            return
        except (AttributeError, ImportError) as error:
            verb, cause = "removed", error
        except Exception as error:
            verb, cause = "changed", error
        raise PrivateApiChanged(
            f"{self.library} {_version(self.library)} {verb} {self.name}, which {self.used_in}"
            f" relies on ({self.why}): {cause}. See graphql_api/compat.py."
        ) from cause


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "(not installed)"


_REGISTERED: list[PrivateApi] = []


def _private(
    library: str, name: str, used_in: str, why: str
) -> Callable[[Callable[[], None]], Any]:
    def register(probe: Callable[[], None]) -> Callable[[], None]:
        _REGISTERED.append(PrivateApi(library, name, used_in, why, probe))
        return probe

    return register


# -- probe helpers -------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    raise _Changed(message)


def _require(condition: object, message: str) -> None:
    if not condition:
        _fail(message)


def _source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError) as error:
        _fail(f"the source of {function!r} cannot be read ({error})")


def _calls(owner: object, call: str) -> None:
    """`owner`'s source (a function or class) has `call`, e.g. "self.execute_fields("."""
    _require(
        call in _source(owner), f"{getattr(owner, '__qualname__', owner)} no longer has `{call}`"
    )


def _method(cls: type, name: str) -> Callable[..., Any]:
    found = inspect.getattr_static(cls, name, None)
    if found is None:
        raise AttributeError(f"{cls.__qualname__} has no attribute {name!r}")
    return getattr(cls, name)  # type: ignore[no-any-return]


def _positional(function: Callable[..., Any], count: int) -> None:
    """`function` takes `count` positional parameters (self included)."""
    found = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    _require(
        len(found) == count,
        f"{function.__qualname__} takes {len(found)} positional parameters, not {count}",
    )


def _keywords(function: Callable[..., Any], *names: str) -> None:
    parameters = inspect.signature(function).parameters
    missing = [name for name in names if name not in parameters]
    _require(not missing, f"{function.__qualname__} has no parameter {', '.join(missing)}")


def _assigned_in_init(cls: type, attribute: str) -> None:
    _require(
        f"self.{attribute} =" in _source(inspect.getattr_static(cls, "__init__"))
        or f"self.{attribute}:" in _source(inspect.getattr_static(cls, "__init__")),
        f"{cls.__qualname__}.__init__ no longer sets self.{attribute}",
    )


def _self_attributes(function: Callable[..., Any]) -> set[str]:
    body = _source(function).split('"""')[-1]  # after the docstring
    return set(re.findall(r"self\.(\w+)", body))


# -- a tiny Strawberry schema the probes run -------------------------------------------------------


@dataclass
class _Tiny:
    schema: strawberry.Schema
    core: GraphQLSchema
    color: type[Enum]
    item: type
    edge: type
    recorded: dict[str, Any]


@cache
def _tiny() -> _Tiny:
    recorded: dict[str, Any] = {}

    @strawberry.type
    class CompatEdge(Generic[_T]):
        node: _T

    @strawberry.enum
    class CompatColor(Enum):
        RED = "red"

    class Deny(strawberry.BasePermission):
        message = "denied"

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            return False

    @strawberry.type
    class CompatItem:
        name: str
        color: CompatColor

        @strawberry.field
        def upper(self) -> str:
            return self.name.upper()

        @strawberry.field(permission_classes=[Deny])  # type: ignore[untyped-decorator]
        def secret(self) -> str:
            return "secret"

        @strawberry.field
        def double(self, n: int) -> int:
            return 2 * n

    def items() -> list[CompatItem]:
        return [
            CompatItem(name="a", color=CompatColor.RED),
            CompatItem(name="b", color=CompatColor.RED),
        ]

    @strawberry.type
    class CompatQuery:
        @strawberry.field
        def items(self) -> list[CompatItem]:
            return items()

        @strawberry.field
        def edge(self) -> CompatEdge[CompatItem]:
            return CompatEdge(node=items()[0])

        @strawberry.field
        def fail(self) -> str:
            raise ValueError("fails on purpose")

    @strawberry.type
    class CompatSubscription:
        @strawberry.subscription
        async def ticks(self) -> AsyncGenerator[int, None]:
            yield 1

    class Recorder(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if (ctx.variables or {}).get("refuse"):
                ctx.pre_execution_errors = [GraphQLError("refused by an extension")]
            yield

        def on_execute(self) -> Iterator[None]:
            recorded["provided"] = provided_operation_name(self.execution_context)
            yield

        def on_stream_result(self, result: Any) -> None:  # type: ignore[override]
            recorded.setdefault("streamed", []).append(result)

    class TinySchema(strawberry.Schema):
        def process_errors(
            self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
        ) -> None:
            recorded.setdefault("processed", []).extend(errors)

    schema = TinySchema(query=CompatQuery, subscription=CompatSubscription, extensions=[Recorder])
    return _Tiny(schema, graphql_core_schema(schema), CompatColor, CompatItem, CompatEdge, recorded)


def _object_type(name: str) -> GraphQLObjectType:
    found = _tiny().core.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def _field(type_name: str, field_name: str) -> tuple[GraphQLField, Any]:
    field = _object_type(type_name).fields[field_name]
    return field, strawberry_definition(field)


def _run(document: str, **kwargs: Any) -> Any:
    return _tiny().schema.execute_sync(document, **kwargs)


# == graphql-core ===============================================================================

_EXECUTOR = "graphql_api/engine/executor.py"


@dataclass
class _ExecutorTrace:
    execute_fields: list[str] = dataclasses.field(default_factory=list)
    collected: list[Any] = dataclasses.field(default_factory=list)


@cache
def _executor_trace() -> _ExecutorTrace:
    """What graphql-core's executor called, run as our executor subclass runs it."""
    trace = _ExecutorTrace()

    class Tracing(StrawberryGraphQLCoreExecutionContext):
        def execute_fields(self, parent_type: Any, *args: Any) -> Any:
            trace.execute_fields.append(parent_type.name)
            return super().execute_fields(parent_type, *args)

        def collect_subfields(self, *args: Any) -> Any:
            found = super().collect_subfields(*args)
            trace.collected.append(found)
            return found

    tiny = _tiny()
    schema = strawberry.Schema(query=tiny.schema.query, execution_context_class=Tracing)
    result = schema.execute_sync("{ items { name } }")
    _require(not result.errors, f"a tiny query failed: {result.errors}")
    return trace


@_private(
    GRAPHQL_CORE,
    "Executor.execute_fields",
    _EXECUTOR,
    "FastExecutor overrides it: graphql-core must call it, positionally, for every selection set",
)
def _execute_fields() -> None:
    _positional(_method(Executor, "execute_fields"), 6)
    _calls(Executor, "self.execute_fields(")
    _require(
        "CompatItem" in _executor_trace().execute_fields, "it is not called for sub-selections"
    )


@_private(
    GRAPHQL_CORE,
    "Executor.execute_field",
    _EXECUTOR,
    "FastExecutor hands it what it does not plan, with execute_fields' positional arguments",
)
def _execute_field() -> None:
    _positional(_method(Executor, "execute_field"), 6)
    _calls(Executor.execute_fields, "self.execute_field(")


@_private(
    GRAPHQL_CORE,
    "Executor.collect_subfields",
    _EXECUTOR,
    "plans read (grouped_field_set, new_defer_usages, ...) and memoise on the identity of "
    "its lists, the same for every object of a level",
)
def _collect_subfields() -> None:
    _positional(_method(Executor, "collect_subfields"), 3)
    collected = _executor_trace().collected
    _require(len(collected) >= 2, "it is not called once per object of a list")
    first, second = collected[0], collected[1]
    grouped, new_defer_usages, *_ = first
    _require(
        isinstance(grouped, dict) and isinstance(new_defer_usages, list), f"it returns {first!r}"
    )
    _require(first is second, "it no longer returns the same collected fields for each object")


def _borrowable(name: str) -> None:
    used = _self_attributes(_method(Executor, name))
    extra = used - {"is_awaitable", "background_futures", "settle_in_background"}
    _require(not extra, f"Executor.{name} now uses self.{', self.'.join(sorted(extra))}")


@_private(
    GRAPHQL_CORE,
    "Executor.settle_in_background",
    _EXECUTOR,
    "_AsyncWork borrows it; it may use only is_awaitable and background_futures",
)
def _settle_in_background() -> None:
    _borrowable("settle_in_background")


@_private(
    GRAPHQL_CORE,
    "Executor.track_async_work",
    _EXECUTOR,
    "_AsyncWork borrows it; it may use only is_awaitable, background_futures and "
    "settle_in_background",
)
def _track_async_work() -> None:
    _borrowable("track_async_work")


@_private(
    GRAPHQL_CORE,
    "Executor.gather_async_work",
    _EXECUTOR,
    "_AsyncWork borrows it; it may use only is_awaitable and background_futures",
)
def _gather_async_work() -> None:
    _borrowable("gather_async_work")


@_private(
    GRAPHQL_CORE,
    "Executor.async_helpers",
    _EXECUTOR,
    "FastExecutor.__init__ replaces it; Strawberry's build_resolve_info must pass it on",
)
def _async_helpers() -> None:
    _assigned_in_init(Executor, "async_helpers")
    _calls(StrawberryGraphQLCoreExecutionContext.build_resolve_info, "self.async_helpers")


@_private(
    GRAPHQL_CORE,
    "graphql.type.definition.GraphQLResolveInfoHelpers",
    _EXECUTOR,
    "built with gather= and track=",
)
def _resolve_info_helpers() -> None:
    helpers = GraphQLResolveInfoHelpers(gather=gather_with_cancel, track=len)  # type: ignore[arg-type]
    _require(
        cast(object, helpers.gather) is gather_with_cancel and cast(object, helpers.track) is len,
        "gather/track are not kept",
    )


@_private(
    GRAPHQL_CORE,
    "MiddlewareManager.middlewares",
    _EXECUTOR,
    "FastExecutor leaves every field to graphql-core when a middleware is set",
)
def _middlewares() -> None:
    from graphql.execution.middleware import MiddlewareManager

    _require(list(MiddlewareManager(object()).middlewares), "it no longer lists the middlewares")
    _assigned_in_init(Executor, "middleware_manager")


@_private(
    GRAPHQL_CORE,
    "graphql.execution.collect_fields",
    _EXECUTOR,
    "FieldDetailsList and GroupedFieldSet; FieldDetails.node and .fragment_variable_values",
)
def _collect_fields_module() -> None:
    from graphql.execution.collect_fields import FieldDetails

    missing = {"node", "fragment_variable_values"} - set(FieldDetails._fields)
    _require(not missing, f"FieldDetails has no {', '.join(sorted(missing))}")


@_private(
    GRAPHQL_CORE,
    "graphql.pyutils.gather_with_cancel",
    _EXECUTOR,
    "awaits a level's fields as graphql-core's execute_fields does",
)
def _gather_with_cancel() -> None:
    async def gathered() -> list[Any]:
        return await gather_with_cancel(asyncio.sleep(0, 1), asyncio.sleep(0, 2))

    _require(asyncio.run(gathered()) == [1, 2], "it no longer gathers in order")


@_private(
    GRAPHQL_CORE,
    "graphql.type.scalars.serialize_string/serialize_id/serialize_boolean",
    "graphql_api/engine/plans.py",
    "UNCHANGED skips the call for a value already of the output type; they must be the "
    "built-in scalars' coerce_output_value",
)
def _scalar_serializers() -> None:
    from graphql import GraphQLBoolean, GraphQLID, GraphQLString

    for scalar, function in (
        (GraphQLString, serialize_string),
        (GraphQLID, serialize_id),
        (GraphQLBoolean, serialize_boolean),
    ):
        _require(scalar.coerce_output_value is function, f"{scalar.name} no longer uses it")


@_private(
    GRAPHQL_CORE,
    "ValidationContext(schema, document, type_info, on_error)",
    "graphql_api/graphql/transport/variables.py",
    "built directly for get_recursive_variable_usages (usage.node, usage.type)",
)
def _validation_context() -> None:
    from graphql import GraphQLNonNull, TypeInfo, parse
    from graphql.validation import ValidationContext

    core = _tiny().core
    document = parse("query($n: Int! = 1) { items { double(n: $n) } }")
    operation = document.definitions[0]
    context = ValidationContext(core, document, TypeInfo(core), lambda _error: None)
    usages = context.get_recursive_variable_usages(operation)  # type: ignore[arg-type]
    _require(
        [(u.node.name.value, isinstance(u.type, GraphQLNonNull)) for u in usages] == [("n", True)],
        "variable usages no longer come with their node and expected type",
    )


# == Strawberry ==================================================================================

_ROUTER = "graphql_api/graphql/transport/router.py"
_WEBSOCKET = "graphql_api/graphql/transport/websocket.py"
_EXTENSIONS = "graphql_api/graphql/transport/extensions.py"
_BUILD = "graphql_api/graphql/schema/build.py"


@_private(
    STRAWBERRY,
    "Schema._schema",
    f"{_EXTENSIONS}, {_ROUTER}",
    "the graphql-core schema, for variables' checks and prepared queries",
)
def _schema_private() -> None:
    _require(isinstance(_tiny().core, GraphQLSchema), "it is not a GraphQLSchema")


@_private(
    STRAWBERRY,
    "GraphQLSchema._strawberry_schema",
    _EXECUTOR,
    "the Strawberry schema (scalar registry, config) from graphql-core's",
)
def _strawberry_schema_backref() -> None:
    tiny = _tiny()
    _require(strawberry_schema(tiny.core) is tiny.schema, "it is not the Strawberry schema")


@_private(
    STRAWBERRY,
    "strawberry.types.arguments.convert_arguments",
    _EXECUTOR,
    "a planned field's arguments, with Schema.schema_converter.scalar_registry and .config",
)
def _convert_arguments() -> None:
    _definition, strawberry_field = _field("CompatItem", "double")
    converted = convert_field_arguments(_tiny().core, {"n": 2}, strawberry_field.arguments)
    _require(converted == {"n": 2}, f"it gives {converted!r}")


@_private(
    STRAWBERRY,
    "StrawberryGraphQLCoreExecutionContext",
    _EXECUTOR,
    "FastExecutor subclasses it: graphql-core's Executor with execute_fields, "
    "execute_field and collect_subfields its own",
)
def _strawberry_execution_context() -> None:
    _require(issubclass(StrawberryGraphQLCoreExecutionContext, Executor), "not an Executor")
    for name in ("execute_fields", "execute_field", "collect_subfields"):
        _require(
            name not in vars(StrawberryGraphQLCoreExecutionContext),
            f"it overrides {name} itself (FastExecutor's override would replace it)",
        )
    _require(
        _tiny().schema.execution_context_class is StrawberryGraphQLCoreExecutionContext,
        "it is no longer Strawberry's default executor",
    )


@_private(
    STRAWBERRY,
    "Schema.execution_context_class",
    _ROUTER,
    "prepared queries run with the schema's executor class",
)
def _execution_context_class() -> None:
    _executor_trace()  # a schema built with its own class executes with it
    _require(
        strawberry.Schema(
            query=_tiny().schema.query, execution_context_class=Executor
        ).execution_context_class
        is Executor,
        "it does not hold the class given",
    )


@_private(
    STRAWBERRY,
    "GraphQLCoreConverter.DEFINITION_BACKREF",
    f"{_EXECUTOR}, graphql_api/engine/plans.py",
    "graphql-core fields and types carry their StrawberryField / object definition",
)
def _definition_backref() -> None:
    from strawberry.types.base import StrawberryObjectDefinition

    _require(isinstance(_field("CompatItem", "name")[1], StrawberryField), "not on fields")
    _require(
        isinstance(strawberry_definition(_object_type("CompatItem")), StrawberryObjectDefinition),
        "not on object types",
    )


@_private(
    STRAWBERRY,
    "StrawberryObjectDefinition.origin/concrete_of",
    "graphql_api/engine/plans.py",
    "exact_classes: a type's class and a specialised generic's class, whose instances its "
    "is_type_of accepts",
)
def _definition_origin() -> None:
    tiny = _tiny()
    item_type = _object_type("CompatItem")
    _require(strawberry_classes(item_type) == (tiny.item,), "origin is not the class")
    edge_type = _object_type("CompatItemCompatEdge")
    classes = strawberry_classes(edge_type)
    _require(len(classes) == 2 and classes[1] is tiny.edge, "concrete_of.origin is not the generic")
    edge = tiny.edge(node=tiny.item(name="a", color=next(iter(tiny.color))))
    for object_type, instance in ((edge_type, edge), (item_type, edge.node)):
        is_type_of = object_type.is_type_of
        accepted = is_type_of is None or is_type_of(instance, cast(Any, None))
        _require(accepted, f"{object_type.name}'s is_type_of refuses its class")


@_private(
    STRAWBERRY,
    "GraphQLField.resolve._is_default",
    _EXECUTOR,
    "marks the resolver of a field without one: a plain attribute",
)
def _is_default() -> None:
    _require(
        is_default_resolver(_field("CompatItem", "name")[0].resolve), "not set on plain fields"
    )
    _require(not is_default_resolver(_field("CompatItem", "upper")[0].resolve), "set on resolvers")


@_private(
    STRAWBERRY, "StrawberryField.is_basic_field", _EXECUTOR, "true for a field without a resolver"
)
def _is_basic_field() -> None:
    _require(_field("CompatItem", "name")[1].is_basic_field, "false for a plain field")
    _require(not _field("CompatItem", "upper")[1].is_basic_field, "true for a resolver")
    _require(resolves_by_getattr(*_field("CompatItem", "name")), "plain fields are not getattr")
    _require(not resolves_by_getattr(*_field("CompatItem", "upper")), "resolvers are getattr")


@_private(
    STRAWBERRY,
    "StrawberryField.default_resolver",
    _EXECUTOR,
    "getattr unless the config names another",
)
def _default_resolver() -> None:
    _require(_field("CompatItem", "name")[1].default_resolver is getattr, "it is not getattr")


@_private(
    STRAWBERRY,
    "StrawberryField.base_resolver.wrapped_func",
    f"{_EXECUTOR}, graphql_api/engine/node_map.py",
    "the resolver function, which carries its batch form; a field without one is plain",
)
def _base_resolver() -> None:
    function = resolver_function(_field("CompatItem", "upper")[1])
    _require(getattr(function, "__name__", None) == "upper", f"found {function!r}")
    _require(resolver_function(_field("CompatItem", "name")[1]) is None, "set on plain fields")


@_private(
    STRAWBERRY,
    "StrawberryField.extensions",
    _EXECUTOR,
    "permission_classes become field extensions; planning refuses such fields, since a "
    "batch form would skip their checks",
)
def _field_extensions() -> None:
    _require(_field("CompatItem", "secret")[1].extensions, "permission classes are not extensions")
    _require(not _field("CompatItem", "upper")[1].extensions, "plain resolvers have extensions")


@_private(
    STRAWBERRY,
    "CustomGraphQLEnumType.wrapped_cls",
    "graphql_api/engine/plans.py",
    "the Python enum of an enum type, whose members answer by name",
)
def _wrapped_cls() -> None:
    tiny = _tiny()
    enum_type = tiny.core.get_type("CompatColor")
    assert isinstance(enum_type, GraphQLEnumType)
    member = next(iter(tiny.color))
    _require(enum_class(enum_type) is tiny.color, "it is not the Python enum")
    _require(enum_type.coerce_output_value(member) == member.name, "members do not answer by name")


@_private(
    STRAWBERRY,
    "ExecutionContext._provided_operation_name",
    "graphql_api/engine/prepared.py",
    "the operationName the request sent, None if none",
)
def _provided_operation_name() -> None:
    recorded = _tiny().recorded
    for sent in ("Q", None):
        recorded.pop("provided", None)
        _run("query Q { items { name } }", operation_name=sent)
        _require(recorded.get("provided", "unset") == sent, f"{sent!r} sent, {recorded!r} seen")


@_private(
    STRAWBERRY,
    "ExecutionContext.pre_execution_errors",
    f"{_EXTENSIONS}, {_BUILD}",
    "errors set by an on_validate hook before validation skip validation and execution",
)
def _pre_execution_errors() -> None:
    result = _run("{ noSuchField }", variable_values={"refuse": True})
    messages = [error.message for error in result.errors or ()]
    _require(result.data is None and messages == ["refused by an extension"], f"got {messages}")


@_private(
    STRAWBERRY,
    "ValidationCache.on_validate",
    _BUILD,
    "_ValidationCacheAfterLimits delegates with `yield from super().on_validate()`",
)
def _validation_cache() -> None:
    from strawberry.extensions import ValidationCache

    _require(inspect.isgeneratorfunction(ValidationCache.on_validate), "not a generator")


@_private(
    STRAWBERRY,
    "SchemaExtension.on_stream_result",
    _EXTENSIONS,
    "ErrorFormatter formats each WebSocket result through it (a plain method, result given)",
)
def _on_stream_result() -> None:
    tiny = _tiny()

    async def subscribe() -> None:
        results = await tiny.schema.subscribe("subscription { ticks }")
        async for _result in results:
            pass

    tiny.recorded.pop("streamed", None)
    asyncio.run(subscribe())
    streamed = tiny.recorded.get("streamed", [])
    _require([r.data for r in streamed] == [{"ticks": 1}], f"called with {streamed!r}")


@_private(
    STRAWBERRY,
    "Schema.process_errors",
    _BUILD,
    "overridden so domain errors are not logged as incidents",
)
def _process_errors() -> None:
    tiny = _tiny()
    tiny.recorded.pop("processed", None)
    _run("{ fail }")
    _require(tiny.recorded.get("processed"), "the override is not called")


@_private(
    STRAWBERRY,
    "OpenTelemetryExtension._span_holder",
    _BUILD,
    "RedactedOpenTelemetry reads the operation span after the first step of the parent's "
    "on_operation generator",
)
def _span_holder() -> None:
    if find_spec("opentelemetry") is None:  # tracing not installed: nothing uses it
        return
    from strawberry.extensions.tracing import OpenTelemetryExtension

    seen: list[Any] = []

    class Probe(OpenTelemetryExtension):
        def on_operation(self) -> Generator[None, None, None]:
            steps = super().on_operation()
            next(steps)
            seen.append(operation_span(self))
            yield
            for _ in steps:
                pass

    schema = strawberry.Schema(query=_tiny().schema.query, extensions=[Probe])
    result = asyncio.run(schema.execute("{ items { name } }"))
    _require(not result.errors and seen and seen[0] is not None, f"no span ({result.errors})")


@_private(
    STRAWBERRY,
    "strawberry.execution.optimized_is_awaitable",
    "graphql_api/engine/prepared.py",
    "prepared queries run with Strawberry's predicate",
)
def _optimized_is_awaitable() -> None:
    async def coroutine() -> None:
        pass

    pending = coroutine()
    try:
        _require(optimized_is_awaitable(pending) and not optimized_is_awaitable(1), "wrong answers")
    finally:
        pending.close()


@_private(
    STRAWBERRY,
    "strawberry.schema.exceptions",
    f"{_EXTENSIONS}, {_ROUTER}",
    "CannotGetOperationTypeError and InvalidOperationTypeError, the latter the cause of "
    "execute_single's HTTPException for a mutation over GET",
)
def _schema_exceptions() -> None:
    from strawberry.http.async_base_view import AsyncBaseHTTPView

    _calls(AsyncBaseHTTPView.execute_single, "except InvalidOperationTypeError")
    _require(issubclass(CannotGetOperationTypeError, Exception), "not an exception")


@_private(
    STRAWBERRY,
    "cross_web.HTTPException/AsyncHTTPRequestAdapter",
    _ROUTER,
    "what Strawberry's HTTP views raise for a refused request, and the request they parse",
)
def _cross_web() -> None:
    from strawberry.http import async_base_view

    names = vars(async_base_view)
    _require(names.get("HTTPException") is HTTPException, "the views raise another class")
    _require(
        names.get("AsyncHTTPRequestAdapter") is AsyncHTTPRequestAdapter,
        "the views parse another request class",
    )


def _view() -> Any:
    from strawberry.http.async_base_view import AsyncBaseHTTPView

    return AsyncBaseHTTPView


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.run",
    _ROUTER,
    "BookingRouter's routes call it with the context and root value already made",
)
def _run_view() -> None:
    _keywords(_view().run, "request", "context", "root_value")


@_private(STRAWBERRY, "AsyncBaseHTTPView.get_sub_response", _ROUTER, "overridden; run calls it")
def _get_sub_response() -> None:
    _method(_view(), "get_sub_response")
    _calls(_view().run, "self.get_sub_response(request)")


@_private(STRAWBERRY, "AsyncBaseHTTPView.parse_http_body", _ROUTER, "overridden; run calls it")
def _parse_http_body() -> None:
    _positional(_method(_view(), "parse_http_body"), 2)
    _calls(_view().run, "self.parse_http_body(")


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.execute_operation",
    _ROUTER,
    "overridden; run calls it with context= and request_data= keywords",
)
def _execute_operation() -> None:
    _method(_view(), "execute_operation")
    source = _source(_view().run)
    _require("self.execute_operation(" in source, "run no longer calls it")
    _require(
        "context=context" in source and "request_data=request_data" in source, "not by keyword"
    )


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.execute_single",
    _ROUTER,
    "overridden (persisted queries); execute_operation calls it with request_data=",
)
def _execute_single() -> None:
    _method(_view(), "execute_single")
    source = _source(_view().execute_operation)
    _require("self.execute_single(" in source, "execute_operation no longer calls it")
    _require("request_data=" in source, "request_data is not passed by keyword")


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.create_response",
    _ROUTER,
    "overridden (orjson, media type); run calls it with response_data= and sub_response=",
)
def _create_response() -> None:
    _keywords(_method(_view(), "create_response"), "response_data", "sub_response")
    _calls(_view().run, "self.create_response(")


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.process_result",
    _ROUTER,
    "overridden (error codes, media type); run calls it with request= and result=",
)
def _process_result() -> None:
    _keywords(_method(_view(), "process_result"), "request", "result")
    _calls(_view().run, "self.process_result(")


@_private(
    STRAWBERRY,
    "BaseView.decode_json",
    _ROUTER,
    "overridden (orjson); parse_json decodes every JSON body with it",
)
def _decode_json() -> None:
    from strawberry.http.base import BaseView

    _calls(_method(BaseView, "parse_json"), "self.decode_json(")


@_private(
    STRAWBERRY,
    "BaseView._get_stream_transport_from_headers",
    _ROUTER,
    "prepared queries leave requests that ask for a stream to the full path",
)
def _stream_transport() -> None:
    from strawberry.fastapi import GraphQLRouter

    router = GraphQLRouter(_tiny().schema)
    _require(not requests_streaming(router, {"accept": "application/json"}), "JSON is a stream")
    _calls(_view().parse_http_body, "self._get_stream_transport_from_headers(")


@_private(
    STRAWBERRY,
    "AsyncBaseHTTPView.graphql_transport_ws_handler_class/graphql_ws_handler_class",
    _ROUTER,
    "BookingRouter sets its own WebSocket handlers",
)
def _handler_classes() -> None:
    _calls(_view().run, "self.graphql_transport_ws_handler_class(")
    _calls(_view().run, "self.graphql_ws_handler_class(")


@_private(
    STRAWBERRY,
    "strawberry.http.GraphQLRequestData",
    _ROUTER,
    "a dataclass (dataclasses.replace) with query, variables, operation_name, extensions",
)
def _request_data() -> None:
    from strawberry.http import GraphQLRequestData

    names = {field.name for field in dataclasses.fields(GraphQLRequestData)}
    missing = {"query", "variables", "operation_name", "extensions"} - names
    _require(not missing, f"no {', '.join(sorted(missing))}")


@_private(
    STRAWBERRY,
    "BaseGraphQLTransportWSHandler.handle_subscribe",
    _WEBSOCKET,
    "overridden (persisted queries); handle_message calls it",
)
def _handle_subscribe() -> None:
    _method(BaseGraphQLTransportWSHandler, "handle_subscribe")
    _calls(BaseGraphQLTransportWSHandler.handle_message, "self.handle_subscribe(")


@_private(
    STRAWBERRY,
    "BaseGraphQLTransportWSHandler.connection_acknowledged",
    _WEBSOCKET,
    "set once connection_init is accepted",
)
def _transport_acknowledged() -> None:
    _assigned_in_init(BaseGraphQLTransportWSHandler, "connection_acknowledged")
    _calls(
        BaseGraphQLTransportWSHandler.handle_connection_init, "self.connection_acknowledged = True"
    )


@_private(
    STRAWBERRY,
    "BaseGraphQLTransportWSHandler.operations",
    _WEBSOCKET,
    "the running operations by id",
)
def _transport_operations() -> None:
    _assigned_in_init(BaseGraphQLTransportWSHandler, "operations")
    _calls(BaseGraphQLTransportWSHandler.handle_subscribe, 'self.operations[message["id"]]')


@_private(
    STRAWBERRY,
    "BaseGraphQLTransportWSHandler.view",
    _WEBSOCKET,
    "the router (its persisted queries)",
)
def _transport_view() -> None:
    _assigned_in_init(BaseGraphQLTransportWSHandler, "view")


@_private(
    STRAWBERRY, "BaseGraphQLTransportWSHandler.send_message", _WEBSOCKET, "sends an `error` message"
)
def _transport_send_message() -> None:
    _require(
        inspect.iscoroutinefunction(_method(BaseGraphQLTransportWSHandler, "send_message")),
        "not a coroutine function",
    )


@_private(
    STRAWBERRY,
    "BaseGraphQLWSHandler.handle_start",
    _WEBSOCKET,
    "overridden (persisted queries); handle_message calls it",
)
def _handle_start() -> None:
    _method(BaseGraphQLWSHandler, "handle_start")
    _calls(BaseGraphQLWSHandler.handle_message, "self.handle_start(")


@_private(
    STRAWBERRY,
    "BaseGraphQLWSHandler.connection_acknowledged",
    _WEBSOCKET,
    "set once connection_init is accepted",
)
def _legacy_acknowledged() -> None:
    _assigned_in_init(BaseGraphQLWSHandler, "connection_acknowledged")
    _calls(BaseGraphQLWSHandler.handle_connection_init, "self.connection_acknowledged = True")


@_private(STRAWBERRY, "BaseGraphQLWSHandler.view", _WEBSOCKET, "the router (its persisted queries)")
def _legacy_view() -> None:
    _assigned_in_init(BaseGraphQLWSHandler, "view")


@_private(
    STRAWBERRY,
    "BaseGraphQLWSHandler.cleanup_operation",
    _WEBSOCKET,
    "ends the operation a refused `start` replaces",
)
def _legacy_cleanup() -> None:
    _keywords(_method(BaseGraphQLWSHandler, "cleanup_operation"), "operation_id")


@_private(STRAWBERRY, "BaseGraphQLWSHandler.send_message", _WEBSOCKET, "sends an `error` message")
def _legacy_send_message() -> None:
    _require(
        inspect.iscoroutinefunction(_method(BaseGraphQLWSHandler, "send_message")),
        "not a coroutine function",
    )


# == SQLAlchemy ==================================================================================

_DIRECT = "graphql_api/engine/direct_reads.py"
_QUERIES = "graphql_api/services/queries.py"


def _sqlite_compiled(statement: Any) -> SQLCompiler:
    from sqlalchemy.dialects import sqlite

    compiled = statement.compile(dialect=sqlite.dialect())
    _require(isinstance(compiled, SQLCompiler), f"a Select compiles to {type(compiled)}")
    return cast(SQLCompiler, compiled)


def _page_statement() -> Any:
    from sqlalchemy import bindparam, column, null, select, table

    return (
        select(column("x"), null().label("n"))
        .select_from(table("t"))
        .where(column("x").in_(bindparam("ids", expanding=True)))
        .limit(bindparam("limit"))
    )


@_private(
    SQLALCHEMY,
    "sqlalchemy.util.await_",
    "graphql_api/statement_trace.py",
    "awaits the driver from the sync checkout event, in SQLAlchemy's greenlet",
)
def _await() -> None:
    from sqlalchemy.util import greenlet_spawn

    async def spawned() -> Any:
        return await greenlet_spawn(lambda: await_(asyncio.sleep(0, "awaited")))

    _require(asyncio.run(spawned()) == "awaited", "it does not await")


@_private(
    SQLALCHEMY,
    "sqlalchemy.sql.compiler.SQLCompiler",
    _DIRECT,
    "what a Select compiles to, with the internals below",
)
def _sql_compiler() -> None:
    _sqlite_compiled(_page_statement())


@_private(
    SQLALCHEMY,
    "SQLCompiler.construct_expanded_state",
    _DIRECT,
    "IN lists rendered (escape_names=False): statement, parameters, processors, positiontup",
)
def _construct_expanded_state() -> None:
    state = expanded_state(_sqlite_compiled(_page_statement()), {"ids": [7, 8], "limit": 3})
    _require("IN (?, ?)" in state.statement, f"statement {state.statement!r}")
    _require(state.positiontup is not None, "no positiontup for a qmark dialect")
    values = [state.parameters[name] for name in state.positiontup or ()]
    _require(values[:3] == [7, 8, 3], f"positional values {values}")
    _require(isinstance(state.processors, Mapping), "no processors")


@_private(
    SQLALCHEMY,
    "SQLCompiler.literal_execute_params",
    _DIRECT,
    "statements that render values into their text are expanded every time",
)
def _literal_execute_params() -> None:
    from sqlalchemy import bindparam, column, select

    _require(not renders_literal_values(_sqlite_compiled(_page_statement())), "set for binds")
    literal: Any = select(column("x")).where(column("x") == bindparam("v", 1, literal_execute=True))
    _require(renders_literal_values(_sqlite_compiled(literal)), "empty for literal_execute")


@_private(
    SQLALCHEMY,
    "SQLCompiler.binds",
    _DIRECT,
    "the statement's bind parameters by name, for their processors and fixed values",
)
def _binds() -> None:
    binds = statement_binds(_sqlite_compiled(_page_statement()))
    _require({"ids", "limit"} <= set(binds), f"binds {sorted(binds)}")
    _require(all(isinstance(b, BindParameter) for b in binds.values()), "not BindParameters")


@_private(
    SQLALCHEMY,
    "BindParameter.callable",
    _DIRECT,
    "a value made at each execution is never kept in a cached layout",
)
def _bind_callable() -> None:
    from sqlalchemy import bindparam

    _require(not computed_at_execution(bindparam("a", 1)), "set for a value")
    _require(computed_at_execution(bindparam("b", callable_=lambda: 1)), "unset for callable_")


@_private(
    SQLALCHEMY,
    "Enum._object_lookup",
    _DIRECT,
    "a non-native Enum's stored value (None included) to member; String.result_processor "
    "returns None for it on SQLite",
)
def _enum_object_lookup() -> None:
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.sql import sqltypes

    class Colour(Enum):
        RED = "red"

    dialect = sqlite.dialect()
    impl = SAEnum(Colour, native_enum=False).dialect_impl(dialect)
    _require(enum_lookup(impl) == {"RED": Colour.RED, None: None}, f"{enum_lookup(impl)!r}")
    _require(
        sqltypes.String.result_processor(cast(Any, impl), dialect, None) is None,
        "SQLite processes text",
    )


def _sync_engine(**kwargs: Any) -> Engine:
    from sqlalchemy import create_engine

    return create_engine("sqlite://", **kwargs)


@_private(
    SQLALCHEMY,
    "Engine.dispatch.before_cursor_execute/after_cursor_execute",
    _DIRECT,
    "an engine with statement listeners (tracing, counts) keeps SQLAlchemy's path",
)
def _cursor_listeners() -> None:
    from sqlalchemy import event

    engine = _sync_engine()

    def listener(*_args: Any) -> None:
        pass

    try:
        _require(not has_cursor_listeners(engine), "listeners on a new engine")
        for name in ("before_cursor_execute", "after_cursor_execute"):
            event.listen(engine, name, listener)
            _require(has_cursor_listeners(engine), f"a {name} listener is not seen")
            event.remove(engine, name, listener)
    finally:
        engine.dispose()


@_private(
    SQLALCHEMY,
    "Engine.logger",
    _DIRECT,
    "an engine that echoes its statements keeps SQLAlchemy's path",
)
def _engine_logger() -> None:
    shared = logging.getLogger("sqlalchemy.engine.Engine")
    handlers = list(shared.handlers)
    engine = _sync_engine(echo=True)
    try:
        _require(logs_statements(engine), "echo=True is not seen")
    finally:
        engine.dispose()
        for handler in shared.handlers[:]:
            if handler not in handlers:  # echo=True's default handler
                shared.removeHandler(handler)


def _aiosqlite_dialect() -> Dialect:
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

    return SQLiteDialect_aiosqlite(dbapi=SQLiteDialect_aiosqlite.import_dbapi())


@_private(
    SQLALCHEMY,
    "Dialect.loaded_dbapi",
    _DIRECT,
    "the driver's Error and OperationalError, to wrap its errors as SQLAlchemy would",
)
def _loaded_dbapi() -> None:
    dbapi = driver_module(_aiosqlite_dialect())
    _require(issubclass(dbapi.OperationalError, dbapi.Error), "no DBAPI exception classes")


@_private(
    SQLALCHEMY,
    "Dialect.is_disconnect",
    _DIRECT,
    "called without connection or cursor: a lost connection is invalidated first",
)
def _is_disconnect() -> None:
    dialect = _aiosqlite_dialect()
    error = driver_module(dialect).OperationalError("no active connection")
    _require(is_disconnect(dialect, error), "aiosqlite's closed connection is not a disconnect")


@_private(
    SQLALCHEMY,
    "DBAPIError.instance",
    _DIRECT,
    "a driver error wrapped as SQLAlchemy's execution wraps it",
)
def _dbapi_error_instance() -> None:
    from sqlalchemy.exc import OperationalError

    dialect = _aiosqlite_dialect()
    error = driver_module(dialect).OperationalError("no active connection")
    wrapped = as_sqlalchemy_error("SELECT 1", [], error, dialect, connection_invalidated=True)
    _require(isinstance(wrapped, OperationalError), f"got {wrapped!r}")
    _require(getattr(wrapped, "connection_invalidated", False), "not marked invalidated")


@cache
def _tiny_model() -> type:
    from sqlalchemy import Integer, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class CompatBase(DeclarativeBase):
        pass

    class CompatThing(CompatBase):
        __tablename__ = "compat_thing"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String)

    return CompatThing


def _detached_entity() -> Any:
    from sqlalchemy.orm import configure_mappers, make_transient_to_detached

    model = _tiny_model()
    configure_mappers()
    entity: Any = instance_factory(model)()
    instance_dict(entity).update({"id": 1, "name": "loaded"})
    make_transient_to_detached(entity)
    return entity


@_private(
    SQLALCHEMY,
    "sqlalchemy.orm.attributes.instance_dict",
    _QUERIES,
    "by_ids fills a new entity's columns straight into its __dict__",
)
def _instance_dict() -> None:
    entity = _detached_entity()
    _require((entity.id, entity.name) == (1, "loaded"), "the values are not the entity's")
    _require(sa_inspect(entity).detached, "not a detached entity")


@_private(
    SQLALCHEMY,
    "Mapper.class_manager.new_instance",
    _QUERIES,
    "by_ids makes entities without __init__",
)
def _new_instance() -> None:
    _require(type(_detached_entity()) is _tiny_model(), "not an instance of the class")


PRIVATE_APIS: tuple[PrivateApi, ...] = tuple(_REGISTERED)

__all__ = [
    "DEFINITION_BACKREF",
    "GRAPHQL_CORE",
    "PRIVATE_APIS",
    "SQLALCHEMY",
    "STRAWBERRY",
    "AsyncHTTPRequestAdapter",
    "BaseGraphQLTransportWSHandler",
    "BaseGraphQLWSHandler",
    "CannotGetOperationTypeError",
    "FieldDetailsList",
    "GraphQLResolveInfoHelpers",
    "GroupedFieldSet",
    "HTTPException",
    "InvalidOperationTypeError",
    "PrivateApi",
    "PrivateApiChanged",
    "SQLCompiler",
    "StartMessage",
    "StrawberryGraphQLCoreExecutionContext",
    "SubscribeMessage",
    "as_sqlalchemy_error",
    "await_",
    "computed_at_execution",
    "convert_arguments",
    "convert_field_arguments",
    "driver_module",
    "enum_class",
    "enum_lookup",
    "expanded_state",
    "gather_with_cancel",
    "graphql_core_schema",
    "has_cursor_listeners",
    "instance_dict",
    "instance_factory",
    "is_default_resolver",
    "is_disconnect",
    "logs_statements",
    "operation_span",
    "optimized_is_awaitable",
    "provided_operation_name",
    "renders_literal_values",
    "requests_streaming",
    "resolver_function",
    "resolves_by_getattr",
    "serialize_boolean",
    "serialize_id",
    "serialize_string",
    "statement_binds",
    "strawberry_classes",
    "strawberry_definition",
    "strawberry_schema",
]
