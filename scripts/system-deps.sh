#!/usr/bin/env bash
# Debian packages the test suite drives for real: Dovecot (IMAP tests start their own
# server on free loopback ports), Chromium (Playwright's browser: never `playwright install`) and
# openssl (throwaway TLS certificates). Idempotent: returns at once when everything is installed.
set -euo pipefail

PACKAGES=(dovecot-imapd chromium openssl)
POLICY=/usr/sbin/policy-rc.d

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

# A system Dovecot (started by a package install before this script existed, or by hand) would
# hold ports 143/993 and confuse IMAP tests; the suite only ever runs its own.
stop_system_dovecot() {
    local pidfile=/run/dovecot/master.pid
    if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "system-deps: stopping the system Dovecot (tests start their own)"
        kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
    if command -v systemctl >/dev/null; then
        systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null && [[ -e /etc/init.d/dovecot ]]; then
        update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
}

if [[ ${#missing[@]} -eq 0 ]]; then
    [[ $(id -u) -eq 0 ]] && stop_system_dovecot
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    cat >&2 <<EOF
system-deps: missing Debian packages: ${missing[*]}
The tests use a real Dovecot, Chromium and openssl. Install them as root, then run make test again:

    sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}'

(after installing, stop and disable the system Dovecot service if your init started it:
 the test suite runs its own Dovecot on free loopback ports.)
EOF
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
# Keep package scripts from starting services (no system Dovecot grabbing 143/993). An existing
# policy (as in container images) is left as it is; ours is removed afterwards.
created_policy=""
if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() {
    if [[ -n $created_policy ]]; then
        rm -f "$POLICY"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
stop_system_dovecot
echo "system-deps: installed ${missing[*]}"
