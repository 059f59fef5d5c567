#!/usr/bin/env bash
# Instructions per pipeline for a spawn and join of trivial pipelines,
# counted by callgrind (the same count on every run of the same binary,
# whatever else the machine does): tokio's raw JoinSet, the runner, and the
# runner served with the Prometheus recorder on, each less what building
# the keys costs, and the ratio to the JoinSet.
#
#   benches/instructions.sh            (PIPELINES=20000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
pipelines="${PIPELINES:-20000}"
cargo build --quiet --release -p topology-benches --bin count_instructions
binary="${CARGO_TARGET_DIR:-target}/release/count_instructions"

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$pipelines" 2>&1 |
    awk '/Collected :/ { print $NF }'
}

keys=$(count keys)
joinset=$(count joinset)
echo "instructions per pipeline at $pipelines pipelines (the keys' own cost taken off), and the ratio to tokio's JoinSet"
for way in joinset runner served; do
  total=$(count "$way")
  awk -v way="$way" -v total="$total" -v keys="$keys" -v base="$joinset" -v n="$pipelines" \
    'BEGIN { printf "  %-8s %8.0f  %.2f×\n", way, (total - keys) / n, (total - keys) / (base - keys) }'
done
