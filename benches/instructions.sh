#!/usr/bin/env bash
# Instructions per pipeline for a spawn and join of trivial pipelines,
# counted by callgrind (the same count on every run of the same binary,
# whatever else the machine does): tokio's raw JoinSet, the runner, and the
# runner served with the Prometheus recorder on. Each way runs at N and at
# 2N pipelines, and the difference is divided by N, so that what is paid
# once (the runtime, the server, the recorder's clock calibration) and the
# keys' own cost are taken off; the ratio is to the JoinSet.
#
#   benches/instructions.sh            (PIPELINES=20000 by default: N)
set -euo pipefail
cd "$(dirname "$0")/.."
pipelines="${PIPELINES:-20000}"
cargo build --quiet --release -p topology-benches --bin count_instructions
binary="${CARGO_TARGET_DIR:-target}/release/count_instructions"

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 |
    awk '/Collected :/ { print $NF }'
}

# Instructions per pipeline of one way, keys included.
per_pipeline() {
  local once twice
  once=$(count "$1" "$pipelines")
  twice=$(count "$1" $((2 * pipelines)))
  echo $(((twice - once) / pipelines))
}

keys=$(per_pipeline keys)
joinset=$(($(per_pipeline joinset) - keys))
echo "instructions per pipeline (the keys' own cost and what is paid once taken off), and the ratio to tokio's JoinSet"
printf '  %-8s %6d  1.00×\n' joinset "$joinset"
for way in runner served; do
  ours=$(($(per_pipeline "$way") - keys))
  awk -v way="$way" -v ours="$ours" -v base="$joinset" 'BEGIN { printf "  %-8s %6d  %.2f×\n", way, ours, ours / base }'
done
