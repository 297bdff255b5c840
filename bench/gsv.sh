#!/usr/bin/env bash
# GetSecretValue under load, Strongroom and moto side by side in one run, with the shared harness
# (../shared/bench): wrk replaying a really SigV4-signed request, server CPU per request from /proc.
#   bench/gsv.sh            # REPS=3 DUR=10 by default; results in bench/results/gsv-<date>.jsonl
#   PINNED=1 bench/gsv.sh   # per-core figures: servers on CPU 0, wrk -t1 -c16 on CPU 1 (the shared harness's
#                           # pinned shape), so that the load generator does not preempt the server
# Needs: wrk (apt-get install wrk). Installs moto[server] and boto3 into a venv under ~/.cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/bench"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${BENCH_VENV:-$HOME/.cache/strongroom-bench-venv}"
REPS=${REPS:-3}; DUR=${DUR:-10}
out="$root/bench/results/gsv-$(date -u +%Y%m%d).jsonl"
mkdir -p "$root/bench/results"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' boto3
# SKIP_BUILD=1 uses the release binary that is there (or SERVER_BIN); PEER=0 leaves moto out.
SERVER_BIN=${SERVER_BIN:-$CARGO_TARGET_DIR/release/strongroom}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --locked -p strongroom-server --bin strongroom

pin_server=""
if [ "${PINNED:-0}" = 1 ]; then
  pin_server="taskset -c 0"
  export CLIENT_CPUSET=1 WRK_THREADS=1 WRK_CONNS=16 SKIP_BOTO3=1
  LABEL_SUFFIX=_pinned
fi

work=$(mktemp -d)
cleanup() { kill "${sr_pid:-}" "${moto_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Strongroom, on SQLite, with real SigV4.
$pin_server "$SERVER_BIN" dev --listen 127.0.0.1:4599 --data-dir "$work/sr" > "$work/sr.env" 2> "$work/sr.log" &
sr_pid=$!
for _ in $(seq 1 50); do [ "$(wc -l < "$work/sr.env")" -ge 4 ] && break; sleep 0.2; done
# shellcheck disable=SC1090
. "$work/sr.env"
export SM_ENDPOINT=$AWS_ENDPOINT_URL PY="$venv/bin/python"
(cd "$shared" && "$PY" setup_secret.py perf/bench-secret >/dev/null)
(cd "$shared" && SERVER_PID=$sr_pid LABEL=strongroom${LABEL_SUFFIX:-} PRESIGN=1 REPS=$REPS DUR=$DUR OUT="$out" ./run_gsv_suite.sh)

# moto, the peer, in the same run.
[ "${PEER:-1}" = 1 ] || exit 0
$pin_server "$venv/bin/moto_server" -H 127.0.0.1 -p 5055 > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:5055/ && break; sleep 0.2; done
export SM_ENDPOINT=http://127.0.0.1:5055 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
(cd "$shared" && "$PY" setup_secret.py perf/bench-secret >/dev/null)
(cd "$shared" && SERVER_PID=$moto_pid LABEL=moto${LABEL_SUFFIX:-} PRESIGN=1 REPS=$REPS DUR=$DUR OUT="$out" ./run_gsv_suite.sh)

"$PY" "$shared/summarize.py" "$out"
