//! Shutdown latency: from the cancel to the last outcome collected, with
//! every pipeline parked on the shutdown token, and with every pipeline still
//! in a long start jitter; tokio's raw `JoinSet` doing the same in the same
//! run is the baseline.
//!
//! `cargo bench -p topology-benches --bench shutdown`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::{
    sync::{Arc, atomic::AtomicUsize},
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion};
use tokio::task::JoinSet;
use topology::{CancellationToken, PipelineContext, PipelineRunner, RunningTopology, random_jitter};
use topology_benches::{Counted, SIZES, join_all, keys, print_ratios, runtime, spawn_parked, until_started};

const GROUP: &str = "shutdown";

/// Long enough for every task to have been polled once (into its wait).
fn settle(size: usize) -> Duration {
    Duration::from_millis(20 + size as u64 / 500)
}

fn shutdown(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group(GROUP);
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        group.bench_function(BenchmarkId::new("tokio_joinset_parked", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (token, started) = (CancellationToken::new(), Arc::new(AtomicUsize::new(0)));
                    let set = spawn_parked(keys(size), &token, &started);
                    until_started(&started, size).await;
                    let clock = Instant::now();
                    token.cancel();
                    let done = join_all(set).await;
                    total += clock.elapsed();
                    assert_eq!(done, size);
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("topology_runner_parked", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
                    let started = Arc::new(AtomicUsize::new(0));
                    let pipelines: Vec<Counted> = keys(size)
                        .into_iter()
                        .map(|key| Counted(key, ctx.shutdown.clone(), Arc::clone(&started)))
                        .collect();
                    let running = PipelineRunner::new(ctx, "bench").start(pipelines);
                    until_started(&started, size).await;
                    let clock = Instant::now();
                    running.shutdown();
                    let stats = running.run_to_completion().await;
                    total += clock.elapsed();
                    assert_eq!(stats.counts().completed, size);
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("tokio_joinset_in_jitter", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let token = CancellationToken::new();
                    let mut set = JoinSet::new();
                    for key in keys(size) {
                        let token = token.clone();
                        let jitter = random_jitter(3600);
                        set.spawn(async move {
                            token.run_until_cancelled(tokio::time::sleep(jitter)).await;
                            key
                        });
                    }
                    tokio::time::sleep(settle(size)).await;
                    let clock = Instant::now();
                    token.cancel();
                    let done = join_all(set).await;
                    total += clock.elapsed();
                    assert_eq!(done, size);
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("topology_runner_in_jitter", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ctx = PipelineContext::default().with_poll_jitter_secs(3600);
                    let started = Arc::new(AtomicUsize::new(0));
                    let pipelines: Vec<Counted> = keys(size)
                        .into_iter()
                        .map(|key| Counted(key, ctx.shutdown.clone(), Arc::clone(&started)))
                        .collect();
                    let running = PipelineRunner::new(ctx, "bench").start(pipelines);
                    tokio::time::sleep(settle(size)).await;
                    let clock = Instant::now();
                    running.shutdown();
                    let stats = running.run_to_completion().await;
                    total += clock.elapsed();
                    assert_eq!(stats.counts().cancelled + stats.counts().completed, size);
                }
                total
            });
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    shutdown(&mut criterion);
    criterion.final_summary();
    print_ratios(GROUP, "tokio_joinset_parked", &["topology_runner_parked"]);
    print_ratios(GROUP, "tokio_joinset_in_jitter", &["topology_runner_in_jitter"]);
}
