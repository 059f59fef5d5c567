//! Spawn and join of trivial pipelines: tokio's raw `JoinSet`, the runner,
//! and tokio-graceful-shutdown (one subsystem per pipeline) doing the same
//! work in the same run, at 1 000, 10 000 and 100 000 pipelines.
//!
//! `cargo bench -p topology-benches --bench runner`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::{convert::Infallible, time::Duration};

use criterion::{BatchSize, BenchmarkId, Criterion};
use tokio_graceful_shutdown::{SubsystemBuilder, SubsystemHandle, Toplevel};
use topology_benches::{SIZES, keys, print_ratios, run_trivial, runner, runtime, spawn_and_join_raw};

const GROUP: &str = "spawn_and_join";

fn spawn_and_join(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group(GROUP);
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        group.bench_function(BenchmarkId::new("tokio_joinset", size), |b| {
            b.to_async(&runtime).iter_batched(
                || keys(size),
                |keys| async move {
                    let done = spawn_and_join_raw(keys).await;
                    assert_eq!(done, size);
                },
                BatchSize::PerIteration,
            );
        });
        group.bench_function(BenchmarkId::new("topology_runner", size), |b| {
            b.to_async(&runtime).iter_batched(
                || keys(size),
                |keys| async move { assert_eq!(run_trivial(runner(), keys).await, size) },
                BatchSize::PerIteration,
            );
        });
        group.bench_function(BenchmarkId::new("tokio_graceful_shutdown", size), |b| {
            b.to_async(&runtime).iter_batched(
                || keys(size),
                |keys| async move {
                    let toplevel = Toplevel::new(async move |s: &mut SubsystemHandle| {
                        for key in keys {
                            s.start(SubsystemBuilder::new(key, async |_: &mut SubsystemHandle| {
                                Ok::<(), Infallible>(())
                            }));
                        }
                    });
                    let ended = toplevel.handle_shutdown_requests(Duration::from_secs(60)).await;
                    assert!(ended.is_ok());
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    spawn_and_join(&mut criterion);
    criterion.final_summary();
    print_ratios(GROUP, "tokio_joinset", &["topology_runner", "tokio_graceful_shutdown"]);
}
