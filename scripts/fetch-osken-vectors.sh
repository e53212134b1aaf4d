#!/usr/bin/env bash
# Fetches the OpenFlow message vectors that the os-ken wheel on PyPI ships
# (os_ken/tests/packet_data/of10 … of15, written by Ryu/os-ken and by ovs-ofctl) for
# openflow/tests/osken_vectors.rs. Nothing is committed: the wheel and what is extracted
# from it stay in DIR. Prints the packet_data directory to point VIOLA_OSKEN_PACKET_DATA at.
#
#   scripts/fetch-osken-vectors.sh [DIR]      # default DIR: target/osken-vectors
#
# Needs python3 with venv (Debian: python3-venv) and access to PyPI; pip is used through
# its ordinary `pip download`. A second run reuses what the first fetched.
set -euo pipefail

VERSION=4.2.2
cd "$(dirname "$0")/.."
DIR=${1:-target/osken-vectors}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
DATA=$DIR/os_ken/tests/packet_data

die() { echo "fetch-osken-vectors: $*" >&2; exit 1; }

if [ ! -d "$DATA/of15" ]; then
    if [ ! -x "$DIR/venv/bin/pip" ]; then
        python3 -m venv "$DIR/venv" >"$DIR/venv.log" 2>&1 \
            || die "python3 -m venv failed (Debian: apt-get install python3-venv); log: $DIR/venv.log"
    fi
    "$DIR/venv/bin/pip" download --quiet --no-deps --only-binary=:all: "os-ken==$VERSION" \
        -d "$DIR" >"$DIR/pip.log" 2>&1 || die "pip download os-ken==$VERSION failed; log: $DIR/pip.log"
    wheel=$(ls "$DIR"/os_ken-"$VERSION"-*.whl 2>/dev/null | head -1)
    [ -n "$wheel" ] || die "no os_ken-$VERSION wheel in $DIR after pip download"
    "$DIR/venv/bin/python" - "$wheel" "$DIR" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    wanted = [n for n in z.namelist() if n.startswith("os_ken/tests/packet_data/of1")]
    z.extractall(dest, wanted)
PY
    [ -d "$DATA/of15" ] || die "the wheel holds no os_ken/tests/packet_data/of15"
fi
echo "$DATA"
