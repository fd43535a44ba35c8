#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run the whole suite.
# Usage: bash tests/run.sh [pytest args...]
# Idempotent: on a machine that has it all, the installs below are quick checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# System tools for the browser tests: Debian's Chromium (never Playwright's own download),
# Java for the Nu HTML checker, Node for the npm tools.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v npm >/dev/null || missing+=(nodejs npm)
command -v wrk >/dev/null || missing+=(wrk)  # load tests
command -v shellcheck >/dev/null || missing+=(shellcheck)  # actionlint checks the workflow's run: scripts
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "installing ${missing[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: ${missing[*]} missing and no root apt-get here: the browser tests will be skipped" >&2
    fi
fi

# npm tools (vnu-jar, axe-core, lighthouse) from the lock file, reinstalled when it changes.
# --ignore-scripts: none of them needs one, and vnu-jar's would download a Java runtime.
if command -v npm >/dev/null; then
    lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ "$(cat node_modules/.flatfolio-lock 2>/dev/null)" != "$lock_hash" ]; then
        npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
        echo "$lock_hash" >node_modules/.flatfolio-lock
    fi
fi

# Python packages: exactly the lock's versions (hash-checked), into the active virtualenv or .venv,
# reinstalled when the lock changes; the stamp lives in the environment, so a new one installs afresh.
. scripts/use_venv.sh
stamp="$VIRTUAL_ENV/.flatfolio-test-deps"
deps_hash=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$deps_hash" ]; then
    python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-test.txt
    echo "$deps_hash" >"$stamp"
fi
python -m pytest "$@"
