"""thread processing markers, mash-up variants, API tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 left the mash-up uniqueness constraint unnamed: SQLite reflects it without a name (the
# batch naming convention names it), PostgreSQL named it itself.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD_UNIQUE = {"sqlite": "uq_mashups_release_id_product_id"}
_NEW_UNIQUE = "uq_mashups_release_id_product_id_variant"


def _old_unique_name() -> str:
    return _OLD_UNIQUE.get(op.get_bind().dialect.name, "mashups_release_id_product_id_key")


def upgrade() -> None:
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("enrichment_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("mashups", naming_convention=_NAMING) as batch_op:
        batch_op.add_column(
            sa.Column("variant", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.drop_constraint(_old_unique_name(), type_="unique")
        batch_op.create_unique_constraint(_NEW_UNIQUE, ["release_id", "product_id", "variant"])

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")

    with op.batch_alter_table("mashups", naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint(_NEW_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(_old_unique_name(), ["release_id", "product_id"])
        batch_op.drop_column("variant")

    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("indexed_at")
        batch_op.drop_column("enrichment_key")
        batch_op.drop_column("enriched_at")
