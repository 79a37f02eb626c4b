"""The planned executor's generated row builders (graphql/plans.py `row_builder`) fill a
level's rows as the general way (`rows_checked`) does, and decline what it must check."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLEnumValue
from graphql.type.scalars import serialize_id, serialize_int, serialize_string

from graphql_api.engine import plans


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Thing:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class Other(Thing):
    pass


def _enum_type(names: dict[str, Color]) -> GraphQLEnumType:
    found = GraphQLEnumType("Color", {name: GraphQLEnumValue(m) for name, m in names.items()})
    found.wrapped_cls = Color  # type: ignore[attr-defined]  # as Strawberry's enum types have
    return found


def _plan(color: GraphQLEnumType) -> plans.ObjectPlan:
    leaves: list[plans.Leaf] = [
        plans.Leaf("id", "id", serialize_id, True, str),
        plans.Leaf("label", "name", serialize_string, False, str),
        plans.Leaf("size", "size", serialize_int, False, None),
        plans.Leaf("color", "color", plans.output_coercion(color), True, None),
    ]
    keys = ["__typename", "id", "label", "child", "size", "color"]
    return plans.ObjectPlan(
        "Thing",
        lambda value, _info: isinstance(value, Thing),
        keys,
        (Thing,),
        ["__typename"],
        leaves,
    )


def test_the_builder_fills_what_the_general_way_fills() -> None:
    plan = _plan(_enum_type({"RED": Color.RED, "BLUE": Color.BLUE}))
    parents = [
        Thing(id="1", name="a", size=3, color=Color.RED),
        Thing(id=2, name=None, size=None, color=Color.BLUE),  # an int id is coerced
    ]
    built = plans.row_builder(plan)(parents)
    assert built == plans.rows_checked(plan, parents)
    assert built is not None and [list(row) for row in built] == [plan.keys] * 2
    assert built[1] == {
        "__typename": "Thing",
        "id": "2",
        "label": None,
        "child": None,
        "size": None,
        "color": "BLUE",
    }


def test_an_enum_answered_by_other_names_is_coerced_not_read() -> None:
    renamed = _enum_type({"CRIMSON": Color.RED, "NAVY": Color.BLUE})
    plan = _plan(renamed)
    assert plans.output_coercion(renamed) not in plans.NAMED_BY_MEMBER
    built = plans.row_builder(plan)([Thing(id="1", name="a", size=1, color=Color.RED)])
    assert built is not None and built[0]["color"] == "CRIMSON"


@pytest.mark.parametrize(
    "values",
    [
        {"id": None, "name": "a", "size": 1, "color": Color.RED},  # null in a non-null leaf
        {"id": "1", "name": "a", "size": "big", "color": Color.RED},  # Int refuses it
        {"id": "1", "name": "a", "size": 1, "color": "RED"},  # not a member
    ],
)
def test_values_graphql_core_would_refuse_fall_back(values: dict[str, Any]) -> None:
    plan = _plan(_enum_type({"RED": Color.RED, "BLUE": Color.BLUE}))
    with pytest.raises(plans.Fallback):
        plans.row_builder(plan)([Thing(**values)])
    with pytest.raises(plans.Fallback):
        plans.rows_checked(plan, [Thing(**values)])


def test_an_object_of_another_class_takes_the_general_way() -> None:
    plan = _plan(_enum_type({"RED": Color.RED, "BLUE": Color.BLUE}))
    other = Other(id="1", name="a", size=1, color=Color.RED)
    assert plans.row_builder(plan)([other]) is None
    assert plans.rows_checked(plan, [other])[0]["color"] == "RED"  # is_type_of accepts it
    plan.is_type_of = lambda value, _info: False
    with pytest.raises(plans.Fallback):
        plans.rows_checked(plan, [other])


def test_attribute_names_that_cannot_be_written_in_code_are_never_generated() -> None:
    plan = _plan(_enum_type({"RED": Color.RED, "BLUE": Color.BLUE}))
    plan.leaves.append(plans.Leaf("kind", "class", serialize_string, False, str))
    plan.keys.append("kind")
    assert plans.row_builder(plan)([Thing(id="1", name="a", size=1, color=Color.RED)]) is None
