#!/usr/bin/env bash
# The project's test command: installs the moto emulator (pinned, into .venv) and the AWS CLI
# (pinned, into .venv-awscli) and headless Chromium with a Korean font (scripts/chromium.sh) when
# they are not there yet, then runs every test against the emulator on loopback. Extra arguments
# go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-venv.sh
export AWSLAB_MOTO_SERVER="$PWD/.venv/bin/moto_server"
source scripts/awscli-venv.sh
export AWSLAB_AWS_CLI="$PWD/.venv-awscli/bin/aws"
source scripts/chromium.sh

# Three at a time on two cores: the integration tests mostly wait on the emulator, the sandbox and
# the browser (255 tests: 781 s at two, 583 s at three, green both ways on this 2-core machine).
export RUST_TEST_THREADS=${RUST_TEST_THREADS:-3}
cargo test --locked "$@"
