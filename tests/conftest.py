"""Fixtures shared by every test: the shipped knowledge base, loaded once."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped in knowledge/."""
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR)
