# Sourced by the class benchmarks (bench-grade.sh, bench-board.sh): starts moto and a loopback
# proxy that adds DELAY ms to every request, and seeds N solved accounts, SEED_JOBS at a time.
# Sets MOTO (moto's pid), MOTO_PORT, PROXY_PORT and ROSTER; both stop when the script exits.
source scripts/moto-venv.sh

port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(port); PROXY_PORT=$(port)
.venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 &
MOTO=$!
.venv/bin/python scripts/bench/latency_proxy.py "$PROXY_PORT" "$MOTO_PORT" "$DELAY" &
PROXY=$!
trap 'kill $MOTO $PROXY 2>/dev/null' EXIT
for _ in $(seq 100); do .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/')" 2>/dev/null && break; sleep 0.2; done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-northeast-2
ROSTER=$(mktemp)
echo "student,account_id" > "$ROSTER"
echo "seeding $N solved accounts, $SEED_JOBS at a time..." >&2
for i in $(seq 1 "$N"); do
  echo "student$i,$(printf '5%011d' "$i")" >> "$ROSTER"
done
T0=$(date +%s)
tail -n +2 "$ROSTER" | cut -d, -f2 | xargs -P "$SEED_JOBS" -I{} \
  .venv/bin/python scripts/bench/seed_solved.py "http://127.0.0.1:$MOTO_PORT" {} >/dev/null
echo "seeded in $(( $(date +%s) - T0 )) s" >&2
