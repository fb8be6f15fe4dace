"""Bot fixtures: the real Application on a real database (SQLite file, and PostgreSQL in CI)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase
from tests.bot.harness import Harness, run_bot
from tests.db.conftest import POSTGRES_ENV, temporary_postgres_database


@pytest.fixture(scope="session")
def qa(kb: KnowledgeBase) -> QuestionAnswerer:
    """One answerer for the whole run: building the index is the slow part."""
    return QuestionAnswerer(kb)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"
            ),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    else:
        with temporary_postgres_database(os.environ[POSTGRES_ENV]) as url:
            yield url


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot over the in-process Bot API."""
    async with run_bot(database_url, qa) as harness:
        yield harness
