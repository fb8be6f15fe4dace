"""Migrations: every revision walks up and down, and the result matches the models."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.pool import NullPool

from bot.db import migrate
from bot.db.models import Base
from bot.db.url import sync_url

THROUGH_0002 = {"users", "question_log", "visits", "registrations", "drafts", "reminders_sent"}
OUTBOX_TABLES = {"broadcasts", "outbox"}  # revision 0007
FLOOD_TABLES = {"flood_marks"}  # revision 0009
ALL_TABLES = THROUGH_0002 | {"roles", "handoffs", "kb_changes"} | OUTBOX_TABLES | FLOOD_TABLES


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_revisions_form_one_line_from_base_to_head() -> None:
    script = ScriptDirectory.from_config(migrate.config())
    revs = migrate.revisions()
    assert revs[0] == "0001"
    assert revs[-1] == script.get_current_head()
    downs = [script.get_revision(rev).down_revision for rev in revs]
    assert downs == [None, *revs[:-1]]


def test_revision_files_are_date_prefixed() -> None:
    versions = Path(migrate.MIGRATIONS_DIR, "versions")
    names = sorted(p.name for p in versions.glob("*.py") if p.name != "__init__.py")
    assert names, "no revision files found"
    for name in names:
        assert name[:11].replace("_", "").isdigit(), name


def test_stairway(db_url: str) -> None:
    """Each revision upgrades, downgrades and upgrades again, one step at a time."""
    assert migrate.current(db_url) is None
    previous: str | None = None
    for revision in migrate.revisions():
        migrate.upgrade(db_url, revision)
        assert migrate.current(db_url) == revision
        migrate.downgrade(db_url, previous or "base")
        assert migrate.current(db_url) == previous
        migrate.upgrade(db_url, revision)
        assert migrate.current(db_url) == revision
        previous = revision
    for revision in reversed(migrate.revisions()[:-1]):
        migrate.downgrade(db_url, revision)
        assert migrate.current(db_url) == revision
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert _tables(db_url) <= {"alembic_version"}


def _diff(url: str) -> list:
    engine = create_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_migrated_database_matches_models(migrated_url: str) -> None:
    assert _diff(migrated_url) == []


def test_comparison_sees_missing_tables(db_url: str) -> None:
    """Guards the test above: on an empty database the comparison must report the tables."""
    added = {d[1].name for d in _diff(db_url) if d[0] == "add_table"}
    assert added == ALL_TABLES


def test_each_revision_adds_its_tables(db_url: str) -> None:
    migrate.upgrade(db_url, "0001")
    assert _tables(db_url) - {"alembic_version"} == {"users", "question_log"}
    migrate.upgrade(db_url, "0002")
    assert _tables(db_url) - {"alembic_version"} == THROUGH_0002
    migrate.upgrade(db_url, "0005")
    assert _tables(db_url) - {"alembic_version"} == THROUGH_0002 | {"roles"}
    migrate.upgrade(db_url, "0006")
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES - OUTBOX_TABLES - FLOOD_TABLES
    migrate.upgrade(db_url, "0007")
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES - FLOOD_TABLES
    migrate.upgrade(db_url, "0009")
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES
    migrate.downgrade(db_url, "0008")
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES - FLOOD_TABLES
    migrate.downgrade(db_url, "0006")
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES - OUTBOX_TABLES - FLOOD_TABLES
    migrate.downgrade(db_url, "0004")
    assert _tables(db_url) - {"alembic_version"} == THROUGH_0002
    migrate.downgrade(db_url, "0001")
    assert _tables(db_url) - {"alembic_version"} == {"users", "question_log"}


def test_upgrade_twice_is_harmless(migrated_url: str) -> None:
    migrate.upgrade(migrated_url)
    assert migrate.current(migrated_url) == migrate.revisions()[-1]
    assert _tables(migrated_url) >= ALL_TABLES


def test_upgrade_works_from_any_working_directory(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.revisions()[-1]


async def test_upgrade_runs_in_a_thread_from_asyncio(db_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, db_url)
    assert await asyncio.to_thread(migrate.current, db_url) == migrate.revisions()[-1]


def test_0004_releases_places_held_by_erased_registrations(db_url: str) -> None:
    """Before 0004, /forget_me left erased registrations holding places and waiting."""
    migrate.upgrade(db_url, "0003")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    visits, registrations = Base.metadata.tables["visits"], Base.metadata.tables["registrations"]
    visit = {
        "titles": {"en": "Visit"},
        "host_city": "tokorozawa",
        "venue": "City Hall",
        "timezone": "Asia/Tokyo",
        "capacity": 2,
        "held": 2,
        "status": "open",
        "roles": ["delegate"],
        "start_date": date(2099, 5, 20),
        "end_date": date(2099, 5, 23),
        "created_at": now,
        "updated_at": now,
    }
    past = visit | {"id": 2, "status": "past", "held": 1}
    past |= {"start_date": date(2025, 5, 20), "end_date": date(2025, 5, 23)}

    def row(id_: int, visit_id: int, status: str, person: int | None) -> dict[str, object]:
        return {
            "id": id_,
            "visit_id": visit_id,
            "telegram_id": person,
            "lang": "en",
            "role": "delegate",
            "arrival": date(2099, 5, 20),
            "departure": date(2099, 5, 23),
            "consent_at": now,
            "status": status,
            "created_at": now,
            "updated_at": now,
            "anonymised_at": None if person else now,
            "full_name": f"Person {person}" if person else None,
        }

    engine = create_engine(sync_url(db_url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(visits.insert(), [visit | {"id": 1}, past])
            connection.execute(
                registrations.insert(),
                [
                    row(1, 1, "confirmed", None),  # a ghost holding a place
                    row(2, 1, "confirmed", 8),
                    row(3, 1, "waitlisted", None),  # a ghost waiting
                    row(4, 1, "waitlisted", 9),
                    row(5, 2, "confirmed", None),  # purged after a past visit: stays
                ],
            )
        migrate.upgrade(db_url)
        with engine.connect() as connection:
            statuses = connection.execute(
                select(registrations.c.id, registrations.c.status).order_by(registrations.c.id)
            ).all()
            held = connection.execute(select(visits.c.held).order_by(visits.c.id)).scalars()
            assert [tuple(r) for r in statuses] == [
                (1, "withdrawn"),
                (2, "confirmed"),
                (3, "withdrawn"),
                (4, "waitlisted"),  # offered the place by the next due work
                (5, "confirmed"),
            ]
            assert list(held) == [1, 1]
        migrate.downgrade(db_url, "0003")
        assert migrate.current(db_url) == "0003"
    finally:
        engine.dispose()
