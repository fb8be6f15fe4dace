"""Run Alembic migrations from code, with the blocking driver, from any working directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.db.url import sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_TEMPLATE = "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s"


def config() -> Config:
    """Return an Alembic Config for the packaged migrations; no alembic.ini is read."""
    cfg = Config()
    # Config values go through ConfigParser interpolation: a literal % must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", FILE_TEMPLATE.replace("%", "%%"))
    return cfg


# The key of the PostgreSQL advisory lock migrations run under (any number; only ours use it).
MIGRATION_LOCK_KEY = 1_426_012_026


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at url to revision (default: the newest)."""
    with _connection(url) as connection:
        _one_at_a_time(connection)
        command.upgrade(_bound_config(connection), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at url to revision ("base" removes every table)."""
    with _connection(url) as connection:
        _one_at_a_time(connection)
        command.downgrade(_bound_config(connection), revision)


def _one_at_a_time(connection: Connection) -> None:
    """PostgreSQL: wait for any other process migrating this database to finish.

    Replicas started together would otherwise both find the database unmigrated, both create
    the tables, and one would die on "relation already exists". The lock is the transaction's:
    it goes with the commit, after which the next process finds the newest revision and has
    nothing to do. (SQLite lets one writer in at a time anyway.)
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def current(url: str) -> str | None:
    """Return the database's current revision, or None when it has never been migrated."""
    with _connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def revisions() -> list[str]:
    """Return every revision id, oldest (base) first."""
    script = ScriptDirectory.from_config(config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _bound_config(connection: Connection) -> Config:
    cfg = config()
    # env.py runs on this connection instead of opening its own (Alembic's sharing recipe).
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    target = sync_url(url)
    connect_args = {}
    if make_url(target).get_backend_name() == "sqlite":
        # Wait for a running bot's write to finish rather than fail with "database is locked".
        # foreign_keys stays OFF on purpose: batch mode drops and recreates tables, and with
        # enforcement on, dropping users would SET NULL every question_log.telegram_id.
        connect_args["timeout"] = 5.0
    # NullPool: nothing stays open after a migration run in a short-lived thread.
    engine = create_engine(target, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()
