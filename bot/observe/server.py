"""The operations server: GET /health and GET /metrics on OPS_PORT, beside the bot.

A port of its own, not the webhook's: the webhook port faces Telegram through the reverse proxy,
while health checks and Prometheus scrape from inside (a container's HEALTHCHECK, a monitoring
network), and metrics are nobody else's business. It runs in the bot's event loop, in polling
and webhook mode alike (tornado: already there for python-telegram-bot's webhook server).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
from collections.abc import Awaitable, Callable

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.observe.metrics import REGISTRY
from bot.operator_errors import OperatorError

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A database that does not answer a health check in this long counts as unavailable.
HEALTH_DB_TIMEOUT_S = 3.0

Probe = Callable[[], Awaitable[None]]
Collect = Callable[[], Awaitable[None]]


class _Health(RequestHandler):
    def initialize(self, running: Callable[[], bool], probe: Probe) -> None:
        self.running, self.probe = running, probe

    async def get(self) -> None:
        database = "ok"
        try:
            await asyncio.wait_for(self.probe(), HEALTH_DB_TIMEOUT_S)
        except Exception:  # any failure: the database cannot serve commands now
            database = "unavailable"
        running = self.running()
        healthy = running and database == "ok"
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        body = {"status": "ok" if healthy else "unhealthy", "running": running}
        self.finish(json.dumps({**body, "database": database}))


class _Metrics(RequestHandler):
    def initialize(self, collect: Collect | None) -> None:
        self.collect = collect

    async def get(self) -> None:
        if self.collect is not None:
            await self.collect()  # the gauges read from the database (bot/observe/gauges.py)
        self.set_header("Content-Type", CONTENT_TYPE)
        self.finish(REGISTRY.render())


def make_app(
    running: Callable[[], bool], probe: Probe, collect: Collect | None = None
) -> Application:
    """The tornado application: /health and /metrics, 404 for anything else."""
    return Application(
        [
            (r"/health", _Health, {"running": running, "probe": probe}),
            (r"/metrics", _Metrics, {"collect": collect}),
        ]
    )


def start(
    port: int,
    address: str,
    running: Callable[[], bool],
    probe: Probe,
    collect: Collect | None = None,
) -> HTTPServer:
    """Listen now (in the running event loop); a port in use is one line for the operator.

    collect, when given, is awaited before each /metrics to read what the database holds."""
    server = HTTPServer(make_app(running, probe, collect), xheaders=False)
    try:
        server.listen(port, address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise OperatorError(
                f"port {port} on {address} (OPS_PORT, for /health and /metrics) is already in "
                "use: stop what listens there, or set OPS_PORT to a free one (0 turns it off)."
            ) from None
        raise
    log.info("health and metrics on http://%s:%d/health and /metrics", address, port)
    return server
