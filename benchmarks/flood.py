"""Other users' reply latency while one user floods the bot (issue #14.5), in one process.

    python benchmarks/flood.py           # SQLite in a temporary folder
    python benchmarks/flood.py --quick   # a smoke run

The real Application (flood control on, as `iuc-bot run` has it) over the in-process Bot API.
Each wave, 10 users send one question each, all at once; in the flood rows one more user sends
30 messages in the same instant. An update's time runs from its wave's start to the end of its
processing. Rows, taking turns round after round so that a noisy minute falls on all of them:
  normal          the 10 users alone (the baseline)
  flood           the 10 users and the flooder, flood control on
  flood, no gate  the same without flood control: what the gate saves
Printed: the median and 90th percentile of the 10 users' times, and each median's ratio to the
baseline's. Nothing is asserted; the issue's bar is a ratio within 2.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from typing import Any

TOKEN = "123456:" + "A" * 30
QUESTIONS = (
    "When was the partnership agreement signed?",
    "kedy bola podpísaná zmluva",
    "協定はいつ締結されましたか",
    "Who is the contact person in Tokorozawa?",
    "What is the IUC programme?",
)
USERS, FLOOD = 10, 30
FLOODER = 99_999
ROWS = ("normal", "flood", "flood, no gate")


async def _wave(bot: Any, api: Any, user_base: int, flood: bool) -> list[float]:
    from telegram import Update

    start = time.perf_counter()
    times: list[float] = []

    async def one(user: int, text: str, measured: bool) -> None:
        update = Update.de_json(api.message_update(user, text), bot.bot)
        await bot.process_update(update)
        if measured:
            times.append(time.perf_counter() - start)

    jobs = [one(user_base + u, QUESTIONS[u % len(QUESTIONS)], True) for u in range(USERS)]
    if flood:
        jobs += [one(FLOODER, f"{QUESTIONS[0]} {i}", False) for i in range(FLOOD)]
        jobs = jobs[USERS:][: FLOOD // 2] + jobs[:USERS] + jobs[USERS:][FLOOD // 2 :]
    await asyncio.gather(*jobs)
    return times


async def _run(rounds: int, waves: int, folder: Path) -> dict[str, list[float]]:
    from bot.app import build_application
    from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
    from bot.console import running
    from bot.handlers.general.flood import GATE_KEY
    from bot.kb.answer import QuestionAnswerer
    from bot.kb.loader import load_knowledge
    from bot.localapi import LocalBotApi, local_bot_request

    logging.disable(logging.INFO)  # one line per update would be timed too
    qa = QuestionAnswerer(load_knowledge(DEFAULT_KNOWLEDGE_DIR))
    results: dict[str, list[float]] = {row: [] for row in ROWS}
    for round_ in range(rounds):
        for row in ROWS:
            api = LocalBotApi()
            settings = Settings(
                token=TOKEN, database_url=f"sqlite:///{folder / f'{round_}-{row[:5]}.sqlite3'}"
            )
            app = build_application(
                settings,
                qa,
                request=local_bot_request(api),
                updates_request=local_bot_request(api),
                flood_control=row != "flood, no gate",
            )
            async with running(app):
                if GATE_KEY in app.bot_data:
                    app.bot_data[GATE_KEY].pause = 3600  # the flooder stays paused all round
                await _wave(app, api, 1, False)  # warm-up: first answers, connections
                for wave in range(waves):
                    times = await _wave(app, api, 1000 * (wave + 2), row != "normal")
                    results[row].extend(times)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of three waves")
    args = parser.parse_args()
    rounds, waves = (1, 3) if args.quick else (5, 10)
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(_run(rounds, waves, Path(folder)))
    base = statistics.median(results["normal"])
    print(f"{'row':<16} {'updates':>8} {'median ms':>10} {'p90 ms':>8} {'ratio':>6}")
    for row in ROWS:
        times = sorted(results[row])
        median = statistics.median(times)
        p90 = times[int(0.9 * (len(times) - 1))]
        print(
            f"{row:<16} {len(times):>8} {median * 1000:>10.1f} {p90 * 1000:>8.1f} "
            f"{median / base:>6.2f}"
        )


if __name__ == "__main__":
    main()
