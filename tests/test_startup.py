"""`iuc-bot run` against a Bot API that rejects the token: one line, never the token (M-1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TOKEN = "4839574812:SECRETsecretSECRETsecret_-42"
SECRETS = (TOKEN, TOKEN.split(":")[1], "SECRETsecret")
# What each server sends to every request: Telegram's answer to a revoked token, its answer to
# a malformed one (also what a self-hosted Bot API gives for a URL without /bot), and a web
# server that is no Bot API at all.
ANSWERS = {
    "401 Unauthorized": (
        401,
        "application/json",
        b'{"ok":false,"error_code":401,"description":"Unauthorized"}',
    ),
    "404 Not Found": (
        404,
        "application/json",
        b'{"ok":false,"error_code":404,"description":"Not Found"}',
    ),
    "404 web page": (404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"),
    "401 echoing the URL": (
        401,
        "application/json",
        json.dumps({"ok": False, "description": f"no bot /bot{TOKEN}/getMe"}).encode(),
    ),
}


@pytest.fixture(params=list(ANSWERS))
def bot_api(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Bot API on 127.0.0.1 (a random port) that answers every request with one error."""
    status, content_type, body = ANSWERS[request.param]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


def iuc_bot_run(base_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The installed `iuc-bot run` (python -m bot run where no script is installed)."""
    script = Path(sys.executable).with_name("iuc-bot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return subprocess.run(
        [*command, "run"],
        env={
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_rejected_token_ends_in_one_line_without_the_token(bot_api: str, tmp_path: Path) -> None:
    done = iuc_bot_run(bot_api, tmp_path)
    assert done.returncode != 0
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("iuc-bot: ")
    assert f"{bot_api}[REDACTED]/getMe" in line  # the URL tried, so the operator can check it
    assert "TELEGRAM_BOT_TOKEN" in line
    assert "TELEGRAM_BASE_URL" in line
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before touching anything


def test_an_uncaught_error_is_printed_without_secrets(tmp_path: Path) -> None:
    code = (
        "from bot import logs\n"
        f"logs.configure({TOKEN!r})\n"
        f"raise RuntimeError('rejected: {TOKEN}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "RuntimeError: rejected: [REDACTED]" in done.stderr
    for secret in SECRETS:
        assert secret not in done.stderr
