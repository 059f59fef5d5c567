//! Spawn-and-join of 100 000 trivial pipelines through the runner, against
//! tokio's raw `JoinSet` doing the same in the same run.
//!
//! Run with `cargo bench -p topology --bench spawn`; the ratio of the two
//! medians is printed at the end and kept in the README's performance table.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design
#![allow(missing_docs)]

use std::{convert::Infallible, hint::black_box, time::Duration};

use criterion::Criterion;
use tokio::{runtime::Runtime, task::JoinSet};
use topology::{CancellationToken, MetricsServer, Pipeline, PipelineContext, PipelineRunner, RunningTopology};

const PIPELINES: u32 = 100_000;

struct Trivial(u32);

impl Pipeline for Trivial {
    type Key = u32;
    type Error = Infallible;

    fn key(&self) -> &u32 {
        &self.0
    }

    async fn run(self) -> Result<(), Infallible> {
        black_box(self.0);
        Ok(())
    }
}

/// Spawns every pipeline through the runner and waits for all outcomes.
async fn through_the_runner() {
    let ctx = PipelineContext {
        poll_jitter_secs: 0,
        ..Default::default()
    };
    let stats = PipelineRunner::new(ctx, "bench")
        .start((0..PIPELINES).map(Trivial))
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().completed, PIPELINES as usize);
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn spawn_and_join(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("spawn_and_join_100k");
    group.sample_size(20).measurement_time(Duration::from_secs(20));
    group.bench_function("tokio_joinset", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut set = JoinSet::new();
            for i in 0..PIPELINES {
                set.spawn(async move {
                    black_box(i);
                    Ok::<(), Infallible>(())
                });
            }
            let mut done = 0u32;
            while let Some(result) = set.join_next().await {
                if matches!(result, Ok(Ok(()))) {
                    done += 1;
                }
            }
            assert_eq!(done, PIPELINES);
        });
    });
    // The same, with tasks as large as the runner's (its future is about 176
    // bytes): separates the cost of carrying per-pipeline state from the
    // runner's own work.
    group.bench_function("tokio_joinset_runner_sized", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut set = JoinSet::new();
            for i in 0..PIPELINES {
                let state = [i as u8; 160];
                set.spawn(async move {
                    black_box(&state);
                    Ok::<(usize, [u8; 40]), Infallible>((i as usize, [0; 40]))
                });
            }
            let mut done = 0u32;
            while let Some(result) = set.join_next().await {
                if result.is_ok() {
                    done += 1;
                }
            }
            assert_eq!(done, PIPELINES);
        });
    });
    group.bench_function("topology_runner", |b| {
        b.to_async(&runtime).iter(through_the_runner);
    });
    // Last, since a process cannot uninstall its recorder: the same run with
    // the Prometheus recorder receiving every per-pipeline series.
    group.bench_function("topology_runner_with_metrics", |b| {
        runtime.block_on(async {
            let server = MetricsServer::start("127.0.0.1:0".parse().expect("address"), CancellationToken::new())
                .await
                .expect("metrics endpoint");
            server.stop().await;
        });
        b.to_async(&runtime).iter(through_the_runner);
    });
    group.finish();
}

/// The median of one benchmark of the group, from criterion's estimates.
fn median_ns(function: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = format!("{target}/criterion/spawn_and_join_100k/{function}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    spawn_and_join(&mut criterion);
    criterion.final_summary();
    let Some(baseline) = median_ns("tokio_joinset") else {
        return;
    };
    println!("spawn-and-join of {PIPELINES} pipelines, median; ratio against tokio's JoinSet:");
    println!("  tokio_joinset                 {:8.1} ms  1.00", baseline / 1e6);
    for function in [
        "tokio_joinset_runner_sized",
        "topology_runner",
        "topology_runner_with_metrics",
    ] {
        if let Some(median) = median_ns(function) {
            println!("  {function:<29} {:8.1} ms  {:.2}", median / 1e6, median / baseline);
        }
    }
}
