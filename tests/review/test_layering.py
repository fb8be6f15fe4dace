"""The hand-off domain stands alone: no Telegram (handlers are in bot/handlers/...)."""

from __future__ import annotations

import subprocess
import sys


def test_the_review_domain_and_the_pull_import_no_telegram() -> None:
    code = (
        "import sys, pkgutil, importlib, bot.review\n"
        "for m in pkgutil.iter_modules(bot.review.__path__):\n"
        "    importlib.import_module('bot.review.' + m.name)\n"
        "import bot.kb.pull, bot.kb.overlay\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'telegram'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
