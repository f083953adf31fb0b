#!/usr/bin/env bash
# Starts the pinned moto server on a free loopback port for a benchmark script and waits until
# it answers; sets EP (its endpoint) and MOTO (its pid), and stops it when the script exits.
# Sourced after scripts/moto-venv.sh, from the project root.
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null' EXIT
EP="http://127.0.0.1:$PORT"
for _ in $(seq 100); do .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$EP/moto-api/')" 2>/dev/null && break; sleep 0.2; done
