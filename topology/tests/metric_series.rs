//! How many series each pipeline adds to a scrape: a fixed handful of cheap
//! lines per key, the distributions per `typetag` only, so that a scrape of
//! a large topology stays small. Counted over a real HTTP scrape.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{collections::BTreeMap, time::Duration};

use support::get;
use topology::{
    CancellationToken, GlobalConfig, Pipeline, PipelineContext, PipelineRunner, RunReporter, RunningTopology,
    run_every_reporting,
};

const PIPELINES: usize = 200;

/// One iteration of an interval, or a plain run.
struct Series {
    key: String,
    iterates: bool,
    ctx: PipelineContext,
}

impl Pipeline for Series {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> std::io::Result<()> {
        self.run_reporting(RunReporter::default()).await
    }

    async fn run_reporting(self, reporter: RunReporter) -> std::io::Result<()> {
        if self.iterates {
            let once = CancellationToken::new();
            let mut own = self.ctx.clone();
            own.shutdown = once.clone();
            run_every_reporting(&own, Duration::from_millis(1), &reporter, || {
                once.cancel();
                async { Ok::<(), std::io::Error>(()) }
            })
            .await?;
        }
        // Parked until shutdown, so that the scrape sees it live.
        self.ctx.shutdown.cancelled().await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pipeline_adds_a_fixed_handful_of_lines() {
    let server = support::serve_metrics(CancellationToken::new()).await;
    let ctx = PipelineContext::from_config(&GlobalConfig::default().with_poll_jitter_secs(0)).unwrap();
    // Half run one interval iteration, half a plain run.
    let pipelines = (0..PIPELINES).map(|i| Series {
        key: format!("pipeline-{i:06}"),
        iterates: i.is_multiple_of(2),
        ctx: ctx.clone(),
    });
    let running = PipelineRunner::new(ctx.clone(), "series")
        .served_by(&server)
        .start(pipelines);
    let collecting = tokio::spawn(running.run_to_completion());
    let url = format!("http://{}/metrics", server.local_addr());
    let mut scrape = String::new();
    for _ in 0..500 {
        scrape = get(url.clone()).await.1;
        let iterated = scrape
            .lines()
            .filter(|line| line.starts_with("topology_pipeline_last_iteration_timestamp_seconds{"))
            .count();
        if iterated == PIPELINES / 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut lines_per_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in scrape.lines().filter(|line| !line.starts_with('#')) {
        if let Some((_, rest)) = line.split_once("key=\"") {
            let key = rest.split('"').next().unwrap().to_owned();
            let name = line.split('{').next().unwrap().to_owned();
            lines_per_key.entry(key).or_default().push(name);
        }
    }
    assert_eq!(lines_per_key.len(), PIPELINES, "{scrape}");
    for (key, names) in &lines_per_key {
        let index: usize = key.trim_start_matches("pipeline-").parse().unwrap();
        let mut names = names.clone();
        names.sort();
        let mut expected = vec!["topology_pipeline_running", "topology_pipeline_starts_total"];
        if index.is_multiple_of(2) {
            expected.extend([
                "topology_pipeline_last_iteration_duration_seconds",
                "topology_pipeline_last_iteration_timestamp_seconds",
            ]);
        }
        expected.sort_unstable();
        assert_eq!(names, expected, "{key}");
    }
    let per_key_bytes: usize = scrape
        .lines()
        .filter(|line| line.contains("key=\""))
        .map(|line| line.len() + 1)
        .sum();
    let per_pipeline = per_key_bytes / PIPELINES;
    assert!(per_pipeline <= 600, "{per_pipeline} bytes per pipeline");
    ctx.shutdown.cancel();
    let stats = collecting.await.unwrap();
    assert_eq!(stats.counts().completed, PIPELINES);
    // The topology has ended: its runs have left the endpoint it was served by.
    let (_, scrape) = get(url).await;
    assert!(!scrape.contains("key=\""), "{scrape}");
    // The distributions exist once, for the typetag.
    assert!(
        scrape.contains("topology_pipeline_run_duration_seconds_count{typetag=\"series\"} 200"),
        "{scrape}"
    );
    assert!(
        scrape.contains("topology_pipeline_iteration_duration_seconds_count{typetag=\"series\"} 100"),
        "{scrape}"
    );
    server.stop().await;
}
