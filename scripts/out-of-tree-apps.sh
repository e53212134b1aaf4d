#!/usr/bin/env bash
# Apps outside the tree, as a user builds them: `viola new app` scaffolds two crates in a
# temporary directory outside the workspace, each is tested and built offline against
# this checkout, and their binaries are run.
#   1. pkt-counter: `cargo test`, then `pkt-counter demo --apps pkt-counter` reaches every
#      host (the app floods) where `demo --apps topology` alone reaches none.
#   2. acl-guard (made with --viola-path): `acl-guard run` serves the app's REST route
#      behind the API's token, exports its metric, and a mistyped key in
#      [apps.acl-guard] is refused with one line naming the app and the key.
# Runs as the unprivileged test user (test-all.sh); VIOLA_BIN names the viola binary and
# CARGO_TARGET_DIR is shared with the workspace so dependencies build once.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$(pwd)
VIOLA=${VIOLA_BIN:-target/debug/viola}
TARGET=${CARGO_TARGET_DIR:-$CHECKOUT/target}
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$VIOLA" ] || fail "$VIOLA not built"

TMP=$(mktemp -d /var/tmp/viola-out-of-tree.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT

echo "--- pkt-counter: scaffold, test, demo"
"$VIOLA" new app pkt-counter --path "$TMP/pkt-counter"
for f in Cargo.toml Cargo.lock README.md src/lib.rs src/main.rs tests/harness.rs tests/simulated.rs; do
    [ -f "$TMP/pkt-counter/$f" ] || fail "scaffold has no $f"
done
(cd "$TMP/pkt-counter" && cargo test --offline --quiet) || fail "cargo test in the scaffolded crate"
(cd "$TMP/pkt-counter" && cargo build --offline --quiet) || fail "cargo build in the scaffolded crate"
BIN=$TARGET/debug/pkt-counter
"$BIN" demo --apps pkt-counter --topo linear,3 >"$TMP/demo.txt" || { cat "$TMP/demo.txt"; fail "demo --apps pkt-counter: not every host reached"; }
grep -q "0% dropped" "$TMP/demo.txt" || { cat "$TMP/demo.txt"; fail "demo --apps pkt-counter: no '0% dropped'"; }
if "$BIN" demo --apps topology --topo linear,3 --ping-timeout 0.5 >"$TMP/none.txt"; then
    cat "$TMP/none.txt"; fail "without the app every host was reached anyway: the check proves nothing"
fi
echo "pkt-counter: cargo test ok; demo with the app: $(grep -m1 dropped "$TMP/demo.txt"); without it: $(grep -m1 dropped "$TMP/none.txt")"

echo "--- acl-guard: scaffold with --viola-path, run with a config, REST route, metric, bad key"
"$VIOLA" new app acl-guard --path "$TMP/acl-guard" --viola-path "$CHECKOUT"
(cd "$TMP/acl-guard" && cargo build --offline --quiet) || fail "cargo build of acl-guard"
BIN=$TARGET/debug/acl-guard
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API=$(free_port)
OF=$(free_port)
cat >"$TMP/good.toml" <<TOML
listen = ["127.0.0.1:$OF"]
[api]
addr = "127.0.0.1:$API"
token = "s3cret"
[apps]
enabled = ["topology", "acl-guard"]
[apps.acl-guard]
flood = false
report_every_s = 1
TOML
"$BIN" run --config "$TMP/good.toml" 2>"$TMP/run.err" &
PIDS+=($!)
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$API/api/v1/switches" >/dev/null && break
    sleep 0.1
done
body=$(curl -sf "http://127.0.0.1:$API/api/v1/apps/acl-guard") || { cat "$TMP/run.err"; fail "GET the app's route"; }
[ "$body" = '{"packet_ins":{}}' ] || fail "GET /api/v1/apps/acl-guard answered $body"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$API/api/v1/apps/acl-guard/reset")
[ "$code" = 401 ] || fail "POST without the token answered $code, not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$API/api/v1/apps/acl-guard/reset")
[ "$code" = 200 ] || fail "POST with the token answered $code, not 200"
# Two switches of the load generator send packet-ins; the app counts them per switch.
"$VIOLA" bench --controller "127.0.0.1:$OF" --switches 2 --duration 0.5 --loops 1 --warmup 0 --settle 0.5 >/dev/null \
    || fail "viola bench against acl-guard"
curl -sf "http://127.0.0.1:$API/metrics" >"$TMP/metrics.txt" || fail "GET /metrics"
grep -q '^viola_acl_guard_packet_ins_total{dpid="0000000000000001"} [1-9]' "$TMP/metrics.txt" \
    || { grep acl_guard "$TMP/metrics.txt"; fail "the app's metric is not at /metrics"; }
body=$(curl -sf "http://127.0.0.1:$API/api/v1/apps/acl-guard") || fail "GET the app's route"
case "$body" in *'"0000000000000002":'[1-9]*) ;; *) fail "the route does not show the counts: $body" ;; esac
kill "${PIDS[@]}"; wait 2>/dev/null || true; PIDS=()
echo "acl-guard: route served (GET 200, POST 401 without token, 200 with), metric exported: $(grep -c '^viola_acl_guard_packet_ins_total{' "$TMP/metrics.txt") series"

sed 's/^flood = false/flod = false/' "$TMP/good.toml" >"$TMP/typo.toml"
if timeout 20 "$BIN" run --config "$TMP/typo.toml" >"$TMP/typo.out" 2>"$TMP/typo.err"; then
    fail "a mistyped key was accepted"
fi
lines=$(grep -cv '^$' "$TMP/typo.err" || true)
grep -q '^acl-guard: \[apps.acl-guard\]: unknown field `flod`' "$TMP/typo.err" && [ "$lines" = 1 ] \
    || { cat "$TMP/typo.err"; fail "the refusal is not one line naming [apps.acl-guard] and flod"; }
echo "acl-guard: mistyped key refused: $(cat "$TMP/typo.err")"
echo "out-of-tree apps: ok"
