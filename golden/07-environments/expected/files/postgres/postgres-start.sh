#!/bin/sh
# The postgres container's command (mounted at /hsm/start.sh). The image's entrypoint runs
# /docker-entrypoint-initdb.d only into an empty data directory, so databases named after the
# first start would never appear; this wrapper creates them on every start instead:
#
# 1. starts the server the way the image does (`docker-entrypoint.sh postgres ARGS…`, ARGS being
#    this script's own arguments) in the background, and forwards HUP, INT, QUIT and TERM to it
#    (`docker stop` sends the image's STOPSIGNAL, SIGINT: a fast shutdown);
# 2. waits until the real server accepts TCP connections on 127.0.0.1 (the entrypoint's
#    init-time server listens on the unix socket only);
# 3. runs ensure-databases.sh (beside this file) as POSTGRES_USER, which creates every database
#    of POSTGRES_MULTIPLE_DATABASES that is missing;
# 4. then touches the ready marker ($HSM_READY_FILE, default /tmp/hsm-databases-ready) that the
#    healthcheck requires besides pg_isready, so a dependent waiting for `service_healthy` finds
#    its database; and waits for the server, exiting with its status.
#
# If ensure-databases.sh fails (a bad name, an SQL error) the server is stopped and the container
# exits with that status: a loud failure rather than a healthy-looking server without databases.
set -u

me=hsm-start
here=$(dirname "$0")
port=${PGPORT:-5432}
user=${POSTGRES_USER:-postgres}
ready=${HSM_READY_FILE:-/tmp/hsm-databases-ready}

# A restarted container keeps its /tmp: the marker of the last run must not count.
rm -f "$ready"

docker-entrypoint.sh postgres "$@" &
server=$!

# HUP makes the server reload its configuration; INT, QUIT and TERM stop it.
signalled=0
stopping=0
trap 'signalled=1; kill -s HUP "$server" 2>/dev/null || :' HUP
trap 'signalled=1; stopping=1; kill -s INT "$server" 2>/dev/null || :' INT
trap 'signalled=1; stopping=1; kill -s QUIT "$server" 2>/dev/null || :' QUIT
trap 'signalled=1; stopping=1; kill -s TERM "$server" 2>/dev/null || :' TERM

# Waits for the server to exit and returns its status. A trapped signal interrupts `wait`; the
# server is then still shutting down, so wait again. (sh has no local variables: server_status
# is this function's own.)
wait_server() {
    while :; do
        signalled=0
        server_status=0
        wait "$server" || server_status=$?
        [ "$signalled" = 1 ] || return "$server_status"
    done
}

echo "$me: waiting for the server to accept connections on 127.0.0.1:$port"
until pg_isready -q -h 127.0.0.1 -p "$port" -U "$user" -d postgres; do
    if ! kill -0 "$server" 2>/dev/null; then
        wait_server
        status=$?
        echo "$me: the server exited (status $status) before it accepted connections" >&2
        exit "$status"
    fi
    sleep 1
done

PGHOST=127.0.0.1 PGPORT=$port PGUSER=$user PGPASSWORD=${POSTGRES_PASSWORD:-} PGDATABASE=postgres \
    "$here/ensure-databases.sh"
status=$?
if [ "$status" -ne 0 ] && [ "$stopping" = 1 ]; then
    # Asked to stop while starting: the server going away made the script fail; not an error.
    wait_server
    exit $?
fi
if [ "$status" -ne 0 ]; then
    echo "$me: ensure-databases.sh failed (status $status); stopping the server" >&2
    kill -s INT "$server" 2>/dev/null || :
    wait_server
    exit "$status"
fi

touch "$ready"
echo "$me: databases ready"
wait_server
exit $?
