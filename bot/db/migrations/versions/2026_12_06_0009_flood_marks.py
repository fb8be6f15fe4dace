"""Flood control's counts in the database, so that several bot processes count together.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One row per user who wrote: when they may send next, and the end of their pause."""
    op.create_table(
        "flood_marks",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_flood_marks")),
    )


def downgrade() -> None:
    """Flood control counts in each process's memory again."""
    op.drop_table("flood_marks")
