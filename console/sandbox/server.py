"""Serving the sandbox on loopback: in a thread (``sync run --sandbox``, tests) or in the
foreground (``martech sandbox``)."""

from __future__ import annotations

import socket
import threading

import uvicorn

from console.collector.server import bind_socket, serve_in_thread
from console.host import PluginHost
from console.sandbox.app import SandboxApp


class Sandbox:
    """The registered fakes on ``http://127.0.0.1:<port>/<connector>``."""

    def __init__(self, host: PluginHost, *, port: int = 0, rate_limit: int | None = None) -> None:
        self.app = SandboxApp(host, rate_limit)
        self._sock: socket.socket = bind_socket("127.0.0.1", port)
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", server_header=False
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The sandbox's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def base_url(self, connector: str) -> str:
        """Where a destination's requests go to reach its fake."""
        return f"{self.url}/{connector}"

    def start(self) -> str:
        """Serve in a background thread; returns the URL once it accepts connections."""
        self._thread = serve_in_thread(self._server, self._sock, "martech-sandbox", self.url)
        return self.url

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl+C."""
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
