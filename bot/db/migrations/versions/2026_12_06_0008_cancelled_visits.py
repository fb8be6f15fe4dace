"""A visit can be cancelled: 'cancelled' among the visit statuses the database accepts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('draft', 'open', 'closed', 'past')"
_AFTER = "status IN ('draft', 'open', 'closed', 'past', 'cancelled')"


def _status_check(condition: str) -> None:
    # SQLite changes a CHECK only by copying the table: batch mode does that there.
    with op.batch_alter_table("visits") as batch:
        batch.drop_constraint(op.f("ck_visits_status"), type_="check")
        batch.create_check_constraint(op.f("ck_visits_status"), condition)


def upgrade() -> None:
    """Accept 'cancelled' as a visit status."""
    _status_check(_AFTER)


def downgrade() -> None:
    """Cancelled visits become closed ones, then the status list loses 'cancelled'."""
    op.execute("UPDATE visits SET status = 'closed' WHERE status = 'cancelled'")
    _status_check(_BEFORE)
