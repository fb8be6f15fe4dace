"""A TCP proxy on 127.0.0.1 that can stop forwarding: a database that hangs instead of refusing.

Paused, it keeps every socket open and reads nothing more, as a frozen server (or a network
that drops packets silently) looks to the bot: the kernel still accepts connections and
acknowledges what is sent, but no answer ever comes. Resumed, what was held is forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url


class Proxy:
    """Forwards connections to host:port; `pause()` turns it into a black hole, `resume()` back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0  # the proxy's own port, known once started
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    def pause(self) -> None:
        """Stop forwarding in both directions; every socket stays open."""
        self._open.clear()

    def resume(self) -> None:
        """Forward again, starting with what arrived meanwhile."""
        self._open.set()

    def url(self, database_url: str) -> str:
        """The database URL, through the proxy."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in self._writers:
            writer.close()

    async def _connected(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        server_r, server_w = await asyncio.open_connection(*self.target)
        self._writers += [client_w, server_w]
        for reader, writer in ((client_r, server_w), (server_r, client_w)):
            task = asyncio.get_running_loop().create_task(self._pump(reader, writer))
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self._open.wait()
                data = await reader.read(65536)
                await self._open.wait()  # read just before a pause: held until resumed
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                writer.close()


@asynccontextmanager
async def proxy_to(database_url: str) -> AsyncIterator[Proxy]:
    """A running proxy to the database server of the URL."""
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
