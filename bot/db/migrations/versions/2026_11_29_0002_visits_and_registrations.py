"""Visits, registrations, conversation drafts and sent reminders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported: a migration must not change when today's models do.
ACTIVE = "status IN ('confirmed', 'waitlisted', 'offered')"


def upgrade() -> None:
    """Create visits, registrations, drafts and reminders_sent."""
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("host_city", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("registration_deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("date_revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dates_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_visits_capacity")),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_visits_dates")),
        sa.CheckConstraint("held >= 0 AND held <= capacity", name=op.f("ck_visits_held")),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed', 'past')", name=op.f("ck_visits_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("arrival", sa.Date(), nullable=False),
        sa.Column("departure", sa.Date(), nullable=False),
        sa.Column("dietary", sa.String(length=500), nullable=True),
        sa.Column("accessibility", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('delegate', 'expert', 'interpreter', 'press', 'other')",
            name=op.f("ck_registrations_role"),
        ),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'offered', 'withdrawn', 'declined', 'expired')",
            name=op.f("ck_registrations_status"),
        ),
        sa.CheckConstraint("departure >= arrival", name=op.f("ck_registrations_stay")),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_registrations_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(op.f("ix_registrations_telegram_id"), "registrations", ["telegram_id"])
    op.create_index(
        "ix_registrations_visit_id_status_created_at",
        "registrations",
        ["visit_id", "status", "created_at"],
    )
    op.create_index(
        "ux_registrations_active_visit_id_telegram_id",
        "registrations",
        ["visit_id", "telegram_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_table(
        "drafts",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", "kind", name=op.f("pk_drafts")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_reminders_sent_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "kind", name=op.f("pk_reminders_sent")),
    )


def downgrade() -> None:
    """Drop reminders_sent, drafts, registrations and visits."""
    op.drop_table("reminders_sent")
    op.drop_table("drafts")
    op.drop_index("ux_registrations_active_visit_id_telegram_id", table_name="registrations")
    op.drop_index("ix_registrations_visit_id_status_created_at", table_name="registrations")
    op.drop_index(op.f("ix_registrations_telegram_id"), table_name="registrations")
    op.drop_table("registrations")
    op.drop_table("visits")
