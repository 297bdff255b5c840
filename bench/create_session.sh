#!/usr/bin/env bash
# CreateSession under load: wrk replaying requests signed by the PyPI client iam-rolesanywhere-session (a P-256
# and an RSA-2048 leaf under one intermediate) against a release `strongroom dev` on SQLite; server CPU per
# request from /proc. Every request does the whole path: AWS4-X509 verification, path validation with the
# anchor's CRLs, the trust policy, minting and sealing the session.
#   bench/create_session.sh     # REPS=3 DUR=10 by default; results in bench/results/create-session-<date>.jsonl
# Needs: wrk (apt-get install wrk). Installs boto3 and iam-rolesanywhere-session into a venv under ~/.cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/bench"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${BENCH_VENV:-$HOME/.cache/strongroom-bench-venv}"
REPS=${REPS:-3}; DUR=${DUR:-10}; CONNS=${CONNS:-16}
out="$root/bench/results/create-session-$(date -u +%Y%m%d).jsonl"
mkdir -p "$root/bench/results"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check boto3 'iam-rolesanywhere-session>=3'
# SKIP_BUILD=1 uses the release binary that is there (or SERVER_BIN).
SERVER_BIN=${SERVER_BIN:-$CARGO_TARGET_DIR/release/strongroom}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --locked -p strongroom-server --bin strongroom

work=$(mktemp -d)
cleanup() { kill "${sr_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$SERVER_BIN" dev --listen 127.0.0.1:4598 --data-dir "$work/sr" > "$work/sr.env" 2> "$work/sr.log" &
sr_pid=$!
for _ in $(seq 1 50); do [ "$(wc -l < "$work/sr.env")" -ge 4 ] && break; sleep 0.2; done
# shellcheck disable=SC1090
. "$work/sr.env"

cpu() { "$venv/bin/python" "$shared/proc_stat.py" "$sr_pid"; }
"$venv/bin/python" bench/create_session_setup.py setup "$work"
for rep in $(seq 1 "$REPS"); do
  for leaf in p256 rsa2048; do
    # Signatures carry X-Amz-Date: re-sign before each run, well within the 5-minute window.
    "$venv/bin/python" bench/create_session_setup.py sign "$work"
    b=$(cpu)
    j=$(WRK_REQ_FILE="$work/create_session_$leaf.txt" wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 10s \
          -s bench/create_session.lua "$AWS_ENDPOINT_URL" | grep '^WRKJSON' | cut -d' ' -f2-)
    a=$(cpu)
    "$venv/bin/python" - "$j" "$b" "$a" "$leaf" "$rep" <<'PY' | tee -a "$out"
import json, sys
j = json.loads(sys.argv[1]); b = sys.argv[2].split(); a = sys.argv[3].split()
j.update(kind=f"create_session_{sys.argv[4]}_c16", label="strongroom", rep=int(sys.argv[5]))
cpu = float(a[0]) - float(b[0])
j["server_cpu_us_per_req"] = round(cpu / j["requests"] * 1e6, 1) if j["requests"] else None
print(json.dumps(j))
PY
  done
done
