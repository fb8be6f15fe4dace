"""Alembic migration environment for bot.db."""
