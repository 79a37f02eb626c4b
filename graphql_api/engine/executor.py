"""A level-at-a-time executor for the same results as graphql-core's.

graphql-core resolves every field of every object on its own: a `Path`, a
`GraphQLResolveInfo`, Strawberry's resolver wrapper, `complete_value` walking
NonNull/List/Leaf/Object, and an asyncio task for every pending field of every object: most
of a large nested query's time.

This executor takes over below a field when it can plan the whole subtree in advance: every
field in it is either a plain attribute (a Strawberry field without a resolver: scalar, enum,
object or list) or a relation whose resolver has a batch form (graphql/batching.py). It then
runs the subtree one *level* at a time: each scalar column is read in one loop over all the
objects of that level, each relation is one call of its batch function for all of them. A
nested page whose subtree reads only what its rows hold is written straight into the answer
(graphql/written.py). The plans and the generated row builders are in graphql/plans.py.

Everything else stays with graphql-core: root fields, mutations' top level, abstract types,
fields without a batch form, `@defer`. Errors, too: if anything in a planned subtree raises
(a permission, a bad cursor, a null in a non-null field), the subtree is executed again by
graphql-core, which produces the standard partial result, error and path. Only queries' read
paths run twice, and only when they fail. tests/test_executor.py compares both executors.

With a schema extension that hooks `resolve` (tracing does), every field goes through
graphql-core so the middleware sees it.

Each field that leaves the fast path is reported (fallbacks.py: a DEBUG line and a counter):
a plan keeps what it left to graphql-core, so a cached plan reports it on every request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    Executor,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.types.field import StrawberryField

from graphql_api.compat import (
    FieldDetailsList,
    GraphQLResolveInfoHelpers,
    GroupedFieldSet,
    StrawberryGraphQLCoreExecutionContext,
    convert_field_arguments,
    gather_with_cancel,
    resolver_function,
    resolves_by_getattr,
    strawberry_definition,
)
from graphql_api.engine.batching import (
    batch_resolver_of,
    planned_arguments_of,
    written_form_of,
)
from graphql_api.engine.fallbacks import FallbackReason, FieldFallback, report
from graphql_api.engine.plans import (
    UNCHANGED,
    Fallback,
    Leaf,
    ObjectPlan,
    Selection,
    Shape,
    ShapeKind,
    exact_classes,
    fill_leaves,
    output_coercion,
    row_builder,
    rows_checked,
)
from graphql_api.engine.written import page_writer
from graphql_api.lru import LRU

log = logging.getLogger(__name__)


class _Unplannable(Exception):
    """This subtree has something only graphql-core executes: `field` (`Type.field`), for
    `reason` (None: by design, not a fallback: a root field without a batch form,
    introspection)."""

    def __init__(self, reason: FallbackReason | None, field: str) -> None:
        super().__init__(field, reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class _Kept:
    """A plan kept across requests (_PLANS): the field's plan (None: graphql-core executes it)
    and the fallbacks it reports on each request, with the type and field nodes whose ids are
    in its key (so no other object can take those ids)."""

    parent_type: GraphQLObjectType
    nodes: list[Any]
    planned: Any
    fallbacks: tuple[FieldFallback, ...]


class _AsyncWork:
    """What graphql-core's resolve-info helpers use of an executor (how to tell an awaitable,
    and the set of work settling in the background, which the executor shares with its copies
    for @defer groups and subscription events), without the executor: graphql-core's own
    methods, bound to this instead (see FastExecutor.__init__)."""

    __slots__ = ("background_futures", "is_awaitable")

    def __init__(self, is_awaitable: Callable[[Any], bool], background_futures: set[Any]):
        self.is_awaitable = is_awaitable
        self.background_futures = background_futures

    settle_in_background = Executor.settle_in_background
    track_async_work = Executor.track_async_work
    gather_async_work = Executor.gather_async_work


def _strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    found = strawberry_definition(field_def)
    return found if isinstance(found, StrawberryField) else None


def _leaf_column(
    key: str, field_def: GraphQLField, strawberry_field: StrawberryField
) -> Leaf | None:
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return None
    coerce = output_coercion(named)
    return Leaf(key, strawberry_field.python_name, coerce, non_null, UNCHANGED.get(coerce))


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; planned subtrees run a level at a time."""

    _noted: list[FieldFallback]  # what the plan being made leaves to slower paths (_planned)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core gives resolvers (info.async_helpers) this executor's own bound methods:
        # a reference cycle through which everything a request allocated (the executor, its
        # plans, the request, the context) waited for the cycle collector, ~220 objects a
        # request and a ~2 ms young collection every ~30 requests. The same methods bound to
        # what they use instead: a request's objects go when it ends
        # (tests/test_request_garbage.py).
        work = _AsyncWork(self.is_awaitable, self.background_futures)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=work.gather_async_work,  # type: ignore[misc]  # duck-typed self, see _AsyncWork
            track=work.track_async_work,  # type: ignore[misc]
        )

    def _uses_middleware(self) -> bool:
        return self.middleware_manager is not None and bool(self.middleware_manager.middlewares)

    # -- planning --------------------------------------------------------------------------

    def _plan_shape(
        self, output_type: GraphQLOutputType, details: FieldDetailsList, field: str
    ) -> Shape:
        """The shape of the field `field` (`Type.field`, for the fallbacks it raises)."""
        if isinstance(output_type, GraphQLNonNull):
            return Shape(ShapeKind.NON_NULL, self._plan_shape(output_type.of_type, details, field))
        if isinstance(output_type, GraphQLList):
            return Shape(ShapeKind.LIST, self._plan_shape(output_type.of_type, details, field))
        if is_leaf_type(output_type):
            return Shape(ShapeKind.LEAF, output_coercion(output_type))
        if is_object_type(output_type):
            return Shape(ShapeKind.OBJECT, self._plan_object(output_type, details, field))
        # interfaces and unions: graphql-core resolves the runtime type
        raise _Unplannable(FallbackReason.ABSTRACT_TYPE, field)

    def _plan_object(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, field: str
    ) -> ObjectPlan:
        grouped, new_defer_usages, *_ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            raise _Unplannable(FallbackReason.DEFER, field)
        plan = ObjectPlan(
            object_type.name, object_type.is_type_of, list(grouped), exact_classes(object_type)
        )
        for key, field_details in grouped.items():
            planned = self._plan_field(object_type, key, field_details)
            if planned is _TYPENAME:
                plan.typenames.append(key)
            elif isinstance(planned, Selection):
                plan.nested.append(planned)
            else:
                plan.leaves.append(planned)  # type: ignore[arg-type]
        return plan

    def _plan_field(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> Selection | Leaf | object:
        """One field: `_TYPENAME`, a scalar column (a Leaf), or a Selection with its planned
        subtree. Raises _Unplannable; a page read with every column or built as objects is
        noted in `self._noted` (see `_planned`)."""
        name = details[0].node.name.value
        if name == "__typename":
            return _TYPENAME
        label = f"{parent_type.name}.{name}"
        field_def = parent_type.fields.get(name)
        strawberry_field = _strawberry_field(field_def) if field_def else None
        if field_def is None or strawberry_field is None:
            raise _Unplannable(None, label)  # introspection
        # Strawberry resolves a field without a resolver with `getattr(source, python_name)`
        # and nothing else (no arguments, permissions or field extensions run for it).
        if resolves_by_getattr(field_def, strawberry_field):
            leaf = _leaf_column(key, field_def, strawberry_field)
            if leaf is not None:
                return leaf
            shape = self._plan_shape(field_def.type, details, label)
            name = strawberry_field.python_name
            return Selection(key, name, None, {}, shape)
        resolver = resolver_function(strawberry_field)
        batch = batch_resolver_of(resolver) if resolver is not None else None
        root = self._is_root(parent_type)
        if batch is None or resolver is None:
            raise _Unplannable(None if root else FallbackReason.NO_BATCH_FORM, label)
        if strawberry_field.extensions:
            # Field extensions (permission_classes become one) run around the resolver only:
            # a batch form would skip them.
            raise _Unplannable(FallbackReason.FIELD_EXTENSIONS, label)
        arguments = self._arguments(field_def, strawberry_field, details)
        shape = self._plan_shape(field_def.type, details, label)
        page = _is_page(field_def.type)
        planned = planned_arguments_of(resolver)
        if planned is not None:  # once per plan, kept with it across requests
            arguments.update(planned(_fields_read(shape)))
        elif page:
            self._noted.append(FieldFallback(label, FallbackReason.ALL_COLUMNS))
        form = written_form_of(resolver)
        write = page_writer(shape, form) if form is not None else None
        if write is not None:
            arguments["write"] = write
        elif form is not None or (page and not root):
            self._noted.append(FieldFallback(label, FallbackReason.OBJECTS_BUILT))
        written = write is not None
        return Selection(key, strawberry_field.python_name, batch, arguments, shape, written)

    def _is_root(self, parent_type: GraphQLObjectType) -> bool:
        schema = self.schema
        return parent_type in (schema.query_type, schema.mutation_type, schema.subscription_type)

    def _arguments(
        self,
        field_def: GraphQLField,
        strawberry_field: StrawberryField,
        details: FieldDetailsList,
    ) -> dict[str, Any]:
        if not field_def.args:
            return {}
        first = details[0]
        raw = get_argument_values(
            field_def,
            first.node,
            self.variable_values,
            first.fragment_variable_values,
            self.hide_suggestions,
        )
        return convert_field_arguments(self.schema, raw, strawberry_field.arguments)

    def _planned(self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> Any:
        """`_plan_field`, memoised per request on the identity of `details` (graphql-core's
        collect_subfields hands out the same lists for every object of a level), and across
        requests in _PLANS; None when graphql-core must execute the field. Reports the plan's
        fallbacks once per request."""
        cache: dict[int, tuple[FieldDetailsList, Any]] = self.__dict__.setdefault("_plans", {})
        cached = cache.get(id(details))
        if cached is not None:
            return cached[1]
        shared = self._shared_plan_key(parent_type, key, details)
        found = _PLANS.get(shared) if shared is not None else None
        if found is None:
            noted: list[FieldFallback] = []
            self._noted = noted
            try:
                planned = self._plan_field(parent_type, key, details)
                fallbacks = tuple(noted)
            except _Unplannable as unplannable:  # what is noted below it is planned again
                planned = None
                reason = unplannable.reason
                fallbacks = () if reason is None else (FieldFallback(unplannable.field, reason),)
            except Exception:  # an argument graphql-core will refuse itself (an error answer)
                planned = None
                fallbacks = ()
            found = _Kept(parent_type, [d.node for d in details], planned, fallbacks)
            if shared is not None:
                _PLANS.put(shared, found)
        if found.fallbacks:
            self._report(found.fallbacks)
        cache[id(details)] = (details, found.planned)  # the list is kept so its id stays unique
        return found.planned

    def _report(self, fallbacks: Sequence[FieldFallback]) -> None:
        """Report each (field, reason) not reported yet by this request (fallbacks.report)."""
        reported: set[FieldFallback] = self.__dict__.setdefault("_reported", set())
        for fallback in fallbacks:
            if fallback not in reported:
                reported.add(fallback)
                report(fallback.field, fallback.reason, self.context_value)

    def _shared_plan_key(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> tuple[Any, ...] | None:
        """What a plan depends on: the schema's type, the document's field nodes (the same
        objects for every request of a cached document) and the variables (arguments,
        @skip/@include). None when it cannot be told (fragment arguments, a variable value
        that is not plain data)."""
        if any(d.fragment_variable_values is not None for d in details):
            return None
        variables = self.__dict__.get("_frozen_variables", _UNFROZEN)
        if variables is _UNFROZEN:
            try:
                variables = _frozen(self.variable_values.coerced, [_VARIABLES_BUDGET])
            except (TypeError, _TooLarge):  # unhashable, or too large to keep
                variables = None
            self.__dict__["_frozen_variables"] = variables
        if variables is None:
            return None
        return (id(parent_type), key, tuple(id(d.node) for d in details), variables)

    # -- execution -------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self._uses_middleware():
            if "_middleware_reported" not in self.__dict__:  # once per request: its first level
                self.__dict__["_middleware_reported"] = True
                self._report(
                    [
                        FieldFallback(_label(parent_type, details), FallbackReason.MIDDLEWARE)
                        for details in grouped_field_set.values()
                    ]
                )
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details in grouped_field_set.items():
                planned = self._planned(parent_type, response_name, details)
                field_path = Path(path, response_name, parent_type.name)
                if isinstance(planned, Leaf):
                    try:
                        results[response_name] = _leaf_value(source_value, planned)
                        continue
                    except Exception:
                        self._report(_reexecuted(parent_type, details))
                        result = self.execute_field(
                            parent_type, source_value, details, field_path, position_context
                        )
                elif isinstance(planned, Selection):
                    result = self._run_planned(
                        planned, parent_type, source_value, details, field_path, position_context
                    )
                elif planned is _TYPENAME:
                    results[response_name] = parent_type.name
                    continue
                else:
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gather_fields(results, awaitable_fields)

    async def _run_planned(
        self,
        selection: Selection,
        parent_type: GraphQLObjectType,
        source_value: Any,
        details: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        try:
            values = await self._column(selection, [source_value])
            if selection.written:
                return values[0]
            return (await self._complete(selection.shape, values))[0]
        except Exception:
            # graphql-core executes the subtree again and reports the error its own way (a
            # failing read runs twice; at DEBUG, the first failure is logged too).
            if log.isEnabledFor(logging.DEBUG):  # (a FORBIDDEN field comes here every time)
                log.debug(
                    "planned subtree at %s handed to graphql-core", path.as_list(), exc_info=True
                )
            self._report(_reexecuted(parent_type, details))
            result = self.execute_field(parent_type, source_value, details, path, position_context)
        return await result if self.is_awaitable(result) else result

    async def _column(self, selection: Selection, parents: list[Any]) -> Sequence[Any]:
        if selection.batch is None:
            return list(map(attrgetter(selection.field), parents))
        found = selection.batch(self.context_value, parents, **selection.arguments)
        values: Sequence[Any] = await found if isinstance(found, Awaitable) else found
        if len(values) != len(parents):
            raise Fallback
        return values

    async def _complete(self, shape: Shape, values: Sequence[Any]) -> list[Any]:
        kind = shape.kind
        if kind is ShapeKind.NON_NULL:
            completed = await self._complete(shape.of, values)
            if None in completed:  # (completed values are dicts, lists and scalars: C-level ==)
                raise Fallback
            return completed
        if kind is ShapeKind.LEAF:
            coerce = shape.of
            out = [None if value is None else coerce(value) for value in values]
            for value, coerced in zip(values, out, strict=True):
                if value is not None and (coerced is None or coerced is Undefined):
                    raise Fallback
            return out
        if kind is ShapeKind.LIST:
            lists: list[list[Any] | None] = []
            for value in values:
                if value is None:
                    lists.append(None)
                elif isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
                    raise Fallback
                else:
                    lists.append(list(value))
            items = [item for value in lists if value is not None for item in value]
            completed_items = await self._complete(shape.of, items)
            out = []
            position = 0
            for value in lists:
                if value is None:
                    out.append(None)
                else:
                    out.append(completed_items[position : position + len(value)])
                    position += len(value)
            return out
        plan: ObjectPlan = shape.of
        present = [value for value in values if value is not None]
        if len(present) == len(values):  # the common case: no null to keep in place
            return await self._run_object(plan, present)
        rows = iter(await self._run_object(plan, present))
        return [None if value is None else next(rows) for value in values]

    async def _run_object(self, plan: ObjectPlan, parents: list[Any]) -> list[dict[str, Any]]:
        if not parents:
            return []
        build = plan.build
        if build is None:
            build = plan.build = row_builder(plan)
        rows = build(parents)
        if rows is None:
            rows = rows_checked(plan, parents)
        if plan.nested:

            async def fill(selection: Selection) -> None:
                values = await self._column(selection, parents)
                completed = (
                    values if selection.written else await self._complete(selection.shape, values)
                )
                key = selection.key
                for row, value in zip(rows, completed, strict=True):
                    row[key] = value

            if len(plan.nested) == 1:
                await fill(plan.nested[0])
            else:
                await asyncio.gather(*(fill(selection) for selection in plan.nested))
        return rows


_TYPENAME = object()
_UNFROZEN = object()

# Plans by what they depend on (FastExecutor._shared_plan_key); each entry also holds the type
# and field nodes whose ids are in its key, so no other object can take those ids. Bounded
# twice: 1,024 entries (an entry keeps its
# document alive, as the parser cache's 1,024 do), and variables over a small budget are not
# kept at all (a plan keyed on a 500 KB argument would hold it; such requests plan per request).
_PLANS: LRU[tuple[Any, ...], _Kept] = LRU(1024)
_VARIABLES_BUDGET = 2048  # characters of strings plus one per value


class _TooLarge(Exception):
    pass


def _frozen(value: Any, budget: list[int]) -> Any:
    """A hashable, type-exact stand-in for coerced variable values (True, 1 and 1.0 are equal
    in Python, not in GraphQL); TypeError for anything else that is not hashable, _TooLarge
    past the budget (a one-item list, spent as it goes)."""
    budget[0] -= len(value) if isinstance(value, str) else 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, _frozen(v, budget)) for k, v in value.items())))
    if isinstance(value, list):
        return ("[]", tuple(_frozen(v, budget) for v in value))
    hash(value)
    return (type(value), value)


def _fields_read(shape: Shape) -> dict[str, frozenset[str]]:
    """What a planned subtree reads of each object type (batching.FieldsRead). A loop over a
    stack, not a recursive closure: that would be a reference cycle left to the collector."""
    found: dict[str, set[str]] = {}
    pending = [shape]
    while pending:
        current = pending.pop()
        if current.kind in (ShapeKind.NON_NULL, ShapeKind.LIST):
            pending.append(current.of)
        elif current.kind is ShapeKind.OBJECT:
            plan: ObjectPlan = current.of
            names = found.setdefault(plan.type_name, set())
            names.update(leaf.attribute for leaf in plan.leaves)
            for selection in plan.nested:
                names.add(selection.field)
                pending.append(selection.shape)
    return {type_name: frozenset(names) for type_name, names in found.items()}


def _label(parent_type: GraphQLObjectType, details: FieldDetailsList) -> str:
    return f"{parent_type.name}.{details[0].node.name.value}"


def _reexecuted(parent_type: GraphQLObjectType, details: FieldDetailsList) -> list[FieldFallback]:
    return [FieldFallback(_label(parent_type, details), FallbackReason.ERROR_REEXECUTED)]


def _is_page(output_type: GraphQLOutputType) -> bool:
    """A connection (an object type with `edges`), nullable or not: what `planned=` prunes and
    `written=` writes."""
    if isinstance(output_type, GraphQLNonNull):
        output_type = output_type.of_type
    return isinstance(output_type, GraphQLObjectType) and "edges" in output_type.fields


def _leaf_value(source: Any, leaf: Leaf) -> Any:
    row: dict[str, Any] = {}
    fill_leaves([row], [source], [leaf])
    return row.get(leaf.key)


async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    if len(awaitable_fields) == 1:
        name = awaitable_fields[0]
        results[name] = await results[name]
    else:
        awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results
