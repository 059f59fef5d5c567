//! What the lifecycle logging costs each pipeline: the runner's span and
//! outcome line, with a `tracing_subscriber::fmt()` subscriber writing to a
//! sink, against the same subscriber filtering everything out, in the same
//! run (the generated program always installs a subscriber).
//!
//! `cargo bench -p topology-benches --bench logging`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion};
use topology::{PipelineContext, PipelineRunner, RunningTopology};
use topology_benches::{SIZES, Trivial, keys, median_ns, runtime};
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
            group.bench_function(BenchmarkId::new(name, size), |b| {
                b.to_async(&runtime).iter_batched(
                    || keys(size),
                    |keys| async move {
                        let stats = PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "bench")
                            .start(keys.into_iter().map(Trivial))
                            .run_to_completion()
                            .await;
                        assert_eq!(stats.counts().completed, size);
                    },
                    BatchSize::PerIteration,
                );
            });
        }
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    logging(&mut criterion);
    criterion.final_summary();
    println!("\n{GROUP}: what a formatting subscriber adds per pipeline (span and outcome line)");
    for size in SIZES {
        if let (Some(off), Some(on)) = (
            median_ns(GROUP, "filtered_out", size),
            median_ns(GROUP, "fmt_to_sink", size),
        ) {
            println!(
                "  {size:>7} pipelines: +{:.2} µs per pipeline ({:.2}× the run with everything filtered out)",
                (on - off) / 1e3 / size as f64,
                on / off
            );
        }
    }
}
