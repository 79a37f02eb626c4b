"""users: phone, date_of_birth, home, email_notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("home_latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("home_longitude", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("email_notifications", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in ("email_notifications", "home_longitude", "home_latitude"):
            batch_op.drop_column(column)
        batch_op.drop_column("date_of_birth")
        batch_op.drop_column("phone")
