#!/usr/bin/env bash
# Compile time of a generated program against the same program written by
# hand on the runtime API: 200 pipelines each (set PIPELINES to change it).
# Dependencies are built first, so each timed build is the program's own
# crate; the release build of each is timed after touching its source.
# Also times a clean release build of topology-macros with its syn features.
#
#   benches/compile_time.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
pipelines="${PIPELINES:-200}"
work="$root/target/compile-time"
rm -rf "$work/generated" "$work/hand_written"
mkdir -p "$work/generated/src" "$work/hand_written/src"
export CARGO_TARGET_DIR="$work/target"

manifest() {
  cat <<TOML
[package]
name = "$1"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
topology = { path = "$root/topology" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
TOML
}

manifest compile-time-generated > "$work/generated/Cargo.toml"
manifest compile-time-hand-written > "$work/hand_written/Cargo.toml"
cp Cargo.lock "$work/generated/Cargo.lock"
cp Cargo.lock "$work/hand_written/Cargo.lock"

# The generated program: one `#[pipeline]` per key, one `topology!`.
{
  echo "use topology::{PipelineContext, pipeline, topology};"
  for i in $(seq -w 0 $((pipelines - 1))); do
    cat <<RS
#[pipeline(key = "p$i", interval = "1s")]
async fn p$i(ctx: PipelineContext) -> Result<(), std::io::Error> {
    let _permit = ctx.acquire().await;
    std::hint::black_box($i);
    Ok(())
}
RS
  done
  echo "topology! {"
  echo "    metrics: off,"
  echo -n "    pipelines: ["
  for i in $(seq -w 0 $((pipelines - 1))); do echo -n "p$i, "; done
  echo "],"
  echo "}"
} > "$work/generated/src/main.rs"

# The same pipelines on the runtime API: one `Pipeline` impl each, run by
# `run_pipelines`, their iterations by `run_every`.
{
  cat <<'RS'
use std::{process::ExitCode, time::Duration};

use topology::{GlobalConfig, Pipeline, PipelineContext, run_every, run_pipelines};

/// Every pipeline of the program, one variant each.
enum AnyPipeline {
RS
  for i in $(seq -w 0 $((pipelines - 1))); do echo "    P$i(String, PipelineContext),"; done
  cat <<'RS'
}

impl Pipeline for AnyPipeline {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        match self {
RS
  for i in $(seq -w 0 $((pipelines - 1))); do echo "            Self::P$i(key, _) => key,"; done
  cat <<'RS'
        }
    }

    async fn run(self) -> Result<(), std::io::Error> {
        match self {
RS
  for i in $(seq -w 0 $((pipelines - 1))); do
    cat <<RS
            Self::P$i(_, ctx) => {
                run_every(&ctx.clone(), Duration::from_secs(1), || {
                    let ctx = ctx.clone();
                    async move {
                        let _permit = ctx.acquire().await;
                        std::hint::black_box($i);
                        Ok(())
                    }
                })
                .await
            }
RS
  done
  cat <<'RS'
        }
    }
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(_) => return ExitCode::from(2),
    };
    let stats = runtime.block_on(run_pipelines("off", &GlobalConfig::default(), "bench", |ctx| {
        vec![
RS
  for i in $(seq -w 0 $((pipelines - 1))); do echo "            AnyPipeline::P$i(\"p$i\".to_owned(), ctx.clone()),"; done
  cat <<'RS'
        ]
    }));
    match stats {
        Ok(stats) => stats.exit_code(),
        Err(_) => ExitCode::from(2),
    }
}
RS
} > "$work/hand_written/src/main.rs"

seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

echo "== building dependencies (not timed)"
(cd "$work/generated" && cargo build --release --quiet)
(cd "$work/hand_written" && cargo build --release --quiet)

echo "== release build of each program's own crate (best of 3)"
best() {
  local dir="$1" best=""
  for _ in 1 2 3; do
    touch "$dir/src/main.rs"
    local t
    t=$(cd "$dir" && seconds cargo build --release)
    if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best="$t"; fi
  done
  echo "$best"
}
generated=$(best "$work/generated")
hand=$(best "$work/hand_written")
printf "  %d pipelines: generated %.1f s, hand-written %.1f s, ratio %.2f\n" \
  "$pipelines" "$generated" "$hand" "$(awk -v g="$generated" -v h="$hand" 'BEGIN { print g / h }')"

echo "== clean release build of topology-macros (syn, quote, proc-macro2 and serde_yaml_ng included)"
macros=$(CARGO_TARGET_DIR="$work/macros-target" seconds cargo build --release -p topology-macros)
rm -rf "$work/macros-target"
printf "  topology-macros: %.1f s\n" "$macros"
