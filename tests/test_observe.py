"""Observability (#14.4): one JSON log line per update, /metrics in Prometheus' text format and
/health, from a real `iuc-bot run` process over the in-process Bot API served by HTTP."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import JsonFormatter
from bot.observe.metrics import Counter, Histogram, Registry
from bot.observe.updates import user_hash
from tests.httpapi import HttpBotApi, http_bot_api
from tests.processes import free_port, iuc_bot_command, until

TOKEN = "4839574812:SECRETsecretSECRETsecret_-42"
QUESTION = "When was the partnership agreement signed?"


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


class RunningBot:
    """`iuc-bot run` in long polling against an HTTP Bot API, with OPS_PORT serving."""

    def __init__(
        self,
        telegram: HttpBotApi,
        tmp_path: Path,
        command: tuple[str, ...] = ("iuc-bot", "run"),
        **env: str,
    ) -> None:
        self.telegram = telegram
        self.port = free_port()
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": telegram.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            "OPS_PORT": str(self.port),
            **env,
        }
        self.process = subprocess.Popen(
            [*iuc_bot_command(), *command[1:]] if command[0] == "iuc-bot" else list(command),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def health(
        self, command: tuple[str, ...] = ("iuc-bot", "health")
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*iuc_bot_command(), *command[1:]],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RunningBot]:
    with http_bot_api() as telegram:
        bot = RunningBot(telegram, tmp_path, LOG_FORMAT="json")
        try:
            yield bot
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.communicate()


def test_a_running_bot_logs_json_serves_metrics_and_health(running: RunningBot) -> None:
    until(lambda: running.health().returncode == 0, "/health")
    telegram = running.telegram
    telegram.call(lambda: telegram.api.enqueue(telegram.api.message_update(7, QUESTION)))
    telegram.call(lambda: telegram.api.enqueue(telegram.api.sticker_update(7)))
    until(lambda: len(telegram.call(telegram.api.messages, 7)) >= 2, "the replies")

    status, content_type, metrics = get(f"http://127.0.0.1:{running.port}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = dict(
        line.rsplit(" ", 1) for line in metrics.splitlines() if not line.startswith("#")
    )
    assert samples['iuc_bot_updates_total{handler="questions.question",outcome="ok"}'] == "1"
    assert samples['iuc_bot_updates_total{handler="other.not_text",outcome="ok"}'] == "1"
    assert samples['iuc_bot_questions_total{outcome="answered"}'] == "1"
    assert samples["iuc_bot_update_latency_seconds_count"] == "2"
    # Read from the database at the scrape (tests/bot/test_metrics.py: after a broadcast).
    assert samples['iuc_bot_outbox_messages{state="queued"}'] == "0"
    assert "# TYPE iuc_bot_outbox_messages gauge" in metrics
    assert samples['iuc_bot_update_latency_seconds_bucket{le="+Inf"}'] == "2"
    assert "# TYPE iuc_bot_update_latency_seconds histogram" in metrics

    status, content_type, body = get(f"http://127.0.0.1:{running.port}/health")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body) == {"status": "ok", "running": True, "database": "ok"}
    assert get(f"http://127.0.0.1:{running.port}/other")[0] == 404

    code, err = running.stop()
    assert code == 0
    assert TOKEN.split(":")[1] not in err
    entries = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    updates = [e for e in entries if e.get("event") == "update"]
    assert [(e["update_type"], e["handler"], e["outcome"]) for e in updates] == [
        ("message", "questions.question", "ok"),
        ("message", "other.not_text", "ok"),
    ]
    for entry in updates:
        assert entry["level"] == "INFO"
        assert isinstance(entry["latency_ms"], float)
        assert re.fullmatch(r"[0-9a-f]{16}", entry["user"])
        assert entry["user"] != "7"
    assert updates[0]["user"] == updates[1]["user"]  # one user, one pseudonym


async def test_health_is_503_when_the_database_does_not_answer() -> None:
    import httpx

    from bot.observe import server

    state = {"running": True}

    async def failing() -> None:
        raise OSError("the database is gone")

    async def working() -> None:
        pass

    port = free_port()
    for probe, running, status, body in (
        (working, True, 200, {"status": "ok", "running": True, "database": "ok"}),
        (failing, True, 503, {"status": "unhealthy", "running": True, "database": "unavailable"}),
        (working, False, 503, {"status": "unhealthy", "running": False, "database": "ok"}),
    ):
        state["running"] = running
        ops = server.start(port, "127.0.0.1", lambda: state["running"], probe)
        try:
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://127.0.0.1:{port}/health")
        finally:
            ops.stop()
        assert (response.status_code, response.json()) == (status, body)


def test_health_without_a_bot_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    done = subprocess.run(
        [*iuc_bot_command(), "health"],
        env={"PATH": os.environ.get("PATH", ""), "OPS_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"iuc-bot: http://127.0.0.1:{port}/health cannot be reached")


def test_json_formatter_redacts_and_keeps_fields() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, f"token {TOKEN}", (), None)
    record.fields = {"event": "update", "latency_ms": 1.5}
    entry = json.loads(JsonFormatter([TOKEN]).format(record))
    assert entry["msg"] == "token [REDACTED]"
    assert entry["event"] == "update"
    assert entry["level"] == "WARNING"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])


def test_user_hash_is_keyed() -> None:
    assert user_hash(b"a", 7) == user_hash(b"a", 7)
    assert user_hash(b"a", 7) != user_hash(b"b", 7)
    assert user_hash(b"a", 7) != user_hash(b"a", 8)


def test_prometheus_text_format() -> None:
    registry = Registry()
    counter = registry.add(Counter("x_total", "Things.", ("kind",)))
    histogram = registry.add(Histogram("y_seconds", "Time.", buckets=(0.1, 1.0)))
    counter.inc('a"b')
    counter.inc('a"b', amount=2)
    histogram.observe(0.05)
    histogram.observe(0.5)
    histogram.observe(5)
    assert registry.render() == (
        "# HELP x_total Things.\n"
        "# TYPE x_total counter\n"
        'x_total{kind="a\\"b"} 3\n'
        "# HELP y_seconds Time.\n"
        "# TYPE y_seconds histogram\n"
        'y_seconds_bucket{le="0.1"} 1\n'
        'y_seconds_bucket{le="1"} 2\n'
        'y_seconds_bucket{le="+Inf"} 3\n'
        "y_seconds_sum 5.55\n"
        "y_seconds_count 3\n"
    )


def test_health_without_ops_port_says_so() -> None:
    done = subprocess.run(
        [*iuc_bot_command(), "health"],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == "iuc-bot: OPS_PORT is 0: the bot serves no /health to ask.\n"


def test_python_warnings_become_json_lines_too() -> None:
    code = (
        "import warnings\n"
        "from bot import logs\n"
        "logs.configure(fmt='json')\n"
        "warnings.warn('old API', DeprecationWarning, stacklevel=1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [entry] = [json.loads(line) for line in done.stderr.splitlines()]
    assert entry["logger"] == "py.warnings"
    assert "old API" in entry["msg"]
