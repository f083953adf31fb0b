#!/usr/bin/env bash
# Benchmark: start-up of the release binary (`awslab --help`, `awslab lessons`): median wall
# time over RUNS and peak memory (max RSS), and the binary's size. Usage: scripts/bench-startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
cargo build --release --locked --quiet
BIN=./target/release/awslab
for args in "--help" "lessons"; do
  python3 - "$RUNS" "$BIN" $args <<'PY'
import resource, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"awslab {' '.join(cmd[1:]):8} median {statistics.median(times)*1000:6.1f} ms, peak RSS {rss/1024:5.1f} MiB ({runs} runs)")
PY
done
echo "release binary: $(du -h "$BIN" | cut -f1) ($(stat -c %s "$BIN") bytes)"
