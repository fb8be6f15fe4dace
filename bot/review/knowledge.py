"""The knowledge a process answers with: the files' facts plus what coordinators added in the
bot, rebuilt in a thread when either changes and swapped in whole.

Every process (several bots on one database, `iuc-bot ask`) compares the database's knowledge
version (the last kb_changes id: one index look-up) with the one it built, every few seconds
and after its own changes; questions never wait for it. A question being answered during a
rebuild is answered by the old answerer: the swap is one assignment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from bot.db.deadline import DeadlineSessions
from bot.kb.answer import QuestionAnswerer
from bot.kb.loader import KnowledgeError, load_knowledge
from bot.kb.model import KnowledgeBase
from bot.kb.overlay import Addition, with_additions
from bot.kb.yamlsrc import Problem
from bot.review import changes

log = logging.getLogger(__name__)

POLL_SECONDS = 3.0  # how soon another process's addition is answered here


class LiveKnowledge:
    """Holds the files' knowledge base and installs answerers built from it and the additions."""

    def __init__(self, answerer: QuestionAnswerer, install: Callable[[QuestionAnswerer], None]):
        self.files: KnowledgeBase = answerer.kb  # as loaded from knowledge/
        self._today = answerer.today
        self._install = install
        self.version = 0  # the files alone
        self._additions: list[Addition] = []
        self._lock = asyncio.Lock()  # one rebuild at a time; a second one waits and re-checks

    async def refresh(self, sessions: DeadlineSessions) -> bool:
        """Rebuild when the database's version moved; True when a new answerer is installed."""
        async with sessions() as session:
            current = await changes.version(session)
        if current == self.version:
            return False
        async with self._lock:
            async with sessions() as session:
                current, additions = await changes.additions(session)
            if current == self.version:
                return False  # a concurrent refresh did it
            await self._rebuild(self.files, additions)
            self.version = current
            return True

    async def reload(self, directory: Path, sessions: DeadlineSessions | None) -> list[Problem]:
        """Re-read knowledge/; on any problem keep serving the old knowledge and return them."""
        try:
            files = await asyncio.to_thread(load_knowledge, directory, self.files.languages)
        except KnowledgeError as exc:
            return exc.problems
        async with self._lock:
            additions, version = self._additions, self.version
            if sessions is not None:
                try:
                    async with sessions() as session:
                        version, additions = await changes.additions(session)
                except Exception:  # the files are fine: serve them with the additions known
                    log.warning("could not read the knowledge additions", exc_info=True)
            await self._rebuild(files, additions)
            self.files, self.version = files, version
        return []

    async def _rebuild(self, files: KnowledgeBase, additions: list[Addition]) -> None:
        def build() -> QuestionAnswerer:
            return QuestionAnswerer(with_additions(files, additions), today=self._today)

        answerer = await asyncio.to_thread(build)
        self._install(answerer)
        self._additions = additions

    async def poll(self, sessions: DeadlineSessions, every: float = POLL_SECONDS) -> None:
        """Refresh every few seconds until cancelled; a database away is tried again later."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.refresh(sessions)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not check the knowledge version", exc_info=True)
