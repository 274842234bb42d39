#!/bin/sh
# The documented contract of the official redis image's entrypoint, re-implemented on Debian:
# `docker-entrypoint.sh -x …` or `… x.conf` means redis-server; as root it fixes the ownership
# of the working directory and steps down to the redis user; redis-server runs with protected
# mode off (the image's default, so other containers can connect); any other command is exec'ed.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
    set -- "$@" --protected-mode no
fi
exec "$@"
