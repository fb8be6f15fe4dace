"""The look-up core stands alone: bot/lookups and bot/timefmt import no Telegram."""

from __future__ import annotations

import subprocess
import sys


def test_the_lookup_core_imports_no_telegram() -> None:
    code = (
        "import sys, pkgutil, importlib, bot.lookups, bot.timefmt\n"
        "for m in pkgutil.iter_modules(bot.lookups.__path__):\n"
        "    importlib.import_module('bot.lookups.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'telegram'))\n"
        "print(len([m for m in pkgutil.iter_modules(bot.lookups.__path__)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    imported, modules = done.stdout.split()
    assert imported == "[]"
    assert int(modules) >= 5  # the walk found the modules it is meant to check
