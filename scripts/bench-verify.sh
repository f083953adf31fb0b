#!/usr/bin/env bash
# Benchmark: a full `awslab verify` of a solved lab, as a whole process, against the same read
# calls scripted with the AWS CLI and with one boto3 process, all against a local moto server.
# Prints the median wall time of each and the ratios. Usage: scripts/bench-verify.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}

source scripts/moto-venv.sh
[ -x .venv/bin/aws ] || .venv/bin/pip install --quiet --disable-pip-version-check awscli
cargo build --release --locked --quiet

source scripts/moto-server.sh

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-northeast-2 AWS_DEFAULT_REGION=ap-northeast-2
.venv/bin/python scripts/bench/seed_solved.py "$EP" >/dev/null
./target/release/awslab verify --endpoint-url "$EP" --format json >/dev/null || { echo "the seeded lab does not pass" >&2; exit 1; }

PATH="$PWD/.venv/bin:$PATH" .venv/bin/python - "$RUNS" "$EP" <<'PY'
import statistics, subprocess, sys, time
runs, ep = int(sys.argv[1]), sys.argv[2]
cases = {
    "awslab verify": ["./target/release/awslab", "verify", "--endpoint-url", ep, "--format", "json"],
    "AWS CLI script": ["bash", "scripts/bench/verify_cli.sh", ep],
    "boto3 script": [".venv/bin/python", "scripts/bench/verify_boto3.py", ep],
}
medians = {}
for name, cmd in cases.items():
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    medians[name] = statistics.median(times)
    print(f"{name:16} median {medians[name]*1000:9.1f} ms  (min {min(times)*1000:.1f}, max {max(times)*1000:.1f}, {runs} runs)")
a = medians["awslab verify"]
print(f"awslab is {medians['AWS CLI script']/a:.1f}x faster than the AWS CLI script (target 100x)")
print(f"awslab is {medians['boto3 script']/a:.1f}x faster than the boto3 script (target 10x)")
PY
