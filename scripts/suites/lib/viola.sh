# Shared by the suites (sourced, not run): a fresh network namespace per suite, `viola run`
# in the background, REST and metrics reads. Needs bash, iproute2 and python3 (Mininet
# depends on it). Not a suite itself: scripts/test-all.sh runs only scripts/suites/*.sh.

# take_lab_lock SCRIPT "$@": re-runs the calling script (SCRIPT: its absolute path) under
# the file lock every real-OVS test and suite holds (host namespace names and default-path
# daemons are machine-wide), and exits with its status; inside, VIOLA_LAB_LOCKED is set and
# this returns. `flock -o`: the daemons a suite starts must not inherit (and keep holding)
# the lock.
take_lab_lock() {
    [ -n "${VIOLA_LAB_LOCKED:-}" ] && return 0
    local script=$1
    shift
    VIOLA_LAB_LOCKED=1 exec flock -o /run/viola-lab-tests.lock bash "$script" "$@"
}

# in_fresh_netns NAME SCRIPT "$@": (under the lab lock) re-runs the calling script inside a
# new network namespace (only one userspace-datapath ovs-vswitchd can run per namespace,
# and another may run on this machine) and exits with its status. Inside,
# VIOLA_SUITE_NETNS is set and this returns.
in_fresh_netns() {
    local name=$1 script=$2
    shift 2
    [ -n "${VIOLA_SUITE_NETNS:-}" ] && return 0
    [ "$(id -u)" = 0 ] || { echo "FAIL: needs root (network namespaces, Open vSwitch)"; exit 1; }
    take_lab_lock "$script" "$@"
    local ns=vtns-$$-$name rc=0
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    VIOLA_SUITE_NETNS=$ns ip netns exec "$ns" bash "$script" "$@" || rc=$?
    ip netns del "$ns" 2>/dev/null || true
    exit $rc
}

# require_tools TOOL…: fails (never skips) when a tool is missing.
require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "FAIL: \`$t\` is missing: run scripts/install-deps.sh"; exit 1; }
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# http_get URL: the body on stdout; non-zero exit unless 200.
http_get() {
    python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    sys.stdout.write(r.read().decode())
PY
}

# start_viola OF_PORT API_PORT LOG [ARGS…]: `viola run` on 127.0.0.1 in the background
# (VIOLA_PID), returns once the REST API answers; fails if it does not within 20 s.
start_viola() {
    local of=$1 api=$2 log=$3
    shift 3
    "$VIOLA" run --listen "127.0.0.1:$of" --api "127.0.0.1:$api" "$@" >"$log" 2>&1 &
    VIOLA_PID=$!
    local i
    for i in $(seq 200); do
        if ! kill -0 "$VIOLA_PID" 2>/dev/null; then
            echo "FAIL: viola run exited at start:"; cat "$log"; exit 1
        fi
        http_get "http://127.0.0.1:$api/api/v1/switches" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "FAIL: viola run's REST API does not answer on 127.0.0.1:$api"; cat "$log"; exit 1
}

# stop_viola: SIGTERM to the controller started by start_viola, then wait for it.
stop_viola() {
    if [ -n "${VIOLA_PID:-}" ]; then
        kill "$VIOLA_PID" 2>/dev/null || true
        wait "$VIOLA_PID" 2>/dev/null || true
        VIOLA_PID=
    fi
}

# metric_sum API_PORT NAME: sum of every sample of NAME in GET /metrics.
metric_sum() {
    http_get "http://127.0.0.1:$1/metrics" | python3 -c '
import sys
name = sys.argv[1]
total = 0.0
for line in sys.stdin:
    if line.startswith("#"):
        continue
    if line.startswith(name + "{") or line.startswith(name + " "):
        total += float(line.rsplit(" ", 1)[1])
print(int(total))' "$2"
}

# count_links API_PORT: directed switch-to-switch links GET /api/v1/topology lists.
count_links() {
    http_get "http://127.0.0.1:$1/api/v1/topology" |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["links"]))'
}
