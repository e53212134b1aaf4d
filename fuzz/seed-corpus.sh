#!/usr/bin/env bash
# Seeds fuzz/corpus/decode_frames from the golden Open vSwitch vectors (one file per
# capture: the frames of a conversation back to back) and fuzz/corpus/peek_hello from
# their HELLOs. The corpus directory is not committed (.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/decode_frames corpus/peek_hello
for f in ../openflow/tests/golden/of*/*.txt; do
    name=$(basename "$(dirname "$f")")-$(basename "$f" .txt)
    grep -v '^#' "$f" | tr -d '\n' | xxd -r -p > "corpus/decode_frames/$name"
    grep -v '^#' "$f" | grep -E '^0[14]00' | head -1 | xxd -r -p > "corpus/peek_hello/$name" || true
done
echo "seeded $(ls corpus/decode_frames | wc -l) decode_frames and $(ls corpus/peek_hello | wc -l) peek_hello inputs"
