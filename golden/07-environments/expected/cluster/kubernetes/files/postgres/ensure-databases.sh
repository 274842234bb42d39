#!/bin/sh
# Creates the databases named in POSTGRES_MULTIPLE_DATABASES, each owned by a role of the same
# name, and leaves alone whatever already exists: run it as often as you like.
#
#   POSTGRES_MULTIPLE_DATABASES="auth_db,billing_db" ensure-databases.sh
#
# * The list is comma-separated; blanks around a name, empty items and repeated names are
#   ignored.
# * Every name must match ^[a-z_][a-z0-9_]{0,62}$ and must not be a reserved role name (pg_…,
#   public, none). One bad name refuses the whole run before anything is created, exit status 2.
# * A missing database is created with a missing owner role: `CREATE ROLE name NOLOGIN` (a
#   group role: it owns the database and its public schema, has no password and cannot connect;
#   grant it to a login role to hand a package its own database), then
#   `CREATE DATABASE name OWNER name`. A database that exists already is not touched, whoever
#   owns it.
# * It is a plain libpq client: it connects with the standard environment (PGHOST, PGPORT,
#   PGUSER, PGPASSWORD, PGDATABASE, …) as a role that may create roles and databases. In the
#   postgres container, /hsm/start.sh runs it once the server accepts TCP connections.
# * The names reach SQL only as psql variables: quoted as a literal (:'name') to look them up
#   and as an identifier (format('%I')) to create them, so a name cannot inject SQL even if the
#   check above were bypassed. psql runs with ON_ERROR_STOP, so any SQL error fails the run.
set -eu
LC_ALL=C
export LC_ALL

me=ensure-databases
# Strips leading and trailing white space.
trim() {
    value=${1#"${1%%[![:space:]]*}"}
    printf '%s' "${value%"${value##*[![:space:]]}"}"
}

bad_name() {
    printf '%s: refusing to run: %s\n' "$me" "$1" >&2
    printf '%s: nothing was created; fix POSTGRES_MULTIPLE_DATABASES (now "%s")\n' \
        "$me" "${POSTGRES_MULTIPLE_DATABASES:-}" >&2
    exit 2
}

# 1. Split, trim, check every name, drop repeats. Nothing touches the server before all pass.
names=
set -f
old_ifs=$IFS
IFS=,
for item in ${POSTGRES_MULTIPLE_DATABASES:-}; do
    IFS=$old_ifs
    name=$(trim "$item")
    [ -n "$name" ] || continue
    case $name in
        [!abcdefghijklmnopqrstuvwxyz_]* | *[!abcdefghijklmnopqrstuvwxyz0123456789_]*)
            bad_name "\"$name\" is not a database name: use lower-case letters, digits and _, not starting with a digit" ;;
    esac
    [ "${#name}" -le 63 ] ||
        bad_name "\"$name\" is longer than 63 characters, the PostgreSQL limit"
    case $name in
        pg_* | public | none)
            bad_name "\"$name\" is a role name that PostgreSQL reserves; choose another database name" ;;
    esac
    case " $names " in
        *" $name "*) ;;
        *) names="${names:+$names }$name" ;;
    esac
done
IFS=$old_ifs
set +f

if [ -z "$names" ]; then
    echo "$me: POSTGRES_MULTIPLE_DATABASES names no database; nothing to do"
    exit 0
fi

# 2. One psql run per name; the names are checked above, so splitting on spaces is safe.
for name in $names; do
    psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -v name="$name" <<'SQL'
SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'name') AS hsm_role_exists,
       EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'name') AS hsm_db_exists
\gset
\if :hsm_db_exists
\echo ensure-databases: database :"name" exists, left as it is
\else
\if :hsm_role_exists
\echo ensure-databases: role :"name" exists
\else
SELECT format('CREATE ROLE %I NOLOGIN', :'name')
\gexec
\echo ensure-databases: created role :"name" (NOLOGIN)
\endif
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
\gexec
\echo ensure-databases: created database :"name" owned by :"name"
\endif
SQL
done
