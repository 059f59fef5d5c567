//! Memory and what the endpoints list over many reloads: 1 000 entries
//! replaced by 1 000 new ones, 200 times over, with one more pipeline live
//! throughout, metrics and `/pipelines` served. The process's resident set,
//! the rows of `/pipelines` and the per-key lines of `/metrics` are read
//! before and after; what left the configuration must leave all three.
//!
//! `cargo bench -p topology-benches --bench reload`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::time::Duration;

use topology::{CancellationToken, Instance, MetricsAddress, RunningTopology, Settings, pipeline, topology};
use topology_benches::runtime;

const ENTRIES: usize = 1_000;
/// How many reloads; `TOPOLOGY_BENCH_RELOADS` sets another count.
fn reloads() -> usize {
    std::env::var("TOPOLOGY_BENCH_RELOADS")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(200)
}

#[derive(serde::Deserialize)]
struct Entry {}

#[pipeline(key = "ingest", each = Entry)]
async fn ingest(_entry: Instance<Entry>, stop: CancellationToken) {
    stop.cancelled().await;
}

#[pipeline(key = "steady")]
async fn steady(stop: CancellationToken) {
    stop.cancelled().await;
}

topology! {
    typetag: "bench",
    metrics: off,
    main: false,
    pipelines: [ingest, steady],
}

fn settings(generation: usize) -> Settings {
    let mut yaml = String::from("pipelines:\n  ingest:\n");
    for i in 0..ENTRIES {
        yaml.push_str(&format!("    g{generation}x{i:04}: {{}}\n"));
    }
    Topology::settings()
        .with_global(|global| global.with_poll_jitter_secs(0))
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Listen("127.0.0.1:0".parse().unwrap())))
        .with_instances("the benchmark", yaml)
}

/// The resident set of this process, in MB.
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Rows of `/pipelines` and per-key lines of `/metrics`.
async fn listed(base: &str) -> (usize, usize) {
    let rows: Vec<serde_json::Value> = reqwest::get(format!("{base}/pipelines"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scrape = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = scrape.lines().filter(|line| line.contains("key=\"")).count();
    (rows.len(), lines)
}

fn main() {
    let runtime = runtime();
    runtime.block_on(async {
        let running = Topology::start(&settings(0)).await.unwrap();
        let base = format!("http://{}", running.metrics_addr().unwrap());
        let reloader = running.reloader().unwrap();
        let handle = running.shutdown_handle();
        let collecting = tokio::spawn(running.run_to_completion());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (rows, lines) = listed(&base).await;
        let before = rss_mb();
        println!(
            "reload: {ENTRIES} entries replaced by new ones {} times, one more pipeline live throughout",
            reloads()
        );
        println!("  before: RSS {before:.1} MB, {rows} rows in /pipelines, {lines} per-key lines in /metrics");
        for generation in 1..=reloads() {
            reloader.reload(&settings(generation)).unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (rows, lines) = listed(&base).await;
        let after = rss_mb();
        println!("  after:  RSS {after:.1} MB, {rows} rows in /pipelines, {lines} per-key lines in /metrics");
        handle.shutdown();
        let stats = collecting.await.unwrap();
        println!(
            "  {} outcomes collected; RSS grew {:.1} MB over {} runs",
            stats.outcomes.len(),
            after - before,
            (reloads() + 1) * ENTRIES
        );
    });
}
