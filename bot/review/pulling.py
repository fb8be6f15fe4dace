"""`iuc-bot kb pull-reviewed`: the knowledge coordinators added in the bot, into knowledge/."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.db import migrate
from bot.db.session import make_engine, make_sessionmaker
from bot.db.url import mask_password
from bot.kb.loader import KnowledgeError
from bot.kb.pull import pull
from bot.review import changes


async def pull_reviewed(database_url: str, directory: Path) -> int:
    """Write the additions not pulled yet into the files, validate them, mark them pulled.

    Exit status 0 when written (or nothing to do), 1 when the files would not validate (they
    are left as they were and nothing is marked).
    """
    head, at = migrate.revisions()[-1], migrate.current(database_url)
    if at != head:
        print(
            f"iuc-bot: the database {mask_password(database_url)} is at revision "
            f"{at or 'none'}, not {head}: run `iuc-bot db upgrade` first.",
            file=sys.stderr,
        )
        return 1
    engine = make_engine(database_url)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            rows = await changes.unpulled(session)
        if not rows:
            print(f"{mask_password(database_url)}: nothing to pull.")
            return 0
        try:
            result = pull(directory, [changes.as_addition(row) for row in rows])
        except KnowledgeError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(
                f"iuc-bot: the additions would make {directory} invalid; nothing was written.",
                file=sys.stderr,
            )
            return 1
        async with sessions.begin() as session:
            ids = [rows[i].id for i in result.written]
            await changes.mark_pulled(session, ids, datetime.now(UTC))
    finally:
        await engine.dispose()
    for i, why in result.skipped:
        row = rows[i]
        print(f"skipped #{row.id} ({row.kind} {row.entry_id}): {why}", file=sys.stderr)
    facts = sum(1 for i in result.written if rows[i].kind == "fact")
    files = ", ".join(sorted(result.files)) or "no file changed"
    print(
        f"{directory}: {len(result.written) - facts} alternate(s), {facts} new fact(s) "
        f"written ({files}); validated; marked pulled. Review and commit them."
    )
    return 0
