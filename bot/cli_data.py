"""`iuc-bot db copy` and `iuc-bot export`: commands that read or write whole tables."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.config import Settings, SettingsError
from bot.operator_errors import OperatorError


def db_copy(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from bot.db import migrate
    from bot.db.copy import CopyRefused, copy_database
    from bot.db.url import mask_password, sync_url

    source_file = (
        make_url(sync_url(args.source)).database if args.source.startswith("sqlite") else None
    )
    if source_file and not Path(source_file).is_file():
        raise OperatorError(f"--from names {source_file}, which is not a file.")
    for option, url in (("--from", args.source), ("--to", args.target)):
        try:
            Settings.from_env({"DATABASE_URL": url}, need_token=False)
        except SettingsError:
            raise OperatorError(
                f"{option} is malformed: use sqlite:///file.sqlite3 or "
                "postgresql://user:password@host/db."
            ) from None
        # Each reachable before anything is written; an error's one line names the right one.
        args.env = {**os.environ, "DATABASE_URL": url}
        migrate.current(url)
    try:
        counts = copy_database(args.source, args.target, report=lambda line: print(line))
    except CopyRefused as exc:
        raise OperatorError(str(exc)) from None
    print(
        f"{mask_password(args.target)}: {sum(counts.values())} rows in {len(counts)} tables "
        f"copied from {mask_password(args.source)}."
    )
    return 0


def export_registrations(args: argparse.Namespace) -> int:
    import asyncio

    from bot.db import migrate
    from bot.db.models import MAX_ROW_ID
    from bot.db.url import mask_password
    from bot.visits.export import registrations_csv
    from bot.visits.rules import VisitNotFound

    settings = Settings.from_env(os.environ, need_token=False)
    shown = mask_password(settings.database_url)
    if args.output is not None:
        _check_writable(args.output)  # before the database work, not after it
    head = migrate.revisions()[-1]
    at = migrate.current(settings.database_url)
    if at != head:
        print(
            f"iuc-bot: the database {shown} is at revision {at or 'none'}, not {head}: "
            "run `iuc-bot db upgrade` first.",
            file=sys.stderr,
        )
        return 1
    try:
        if not 0 < args.visit <= MAX_ROW_ID:  # PostgreSQL would refuse the number itself
            raise VisitNotFound()
        rows = asyncio.run(_registration_rows(settings.database_url, args.visit))
    except VisitNotFound:
        print(f"iuc-bot: there is no visit with id {args.visit} in {shown}.", file=sys.stderr)
        return 1
    data = registrations_csv(rows)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise OperatorError(_unwritable(args.output, exc)) from exc
        print(f"{args.output}: {len(rows)} registrations of visit {args.visit}.", file=sys.stderr)
    return 0


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise OperatorError(
            f"cannot write {path}: the folder {folder} does not exist. Create it, or choose "
            "another --output."
        )
    if path.is_dir():
        raise OperatorError(f"cannot write {path}: it is a folder. Give a file name as --output.")


def _unwritable(path: Path, exc: OSError) -> str:
    return (
        f"cannot write {path}: {exc.strerror or exc}. Choose another --output or fix its "
        "permissions."
    )


async def _registration_rows(database_url: str, visit_id: int) -> list[dict]:
    from bot.db.session import make_engine, make_sessionmaker
    from bot.visits.service import export_rows

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await export_rows(session, visit_id)
    finally:
        await engine.dispose()
