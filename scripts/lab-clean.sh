#!/usr/bin/env bash
# Remove every Viola lab leftover without needing the viola binary (CI runs it before and
# after the tests): bridges, namespaces and links named `vl-…` (labs) or with a system
# test's prefix (`vtN-`, `vtns-`, `vb1-`, `vf2-`, `vsd-`…: what a test killed midway leaves),
# and the private OVS daemons of /run/viola-ovs and of the tests' run dirs.
# `viola lab down` does the same for one run dir; this is the belt-and-braces version.
#
#   scripts/lab-clean.sh
set -uo pipefail

ours() { grep -E '^(vl-|vtns-|vt[0-9]+-|v[bfs][0-9a-z]-)'; }

stop_daemons() { # stop_daemons DIR: the private ovs-vswitchd/ovsdb-server of DIR
    local dir=$1 name pid
    for name in ovs-vswitchd ovsdb-server; do
        pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
        # Bridges first, while the database still answers.
        if [ "$name" = ovs-vswitchd ]; then
            for br in $(ovs-vsctl --db="unix:$dir/db.sock" --timeout=5 list-br 2>/dev/null | ours); do
                ovs-vsctl --db="unix:$dir/db.sock" --timeout=5 --if-exists del-br "$br" || true
            done
            ovs-appctl -t "$dir/$name.ctl" exit --cleanup >/dev/null 2>&1 || true
        else
            ovs-appctl -t "$dir/$name.ctl" exit >/dev/null 2>&1 || true
        fi
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        echo "lab-clean: stopped $name of $dir"
    done
    rm -f "$dir/state.json"
}

for dir in /run/viola-ovs /run/viola-lab-test-* /run/viola-mn-test-*; do
    [ -d "$dir" ] && stop_daemons "$dir"
done

# Bridges in the system instance (if it runs).
if ovs-vsctl --timeout=3 show >/dev/null 2>&1; then
    for br in $(ovs-vsctl --timeout=5 list-br | ours); do
        ovs-vsctl --timeout=5 --if-exists del-br "$br" && echo "lab-clean: bridge $br"
    done
fi

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | ours); do
    ip netns del "$ns" && echo "lab-clean: netns $ns"
done

for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | ours); do
    ip link del dev "$link" 2>/dev/null && echo "lab-clean: link $link"
done

left=$( (ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1; ip netns list | awk '{print $1}') | ours )
if [ -n "$left" ]; then
    echo "lab-clean: could not remove: $left" >&2
    exit 1
fi
exit 0
