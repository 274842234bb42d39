"""graph-builder (development build): a tiny HTTP service with the same API surface.

GET /health -> the contract's health document ({"status": "ok"})
GET /graph  -> the nodes and edges built so far (always empty here)

The routes and documents come from the neo4j-client package (neo4j_client.api), the contract
the service and its client share.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from neo4j_client import api

PORT = int(os.environ.get("PORT", "7474"))
logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper())
log = logging.getLogger("graph-builder")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == api.HEALTH:
            self._send(200, api.health_document())
        elif self.path == api.GRAPH:
            self._send(200, {"nodes": [], "edges": []})
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


if __name__ == "__main__":
    # As PID 1 the process gets no default SIGTERM handler: without this one, every restart
    # (Compose Watch's sync+restart, `docker compose stop`) would wait for the kill timeout.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("graph-builder (dev) listening on :%d", PORT)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
