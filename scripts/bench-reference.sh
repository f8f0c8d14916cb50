#!/usr/bin/env bash
# Prepare the reference system for `make bench REFERENCE=<dir>` (docs/BENCHMARKS.md): a checkout of
# gregology/GaaS at 21a8992 in <dir> (outside this repository) with its packages in <dir>/.venv.
# Idempotent: an existing checkout at that commit and a venv that imports it are kept.
set -euo pipefail

COMMIT=21a8992
dir=${1:?usage: scripts/bench-reference.sh <dir outside this repository>}
python=${PYTHON:-python3.11}

if [[ ! -d $dir/.git ]]; then
    git clone --quiet https://github.com/gregology/GaaS "$dir"
fi
git -C "$dir" -c advice.detachedHead=false checkout --quiet "$COMMIT"
if ! "$dir/.venv/bin/python" -c "import app.config" 2>/dev/null; then
    "$python" -m venv "$dir/.venv"
    cd "$dir"
    .venv/bin/pip install -q -e packages/assistant-sdk -e packages/assistant-email \
        -e packages/assistant-github -e packages/assistant-gemini -e .
fi
echo "reference ready: make bench REFERENCE=$dir"
