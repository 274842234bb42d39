"""The shop API (development build): GET /health answers 200 once every server it needs accepts
connections, at the addresses the stack gives it (PGHOST/PGPORT, REDIS_URL, QDRANT_URL), and
503 naming the ones that do not."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import SplitResult, urlsplit

PORT = 8000


def _address(url: str) -> SplitResult:
    """Host and port of a URL whatever its scheme (QDRANT_SCHEME is the client's business)."""
    return urlsplit("//" + url.split("://", 1)[-1])


def _servers() -> dict[str, tuple[str, int]]:
    redis, qdrant = _address(os.environ["REDIS_URL"]), _address(os.environ["QDRANT_URL"])
    return {
        "postgres": (os.environ["PGHOST"], int(os.environ["PGPORT"])),
        "redis": (redis.hostname or "", redis.port or 6379),
        "qdrant": (qdrant.hostname or "", qdrant.port or 6333),
    }


def _unreachable() -> list[str]:
    down = []
    for name, address in _servers().items():
        try:
            socket.create_connection(address, timeout=1).close()
        except OSError:
            down.append(name)
    return down


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/health":
            self._send(404, {"error": f"no route {self.path}"})
            return
        down = _unreachable()
        self._send(503 if down else 200, {"status": "waiting" if down else "ok", "down": down})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    # PID 1 gets no default SIGTERM handler: without this, `docker compose stop` would wait
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
