#!/usr/bin/env bash
# Starts the scale-out services the suite tests against when they are installed but not
# answering: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. A machine without them is
# left alone; the suite then skips (or, with STEWARD_REQUIRE_SERVICES=1, fails) those tests loudly.
set -uo pipefail

answers() {  # host port
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for() {  # name port
    for _ in $(seq 1 30); do
        answers 127.0.0.1 "$2" && { echo "services: $1 is up"; return 0; }
        sleep 1
    done
    echo "services: $1 did not come up on 127.0.0.1:$2" >&2
    return 1
}

status=0
if answers 127.0.0.1 5432; then
    echo "services: PostgreSQL is up"
elif command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
    echo "services: starting PostgreSQL"
    for version in /etc/postgresql/*/; do
        pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || status=1
    done
    wait_for PostgreSQL 5432 || status=1
else
    echo "services: PostgreSQL is not installed" >&2
fi

if answers 127.0.0.1 6379; then
    echo "services: Redis is up"
elif command -v redis-server >/dev/null; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log || status=1
    wait_for Redis 6379 || status=1
else
    echo "services: Redis is not installed" >&2
fi
exit $status
