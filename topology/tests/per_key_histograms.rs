//! `per_key_histograms`: for a small topology, each key's distributions as
//! well as its typetag's. A runner's own choice, not a process-wide switch:
//! a second runner in the same process without it adds no key's series.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use support::get;
use topology::{CancellationToken, PipelineContext, PipelineRunner, RunningTopology, Task, TaskOutput};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_own_histograms_when_asked() {
    let server = support::serve_metrics(CancellationToken::new()).await;
    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
    let tasks = ["a", "b"].map(|key| Task::new(key, "few", async { Ok(TaskOutput::default()) }));
    let stats = PipelineRunner::new(ctx.clone(), "few")
        .per_key_histograms(true)
        .start_tasks(tasks)
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().completed, 2);
    let (_, scrape) = get(format!("http://{}/metrics", server.local_addr())).await;
    for series in [
        "topology_pipeline_run_duration_seconds_count{key=\"a\",typetag=\"few\"} 1",
        "topology_pipeline_start_jitter_seconds_count{key=\"b\",typetag=\"few\"} 1",
        "topology_pipeline_run_duration_seconds_count{typetag=\"few\"} 2",
    ] {
        assert!(scrape.contains(series), "{series}:\n{scrape}");
    }
    let tasks = ["c"].map(|key| Task::new(key, "many", async { Ok(TaskOutput::default()) }));
    let stats = PipelineRunner::new(ctx, "many")
        .start_tasks(tasks)
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().completed, 1);
    let (_, scrape) = get(format!("http://{}/metrics", server.local_addr())).await;
    assert!(
        scrape.contains("topology_pipeline_run_duration_seconds_count{typetag=\"many\"} 1"),
        "{scrape}"
    );
    assert!(!scrape.contains("key=\"c\",typetag=\"many\""), "{scrape}");
    server.stop().await;
}
