//! What the lifecycle logging costs each pipeline: the runner's span and
//! outcome line, with a `tracing_subscriber::fmt()` subscriber writing to a
//! sink, against the same subscriber filtering everything out, in the same
//! run (the generated program always installs a subscriber).
//!
//! `cargo bench -p topology-benches --bench logging`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::{hint::black_box, time::Duration};

use criterion::{BatchSize, BenchmarkId, Criterion};
use topology_benches::{SIZES, keys, median_ns, run_trivial, runner, runtime, spawn_and_join_each};
use tracing::Instrument;
use tracing_subscriber::{filter::LevelFilter, layer::SubscriberExt, reload, util::SubscriberInitExt};

const GROUP: &str = "logging";

fn logging(c: &mut Criterion) {
    let (filter, level) = reload::Layer::new(LevelFilter::OFF);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::io::sink),
        )
        .init();
    let runtime = runtime();
    let mut group = c.benchmark_group(GROUP);
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        for (name, filter) in [("filtered_out", LevelFilter::OFF), ("fmt_to_sink", LevelFilter::INFO)] {
            if let Err(error) = level.reload(filter) {
                panic!("cannot change the log filter: {error}");
            }
            // The floor: raw tasks that each do what the design asks of a
            // pipeline's logging (a span with its key and typetag, one line
            // naming both), with the same subscriber.
            group.bench_function(BenchmarkId::new(format!("tokio_joinset_{name}"), size), |b| {
                b.to_async(&runtime).iter_batched(
                    || keys(size),
                    |keys| async move {
                        let done = spawn_and_join_logged(keys).await;
                        assert_eq!(done, size);
                    },
                    BatchSize::PerIteration,
                );
            });
            group.bench_function(BenchmarkId::new(name, size), |b| {
                b.to_async(&runtime).iter_batched(
                    || keys(size),
                    |keys| async move { assert_eq!(run_trivial(runner(), keys).await, size) },
                    BatchSize::PerIteration,
                );
            });
        }
    }
    group.finish();
}

/// tokio's raw tasks, each in a span carrying its key and typetag and
/// writing one line that names both as it ends.
async fn spawn_and_join_logged(keys: Vec<String>) -> usize {
    spawn_and_join_each(keys, |key| {
        let span = tracing::info_span!("pipeline", key = %key, typetag = "bench");
        let run = async move {
            black_box(&key);
            key
        };
        async move {
            let key = run.instrument(span).await;
            tracing::info!(%key, typetag = "bench", "pipeline completed");
            key
        }
    })
    .await
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    logging(&mut criterion);
    criterion.final_summary();
    println!("\n{GROUP}: what a formatting subscriber adds per pipeline (span and outcome line)");
    for size in SIZES {
        let added = |prefix: &str| {
            let off = median_ns(GROUP, &format!("{prefix}filtered_out"), size)?;
            let on = median_ns(GROUP, &format!("{prefix}fmt_to_sink"), size)?;
            Some(((on - off) / 1e3 / size as f64, on / off))
        };
        if let (Some((ours, ratio)), Some((floor, _))) = (added(""), added("tokio_joinset_")) {
            println!(
                "  {size:>7} pipelines: +{ours:.2} µs per pipeline ({ratio:.2}× the run with everything filtered out); \
                 raw tasks with the same span and line: +{floor:.2} µs"
            );
        }
    }
}
