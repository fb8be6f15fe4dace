"""Database fixtures: every test runs on a real SQLite file and, when configured, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.scratch import temporary_postgres_database
from bot.db.session import make_engine, make_sessionmaker

POSTGRES_ENV = "TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with temporary_postgres_database(server) as url:
        yield url


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """The database upgraded to the newest revision."""
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """The application's async engine on the migrated database."""
    engine = make_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The application's session factory."""
    return make_sessionmaker(engine)


@pytest.fixture
def now() -> datetime:
    """A fixed instant for the injected clock."""
    return datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
