#!/usr/bin/env bash
# Suite: `viola lab` end to end as a user types it — up, pingall (text and JSON), exec,
# exit codes, errors, down — on real Open vSwitch with ovs-testcontroller as the controller.
# Needs root; VIOLA_BIN names the binary (default target/debug/viola).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Run in a fresh network namespace: only one userspace-datapath ovs-vswitchd can run per
# namespace, and another may run on this machine.
if [ -z "${VIOLA_SUITE_NETNS:-}" ]; then
    ns=vtns-$$-labcli
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    rc=0
    VIOLA_SUITE_NETNS=$ns ip netns exec "$ns" bash "$0" || rc=$?
    ip netns del "$ns" 2>/dev/null || true
    exit $rc
fi
P=vt9-   # name prefix of this suite's lab
VIOLA=${VIOLA_BIN:-target/debug/viola}
[ -x "$VIOLA" ] || { echo "FAIL: $VIOLA not built"; exit 1; }
RUN=$(mktemp -d /run/viola-lab-cli.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TC_PID=

finish() {
    "$VIOLA" lab down --prefix $P --run-dir "$RUN" >/dev/null 2>&1 || true
    [ -n "$TC_PID" ] && kill "$TC_PID" 2>/dev/null || true
    rm -rf "$RUN"
}
trap finish EXIT
fail() { echo "FAIL: $*"; exit 1; }

OVS_RUNDIR=$RUN ovs-testcontroller "ptcp:$PORT:127.0.0.1" --unixctl="$RUN/tc.ctl" \
    --log-file="$RUN/tc.log" >/dev/null 2>&1 &
sleep 0.3
TC_PID=$!

# Errors first: no lab yet.
if "$VIOLA" lab pingall --run-dir "$RUN" 2>"$RUN/err.txt"; then fail "pingall without a lab succeeded"; fi
grep -q "no lab is up" "$RUN/err.txt" || fail "unclear error: $(cat "$RUN/err.txt")"
[ "$(wc -l <"$RUN/err.txt")" = 1 ] || fail "error is not one line: $(cat "$RUN/err.txt")"
if "$VIOLA" lab up --topo nonsense,3 --run-dir "$RUN" 2>"$RUN/err.txt"; then fail "bad SPEC accepted"; fi
grep -q "bad topology" "$RUN/err.txt" || fail "unclear error: $(cat "$RUN/err.txt")"
rm -f "$RUN/err.txt"

"$VIOLA" lab up --topo tree,2,2 --controller "127.0.0.1:$PORT" --private --prefix $P --run-dir "$RUN" --wait 20
[ -f "$RUN/state.json" ] || fail "no state file"
out=$("$VIOLA" lab pingall --run-dir "$RUN")
echo "$out"
echo "$out" | grep -q '^\*\*\* Results: 0% dropped (12/12 received)$' || fail "pingall: $out"
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
