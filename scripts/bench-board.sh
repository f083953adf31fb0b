#!/usr/bin/env bash
# Benchmark: `grade --watch` (the live board) over N seeded accounts (solved labs) behind a
# loopback proxy that adds DELAY ms to every request, --jobs JOBS, rounds back to back
# (--every 1), for ROUNDS rounds: the time of each full round (target: 10 s at 100 accounts,
# 100 ms, --jobs 16) and awslab's resident memory after round 10 and after the last (memory
# must stay flat: only the latest round is kept whole), with its peak.
# Usage: scripts/bench-board.sh [ACCOUNTS] [DELAY_MS] [JOBS] [ROUNDS]
#   e.g. scripts/bench-board.sh 100 100 16 200
# AWSLAB=path/to/awslab measures that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
DELAY=${2:-100}
JOBS=${3:-16}
ROUNDS=${4:-200}
SEED_JOBS=${SEED_JOBS:-4}
case "$N$DELAY$JOBS$ROUNDS$SEED_JOBS" in *[!0-9]*) echo "usage: $0 [ACCOUNTS] [DELAY_MS] [JOBS] [ROUNDS]" >&2; exit 2;; esac
[ "$N" -ge 1 ] && [ "$ROUNDS" -ge 10 ] || { echo "ACCOUNTS must be 1 or more and ROUNDS 10 or more" >&2; exit 2; }

if [ -z "${AWSLAB:-}" ]; then
  cargo build --release --locked --quiet
  AWSLAB=./target/release/awslab
fi
source scripts/bench/class.sh

LOG=$(mktemp)
LANG=C "$AWSLAB" --lang en grade --watch --every 1 --jobs "$JOBS" --roster "$ROSTER" \
  --format csv --endpoint-url "http://127.0.0.1:$PROXY_PORT" 2> "$LOG" > /dev/null &
WATCH=$!
trap 'kill $WATCH $MOTO $PROXY 2>/dev/null' EXIT
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$WATCH/status"; }
rounds() { grep -c '^Round [0-9]*:' "$LOG" || true; }
RSS10=""
while kill -0 "$WATCH" 2>/dev/null; do
  DONE=$(rounds)
  if [ -z "$RSS10" ] && [ "$DONE" -ge 10 ]; then RSS10=$(rss VmRSS); fi
  if [ "$DONE" -ge "$ROUNDS" ]; then break; fi
  sleep 0.5
done
kill -0 "$WATCH" 2>/dev/null || { echo "awslab stopped early:" >&2; cat "$LOG" >&2; exit 1; }
RSS_LAST=$(rss VmRSS); PEAK=$(rss VmHWM)
kill -INT "$WATCH"
wait "$WATCH" || true
grep '^Round [0-9]*:' "$LOG" | sed -E 's/^Round ([0-9]+): ([0-9]+) of ([0-9]+) accounts read in ([0-9.]+) s\./\1 \2 \3 \4/' \
  | .venv/bin/python -c "
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
t = [float(r[3]) for r in rows]
read = min(int(r[1]) for r in rows)
print(f'{len(rows)} rounds of $N accounts, {$DELAY} ms added per request, --jobs $JOBS')
print(f'round time: median {statistics.median(t):.2f} s, min {min(t):.2f} s, max {max(t):.2f} s (target 10 s)')
print(f'fewest accounts read in a round: {read} of $N')
print('RSS after round 10: $RSS10 kB; after the last: $RSS_LAST kB; peak (VmHWM): $PEAK kB')
"
