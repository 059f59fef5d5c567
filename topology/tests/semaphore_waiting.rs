//! `topology_semaphore_waiting`: pipelines waiting for a permit, counted
//! over a real scrape. The semaphore gauges are process-wide, so this file
//! is its own test process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use support::{get, value};

use topology::{CancellationToken, GlobalConfig, PipelineContext};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_waiting_for_a_permit_are_counted_until_they_stop_waiting() {
    let ctx = PipelineContext::from_config(&GlobalConfig::default().with_total_concurrency(Some(1))).unwrap();
    let server = support::serve_metrics(CancellationToken::new()).await;
    let url = format!("http://{}/metrics", server.local_addr());
    let waiting = || async { value(&get(url.clone()).await.1, "topology_semaphore_waiting") };

    let held = ctx.acquire().await;
    let (first, second) = (ctx.clone(), ctx.clone());
    let queued = tokio::spawn(async move { drop(first.acquire().await) });
    let abandoned = tokio::spawn(async move { drop(second.acquire().await) });
    let mut seen = None;
    for _ in 0..500 {
        seen = waiting().await;
        if seen == Some(2.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen, Some(2.0), "two pipelines wait for the one permit");
    // One gives up waiting (its future is dropped), one gets the permit.
    abandoned.abort();
    let _ = abandoned.await;
    drop(held);
    queued.await.unwrap();
    assert_eq!(waiting().await, Some(0.0));
    server.stop().await;
}
