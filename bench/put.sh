#!/usr/bin/env bash
# PutSecretValue throughput on SQLite with durable commits, Strongroom and moto side by side in one run.
# Two load generators:
#  - boto3: PROCS closed-loop writers at once, each over its own 200 secrets (AWS keeps versions younger than a
#    day, so one secret takes at most ~100 writes a day). boto3 spends ~0.8 ms of client CPU per call, so on
#    2 cores the clients, not the server, are the limit: this row measures compatibility more than speed.
#  - put_load (examples/put_load.rs): CONNS requests in flight, signed with our SigV4 signer, over SECRETS
#    secrets; it measures the server.
#   bench/put.sh      # PROCS=6 CONNS=32 SECRETS=400 DUR=10; results in bench/results/put-<date>.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/bench"
export SHARED="$shared"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${BENCH_VENV:-$HOME/.cache/strongroom-bench-venv}"
PROCS=${PROCS:-6}; DUR=${DUR:-10}; CONNS=${CONNS:-32}; SECRETS=${SECRETS:-400}
out="$root/bench/results/put-$(date -u +%Y%m%d).jsonl"
mkdir -p "$root/bench/results"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' boto3
cargo build --release --locked -p strongroom-server --bin strongroom --example put_load
work=$(mktemp -d)
cleanup() { kill "${sr_pid:-}" "${moto_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

run() { # $1 = label
  local pids=() i
  for i in $(seq 1 "$PROCS"); do
    (cd "$shared" && "$venv/bin/python" write_bench.py put --secret "perf/put-$1-$i" --nsecrets 200 --duration "$DUR" --max-ops 200000 > "$work/$1-$i.json") &
    pids+=($!)
  done
  wait "${pids[@]}"
  "$venv/bin/python" - "$1" "$PROCS" "$work" <<'PY' | tee -a "$out"
import json, sys, glob
label, procs, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(open(f).read().strip().splitlines()[-1]) for f in sorted(glob.glob(f"{work}/{label}-*.json"))]
total = sum(r["ops_per_s"] for r in rows)
p99 = max(r["p99_ms"] for r in rows)
print(json.dumps({"label": label, "kind": "put_secret_value", "procs": procs, "ops_per_s": round(total, 1),
                  "errors": sum(r["errors"] for r in rows), "worst_p99_ms": p99}))
PY
}

"$CARGO_TARGET_DIR/release/strongroom" dev --listen 127.0.0.1:4597 --data-dir "$work/sr" > "$work/sr.env" 2> "$work/sr.log" &
sr_pid=$!
for _ in $(seq 1 50); do [ "$(wc -l < "$work/sr.env")" -ge 4 ] && break; sleep 0.2; done
# shellcheck disable=SC1090
. "$work/sr.env"
export SM_ENDPOINT=$AWS_ENDPOINT_URL
run strongroom
"$venv/bin/python" - "$SECRETS" <<'PY'
import os, sys
sys.path.insert(0, os.environ["SHARED"])
from common import client
sm = client()
for i in range(int(sys.argv[1])):
    sm.create_secret(Name=f"perf/load-{i}", SecretString="initial")
PY
cpu0=$("$venv/bin/python" "$shared/proc_stat.py" "$sr_pid")
line=$("$CARGO_TARGET_DIR/release/examples/put_load" "$AWS_ENDPOINT_URL" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" perf/load "$SECRETS" "$CONNS" "$DUR")
cpu1=$("$venv/bin/python" "$shared/proc_stat.py" "$sr_pid")
"$venv/bin/python" - "$line" "$cpu0" "$cpu1" <<'PY' | tee -a "$out"
import json, sys
row = json.loads(sys.argv[1]); before = sys.argv[2].split(); after = sys.argv[3].split()
row.update({"label": "strongroom", "kind": "put_secret_value_put_load",
            "server_cpu_us_per_req": round((float(after[0]) - float(before[0])) / max(row["ops"], 1) * 1e6, 1)})
print(json.dumps(row))
PY
kill "$sr_pid"

"$venv/bin/moto_server" -H 127.0.0.1 -p 5056 > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:5056/ && break; sleep 0.2; done
export SM_ENDPOINT=http://127.0.0.1:5056 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
run moto
