"""Broadcast fixtures: the migrated databases of tests/db (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

from tests.db.conftest import db_url, engine, migrated_url, now, sessions

__all__ = ["db_url", "engine", "migrated_url", "now", "sessions"]
