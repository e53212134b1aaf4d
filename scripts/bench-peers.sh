#!/usr/bin/env bash
# Peer comparison for `viola bench` on this machine, in one run (about 3–5 minutes):
#   viola run --apps l2-learning (release)  ·  ovs-testcontroller (Debian
#   openvswitch-testcontroller)  ·  an os-ken learning switch (os-ken from PyPI in a venv
#   under a temp dir; os-ken no longer ships its sample apps or a manager, so a minimal
#   learning-switch app and runner are written to the temp dir).
# Each controller is loaded in throughput and latency mode with 16 switches, OpenFlow 1.0
# and 1.3, then in connections mode for its memory per switch. The markdown table goes
# into docs/src/benchmarks.md (between the bench-peers markers) and the chart into
# docs/src/benchmarks.svg; the raw `viola bench --json` reports stay in $OUT (default: the
# temp dir, printed at the end).
#
# Environment: SWITCHES (16), MACS (1000), LOOPS (5), DURATION (1), WARMUP (1),
# CONN_SWITCHES (1000; ovs-testcontroller accepts at most 16 switches, so it gets 16),
# PEERS ("viola ovs osken"), OUT (directory for the JSON reports), NO_DOCS=1 to leave the
# docs alone, VIOLA_BIN / REPORT_BIN to use prebuilt binaries instead of building.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SWITCHES="${SWITCHES:-16}"
MACS="${MACS:-1000}"
LOOPS="${LOOPS:-5}"
DURATION="${DURATION:-1}"
WARMUP="${WARMUP:-1}"
CONN_SWITCHES="${CONN_SWITCHES:-1000}"
PEERS="${PEERS:-viola ovs osken}"
TMP="$(mktemp -d -t viola-bench-peers.XXXXXX)"
OUT="${OUT:-$TMP/reports}"
mkdir -p "$OUT"
PORT=16653
CTL_PID=""

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench-peers: %s\n' "$*" >&2; exit 1; }

stop_controller() {
    if [[ -n "$CTL_PID" ]] && kill -0 "$CTL_PID" 2>/dev/null; then
        kill "$CTL_PID" 2>/dev/null || true
        wait "$CTL_PID" 2>/dev/null || true
    fi
    CTL_PID=""
}
trap 'stop_controller' EXIT

wait_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
        kill -0 "$CTL_PID" 2>/dev/null || die "the controller exited; see $TMP/*.log"
        sleep 0.1
    done
    die "nothing listens on 127.0.0.1:$PORT"
}

command -v ovs-testcontroller >/dev/null || [[ "$PEERS" != *ovs* ]] \
    || die "ovs-testcontroller missing: apt-get install openvswitch-testcontroller"

if [[ -z "${VIOLA_BIN:-}" || -z "${REPORT_BIN:-}" ]]; then
    log "building viola (release)"
    (cd "$ROOT" && cargo build --release -q -p viola --bin viola && \
        cargo build --release -q -p viola-bench --features plot --bin viola-bench-report)
fi
VIOLA="${VIOLA_BIN:-$ROOT/target/release/viola}"
REPORT="${REPORT_BIN:-$ROOT/target/release/viola-bench-report}"

setup_osken() {
    log "installing os-ken into $TMP/venv"
    python3 -m venv "$TMP/venv"
    "$TMP/venv/bin/pip" install -q os-ken >"$TMP/pip.log" 2>&1 || die "pip install os-ken failed: $TMP/pip.log"
    cat >"$TMP/bench_l2.py" <<'PY'
"""A minimal MAC-learning switch for os-ken (OpenFlow 1.0 and 1.3)."""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_0, ofproto_v1_3


class BenchL2(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_0.OFP_VERSION, ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tables = {}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        if ofp.OFP_VERSION == ofproto_v1_3.OFP_VERSION:
            out = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]
            inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, out)]
            dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=0, match=parser.OFPMatch(), instructions=inst))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        v13 = ofp.OFP_VERSION == ofproto_v1_3.OFP_VERSION
        in_port = msg.match['in_port'] if v13 else msg.in_port
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None or eth.ethertype == 0x88cc:
            return
        table = self.tables.setdefault(dp.id, {})
        table[eth.src] = in_port
        out_port = table.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out_port)]
        if out_port != ofp.OFPP_FLOOD:
            if v13:
                match = parser.OFPMatch(in_port=in_port, eth_src=eth.src, eth_dst=eth.dst)
                inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
                fm = parser.OFPFlowMod(datapath=dp, priority=100, idle_timeout=30, match=match, instructions=inst)
            else:
                match = parser.OFPMatch(in_port=in_port, dl_src=eth.src, dl_dst=eth.dst)
                fm = parser.OFPFlowMod(datapath=dp, match=match, command=ofp.OFPFC_ADD, priority=100,
                                       idle_timeout=30, actions=actions)
            dp.send_msg(fm)
        data = None if msg.buffer_id != ofp.OFP_NO_BUFFER else msg.data
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id, in_port=in_port,
                                        actions=actions, data=data))
PY
    cat >"$TMP/run_osken.py" <<'PY'
"""Runs os-ken apps (os-ken dropped its osken-manager): run_osken.py PORT MODULE..."""
import sys
from os_ken.lib import hub
hub.patch(thread=False)
from os_ken import cfg  # noqa: E402
from os_ken.base.app_manager import AppManager  # noqa: E402

port, apps = sys.argv[1], sys.argv[2:]
cfg.CONF(args=['--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', port], project='os_ken')
AppManager.run_apps(apps + ['os_ken.controller.ofp_handler'])
PY
}

start() {
    local name="$1" of="$2"
    case "$name" in
        viola)
            local v="1.0,1.3"
            "$VIOLA" run --listen "127.0.0.1:$PORT" --apps l2-learning --no-api --of-versions "$v" \
                >"$TMP/viola.log" 2>&1 &
            ;;
        ovs)
            local proto=OpenFlow10
            [[ "$of" == 1.3 ]] && proto=OpenFlow13
            ovs-testcontroller -O "$proto" --no-chdir --log-file="$TMP/ovs.log" \
                --unixctl="$TMP/ovs.ctl" "ptcp:$PORT:127.0.0.1" >"$TMP/ovs.out" 2>&1 &
            ;;
        osken)
            (cd "$TMP" && PYTHONPATH="$TMP" exec "$TMP/venv/bin/python" "$TMP/run_osken.py" "$PORT" bench_l2) \
                >"$TMP/osken.log" 2>&1 &
            ;;
    esac
    CTL_PID=$!
    wait_port
}

bench() {
    local name="$1" of="$2" mode="$3" n="$4"
    local file="$OUT/$name-of${of}-$mode.json"
    log "$name OF$of $mode, $n switches"
    if "$VIOLA" bench --controller "127.0.0.1:$PORT" --switches "$n" --macs "$MACS" --mode "$mode" \
        --of "$of" --loops "$LOOPS" --duration "$DURATION" --warmup "$WARMUP" \
        --controller-pid "$CTL_PID" --setup-timeout 120 --json >"$file" 2>"$file.err"; then
        SPECS+=("$name=$file")
        grep -E '"avg"|p99_us|kib_per_switch' "$file" | tr -s ' ' >&2 || true
    else
        log "FAILED: $(tail -n 1 "$file.err")"
        rm -f "$file"
    fi
}

SPECS=()
[[ "$PEERS" == *osken* ]] && setup_osken
for name in $PEERS; do
    for of in 1.0 1.3; do
        for mode in throughput latency; do
            start "$name" "$of"
            bench "$name" "$of" "$mode" "$SWITCHES"
            stop_controller
        done
    done
    n="$CONN_SWITCHES"
    [[ "$name" == ovs ]] && n=16
    start "$name" 1.0
    bench "$name" 1.0 connections "$n"
    stop_controller
done

[[ ${#SPECS[@]} -gt 0 ]] || die "no run succeeded"
"$REPORT" --md "$TMP/table.md" --svg "$TMP/benchmarks.svg" "${SPECS[@]}"
cat "$TMP/table.md"
if [[ "${NO_DOCS:-0}" != 1 ]]; then
    DOC="$ROOT/docs/src/benchmarks.md"
    cp "$TMP/benchmarks.svg" "$ROOT/docs/src/benchmarks.svg"
    python3 - "$DOC" "$TMP/table.md" "$(date -u +%Y-%m-%d) on $(nproc) cores, $SWITCHES switches, $MACS MACs, $LOOPS × ${DURATION}s" <<'PY'
import sys
doc, table, note = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
text = open(doc).read()
begin, end = '<!-- bench-peers:begin -->', '<!-- bench-peers:end -->'
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, 'w').write(f'{head}{begin}\nMeasured {note} (scripts/bench-peers.sh).\n\n{table}\n{end}{tail}')
PY
    log "updated docs/src/benchmarks.md and docs/src/benchmarks.svg"
fi
log "reports in $OUT"
