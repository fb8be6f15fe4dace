"""`iuc-bot db copy --from URL --to URL`: every table of one database into another (SQLite to
PostgreSQL, when a deployment outgrows its file), with the blocking drivers.

The target is migrated to the newest revision first and must be empty; the source must be at
that revision too (its rows then fit the target's columns). Tables are copied parents first,
in batches, through the models' column types (SQLite's text dates become real timestamps).
PostgreSQL's id sequences are then moved past the copied ids, or the next insert would fail.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, MetaData, create_engine, func, inspect, select, text
from sqlalchemy.pool import NullPool

from bot.db import migrate
from bot.db.models import Base
from bot.db.url import mask_password, sync_url

BATCH = 1000


class CopyRefused(Exception):
    """The copy cannot start; the message says why, in one line (passwords masked)."""


def copy_database(
    source_url: str, target_url: str, report: Callable[[str], None] = lambda line: None
) -> dict[str, int]:
    """Copy every table; returns the rows copied per table. Raises CopyRefused."""
    shown_source, shown_target = mask_password(source_url), mask_password(target_url)
    if sync_url(source_url) == sync_url(target_url):
        raise CopyRefused("--from and --to are the same database.")
    head = migrate.revisions()[-1]
    at = migrate.current(source_url)
    if at != head:
        raise CopyRefused(
            f"the source {shown_source} is at revision {at or 'none'}, not {head}: run "
            "`iuc-bot db upgrade` on it first (with DATABASE_URL set to it)."
        )
    migrate.upgrade(target_url)
    source, target = _engine(source_url), _engine(target_url)
    try:
        tables = Base.metadata.sorted_tables  # parents before children
        _check_same_tables(source, tables, shown_source)
        _check_empty(target, tables, shown_target)
        counts: dict[str, int] = {}
        with source.connect() as reading, target.begin() as writing:
            for table in tables:
                copied = 0
                rows = reading.execution_options(stream_results=True).execute(select(table))
                for batch in rows.mappings().partitions(BATCH):
                    writing.execute(table.insert(), [dict(row) for row in batch])
                    copied += len(batch)
                counts[table.name] = copied
                report(f"{table.name}: {copied} rows")
            if writing.dialect.name == "postgresql":
                _move_sequences(writing, tables)
        _check_counts(target, counts, shown_target)
        return counts
    finally:
        source.dispose()
        target.dispose()


def _engine(url: str) -> Engine:
    return create_engine(sync_url(url), poolclass=NullPool)


def _check_same_tables(source: Engine, tables: list, shown: str) -> None:
    known = {t.name for t in tables} | {"alembic_version"}
    unknown = sorted(set(inspect(source).get_table_names()) - known)
    if unknown:
        raise CopyRefused(
            f"the source {shown} has tables this version does not know ({', '.join(unknown)}): "
            "copy with the iuc-bot version that wrote it."
        )


def _check_empty(target: Engine, tables: list, shown: str) -> None:
    with target.connect() as connection:
        filled = [
            t.name
            for t in tables
            if connection.execute(select(func.count()).select_from(t)).scalar()
        ]
    if filled:
        raise CopyRefused(
            f"the target {shown} is not empty ({', '.join(filled)} have rows): copy into a new, "
            "empty database."
        )


def _move_sequences(connection, tables: list) -> None:
    # setval(seq, max, true): the next id is max + 1; an empty table starts again at 1.
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto"
                and column.type.python_type is int
                and len(table.primary_key.columns) == 1
                and not column.foreign_keys
            ):
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, :column), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    ),
                    {"table": table.name, "column": column.name},
                )


def _check_counts(target: Engine, counts: dict[str, int], shown: str) -> None:
    reflected = MetaData()
    reflected.reflect(target, only=list(counts))
    with target.connect() as connection:
        for name, expected in counts.items():
            got = connection.execute(select(func.count()).select_from(reflected.tables[name]))
            if got.scalar() != expected:
                raise CopyRefused(f"the target {shown} holds a different number of {name} rows.")
