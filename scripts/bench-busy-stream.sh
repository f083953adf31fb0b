#!/usr/bin/env bash
# Benchmark: `awslab verify` of a solved lab whose ENI stream is busy, as a public instance's is
# (internet scanners): N older records, the student's access record last. The verdict must be
# pass, and the target is under 2 s against the emulator. Prints the median wall time.
# Usage: scripts/bench-busy-stream.sh [RECORDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
RUNS=${2:-5}

source scripts/moto-venv.sh
cargo build --release --locked --quiet

source scripts/moto-server.sh

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-northeast-2 AWS_DEFAULT_REGION=ap-northeast-2
echo "seeding $RECORDS scanner records before the student's..." >&2
BUSY=$RECORDS .venv/bin/python scripts/bench/seed_solved.py "$EP" >/dev/null

.venv/bin/python - "$RUNS" "$EP" <<'PY'
import json, statistics, subprocess, sys, time
runs, ep = int(sys.argv[1]), sys.argv[2]
cmd = ["./target/release/awslab", "verify", "--endpoint-url", ep, "--format", "json"]
times = []
for _ in range(runs):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=False, capture_output=True, text=True)
    times.append(time.perf_counter() - t)
    verdict = json.loads(out.stdout)
    record = next(c for s in verdict["steps"] for c in s["checks"] if c["id"] == "traffic.record")
    if record["status"] != "pass":
        sys.exit(f"the student's record was not found: {record}")
m = statistics.median(times)
print(f"busy stream: verdict pass, median {m*1000:.0f} ms (min {min(times)*1000:.0f}, max {max(times)*1000:.0f}, {runs} runs; target < 2000 ms)")
PY
