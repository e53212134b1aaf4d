#!/bin/sh
# Builds the tiny test guest (Debian kernel + busybox initramfs with the virtio-net
# modules) and prints the kernel and initramfs paths. Output is cached per kernel version.
# Needs: linux-image-amd64, busybox-static (scripts/install-deps.sh installs them).
# Usage: scripts/build-guest.sh [BUILD_DIR]   (default: target/viola-guest)
set -eu
cd "$(dirname "$0")/.."
exec cargo run -q -p viola-orchestrator --example build_guest -- "${1:-target/viola-guest}"
