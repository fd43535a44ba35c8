# Sourced by tests/run.sh and scripts/refresh_lock.sh: use the active virtualenv, else .venv
# in the repo (made when missing), so nothing is ever installed into the system Python.
if [ -z "${VIRTUAL_ENV:-}" ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    # shellcheck disable=SC1091
    . .venv/bin/activate
fi
