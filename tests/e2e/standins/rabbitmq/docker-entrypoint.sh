#!/bin/sh
# The documented contract of the official rabbitmq image, re-implemented on Debian: the default
# user is RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS (guest/guest without them), written as
# Erlang binaries into advanced.config so that any character survives; as root it fixes the
# ownership of /var/lib/rabbitmq and steps down to the rabbitmq user; any other command than
# rabbitmq-server is exec'ed.
set -e

erlang_binary() {
    # <<"…">> with \ and " escaped; the UTF-8 bytes of the value pass through.
    printf '<<"%s"/utf8>>' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
    user=${RABBITMQ_DEFAULT_USER:-guest}
    pass=${RABBITMQ_DEFAULT_PASS:-guest}
    printf '[{rabbit, [{default_user, %s}, {default_pass, %s}, {loopback_users, []}]}].\n' \
        "$(erlang_binary "$user")" "$(erlang_binary "$pass")" >/etc/rabbitmq/advanced.config
    chown rabbitmq:rabbitmq /etc/rabbitmq/advanced.config
    chmod 600 /etc/rabbitmq/advanced.config
    find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' +
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
fi
exec "$@"
