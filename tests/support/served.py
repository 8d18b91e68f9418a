"""A service's app served by a real uvicorn server on a local port, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from fastapi import FastAPI


class Served:
    def __init__(self, app: FastAPI, lifespan: Literal["on", "off"]) -> None:
        self.app = app
        # bound before the server starts: nobody can take the port in between
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"uvicorn {self.url}", daemon=True)

    def _run(self) -> None:
        async def serve() -> None:
            try:
                await self.server.serve(sockets=[self.socket])
            finally:
                runtime = getattr(self.app.state, "runtime", None)
                if runtime is not None:  # its pool lives on this loop: closed here, before the loop is
                    await runtime.engine.dispose()

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported by start() or stop(), in the test's thread
            self.failure = exc

    def start(self, timeout: float = 30.0) -> Served:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.url} did not start: {self.failure!r}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving: from then on the URL is a closed port (connection refused)."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.socket.close()


@contextmanager
def served(app: FastAPI, *, lifespan: Literal["on", "off"] = "off") -> Iterator[Served]:
    """`app` on a real HTTP server at `.url` until the block ends. `lifespan="off"`: its HTTP API alone, without
    the background loops (consumers, relay, delivery) its lifespan would start."""
    running = Served(app, lifespan).start()
    try:
        yield running
    finally:
        running.stop()
