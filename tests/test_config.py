"""Settings from the environment: one clear error naming the bad variable, never the token."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings, SettingsError

TOKEN = "4839574812:AAFh-kQ2b9_xYzVw3LmNoPqRsTuV1234567"
BAD_TOKEN = "4839574812:AAFh kQ2b9 secret part"
VALID = {"TELEGRAM_BOT_TOKEN": TOKEN}


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        pytest.param({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN", id="token missing"),
        pytest.param({"TELEGRAM_BOT_TOKEN": "  \n"}, "TELEGRAM_BOT_TOKEN", id="token blank"),
        pytest.param({"TELEGRAM_BOT_TOKEN": BAD_TOKEN}, "TELEGRAM_BOT_TOKEN", id="token spaces"),
        pytest.param({"TELEGRAM_BOT_TOKEN": "4839574812"}, "TELEGRAM_BOT_TOKEN", id="no colon"),
        pytest.param({"TELEGRAM_BOT_TOKEN": "bot:" + "A" * 30}, "TELEGRAM_BOT_TOKEN", id="no id"),
        pytest.param({"TELEGRAM_BOT_TOKEN": "12345:short"}, "TELEGRAM_BOT_TOKEN", id="short"),
        pytest.param(
            {"TELEGRAM_BASE_URL": "api.telegram.org/bot"}, "TELEGRAM_BASE_URL", id="bare"
        ),
        pytest.param({"TELEGRAM_BASE_URL": "ftp://host/bot"}, "TELEGRAM_BASE_URL", id="ftp"),
        pytest.param({"TELEGRAM_BASE_URL": "http://"}, "TELEGRAM_BASE_URL", id="no host"),
        pytest.param({"DATABASE_URL": "mysql://u:pw@h/db"}, "DATABASE_URL", id="mysql"),
        pytest.param({"DATABASE_URL": "postgresql+asyncpg://h/db"}, "DATABASE_URL", id="asyncpg"),
        pytest.param({"DATABASE_URL": "sqlite://"}, "DATABASE_URL", id="sqlite in memory"),
        pytest.param({"DATABASE_URL": "sqlite:///:memory:"}, "DATABASE_URL", id=":memory:"),
        pytest.param({"DATABASE_URL": "iuc.sqlite3"}, "DATABASE_URL", id="a file name"),
        pytest.param({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE", id="locale de"),
        pytest.param({"DEFAULT_LOCALE": "english"}, "DEFAULT_LOCALE", id="locale name"),
        pytest.param({"KNOWLEDGE_DIR": "{tmp}/missing"}, "KNOWLEDGE_DIR", id="dir missing"),
        pytest.param({"KNOWLEDGE_DIR": "{tmp}/file.txt"}, "KNOWLEDGE_DIR", id="dir is a file"),
        pytest.param({"COORDINATOR_IDS": "1,abc"}, "COORDINATOR_IDS", id="coordinator word"),
        pytest.param({"COORDINATOR_IDS": "1;2"}, "COORDINATOR_IDS", id="semicolon"),
        pytest.param({"COORDINATOR_IDS": "1.5"}, "COORDINATOR_IDS", id="decimal"),
        pytest.param({"STAFF_IDS": "@alice"}, "STAFF_IDS", id="staff username"),
        pytest.param({"STAFF_IDS": "1 2"}, "STAFF_IDS", id="staff space separated"),
        pytest.param({"WEBHOOK_URL": "http://bot.example.org/hook"}, "WEBHOOK_URL", id="http"),
        pytest.param({"WEBHOOK_URL": "bot.example.org/hook"}, "WEBHOOK_URL", id="no scheme"),
        pytest.param(
            {"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET", id="no secret"
        ),
        pytest.param(
            {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "has spaces"},
            "WEBHOOK_SECRET",
            id="secret malformed",
        ),
        pytest.param({"PORT": "0"}, "PORT", id="port 0"),
        pytest.param({"PORT": "65536"}, "PORT", id="port too big"),
        pytest.param({"PORT": "-1"}, "PORT", id="port negative"),
        pytest.param({"PORT": "http"}, "PORT", id="port word"),
        pytest.param({"PORT": "80.5"}, "PORT", id="port decimal"),
        pytest.param({"DB_TIMEOUT_SECONDS": "0"}, "DB_TIMEOUT_SECONDS", id="timeout 0"),
        pytest.param({"DB_TIMEOUT_SECONDS": "0.1"}, "DB_TIMEOUT_SECONDS", id="timeout tiny"),
        pytest.param({"DB_TIMEOUT_SECONDS": "61"}, "DB_TIMEOUT_SECONDS", id="timeout long"),
        pytest.param({"DB_TIMEOUT_SECONDS": "3s"}, "DB_TIMEOUT_SECONDS", id="timeout unit"),
        pytest.param({"DB_TIMEOUT_SECONDS": "nan"}, "DB_TIMEOUT_SECONDS", id="timeout nan"),
        pytest.param({"DB_TIMEOUT_SECONDS": "-3"}, "DB_TIMEOUT_SECONDS", id="timeout negative"),
        pytest.param({"FLOOD_MESSAGES": "1"}, "FLOOD_MESSAGES", id="flood 1"),
        pytest.param({"FLOOD_MESSAGES": "ten"}, "FLOOD_MESSAGES", id="flood word"),
        pytest.param({"FLOOD_WINDOW_SECONDS": "0"}, "FLOOD_WINDOW_SECONDS", id="window 0"),
        pytest.param({"FLOOD_PAUSE_SECONDS": "3601"}, "FLOOD_PAUSE_SECONDS", id="pause long"),
        pytest.param({"LOG_FORMAT": "xml"}, "LOG_FORMAT", id="log format"),
        pytest.param({"OPS_PORT": "65536"}, "OPS_PORT", id="ops port"),
        pytest.param({"OPS_LISTEN": "localhost:80"}, "OPS_LISTEN", id="ops listen"),
        pytest.param({"BROADCAST_RATE": "0"}, "BROADCAST_RATE", id="rate 0"),
        pytest.param({"BROADCAST_RATE": "30/s"}, "BROADCAST_RATE", id="rate unit"),
        pytest.param({"BROADCAST_RATE": "1001"}, "BROADCAST_RATE", id="rate too high"),
        pytest.param(
            {"BROADCAST_CHAT_INTERVAL": "-1"}, "BROADCAST_CHAT_INTERVAL", id="interval negative"
        ),
        pytest.param(
            {"BROADCAST_CHAT_INTERVAL": "61"}, "BROADCAST_CHAT_INTERVAL", id="interval long"
        ),
        pytest.param({"BROADCAST_MAX_ATTEMPTS": "0"}, "BROADCAST_MAX_ATTEMPTS", id="attempts 0"),
        pytest.param(
            {"BROADCAST_MAX_ATTEMPTS": "2.5"}, "BROADCAST_MAX_ATTEMPTS", id="attempts decimal"
        ),
        pytest.param({"BROADCAST_RETRY_SECONDS": "0"}, "BROADCAST_RETRY_SECONDS", id="retry 0"),
        pytest.param(
            {"BROADCAST_PROGRESS_SECONDS": "0.5"},
            "BROADCAST_PROGRESS_SECONDS",
            id="progress too often",
        ),
    ],
)
def test_a_bad_value_is_one_error_naming_the_variable(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    (tmp_path / "file.txt").write_text("not a directory")
    env = {name: value.format(tmp=tmp_path) for name, value in {**VALID, **env}.items()}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert message.startswith(f"{variable} is ")
    assert "\n" not in message
    for secret in (TOKEN, BAD_TOKEN, TOKEN.split(":")[1], "pw@"):
        assert secret not in message


def test_defaults_with_only_a_token() -> None:
    settings = Settings.from_env(VALID)
    assert settings.token == TOKEN
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.default_locale == "en"
    assert settings.knowledge_dir == DEFAULT_KNOWLEDGE_DIR
    assert (settings.coordinator_ids, settings.staff_ids) == (frozenset(), frozenset())
    assert (settings.webhook_url, settings.port) == (None, 8443)
    assert settings.db_timeout == 3.0
    assert (settings.flood_messages, settings.flood_window, settings.flood_pause) == (10, 10, 30)
    assert (settings.log_format, settings.ops_port, settings.ops_listen) == (
        "text",
        0,
        "127.0.0.1",
    )
    assert (settings.broadcast_rate, settings.broadcast_chat_interval) == (30.0, 1.0)
    assert (settings.broadcast_max_attempts, settings.broadcast_retry_seconds) == (5, 2.0)
    assert settings.broadcast_progress_seconds == 5.0


def test_every_value_is_read_and_the_secrets_stay_out_of_repr(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "DATABASE_URL": "postgresql://iuc:db-pass-42@db:5432/iuc",
        "DEFAULT_LOCALE": "sk",
        "KNOWLEDGE_DIR": str(tmp_path),
        "COORDINATOR_IDS": " 11, 12 ,",
        "STAFF_IDS": "-13",
        "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "WEBHOOK_SECRET": "webhook-secret-value",
        "PORT": "8080",
        "DB_TIMEOUT_SECONDS": "1.5",
        "FLOOD_MESSAGES": "5",
        "FLOOD_WINDOW_SECONDS": "2",
        "FLOOD_PAUSE_SECONDS": "60",
        "LOG_FORMAT": "JSON",
        "OPS_PORT": "9100",
        "OPS_LISTEN": "0.0.0.0",
        "BROADCAST_RATE": "20",
        "BROADCAST_CHAT_INTERVAL": "2.5",
        "BROADCAST_MAX_ATTEMPTS": "3",
        "BROADCAST_RETRY_SECONDS": "10",
        "BROADCAST_PROGRESS_SECONDS": "4",
    }
    settings = Settings.from_env(env)
    assert settings.token == TOKEN
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.default_locale == "sk"
    assert settings.knowledge_dir == tmp_path
    assert settings.coordinator_ids == {11, 12}
    assert settings.staff_ids == {-13}
    assert settings.webhook_path == "telegram/hook"
    assert settings.port == 8080
    assert settings.db_timeout == 1.5
    assert (settings.flood_messages, settings.flood_window, settings.flood_pause) == (5, 2, 60)
    assert (settings.log_format, settings.ops_port, settings.ops_listen) == (
        "json",
        9100,
        "0.0.0.0",
    )
    assert (settings.broadcast_rate, settings.broadcast_chat_interval) == (20.0, 2.5)
    assert (settings.broadcast_max_attempts, settings.broadcast_retry_seconds) == (3, 10.0)
    assert settings.broadcast_progress_seconds == 4.0
    for secret in (TOKEN, TOKEN.split(":")[1], "db-pass-42", "webhook-secret-value"):
        assert secret not in repr(settings)
        assert secret not in str(settings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_console_and_ask_need_no_token() -> None:
    assert Settings.from_env({}, need_token=False).token == ""


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in a clean environment (only PATH and what is given)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_a_token_exits_2_with_one_clear_line() -> None:
    done = run_cli("run")
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("iuc-bot: TELEGRAM_BOT_TOKEN is not set")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": BAD_TOKEN}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "PORT": "99999"}, "PORT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://x@h/db"}, "DATABASE_URL"),
    ],
)
def test_run_with_a_bad_value_names_it_and_hides_the_token(
    env: dict[str, str], variable: str
) -> None:
    done = run_cli("run", **env)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"iuc-bot: {variable} is ")
    assert TOKEN.split(":")[1] not in done.stderr
    assert "secret part" not in done.stderr
