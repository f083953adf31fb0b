#!/usr/bin/env bash
# Fuzzes the parsers with cargo fuzz (libFuzzer): the flow record parser, the IAM policy
# parser/evaluator, and the lesson loader. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Crashing inputs land in fuzz/artifacts/<target>/; keep them as regression tests.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(flow_record iam_policy lesson)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo fuzz needs nightly features; the stable toolchain allows them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
for t in "${TARGETS[@]}"; do
  features=()
  [ "$t" = lesson ] && features=(--features lesson)
  echo "== $t: ${SECONDS_PER_TARGET}s" >&2
  cargo fuzz run "${features[@]}" "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 2>&1 | tail -n 5
done
