#!/usr/bin/env bash
# Install the Debian packages Viola's tests need, only those that are missing.
# Non-interactive and quiet; needs root when something is missing. Does not start the
# system Open vSwitch service (tests start private daemons; scripts/ovs-default.sh starts
# daemons on the default paths for Mininet).
#
#   scripts/install-deps.sh            # install what is missing
#   scripts/install-deps.sh --check    # only report what is missing (exit 1 if anything)
set -euo pipefail

PACKAGES=(
    # labs: Open vSwitch (userspace datapath), namespaces, traffic
    openvswitch-switch openvswitch-testcontroller mininet
    iproute2 iputils-ping ethtool iperf3 tcpdump tshark
    # TLS material for controller tests
    openssl
    # vectors of other implementations: the os-ken wheel is fetched with pip in a venv
    python3-venv
    # QEMU guests for the orchestrator suites: kernel + busybox initramfs
    qemu-system-x86 linux-image-amd64 busybox-static cpio
)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${1:-}" = "--check" ]; then
    if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all installed"; exit 0; fi
    echo "install-deps: missing: ${missing[*]}"
    exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${missing[*]}; run this script as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

# Keep package scripts from starting services (openvswitch-switch would start the system
# daemons). policy-rc.d is honoured by invoke-rc.d and deb-systemd-invoke.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

log=$(mktemp /var/tmp/viola-install-deps.XXXXXX)
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
if ! apt-get update -q >"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "install-deps: apt-get update failed (log: $log)" >&2
    exit 1
fi
if ! apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "install-deps: apt-get install failed (log: $log)" >&2
    exit 1
fi

still=()
for p in "${missing[@]}"; do
    installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "install-deps: still missing after install: ${still[*]} (log: $log)" >&2
    exit 1
fi
rm -f "$log"
echo "install-deps: installed ${#missing[@]} package(s)"
