#!/usr/bin/env bash
# Maintainer command: move both lock files to the newest releases pyproject.toml allows,
# then install them and run the whole suite. Commit the two files only if it passes.
# Usage: bash scripts/refresh_lock.sh [--lock-only | pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/use_venv.sh
command -v uv >/dev/null || python -m pip install --quiet --require-hashes --no-deps -r requirements-test.txt
export UV_CUSTOM_COMPILE_COMMAND="bash scripts/refresh_lock.sh"  # the header names this script
compile=(uv pip compile pyproject.toml --upgrade --generate-hashes --universal --python-version 3.11 --quiet)
"${compile[@]}" -o requirements.txt
"${compile[@]}" --extra test -o requirements-test.txt
git --no-pager diff --stat -- requirements.txt requirements-test.txt 2>/dev/null || true
[ "${1:-}" = --lock-only ] || bash tests/run.sh "$@"
