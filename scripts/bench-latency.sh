#!/usr/bin/env bash
# Benchmark: detection latency in the sandbox, from the moment the simulated record is stored in
# the ENI's log stream until the wizard reports it, at the default poll interval. Each run is
# `awslab --sandbox run --auto` in its own private sandbox. Usage: scripts/bench-latency.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
source scripts/moto-venv.sh
cargo build --release --locked --quiet
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
for i in $(seq "$RUNS"); do
  AWSLAB_CACHE_DIR="$CACHE" AWSLAB_MOTO_SERVER="$PWD/.venv/bin/moto_server" AWSLAB_REPORT_LATENCY=1 \
    ./target/release/awslab --sandbox run --auto --lang en 2>&1 >/dev/null </dev/null \
    | sed -n 's/.*record detected \([0-9-]*\) ms.*/\1/p'
done | python3 -c '
import statistics, sys
ms = [int(l) for l in sys.stdin if l.strip()]
if not ms:
    sys.exit("no latency measured")
print(f"detection latency: median {statistics.median(ms)} ms, max {max(ms)} ms over {len(ms)} runs (target < 2000 ms)")'
