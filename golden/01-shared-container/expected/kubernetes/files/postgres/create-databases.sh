#!/bin/sh
# Creates one database per name in POSTGRES_MULTIPLE_DATABASES (comma-separated).
# Run once by the postgres image's entrypoint, on first start with an empty data directory.
# The entrypoint may source this file instead of executing it, so it never calls `exit`.
set -e

if [ -n "${POSTGRES_MULTIPLE_DATABASES:-}" ]; then
    for db in $(echo "$POSTGRES_MULTIPLE_DATABASES" | tr ',' ' '); do
        echo "create-databases: creating database '$db'"
        psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
            -c "CREATE DATABASE \"$db\";"
    done
fi
