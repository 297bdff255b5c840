#!/usr/bin/env bash
# Rotation at scale: N secrets (default 10000) due at the same moment, all rotated by the built-in
# random-password rotator, while wrk measures GetSecretValue throughput (baseline before the burst, and
# during it). Target: every secret rotated within its window (1 h for rate(4 hours)), GSV throughput down
# by less than 25 %.
#   bench/rotation.sh                          # release build, N=10000; appends to bench/results/rotation-<date>.jsonl
#   SKIP_BUILD=1 SERVER_BIN=path/to/strongroom N=200 bench/rotation.sh    # an existing binary (e.g. debug)
# Knobs: N, THREADS (setup parallelism, 8), DUR (baseline wrk seconds, 10), SLICE (wrk seconds per slice
# during the burst, 5), POLL (seconds between ListSecrets passes, 5), PORT (4597), DUE_MODE:
#   store (default)  RotateSecret with rate(4 hours) and RotateImmediately=false through the API, then, with
#                    the server stopped, every job's due time and NextRotationDate set to one instant T a few
#                    seconds after the restart (sqlite3 on the dev store): "due in the same minute" without
#                    waiting hours for a real window.
#   cron             cron(0 H * * ? *) for the next full hour UTC, through the API only (AWS cron rotation
#                    windows open on the hour), then wait for that hour: up to 60 minutes.
# Needs: wrk, sqlite3 (store mode), the shared harness (../shared/bench). Installs boto3 into a venv under ~/.cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="${SHARED:-$root/../shared/bench}"
export SHARED="$shared"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${BENCH_VENV:-$HOME/.cache/strongroom-bench-venv}"
N=${N:-10000}; THREADS=${THREADS:-8}; DUR=${DUR:-10}; SLICE=${SLICE:-5}; POLL=${POLL:-5}; PORT=${PORT:-4597}
DUE_MODE=${DUE_MODE:-store}
out="$root/bench/results/rotation-$(date -u +%Y%m%d).jsonl"
mkdir -p "$root/bench/results"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check boto3
export PY="$venv/bin/python"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked -p strongroom-server --bin strongroom
fi
bin="${SERVER_BIN:-$CARGO_TARGET_DIR/release/strongroom}"
[ -x "$bin" ] || { echo "no server binary at $bin" >&2; exit 1; }
case "$bin" in */debug/*) build=debug ;; *) build=release ;; esac

work=$(mktemp -d)
cleanup() {
  [ -n "${poll_pid:-}" ] && kill "$poll_pid" 2>/dev/null || true
  [ -n "${sr_pid:-}" ] && kill "$sr_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  : > "$work/env"
  "$bin" dev --listen "127.0.0.1:$PORT" --data-dir "$work/d" > "$work/env" 2>> "$work/log" &
  sr_pid=$!
  for _ in $(seq 1 150); do [ "$(wc -l < "$work/env")" -ge 4 ] && break; sleep 0.2; done
  [ "$(wc -l < "$work/env")" -ge 4 ] || { echo "the server did not start:" >&2; tail -20 "$work/log" >&2; exit 1; }
  # shellcheck disable=SC1091
  . "$work/env"
  export SM_ENDPOINT=$AWS_ENDPOINT_URL AWS_DEFAULT_REGION=$AWS_REGION
}
stop_server() { kill "$sr_pid"; wait "$sr_pid" 2>/dev/null || true; sr_pid=; }
now() { date +%s.%N; }
cpu() { "$PY" "$shared/proc_stat.py" "$sr_pid" | cut -d' ' -f1; }
wrk_run() { # $1 = seconds; prints wrk's JSON line
  (cd "$shared" && "$PY" presign_request.py --secret perf/bench-secret --out "$work/req" > /dev/null)
  WRK_REQ_FILE="$work/req" wrk -t2 -c16 -d"$1s" --timeout 10s -s "$shared/gsv.lua" "$SM_ENDPOINT/" \
    | grep '^WRKJSON' | cut -d' ' -f2-
}

start_server
role=$("$PY" - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["SHARED"])
from common import client
iam = client("iam")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "secretsmanager.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
arn = iam.create_role(RoleName="bench-rotator", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="bench-rotator", PolicyName="all", PolicyDocument=json.dumps(allow))
print(arn)
PY
)
function_arn=$("$bin" function register --name bench-passwords --rotator random-password --role "$role" \
  | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["Function"]["FunctionArn"])')
(cd "$shared" && "$PY" setup_secret.py perf/bench-secret > /dev/null)

if [ "$DUE_MODE" = cron ]; then
  due=$(( ($(date +%s) / 3600 + 1) * 3600 ))
  schedule="cron(0 $(date -u -d "@$due" +%-H) * * ? *)"
else
  schedule="rate(4 hours)"
fi
setup_started=$(now)
"$PY" "$root/bench/rotation_bench.py" setup --count "$N" --threads "$THREADS" \
  --function-arn "$function_arn" --schedule "$schedule" | tee "$work/setup.json" >&2
setup_s=$("$PY" -c "print(round($(now) - $setup_started, 1))")

if [ "$DUE_MODE" = cron ]; then
  if [ "$(date +%s)" -gt $(( due - DUR - 5 )) ]; then
    echo "setup ran into the hour the rotations are due at; run again" >&2; exit 1
  fi
else
  stop_server
  # The due instant: after the restart and the baseline measurement.
  due=$(( $(date +%s) + DUR + 20 ))
  changed=$(sqlite3 "$work/d/strongroom.db" <<SQL
UPDATE rotation_jobs SET due_at_ms = ${due}000
  WHERE secret_arn IN (SELECT arn FROM secrets WHERE name LIKE 'bench/rot/%') AND token IS NULL;
SELECT changes();
UPDATE secrets SET rotation = json_set(rotation, '\$.next_rotation_at', ${due}000)
  WHERE name LIKE 'bench/rot/%' AND rotation IS NOT NULL;
SELECT changes();
SQL
)
  if [ "$(echo "$changed" | tr '\n' ' ')" != "$N $N " ]; then
    echo "expected $N scheduled jobs and secrets, changed: $changed" >&2; exit 1
  fi
  start_server
fi

echo "baseline GetSecretValue for ${DUR}s; $N rotations due at $(date -u -d "@$due" +%H:%M:%S)" >&2
# The observer (a ListSecrets pass over all N secrets every POLL seconds, as during the burst; boto3 parsing them
# shares these two vCPUs) runs during the baseline too, so that the drop measures the rotations, not the observer.
"$PY" "$root/bench/rotation_bench.py" poll --count "$N" --since 99999999999 --interval "$POLL" --timeout "$DUR" \
  > /dev/null 2>&1 &
observer_pid=$!
baseline=$(wrk_run "$DUR")
kill "$observer_pid" 2>/dev/null || true
wait "$observer_pid" 2>/dev/null || true
echo "$baseline" >&2
wait_s=$(( due - $(date +%s) ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"

cpu_before=$(cpu)
"$PY" "$root/bench/rotation_bench.py" poll --count "$N" --since "$due" --interval "$POLL" > "$work/poll.json" &
poll_pid=$!
: > "$work/slices"
while kill -0 "$poll_pid" 2>/dev/null; do
  started=$(now)
  slice=$(wrk_run "$SLICE")
  echo "{\"started\": $started, \"wrk\": $slice}" >> "$work/slices"
  echo "during the burst: $slice" >&2
done
poll_status=0
wait "$poll_pid" || poll_status=$?
poll_pid=
cpu_after=$(cpu)
cat "$work/poll.json" >&2

"$PY" - "$work/setup.json" "$work/poll.json" "$work/slices" <<PY | tee -a "$out"
import json, sys, datetime
setup = json.load(open(sys.argv[1]))
poll = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
slices = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
baseline = json.loads('''$baseline''')
due = $due
last = poll["last_rotated_at"]
# The slices that started before the last rotation finished are "during the burst".
during = [s["wrk"] for s in slices if last is None or s["started"] < last] or [s["wrk"] for s in slices[:1]]
requests = sum(s["requests"] for s in during)
seconds = sum(s["duration_s"] for s in during)
during_rps = requests / seconds if seconds else None
drop = (1 - during_rps / baseline["rps"]) * 100 if during_rps and baseline["rps"] else None
window_s = 3600
all_s = (last - due) if last is not None else None
print(json.dumps({
    "kind": "rotation_at_scale", "build": "$build", "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "secrets": $N, "due_mode": "$DUE_MODE", "schedule": "$schedule",
    "due_at": datetime.datetime.utcfromtimestamp(due).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "setup_s": $setup_s, "setup_calls_per_s": setup["calls_per_s"],
    "rotated": poll["rotated"], "sample_unchanged": poll["sample_unchanged"],
    "first_rotated_after_s": round(poll["first_rotated_at"] - due, 2) if poll["first_rotated_at"] else None,
    "all_rotated_after_s": round(all_s, 2) if all_s is not None else None,
    "rotations_per_s": round(poll["rotated"] / all_s, 1) if all_s else None,
    "window_s": window_s,
    "all_rotated_within_window": poll["rotated"] == $N and all_s is not None and all_s <= window_s,
    "gsv_baseline_rps": baseline["rps"], "gsv_during_rps": round(during_rps, 1) if during_rps else None,
    "gsv_during_p99_ms": max(s["lat_p99_ms"] for s in during) if during else None,
    "gsv_during_non2xx": sum(s["non2xx"] + s["errors"] for s in during),
    "gsv_drop_pct": round(drop, 1) if drop is not None else None,
    "gsv_drop_under_25pct": drop is not None and drop < 25,
    "during_slices": len(during), "slice_s": $SLICE,
    "server_cpu_s_burst": round(float("$cpu_after") - float("$cpu_before"), 2),
}))
PY
exit "$poll_status"
