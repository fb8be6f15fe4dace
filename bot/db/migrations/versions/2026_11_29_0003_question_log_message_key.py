"""The question log keyed by the Telegram message: chat_id and message_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add chat_id and message_id, unique together (rows logged before stay NULL)."""
    with op.batch_alter_table("question_log") as batch:
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "ux_question_log_chat_id_message_id",
        "question_log",
        ["chat_id", "message_id"],
        unique=True,
    )


def downgrade() -> None:
    """Drop the message key."""
    op.drop_index("ux_question_log_chat_id_message_id", table_name="question_log")
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("message_id")
        batch.drop_column("chat_id")
