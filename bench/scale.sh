#!/usr/bin/env bash
# GetSecretValue and ListSecrets at scale: a dev server whose store holds COUNT secrets (bulk-loaded by the
# `populate` example), measured against the same server with one secret.
#   bench/scale.sh          # COUNT=1000000; prints JSON lines, appends them to bench/results/scale-<date>.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/bench"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${BENCH_VENV:-$HOME/.cache/strongroom-bench-venv}"
COUNT=${COUNT:-1000000}; DUR=${DUR:-10}
out="$root/bench/results/scale-$(date -u +%Y%m%d).jsonl"
mkdir -p "$root/bench/results"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check boto3
cargo build --release --locked -p strongroom-server --bin strongroom --example populate
bin="$CARGO_TARGET_DIR/release/strongroom"
work=$(mktemp -d)
cleanup() { kill "${sr_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

measure() { # $1 = label
  "$bin" dev --listen 127.0.0.1:4596 --data-dir "$work/d" > "$work/env" 2>> "$work/log" &
  sr_pid=$!
  for _ in $(seq 1 100); do [ "$(wc -l < "$work/env")" -ge 4 ] && break; sleep 0.2; done
  # shellcheck disable=SC1090
  . "$work/env"
  export SM_ENDPOINT=$AWS_ENDPOINT_URL PY="$venv/bin/python"
  (cd "$shared" && "$PY" setup_secret.py perf/bench-secret > /dev/null)
  "$PY" - "$1" <<'PY' | tee -a "$out"
import json, os, sys, time
sys.path.insert(0, os.environ["SHARED"])
from common import client
sm = client()
lat = []
for _ in range(50):
    t = time.perf_counter(); sm.list_secrets(MaxResults=100); lat.append((time.perf_counter() - t) * 1000)
lat.sort()
print(json.dumps({"label": sys.argv[1], "kind": "list_secrets_first_page", "p50_ms": round(lat[25], 2), "p90_ms": round(lat[45], 2)}))
PY
  (cd "$shared" && SERVER_PID=$sr_pid LABEL="$1" PRESIGN=1 REPS=3 DUR=$DUR SKIP_BOTO3=1 OUT="$out" ./run_gsv_suite.sh)
  kill "$sr_pid"; wait "$sr_pid" 2>/dev/null || true
}

export SHARED="$shared"
measure one-secret
"$CARGO_TARGET_DIR/release/examples/populate" "$work/d" "$COUNT"
measure "secrets-$COUNT"
