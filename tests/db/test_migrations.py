"""Migrations: every revision walks up and down, and the result matches the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from bot.db import migrate
from bot.db.models import Base
from bot.db.url import sync_url

ALL_TABLES = {"users", "question_log", "visits", "registrations", "drafts", "reminders_sent"}


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
    assert _tables(db_url) - {"alembic_version"} == ALL_TABLES
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
