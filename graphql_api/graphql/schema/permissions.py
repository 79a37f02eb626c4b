"""Permission classes for fields. Each raises the domain error that explains the refusal."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from graphql_api.graphql.schema.types.base import Info


class IsAuthenticated(BasePermission):
    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.require_viewer()
        return True


class IsStaff(BasePermission):
    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.require_staff()
        return True


class IsAdmin(BasePermission):
    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.require_admin()
        return True
