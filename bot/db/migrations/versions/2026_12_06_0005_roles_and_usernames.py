"""Roles granted in the bot (/grant, /revoke), and users' usernames to name them by.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create roles; add users.username (filled as people write again)."""
    op.create_table(
        "roles",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('staff', 'coordinator')", name=op.f("ck_roles_role")),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_roles")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("username", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_users_username"), "users", ["username"])


def downgrade() -> None:
    """Drop the usernames and the granted roles (COORDINATOR_IDS and STAFF_IDS still hold)."""
    op.drop_index(op.f("ix_users_username"), table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("username")
    op.drop_table("roles")
