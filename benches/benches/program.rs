//! What a generated program adds: a `topology!` family of trivial pipelines
//! started in-process (planning its entries from YAML, dispatching through
//! the generated enum) against tokio's raw `JoinSet`; then starting parked
//! pipelines with the Prometheus recorder on, until every one has started,
//! against raw tasks doing the same; and spawning and joining trivial
//! pipelines with the recorder on, as `run_pipelines` runs them, against
//! tokio's raw `JoinSet`.
//!
//! `cargo bench -p topology-benches --bench program`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::{
    hint::black_box,
    sync::{Arc, atomic::AtomicUsize},
    time::{Duration, Instant},
};

use criterion::{BatchSize, BenchmarkId, Criterion};
use tokio::runtime::Runtime;
use topology::{
    CancellationToken, Instance, MetricsAddress, MetricsServer, PipelineContext, PipelineRunner, RunningTopology,
    Settings, metric_names, pipeline, topology,
};
use topology_benches::{
    Counted, SIZES, join_all, keys, print_ratios, run_trivial, runner, runtime, spawn_and_join_each,
    spawn_and_join_raw, spawn_parked, until_started,
};

#[derive(serde::Deserialize)]
struct Entry {}

#[pipeline(key = "ingest", each = Entry)]
async fn ingest(entry: Instance<Entry>) {
    black_box(entry.name());
}

topology! {
    typetag: "bench",
    metrics: off,
    main: false,
    pipelines: [ingest],
}

fn settings(size: usize) -> Settings {
    let mut yaml = String::from("pipelines:\n  ingest:\n");
    for key in keys(size) {
        yaml.push_str(&format!("    {key}: {{}}\n"));
    }
    Topology::settings()
        .with_global(|global| global.with_poll_jitter_secs(0))
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Off))
        .with_instances("the benchmark", yaml)
}

fn generated(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("generated");
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
        let planned = settings(size);
        // Planning alone: reading every entry from YAML, as a start does.
        group.bench_function(BenchmarkId::new("topology_planning", size), |b| {
            b.iter(|| {
                let keys = Topology::keys(&planned).unwrap_or_else(|error| panic!("{error}"));
                assert_eq!(keys.len(), size);
            });
        });
        group.bench_function(BenchmarkId::new("topology_generated", size), |b| {
            b.to_async(&runtime).iter(|| async {
                let running = Topology::start(&planned)
                    .await
                    .unwrap_or_else(|error| panic!("{error}"));
                let stats = running.run_to_completion().await;
                assert_eq!(stats.counts().completed, size);
            });
        });
    }
    group.finish();
}

fn with_metrics(c: &mut Criterion) {
    let runtime = runtime();
    // The process-wide recorder, as `run_pipelines` installs it.
    let server = runtime.block_on(async {
        MetricsServer::start(
            ([127, 0, 0, 1], 0).into(),
            CancellationToken::new(),
            &topology::PrometheusRecorder::install().expect("recorder"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
    });
    spawn_and_join_with_metrics(c, &runtime, &server);
    let mut group = c.benchmark_group("start_with_metrics");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        group.bench_function(BenchmarkId::new("tokio_raw", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let keys = keys(size);
                    let (token, started) = (CancellationToken::new(), Arc::new(AtomicUsize::new(0)));
                    let clock = Instant::now();
                    let set = spawn_parked(keys, &token, &started);
                    until_started(&started, size).await;
                    total += clock.elapsed();
                    token.cancel();
                    join_all(set).await;
                }
                total
            });
        });
        let server = &server;
        group.bench_function(BenchmarkId::new("topology_with_metrics", size), |b| {
            b.to_async(&runtime).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let keys = keys(size);
                    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
                    let started = Arc::new(AtomicUsize::new(0));
                    let clock = Instant::now();
                    let shutdown = ctx.shutdown.clone();
                    let pipelines = keys
                        .into_iter()
                        .map(|key| Counted(key, shutdown.clone(), Arc::clone(&started)));
                    // Served: each run is listed for `/pipelines` and its per-key series.
                    let running = PipelineRunner::new(ctx, "bench").served_by(server).start(pipelines);
                    until_started(&started, size).await;
                    total += clock.elapsed();
                    running.shutdown();
                    running.run_to_completion().await;
                }
                total
            });
        });
    }
    group.finish();
    runtime.block_on(server.stop());
}

/// Spawn and join of trivial pipelines through a runner served as
/// `run_pipelines` serves it (the Prometheus recorder installed, each run
/// listed for `/pipelines` and its per-key series), against tokio's raw
/// `JoinSet`.
fn spawn_and_join_with_metrics(c: &mut Criterion, runtime: &Runtime, server: &MetricsServer) {
    let mut group = c.benchmark_group("spawn_and_join_with_metrics");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        group.bench_function(BenchmarkId::new("tokio_joinset", size), |b| {
            b.to_async(runtime).iter_batched(
                || keys(size),
                |keys| async move {
                    let done = spawn_and_join_raw(keys).await;
                    assert_eq!(done, size);
                },
                BatchSize::PerIteration,
            );
        });
        // The floor: raw tasks that each record what the design asks of a
        // run's metrics (its start jitter and its run's duration, in its
        // typetag's histograms), through the same recorder.
        group.bench_function(BenchmarkId::new("tokio_joinset_two_samples", size), |b| {
            b.to_async(runtime).iter_batched(
                || keys(size),
                |keys| async move {
                    let done = spawn_and_join_sampled(keys).await;
                    assert_eq!(done, size);
                },
                BatchSize::PerIteration,
            );
        });
        group.bench_function(BenchmarkId::new("topology_with_metrics", size), |b| {
            b.to_async(runtime).iter_batched(
                || keys(size),
                |keys| async move { assert_eq!(run_trivial(runner().served_by(server), keys).await, size) },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

/// tokio's raw tasks, each recording a start jitter of zero and its run's
/// duration in histograms registered once, as a typetag's are.
async fn spawn_and_join_sampled(keys: Vec<String>) -> usize {
    let labels = [("typetag", "bench")];
    let jitter = metrics::histogram!(metric_names::PIPELINE_START_JITTER, &labels);
    let run = metrics::histogram!(metric_names::PIPELINE_RUN_DURATION, &labels);
    spawn_and_join_each(keys, |key| {
        let (jitter, run) = (jitter.clone(), run.clone());
        async move {
            jitter.record(0.0);
            let began = Instant::now();
            black_box(&key);
            run.record(began.elapsed().as_secs_f64());
            key
        }
    })
    .await
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    generated(&mut criterion);
    with_metrics(&mut criterion);
    criterion.final_summary();
    print_ratios(
        "generated",
        "tokio_joinset",
        &["topology_planning", "topology_generated"],
    );
    print_ratios(
        "spawn_and_join_with_metrics",
        "tokio_joinset",
        &["tokio_joinset_two_samples", "topology_with_metrics"],
    );
    print_ratios("start_with_metrics", "tokio_raw", &["topology_with_metrics"]);
}
