//! One `/metrics` scrape over HTTP with every pipeline's series, read from
//! the records of running pipelines: its size per pipeline and how long it
//! takes, at 1 000, 10 000 and
//! 100 000 pipelines. The target is absolute (at most 600 bytes per pipeline,
//! at most a second at 100 000), so the figure printed is the scrape itself.
//!
//! `cargo bench -p topology-benches --bench scrape`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::time::{Duration, Instant};

use topology::{CancellationToken, MetricsServer, PipelineContext, PipelineRunner, RunningTopology};
use topology_benches::{Parked, keys, runtime};

fn main() {
    let runtime = runtime();
    runtime.block_on(async {
        let server = MetricsServer::start(
            ([127, 0, 0, 1], 0).into(),
            CancellationToken::new(),
            &topology::PrometheusRecorder::install().expect("recorder"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
        let url = format!("http://{}/metrics", server.local_addr());
        let client = reqwest::Client::new();
        println!("scrape: one GET /metrics with every pipeline's series (each running, served by the endpoint)");
        for size in [1_000, 10_000, 100_000] {
            // Parked and served: the series are those of live runs.
            let ctx = PipelineContext::default().with_poll_jitter_secs(0);
            let shutdown = ctx.shutdown.clone();
            let running = PipelineRunner::new(ctx, "bench")
                .served_by(&server)
                .start(keys(size).into_iter().map(|key| Parked(key, shutdown.clone())));
            let mut best = Duration::MAX;
            let mut bytes = 0;
            for _ in 0..5 {
                let clock = Instant::now();
                let body = match client.get(&url).send().await {
                    Ok(response) => response.bytes().await.unwrap_or_default(),
                    Err(error) => panic!("scrape failed: {error}"),
                };
                best = best.min(clock.elapsed());
                bytes = body.len();
            }
            println!(
                "  {size:>7} pipelines: {:7.1} MB, {:4.0} B per pipeline, {:7.1} ms (best of 5)",
                bytes as f64 / 1e6,
                bytes as f64 / size as f64,
                best.as_secs_f64() * 1e3
            );
            running.shutdown();
            running.run_to_completion().await;
        }
        server.stop().await;
    });
}
