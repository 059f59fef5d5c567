//! One `/metrics` scrape over HTTP with every pipeline's series registered:
//! its size per pipeline and how long it takes, at 1 000, 10 000 and
//! 100 000 pipelines. The target is absolute (at most 600 bytes per pipeline,
//! at most a second at 100 000), so the figure printed is the scrape itself.
//!
//! `cargo bench -p topology-benches --bench scrape`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::time::{Duration, Instant};

use topology::{CancellationToken, MetricsServer, PipelineContext, PipelineRunner, RunningTopology};
use topology_benches::{Trivial, keys, runtime};

fn main() {
    let runtime = runtime();
    runtime.block_on(async {
        let server = MetricsServer::start(([127, 0, 0, 1], 0).into(), CancellationToken::new())
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let url = format!("http://{}/metrics", server.local_addr());
        let client = reqwest::Client::new();
        println!("scrape: one GET /metrics with every pipeline's series (each has run once)");
        let mut registered = 0;
        for size in [1_000, 10_000, 100_000] {
            // Register the pipelines not registered yet: keys are shared
            // between sizes, so each size's scrape holds exactly `size`.
            let new_keys: Vec<String> = keys(size).split_off(registered);
            registered = size;
            PipelineRunner::new(PipelineContext::default(), "bench")
                .start(new_keys.into_iter().map(Trivial))
                .run_to_completion()
                .await;
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
        }
        server.stop().await;
    });
}
