#!/usr/bin/env bash
# Benchmark: how soon a step done in the sandbox shows as done on the student's page. Starts a
# sandbox of its own and `awslab watch --web --no-browser`, keeps the page's event stream open,
# then RUNS times: creates the lab's policy with the AWS CLI (a separate process, as a student
# would) and times from the moment the CLI returned to the state on the stream that shows the
# step done; deletes it again and waits for the page to show that too. Prints the median and the
# maximum (target: within 3 s). Usage: scripts/bench-live.sh [RUNS]
# AWSLAB_BIN=target/debug/awslab measures a debug build instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}

source scripts/moto-venv.sh
source scripts/awscli-venv.sh
BIN=${AWSLAB_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release --locked --quiet
  BIN=target/release/awslab
fi

CACHE=$(mktemp -d)
export AWSLAB_CACHE_DIR="$CACHE" AWSLAB_MOTO_SERVER="$PWD/.venv/bin/moto_server"
WATCH_PID=
finish() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null || true
  "$BIN" sandbox down >/dev/null 2>&1 || true
  rm -rf "$CACHE"
}
trap finish EXIT

"$BIN" sandbox up --delay 1 --format json >/dev/null
"$BIN" lesson files --dir "$CACHE/lab" >/dev/null
"$BIN" --lang en watch --web --no-browser >"$CACHE/watch.out" 2>&1 &
WATCH_PID=$!

env -i PATH="$PWD/.venv-awscli/bin:/usr/bin:/bin" HOME="$CACHE" AWS_EC2_METADATA_DISABLED=true \
  AWSLAB_CACHE_DIR="$CACHE" \
  bash -c "eval \"\$('$BIN' sandbox env)\"; exec .venv/bin/python - '$RUNS' '$CACHE'" <<'PY'
import json, os, re, statistics, subprocess, sys, time, urllib.request
runs, cache = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 60
url = None
while url is None:
    m = re.search(r"http://127\.0\.0\.1:\d+/[0-9a-f]+/", open(f"{cache}/watch.out").read())
    if m:
        url = m.group(0)
    elif time.time() > deadline:
        sys.exit("awslab watch printed no page address:\n" + open(f"{cache}/watch.out").read())
    else:
        time.sleep(0.1)
# The stream is opened once: every state comes on it, as the page's script gets them.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
stream = opener.open(url + "events", timeout=60)

def until(done):
    """Reads states off the stream until the policy step's `done` is `done`; when it came."""
    data = ""
    for raw in stream:
        line = raw.decode("utf-8").rstrip("\n")
        if line.startswith("data: "):
            data = line[6:]
        elif line == "" and data:
            state, data = json.loads(data), ""
            step = next(s for s in state["steps"] if s["id"] == "policy")
            if step["status"] != "unknown" and step["done"] == done:
                return time.perf_counter()
    sys.exit("the event stream ended")

def aws(*args):
    subprocess.run(["aws", *args], check=True, stdout=subprocess.DEVNULL)

until(False)
account = json.loads(subprocess.run(["aws", "sts", "get-caller-identity"], check=True,
                                    capture_output=True).stdout)["Account"]
arn = f"arn:aws:iam::{account}:policy/my-flowpolicy"
# The policy exists at some moment while the CLI runs: timed from the CLI's start (an upper
# bound, the CLI's own start-up included) and from its return (a lower bound; 0 when the page
# showed it before the CLI had even ended).
started, returned = [], []
for i in range(runs):
    t0 = time.perf_counter()
    aws("iam", "create-policy", "--policy-name", "my-flowpolicy", "--policy-document",
        f"file://{cache}/lab/flow-policy.json")
    t1 = time.perf_counter()
    shown = until(True)
    started.append(shown - t0)
    returned.append(max(0.0, shown - t1))
    aws("iam", "delete-policy", "--policy-arn", arn)
    until(False)
    print(f"run {i + 1:2}: {started[-1]:.2f} s from the CLI's start, "
          f"{returned[-1]:.2f} s from its return", flush=True)
for name, times in (("the CLI's start", started), ("the CLI's return", returned)):
    print(f"step done -> shown done on the page, from {name}: median "
          f"{statistics.median(times):.2f} s, max {max(times):.2f} s over {runs} runs "
          f"(target: within 3 s)")
PY
