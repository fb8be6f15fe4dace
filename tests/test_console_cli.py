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
    assert (tmp_path / "iuc-bot-console.sqlite3").exists()
    assert not (tmp_path / "iuc-bot.sqlite3").exists()  # the bot's default file is not touched
    assert "iuc-bot console: using the database sqlite:///iuc-bot-console.sqlite3" in done.stderr


def console(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`iuc-bot console ARGS` in tmp_path, registering nothing: one question, then :quit."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KNOWLEDGE_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input="/start\nwhen was the agreement signed\n:quit\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env={**base, **env},
        timeout=120,
        check=False,
    )


def test_console_ignores_the_bots_database_url(tmp_path: Path) -> None:
    live = tmp_path / "live" / "bot.sqlite3"
    live.parent.mkdir()
    done = console(tmp_path, DATABASE_URL=f"sqlite:///{live}")
    assert done.returncode == 0, done.stderr
    assert "Hello, User 1!" in done.stdout
    assert not live.exists()  # the live bot's database is never created or written
    assert (tmp_path / "iuc-bot-console.sqlite3").exists()


def test_console_uses_the_database_it_is_given(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.sqlite3"
    done = console(tmp_path, "--database", f"sqlite:///{chosen}", DATABASE_URL="sqlite:///x.db")
    assert done.returncode == 0, done.stderr
    assert chosen.exists()
    assert not (tmp_path / "iuc-bot-console.sqlite3").exists()
    assert not (tmp_path / "x.db").exists()
    assert f"using the database sqlite:///{chosen}" in done.stderr


def test_console_with_a_database_in_a_missing_folder_names_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none' / 'c.sqlite3'}"
    done = console(tmp_path, "--database", url, DATABASE_URL="sqlite:///x.db")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"iuc-bot: the SQLite database {url} cannot be opened: the folder "
        f"{tmp_path / 'none'} does not exist: create it, or use another database URL."
    )
