"""Release the places and waiting-list turns still held by erased registrations.

Before this revision /forget_me anonymised registrations without withdrawing them, so an
erased registration could keep its place (visits.held) or its turn on the waiting list for
ever. Such registrations of visits that have not begun are withdrawn here, and each touched
visit's held is set to what its registrations really hold; the five-minute due work then
offers every freed place to the people waiting (its sweep for free places with people
waiting). No schema change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_visits = sa.table(
    "visits",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("start_date", sa.Date),
    sa.column("held", sa.Integer),
)
_registrations = sa.table(
    "registrations",
    sa.column("id", sa.Integer),
    sa.column("visit_id", sa.Integer),
    sa.column("telegram_id", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("offer_expires_at", sa.DateTime),
    sa.column("anonymised_at", sa.DateTime),
)


def upgrade() -> None:
    """Withdraw erased registrations that still hold a place or wait; correct visits.held."""
    bind = op.get_bind()
    # UTC's date trails both partner cities' (as in marking visits past): a visit that has
    # begun in Tokorozawa may still count as not begun here for a few hours, never the reverse.
    today = datetime.now(UTC).date()
    upcoming = sa.select(_visits.c.id).where(
        _visits.c.status != "past", _visits.c.start_date > today
    )
    erased = sa.and_(
        _registrations.c.telegram_id.is_(None), _registrations.c.anonymised_at.is_not(None)
    )
    touched = set(
        bind.execute(
            sa.select(_registrations.c.visit_id)
            .where(
                erased,
                _registrations.c.status.in_(["confirmed", "offered"]),
                _registrations.c.visit_id.in_(upcoming),
            )
            .distinct()
        ).scalars()
    )
    bind.execute(
        sa.update(_registrations)
        .where(
            erased,
            sa.or_(
                _registrations.c.status == "waitlisted",
                sa.and_(
                    _registrations.c.status.in_(["confirmed", "offered"]),
                    _registrations.c.visit_id.in_(upcoming),
                ),
            ),
        )
        .values(status="withdrawn", offer_expires_at=None)
    )
    for visit_id in sorted(touched):
        holding = (
            sa.select(sa.func.count())
            .select_from(_registrations)
            .where(
                _registrations.c.visit_id == visit_id,
                _registrations.c.status.in_(["confirmed", "offered"]),
            )
            .scalar_subquery()
        )
        bind.execute(sa.update(_visits).where(_visits.c.id == visit_id).values(held=holding))


def downgrade() -> None:
    """Nothing to undo: the withdrawn places were nobody's."""
