#!/usr/bin/env bash
# Benchmark: grade N seeded accounts (solved labs) through a loopback proxy that adds 100 ms to
# every request, with --jobs 1 and --jobs 16 (or the job counts given), and report the
# emulator's own CPU time per run.
# Usage: scripts/bench-grade.sh [ACCOUNTS] [DELAY_MS] [JOBS...]
#   e.g. scripts/bench-grade.sh 300 100 16   (300 accounts, only --jobs 16: --jobs 1 takes long)
# SEED_JOBS (default 4) accounts are seeded at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
DELAY=${2:-100}
shift $(( $# > 2 ? 2 : $# ))
JOBS_LIST=("$@")
[ ${#JOBS_LIST[@]} -gt 0 ] || JOBS_LIST=(1 16)
SEED_JOBS=${SEED_JOBS:-4}
case "$N$DELAY$SEED_JOBS${JOBS_LIST[*]}" in *[!0-9\ ]*) echo "usage: $0 [ACCOUNTS] [DELAY_MS] [JOBS...]" >&2; exit 2;; esac
[ "$N" -ge 1 ] && [ "$N" -le 99999999999 ] || { echo "ACCOUNTS must be 1 or more" >&2; exit 2; }

cargo build --release --locked --quiet
source scripts/bench/class.sh

cpu() { awk '{print $14 + $15}' "/proc/$MOTO/stat"; }
TICKS=$(getconf CLK_TCK)
for JOBS in "${JOBS_LIST[@]}"; do
  C0=$(cpu); T0=$(date +%s.%N)
  ./target/release/awslab grade --roster "$ROSTER" --jobs "$JOBS" --format csv \
    --endpoint-url "http://127.0.0.1:$PROXY_PORT" > "/tmp/awslab-bench-grade-$JOBS.csv"
  T1=$(date +%s.%N); C1=$(cpu)
  PASSED=$(grep -c ',100,100,pass,' "/tmp/awslab-bench-grade-$JOBS.csv" || true)
  .venv/bin/python -c "print(f'--jobs $JOBS: {($T1-$T0):7.2f} s wall, emulator CPU {($C1-$C0)/$TICKS:6.2f} s, $PASSED/$N accounts graded 100')"
done
