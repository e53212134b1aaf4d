#!/usr/bin/env bash
# Suite: `viola lab` end to end as a user types it — up, pingall (text and JSON), exec,
# exit codes, errors, down — on real Open vSwitch with `viola run` (topology,l2-learning)
# as the controller. Needs root; VIOLA_BIN names the binary (default target/debug/viola).
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."
. scripts/suites/lib/viola.sh

# Run in a fresh network namespace: only one userspace-datapath ovs-vswitchd can run per
# namespace, and another may run on this machine.
in_fresh_netns labcli "$SELF" "$@"
require_tools ip ovs-vsctl ovs-vswitchd ovsdb-server ping python3
P=vt9-   # name prefix of this suite's lab
VIOLA=${VIOLA_BIN:-target/debug/viola}
[ -x "$VIOLA" ] || { echo "FAIL: $VIOLA not built"; exit 1; }
RUN=$(mktemp -d /run/viola-lab-cli.XXXXXX)
PORT=$(free_port)
API=$(free_port)

finish() {
    "$VIOLA" lab down --prefix $P --run-dir "$RUN" >/dev/null 2>&1 || true
    stop_viola
    rm -rf "$RUN"
}
trap finish EXIT
fail() { echo "FAIL: $*"; exit 1; }

start_viola "$PORT" "$API" "$RUN/viola.log"

# Errors first: no lab yet.
if "$VIOLA" lab pingall --run-dir "$RUN" 2>"$RUN/err.txt"; then fail "pingall without a lab succeeded"; fi
grep -q "no lab is up" "$RUN/err.txt" || fail "unclear error: $(cat "$RUN/err.txt")"
[ "$(wc -l <"$RUN/err.txt")" = 1 ] || fail "error is not one line: $(cat "$RUN/err.txt")"
if "$VIOLA" lab up --topo nonsense,3 --run-dir "$RUN" 2>"$RUN/err.txt"; then fail "bad SPEC accepted"; fi
grep -q "bad topology" "$RUN/err.txt" || fail "unclear error: $(cat "$RUN/err.txt")"
rm -f "$RUN/err.txt"

"$VIOLA" lab up --topo tree,2,2 --controller "127.0.0.1:$PORT" --private --prefix $P --run-dir "$RUN" --wait 20
# The controller sees the three bridges and the two links (each listed in both directions).
for _ in $(seq 50); do [ "$(count_links "$API")" = 4 ] && break; sleep 0.2; done
[ "$(count_links "$API")" = 4 ] || fail "GET /api/v1/topology: $(http_get "http://127.0.0.1:$API/api/v1/topology")"
sleep 0.7   # host ports flood once settled (topology app: port_settle_ms = 500)
[ -f "$RUN/state.json" ] || fail "no state file"
out=$("$VIOLA" lab pingall --run-dir "$RUN")
echo "$out"
echo "$out" | grep -q '^\*\*\* Results: 0% dropped (12/12 received)$' || fail "pingall: $out"
[ "$(metric_sum "$API" viola_packet_in_total)" -gt 0 ] || fail "viola saw no packet-in"
json=$("$VIOLA" lab pingall --json --run-dir "$RUN")
echo "$json" | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["sent"]==12 and r["received"]==12, r' \
    || fail "pingall --json: $json"

"$VIOLA" lab exec h1 --run-dir "$RUN" -- ip -o addr show dev h1-eth0 | grep -q "10.0.0.1/8" || fail "exec h1"
set +e
"$VIOLA" lab exec h2 --run-dir "$RUN" -- sh -c 'exit 7'; code=$?
set -e
[ "$code" = 7 ] || fail "exec did not pass on exit status 7 (got $code)"
if "$VIOLA" lab exec h99 --run-dir "$RUN" -- true 2>/dev/null; then fail "exec on unknown host succeeded"; fi

"$VIOLA" lab down --run-dir "$RUN"
left=$( (ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1; ip netns list | awk '{print $1}') | grep "^$P" || true)
[ -z "$left" ] || fail "left behind after down: $left"
[ ! -e "$RUN/state.json" ] || fail "state file left"
echo "lab-cli: ok"
