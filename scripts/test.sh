#!/usr/bin/env bash
# The project's test command: installs the moto emulator (pinned, into .venv) when it is not
# there yet, then runs every test against it on loopback. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.1
if ! .venv/bin/python -c "import sys, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "test.sh: installing moto[server]==$MOTO_VERSION into .venv (first run only)" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
export AWSLAB_MOTO_SERVER="$PWD/.venv/bin/moto_server"

cargo test --locked "$@"
