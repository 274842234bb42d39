"""The e2e probe: GET /health is 200 once every server in its environment answers; GET /check
reports what it reached (JSON). Postgres: the libpq variables (PGHOST…) and PROBE_DB; redis:
REDIS_URL, when set."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import redis


def check() -> dict[str, str]:
    found = {"pghost": os.environ.get("PGHOST", "")}
    with psycopg.connect(dbname=os.environ["PROBE_DB"], connect_timeout=3) as conn:
        found["postgres"] = conn.execute("SELECT current_database()").fetchone()[0]
    if os.environ.get("REDIS_URL"):
        client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=3)
        client.set("probe", "seen by the probe")
        found["redis"] = client.get("probe").decode()
    return found


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        try:
            status, body = 200, check()
        except Exception as exc:  # reported to the caller: the healthcheck fails
            status, body = 503, {"error": repr(exc)}
        if self.path not in ("/health", "/check"):
            status, body = 404, {}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
