"""Users and question log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create users and question_log."""
    # Plain sa.DateTime here, not bot.db.models.UtcDateTime: a migration must not change
    # when today's models do. The column type in the database is the same.
    op.create_table(
        "users",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("telegram_language", sa.String(length=16), nullable=True),
        sa.Column("first_name", sa.String(length=256), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscribed", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_users")),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "feedback IN ('helpful', 'not_helpful')", name=op.f("ck_question_log_feedback")
        ),
        sa.CheckConstraint(
            "outcome IN ('answered', 'suggested', 'unknown', 'none_of_these')",
            name=op.f("ck_question_log_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["telegram_id"],
            ["users.telegram_id"],
            name=op.f("fk_question_log_telegram_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_log")),
    )
    op.create_index(
        "ix_question_log_outcome_created_at", "question_log", ["outcome", "created_at"]
    )
    op.create_index(op.f("ix_question_log_telegram_id"), "question_log", ["telegram_id"])


def downgrade() -> None:
    """Drop question_log and users."""
    op.drop_index(op.f("ix_question_log_telegram_id"), table_name="question_log")
    op.drop_index("ix_question_log_outcome_created_at", table_name="question_log")
    op.drop_table("question_log")
    op.drop_table("users")
