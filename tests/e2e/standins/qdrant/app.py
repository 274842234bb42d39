"""Stand-in for Qdrant's REST port (6333) and gRPC port (6334): the answers Qdrant gives to its
root and health endpoints; every other path is 404. No collection, no search."""

import json
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = {
    "/": {"title": "qdrant - vector search engine", "version": "1.16.3 (hsmc e2e stand-in)"},
    "/healthz": "healthz check passed",
    "/livez": "healthz check passed",
    "/readyz": "all shards are ready",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        answer = ANSWERS.get(self.path)
        body = answer if isinstance(answer, str) else json.dumps(answer or {"status": "not found"})
        data = body.encode()
        self.send_response(404 if answer is None else 200)
        kind = "text/plain" if isinstance(answer, str) else "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def grpc_port() -> None:
    """6334 accepts and closes: enough for a port check, not a gRPC server."""
    with socket.create_server(("0.0.0.0", 6334)) as server:
        while True:
            connection, _ = server.accept()
            connection.close()


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
threading.Thread(target=grpc_port, daemon=True).start()
ThreadingHTTPServer(("0.0.0.0", 6333), Handler).serve_forever()
