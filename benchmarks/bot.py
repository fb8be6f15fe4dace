"""Question updates per second through the real Application, against an echo bot in the same run.

    python benchmarks/bot.py                  # SQLite; PostgreSQL too if TEST_POSTGRES_URL is set
    python benchmarks/bot.py --postgres URL   # PostgreSQL server to create a temporary database on
    python benchmarks/bot.py --quick          # a smoke run

100 simulated users send dev-set questions (each user in one language) through
`Application.process_update`, one update per user per wave, all of a wave concurrently (the
application has concurrent_updates on). An update's time runs from its wave's arrival to the
end of its processing: what a user whose message came in that burst waits for the reply. Each
backend runs in fresh processes: timed ones (seven rounds, the backends taking turns, so that a
noisy minute falls on all of them), and one under tracemalloc (started before anything is
imported) for the Python heap's peak, so peak RSS and peak heap are that backend's own. The bot
logs its questions behind its replies (see bot/db/activity.py); writing what is still queued
after the last wave is timed too. Nothing is asserted; the echo bot (a MessageHandler that
replies with the text, over the same in-process Bot API) is the baseline.

With PostgreSQL, one more row: two bot processes on one database (as behind one webhook), each
with half the users, started together once both have warmed up; their updates per second over
the span from the common start to the last one's end, against one process's over its own span
(the same users and waves, the same way of driving updates), in the same rounds.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # `python benchmarks/bot.py` puts benchmarks/ first on sys.path, where this file would shadow
    # the `bot` package; the project root must come first.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

POSTGRES_ENV = "TEST_POSTGRES_URL"
TOKEN = "123456:" + "A" * 30
DEVSET = ROOT / "tests" / "data" / "devset.yaml"
LANGS = ("en", "sk", "ja")
SEED = 20260101
FIRST_USER = 10_000
# The baselines: python-telegram-bot's own cost of answering a text, first with the text back,
# then with what every answer of ours is (HTML and two inline buttons) but nothing computed.
ECHOES = ("echo", "echo-buttons")
PAIR = "postgresql, 2 processes"  # two processes on one PostgreSQL database, half the users each


# ------------------------------------------------------------------------------ the child


def _workload(users: int, waves: int, offset: int = 0) -> list[list[tuple[int, str, str]]]:
    """waves × users of (user id, language, question); user i always asks in LANGS[i % 3];
    ids from FIRST_USER + offset (two processes serve different users)."""
    import yaml

    devset = yaml.safe_load(DEVSET.read_text(encoding="utf-8"))
    by_lang = {lang: [str(i["q"]) for i in devset if i["lang"] == lang] for lang in LANGS}
    rng = random.Random(SEED + offset)
    return [
        [
            (FIRST_USER + offset + u, LANGS[u % 3], rng.choice(by_lang[LANGS[u % 3]]))
            for u in range(users)
        ]
        for _ in range(waves)
    ]


def _build(kind: str, database_url: str | None) -> tuple[Any, Any]:
    """(LocalBotApi, Application) for one of ECHOES or for our bot on the database."""
    from html import escape

    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.localapi import LocalBotApi, local_bot_request

    api = LocalBotApi()
    if kind in ECHOES:

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if kind == "echo":
                await message.reply_text(message.text or "")
                return
            key = message.message_id
            buttons = [
                InlineKeyboardButton("👍 Helpful", callback_data=f"qf:{key}:y"),
                InlineKeyboardButton("👎 Not helpful", callback_data=f"qf:{key}:n"),
            ]
            await message.reply_html(
                escape(message.text or "", quote=False),
                reply_markup=InlineKeyboardMarkup([buttons]),
            )

        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .request(local_bot_request(api))
            .get_updates_request(local_bot_request(api))
            .concurrent_updates(True)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        return api, app

    from bot.app import build_application
    from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
    from bot.kb.answer import QuestionAnswerer
    from bot.kb.loader import load_knowledge

    settings = Settings(token=TOKEN, database_url=database_url or "")
    qa = QuestionAnswerer(load_knowledge(DEFAULT_KNOWLEDGE_DIR))
    app = build_application(
        settings, qa, request=local_bot_request(api), updates_request=local_bot_request(api)
    )
    return api, app


def _logged_questions(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    from bot.db.url import sync_url

    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM question_log")).scalar_one())
    finally:
        engine.dispose()


async def _drive(
    kind: str,
    database_url: str | None,
    users: int,
    waves: int,
    offset: int = 0,
    barrier: bool = False,
) -> dict[str, Any]:
    import logging

    from telegram import Update

    from bot.console import running

    problems: list[str] = []

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage())

    logging.getLogger().addHandler(Count(logging.WARNING))
    api, app = _build(kind, database_url)
    # The first wave warms up (users are created).
    workload = _workload(users, waves + 1, offset)
    times: list[float] = []
    wall = 0.0
    clock = time.perf_counter

    async def one(update: Update, arrived: float) -> None:
        await app.process_update(update)
        times.append(clock() - arrived)

    async with running(app):
        import asyncio

        for number, wave in enumerate(workload):
            updates = [
                Update.de_json(api.message_update(uid, q, language_code=lang), app.bot)
                for uid, lang, q in wave
            ]
            if number == 0:
                await asyncio.gather(*(app.process_update(u) for u in updates))
                times.clear()
                if barrier:  # warmed up: wait for the parent's word, so both start together
                    print("ready", flush=True)
                    await asyncio.to_thread(sys.stdin.readline)
                started = time.time()
                continue
            t0 = clock()  # the whole wave arrives now, as a burst from getUpdates would
            await asyncio.gather(*(one(u, t0) for u in updates))
            wall += clock() - t0
        recorder = app.bot_data["services"].activity if kind not in ECHOES else None
        if recorder is not None:
            # Questions are logged in batches behind the replies: writing what is still
            # queued after the last wave is part of the work, so it is timed too.
            t0 = clock()
            await recorder.flush()
            wall += clock() - t0
        ended = time.time()
    replies = sum(len(api.messages(FIRST_USER + offset + u)) for u in range(users))
    return {
        "times": times,
        "wall": wall,
        "started": started,  # wall-clock seconds: comparable between processes
        "ended": ended,
        "replies": replies,
        "sent": users * (waves + 1),
        "logged": _logged_questions(database_url) if database_url else None,
        "batches": recorder.batches if recorder is not None else None,
        "problems": problems[:3],
        "problem_count": len(problems),
    }


def child(
    kind: str,
    database_url: str | None,
    users: int,
    waves: int,
    trace: bool,
    offset: int = 0,
    barrier: bool = False,
) -> None:
    """Run one backend and print its figures as one JSON line."""
    import resource
    import tracemalloc

    if trace:
        tracemalloc.start()
    import asyncio

    result = asyncio.run(_drive(kind, database_url, users, waves, offset, barrier))
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if trace:
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps(result))


# ----------------------------------------------------------------------------- the parent


def temporary_postgres_database(server_url: str) -> Any:
    """A throw-away database on the server (imported late: after the sys.path fix)."""
    from bot.db import scratch

    return scratch.temporary_postgres_database(server_url, prefix="iuc_bench")


@contextmanager
def database(backend: str, postgres: str | None) -> Iterator[str | None]:
    """A fresh, empty database for one child: none for echo, a SQLite file, or PostgreSQL."""
    if backend in ECHOES:
        yield None
    elif backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="iuc-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bot.sqlite3'}"
    else:
        assert postgres
        with temporary_postgres_database(postgres) as url:
            yield url


def run_child(
    backend: str, postgres: str | None, users: int, waves: int, trace: bool
) -> dict[str, Any]:
    """One fresh process for one backend; its JSON line."""
    with database(backend, postgres) as url:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            backend if backend in ECHOES else "bot",
            "--users",
            str(users),
            "--waves",
            str(waves),
        ]
        if url:
            command += ["--database", url]
        if trace:
            command.append("--trace")
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{backend} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_pair(postgres: str, users: int, waves: int) -> dict[str, Any]:
    """Two fresh processes on one new PostgreSQL database, half the users each, started
    together after both warmed up; their figures combined (rate over the common span)."""
    from bot.db import migrate

    half = users // 2
    with database("postgresql", postgres) as url, tempfile.TemporaryFile("w+") as errors:
        assert url
        migrate.upgrade(url)  # once, before both (each would wait for the other's lock)
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--child",
                    "bot",
                    "--users",
                    str(half),
                    "--waves",
                    str(waves),
                    "--database",
                    url,
                    "--offset",
                    str(n * half),
                    "--barrier",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                cwd=ROOT,
            )
            for n in range(2)
        ]
        for process in children:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                process.wait()
                errors.seek(0)
                raise SystemExit(f"{PAIR} failed:\n{errors.read()[-3000:]}")
        for process in children:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        runs: list[dict[str, Any]] = []
        for process in children:
            out, _ = process.communicate()
            if process.returncode != 0:
                errors.seek(0)
                raise SystemExit(f"{PAIR} failed:\n{errors.read()[-3000:]}")
            runs.append(json.loads(out.strip().splitlines()[-1]))
        logged = _logged_questions(url)
    span = max(r["ended"] for r in runs) - min(r["started"] for r in runs)
    return {
        "times": [t for r in runs for t in r["times"]],
        "wall": span,
        "started": min(r["started"] for r in runs),
        "ended": max(r["ended"] for r in runs),
        "replies": sum(r["replies"] for r in runs),
        "sent": sum(r["sent"] for r in runs),
        "logged": logged,
        "batches": sum(r["batches"] for r in runs),
        "problems": [p for r in runs for p in r["problems"]][:3],
        "problem_count": sum(r["problem_count"] for r in runs),
        "maxrss_mb": max(r["maxrss_mb"] for r in runs),
    }


def _p99(times: Sequence[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def _rate(run: dict[str, Any]) -> float:
    return len(run["times"]) / run["wall"]


def _span_rate(run: dict[str, Any]) -> float:
    # From the (common) start of the timed waves to the last process's end, building the
    # updates between waves included: the same measure for one process and for two.
    return len(run["times"]) / (run["ended"] - run["started"])


def parent(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    postgres = args.postgres or os.environ.get(POSTGRES_ENV) or None
    users = args.users
    waves = args.waves or (3 if args.quick else 20)
    trace_waves = max(1, waves // 4)
    backends = [*ECHOES, "sqlite"] + (["postgresql", PAIR] if postgres else [])
    rounds = 1 if args.quick else args.rounds
    # The backends take turns, round after round, so that a slow minute of a shared machine
    # falls on all of them; each backend's row is its median round.
    runs: dict[str, list[dict[str, Any]]] = {backend: [] for backend in backends}
    for number in range(rounds):
        for backend in backends:
            print(f"  round {number + 1}/{rounds}: {backend} …", file=sys.stderr, flush=True)
            if backend == PAIR:
                assert postgres
                runs[backend].append(run_pair(postgres, users, waves))
            else:
                runs[backend].append(run_child(backend, postgres, users, waves, trace=False))
    results = {}
    for backend in backends:
        timed = sorted(runs[backend], key=_rate)[len(runs[backend]) // 2]
        traced = (
            None
            if args.quick or backend == PAIR
            else run_child(backend, postgres, users, trace_waves, True)
        )
        results[backend] = (timed, traced)

    total = users * waves
    heap_note = (
        "peak heap: not measured with --quick (tracemalloc from the first import slows "
        "start-up about threefold)"
        if args.quick
        else "peak heap: tracemalloc, started before the first import, in a separate process "
        f"({users} × {trace_waves} updates after the warm-up)"
    )
    print(f"# Bot benchmark ({'quick' if args.quick else 'full'})\n")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs. {users} users × {waves} waves "
        f"= {total:,} question updates per backend and round (after one untimed warm-up wave "
        f"that creates the users); {rounds} round(s), the backends taking turns, each row "
        "from its backend's median round; each wave sends one dev-set question per user, all "
        "concurrently, through "
        "`Application.process_update` over the in-process Bot API. ms = from the wave's "
        "arrival to the end of the update's processing, i.e. what a user whose message came "
        "in that burst waits for the reply; updates/s = updates ÷ wall time of the waves. "
        "Peak RSS: the timed process; "
        f"{heap_note}. vs echo = updates/s ÷ the echo bot's (the baseline); vs echo with "
        "buttons = ÷ an echo that replies the way every answer does (HTML, two inline "
        "buttons), i.e. against the framework's own cost of the same reply.\n"
    )
    print(
        "| backend | updates/s | median ms | p99 ms | peak RSS MB | peak heap MB (tracemalloc) "
        "| vs echo (×) | vs echo with buttons (×) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    echo_rate, shaped_rate = (_rate(results[name][0]) for name in ECHOES)
    labels = {
        PAIR: f"iuc-bot, {PAIR} on one database (updates/s over their common span)",
        "echo": "echo (baseline)",
        "echo-buttons": "echo as HTML with 👍/👎 buttons (an answer's shape)",
    }
    notes = []
    for backend, (timed, traced) in results.items():
        times = timed["times"]
        rate = _rate(timed)
        heap = f"{traced['traced_peak_mb']:.1f}" if traced else "–"
        print(
            f"| {labels.get(backend, f'iuc-bot, {backend}')} | {rate:,.0f} "
            f"| {statistics.median(times) * 1000:.1f} "
            f"| {_p99(times) * 1000:.1f} | {timed['maxrss_mb']:.1f} "
            f"| {heap} | {rate / echo_rate:.3f}× | {rate / shaped_rate:.3f}× |"
        )
        for run in (timed, traced) if traced else (timed,):
            if run["replies"] < run["sent"]:
                notes.append(f"{backend}: only {run['replies']} replies to {run['sent']} updates")
            if run["logged"] is not None and run["logged"] != run["sent"]:
                notes.append(f"{backend}: {run['logged']} questions logged of {run['sent']}")
            if run["problem_count"]:
                notes.append(
                    f"{backend}: {run['problem_count']} warnings/errors logged, e.g. "
                    f"{run['problems'][0]!r}"
                )
    if rounds > 1:
        print()
        for backend in backends[1:]:
            for echo in ECHOES[: backends.index(backend)]:
                ratios = ", ".join(
                    f"{_rate(mine) / _rate(base):.3f}×"
                    for mine, base in zip(runs[backend], runs[echo], strict=True)
                )
                print(f"{backend} vs {echo}, round by round: {ratios}")
    for backend, (timed, _) in results.items():
        if timed.get("batches"):
            print(
                f"\n{backend}: {timed['sent']:,} questions (with their users) written in "
                f"{timed['batches']:,} transactions by the activity recorder "
                f"({timed['sent'] / timed['batches']:.0f} per commit on average)."
            )
    if postgres:
        pairs = [
            _span_rate(two) / _span_rate(one)
            for one, two in zip(runs["postgresql"], runs[PAIR], strict=True)
        ]
        one_rate = statistics.median(_span_rate(r) for r in runs["postgresql"])
        two_rate = statistics.median(_span_rate(r) for r in runs[PAIR])
        print(
            f"\nTwo processes on one PostgreSQL database against one process (updates/s over "
            f"the span from the common start to the last end; medians of {rounds} round(s)): "
            f"one process {one_rate:,.0f}/s, two processes {two_rate:,.0f}/s, ratio "
            f"{statistics.median(pairs):.2f}× (round by round: "
            f"{', '.join(f'{r:.2f}×' for r in pairs)}); {os.cpu_count()} CPUs shared with "
            "the database server."
        )
    else:
        print(f"\nPostgreSQL skipped: set {POSTGRES_ENV} or pass --postgres URL.")
    print(
        "\nChecks: every update got a reply and every question was logged"
        if not notes
        else "\nProblems:\n" + "\n".join(f"- {n}" for n in notes)
    )
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--postgres", help=f"PostgreSQL server URL (default: ${POSTGRES_ENV})")
    parser.add_argument("--users", type=int, default=100, help="simulated users (default 100)")
    parser.add_argument("--waves", type=int, help="updates per user (default 20, quick 3)")
    parser.add_argument(
        "--rounds", type=int, default=7, help="timed runs per backend, taking turns (default 7)"
    )
    parser.add_argument("--child", choices=(*ECHOES, "bot"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--barrier", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        options = (args.users, args.waves, args.trace, args.offset, args.barrier)
        child(args.child, args.database, *options)
    else:
        parent(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
