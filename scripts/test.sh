#!/usr/bin/env bash
# The project's test command: installs the moto emulator (pinned, into .venv) when it is not
# there yet, then runs every test against it on loopback. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-venv.sh
export AWSLAB_MOTO_SERVER="$PWD/.venv/bin/moto_server"

cargo test --locked "$@"
