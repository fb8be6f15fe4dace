"""`iuc-bot console` driven by a script on standard input: the real bot, no token, no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_console_runs_the_real_bot_from_a_script(tmp_path: Path) -> None:
    script = "/start\n:lang sk\nkedy bola podpisana zmluva\n1\n/language\n3\n:quit\n"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KNOWLEDGE_DIR")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,  # the embedded SQLite file lands here
        env=env,
        timeout=120,
        check=True,
    )
    out = done.stdout
    assert "Hello, User 1!" in out
    assert "15. októbra 2018" in out
    assert "[1] 👍 Pomohlo  [2] 👎 Nepomohlo" in out
    assert "💬 Ďakujem za spätnú väzbu!" in out
    assert "[1] English  [2] Slovenčina  [3] 日本語" in out
    assert "これからは日本語でお答えします。" in out
    assert (tmp_path / "iuc-bot.sqlite3").exists()
