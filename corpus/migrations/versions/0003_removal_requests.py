"""removal requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:07:24.956506
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("venue_id", "kind", "source_id"),
    )
    with op.batch_alter_table("removals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_removals_venue_id"), ["venue_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("removals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_removals_venue_id"))

    op.drop_table("removals")
