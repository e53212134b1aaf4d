#!/usr/bin/env bash
# Start or stop ovsdb-server + ovs-vswitchd on Debian's default paths, without the kernel
# module (bridges must use datapath_type=netdev, e.g. `mn --switch ovs,datapath=user`).
# Mininet and plain `ovs-vsctl` expect the daemons there.
#
#   scripts/ovs-default.sh start    # no-op if they already run
#   scripts/ovs-default.sh stop     # stops them only if this script started them
#   scripts/ovs-default.sh status   # exit 0 if the daemons answer
#
# Logs go to /var/log/openvswitch; a marker file records that we started them, so `stop`
# never stops an OVS service someone else runs.
set -euo pipefail

RUN=/var/run/openvswitch
LOG=/var/log/openvswitch
DBDIR=/etc/openvswitch
DB=$DBDIR/conf.db
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
MARK=$RUN/.viola-started

die() { echo "ovs-default: $*" >&2; exit 1; }

alive() { # alive NAME: the pid file's process runs
    local pid
    pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

answers() {
    alive ovsdb-server && alive ovs-vswitchd && ovs-vsctl --timeout=3 show >/dev/null 2>&1
}

start() {
    if answers; then
        echo "ovs-default: already running"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "needs root"
    command -v ovsdb-server >/dev/null || die "ovsdb-server not found: install openvswitch-switch"
    mkdir -p "$RUN" "$LOG" "$DBDIR"
    if [ ! -s "$DB" ]; then
        ovsdb-tool create "$DB" "$SCHEMA"
    elif [ "$(ovsdb-tool needs-conversion "$DB" "$SCHEMA")" = yes ]; then
        ovsdb-tool convert "$DB" "$SCHEMA"
    fi
    if ! alive ovsdb-server; then
        ovsdb-server "$DB" \
            --remote=punix:$RUN/db.sock \
            --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
            --pidfile --detach --no-chdir --log-file="$LOG/ovsdb-server.log" \
            >/dev/null 2>&1 || die "ovsdb-server did not start (see $LOG/ovsdb-server.log)"
    fi
    ovs-vsctl --no-wait init
    if ! alive ovs-vswitchd; then
        ovs-vswitchd unix:$RUN/db.sock \
            --pidfile --detach --no-chdir --log-file="$LOG/ovs-vswitchd.log" \
            >/dev/null 2>&1 || die "ovs-vswitchd did not start (see $LOG/ovs-vswitchd.log)"
    fi
    touch "$MARK"
    answers || die "daemons started but do not answer"
    echo "ovs-default: started (run dir $RUN)"
}

stop() {
    if [ ! -e "$MARK" ]; then
        if answers; then
            echo "ovs-default: daemons were not started by this script; leaving them"
        fi
        return 0
    fi
    if alive ovs-vswitchd; then
        ovs-appctl -t ovs-vswitchd exit --cleanup >/dev/null 2>&1 || true
    fi
    if alive ovsdb-server; then
        ovs-appctl -t ovsdb-server exit >/dev/null 2>&1 || true
    fi
    for name in ovs-vswitchd ovsdb-server; do
        for _ in $(seq 50); do alive $name || break; sleep 0.1; done
        if alive $name; then kill -9 "$(cat "$RUN/$name.pid")" 2>/dev/null || true; fi
    done
    rm -f "$MARK"
    echo "ovs-default: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) answers ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
