#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run the whole suite.
# Usage: bash tests/run.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Load tests drive wrk, a browser test drives Chromium: Debian packages.
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
python3 -m pytest "$@"
