#!/usr/bin/env bash
# strongroom-agent cache hits under load: a release `strongroom dev` and `strongroom-agent`, one secret read
# once to warm the cache, then wrk with the SSRF token header at 16 connections.
#   bench/agent.sh            # REPS=3 DUR=10 THREADS=2 CONNS=16 by default; prints wrk's summary per run
# Needs: wrk (apt-get install -y wrk), curl, and a Python with boto3 (./scripts/test makes one).
# Target (issue 7): >= 50,000 req/s and p50 < 0.3 ms at 16 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/strongroom-target}"
venv="${STRONGROOM_VENV:-$HOME/.cache/strongroom-venv}"
REPS=${REPS:-3}; DUR=${DUR:-10}; THREADS=${THREADS:-2}; CONNS=${CONNS:-16}
PORT=${PORT:-2799}

# The server only answers the one warming miss, so SERVER_BIN may be a debug build; SKIP_BUILD=1 uses what is built.
SERVER_BIN=${SERVER_BIN:-$CARGO_TARGET_DIR/release/strongroom}
AGENT_BIN=${AGENT_BIN:-$CARGO_TARGET_DIR/release/strongroom-agent}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked -p strongroom-server --bin strongroom -p strongroom-agent --bin strongroom-agent
fi

work=$(mktemp -d)
cleanup() { kill "${agent_pid:-}" "${sr_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$SERVER_BIN" dev --listen 127.0.0.1:0 --data-dir "$work/sr" > "$work/sr.env" 2> "$work/sr.log" &
sr_pid=$!
for _ in $(seq 1 100); do [ "$(wc -l < "$work/sr.env")" -ge 4 ] && break; sleep 0.2; done
# shellcheck disable=SC1090
. "$work/sr.env"
export AWS_DEFAULT_REGION=$AWS_REGION
"$venv/bin/python" - <<'PY'
import os, boto3
sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
sm.create_secret(Name="bench/agent", SecretString='{"username":"app","password":"' + "p" * 32 + '"}')
PY

export AWS_TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat > "$work/agent.toml" <<TOML
http_port = $PORT
log_to_file = false
log_level = "WARN"
ttl_seconds = 3600
TOML
"$AGENT_BIN" --config "$work/agent.toml" > "$work/agent.out" 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/agent.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$PORT/secretsmanager/get?secretId=bench/agent"
curl -sf -H "X-Aws-Parameters-Secrets-Token: $AWS_TOKEN" "$url" > /dev/null   # warm the cache

cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
hz=$(getconf CLK_TCK)
echo "machine: $(nproc) vCPU, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$REPS"); do
  before=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -H "X-Aws-Parameters-Secrets-Token: $AWS_TOKEN" "$url" > "$work/wrk.txt"
  after=$(cpu_ticks)
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(grep -E 'Non-2xx|Socket errors' "$work/wrk.txt" || true)
  cpu_us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  echo "run $rep: wrk -t$THREADS -c$CONNS ${DUR}s: $rps req/s, p50 $p50, p99 $p99, agent CPU ${cpu_us} us/req ${errors:+($errors)}"
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^strongroom_agent_cache_(hits|misses)_total'
