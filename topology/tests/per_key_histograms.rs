//! `per_key_histograms`: for a small topology, each key's distributions as
//! well as its typetag's, served like the other per-key series by the
//! endpoint whose board lists the runs. A runner's own choice, not a
//! process-wide switch: a second runner without it adds no key's series.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use support::get;
use topology::{CancellationToken, PipelineContext, PipelineRunner, RunningTopology, Task, TaskOutput};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_own_histograms_when_asked() {
    let server = support::serve_metrics(CancellationToken::new()).await;
    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
    // Parked until asked, so that they are still listed when scraped.
    let tasks = ["a", "b"].map(|key| {
        let stop = ctx.shutdown.clone();
        Task::new(key, "few", async move {
            stop.cancelled().await;
            Ok(TaskOutput::default())
        })
    });
    let few = PipelineRunner::new(ctx.clone(), "few")
        .per_key_histograms(true)
        .served_by(&server)
        .start_tasks(tasks);
    let other = PipelineContext::default().with_poll_jitter_secs(0);
    let tasks = ["c"].map(|key| Task::new(key, "many", async { Ok(TaskOutput::default()) }));
    let stats = PipelineRunner::new(other, "many")
        .served_by(&server)
        .start_tasks(tasks)
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().completed, 1);
    let mut scrape = String::new();
    for _ in 0..500 {
        scrape = get(format!("http://{}/metrics", server.local_addr())).await.1;
        if scrape.contains("topology_pipeline_key_start_jitter_seconds_count{key=\"b\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for series in [
        "# TYPE topology_pipeline_key_start_jitter_seconds histogram",
        "topology_pipeline_key_start_jitter_seconds_count{key=\"a\",typetag=\"few\"} 1",
        "topology_pipeline_key_start_jitter_seconds_count{key=\"b\",typetag=\"few\"} 1",
        "topology_pipeline_key_run_duration_seconds_bucket{key=\"a\",typetag=\"few\",le=\"0.005\"} 0",
        "topology_pipeline_run_duration_seconds_count{typetag=\"many\"} 1",
    ] {
        assert!(scrape.contains(series), "{series}:\n{scrape}");
    }
    assert!(!scrape.contains("key=\"c\",typetag=\"many\",le="), "{scrape}");
    ctx.shutdown.cancel();
    let stats = few.run_to_completion().await;
    assert_eq!(stats.counts().completed, 2);
    let (_, scrape) = get(format!("http://{}/metrics", server.local_addr())).await;
    assert!(
        scrape.contains("topology_pipeline_run_duration_seconds_count{typetag=\"few\"} 2"),
        "{scrape}"
    );
    // The topology ended: its runs, and their own histograms, left.
    assert!(!scrape.contains("topology_pipeline_key_"), "{scrape}");
    server.stop().await;
}
