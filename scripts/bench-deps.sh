#!/usr/bin/env bash
# Debian packages the benches drive (docs/BENCHMARKS.md): wrk, the HTTP load generator used for both
# Steward and the reference. Idempotent: returns at once when everything is installed.
set -euo pipefail

PACKAGES=(wrk)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    cat >&2 <<MSG
bench-deps: missing Debian packages: ${missing[*]}
The HTTP bench uses wrk. Install it as root, then run make bench again:

    sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}'
MSG
    exit 1
fi

echo "bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" || {
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}
echo "bench-deps: installed ${missing[*]}"
