"""The visit core stands alone: no Telegram, no terminal."""

from __future__ import annotations

import subprocess
import sys


def test_the_visit_core_imports_no_telegram() -> None:
    """Principle 1: the domain runs without the chat library or a terminal library."""
    code = (
        "import sys, pkgutil, importlib, bot.visits\n"
        "for m in pkgutil.iter_modules(bot.visits.__path__):\n"
        "    importlib.import_module('bot.visits.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        "('telegram', 'curses', 'readline', 'prompt_toolkit', 'rich'))\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
