"""Live updates: a slot's new state after every committed change of its bookedCount or status."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graphql_api.graphql.schema import ids
from graphql_api.graphql.schema.types.base import Info
from graphql_api.graphql.schema.types.nodes import BookingSlot
from graphql_api.services import slots as slot_service


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change of a slot's bookedCount or status; all slots when slotId is null."
    )
    async def slot_changed(
        self, info: Info, slot_id: strawberry.ID | None = None
    ) -> AsyncGenerator[BookingSlot, None]:
        wanted = ids.decode_optional(slot_id, "BookingSlot", "slotId")
        db = info.context.db
        async for changed in info.context.broker.subscribe():
            if wanted is not None and changed != wanted:
                continue
            async with db.read() as session:
                rows = await slot_service.get_by_ids(session, [changed])
            if rows:
                yield BookingSlot.from_model(rows[0])
