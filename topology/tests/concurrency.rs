//! The global semaphore, through the real runner.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use topology::{GlobalConfig, Pipeline, PipelineContext, PipelineRunner, RunningTopology};

/// Takes permits in a loop and records how many are held at once.
struct Contender {
    key: String,
    ctx: PipelineContext,
    held: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    acquired: Arc<AtomicUsize>,
}

impl Pipeline for Contender {
    type Key = String;
    type Error = Infallible;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> Result<(), Infallible> {
        for round in 0..20u64 {
            let _permit = self.ctx.acquire().await;
            let now = self.held.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            self.acquired.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_micros(50 + (round % 7) * 30)).await;
            self.held.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_limit_is_never_exceeded_under_contention() {
    let config = GlobalConfig::default()
        .with_poll_jitter_secs(0)
        .with_total_concurrency(Some(3));
    let ctx = PipelineContext::from_config(&config).expect("valid config");
    let (held, peak, acquired) = Default::default();
    let (held, peak, acquired): (Arc<AtomicUsize>, Arc<AtomicUsize>, Arc<AtomicUsize>) = (held, peak, acquired);
    let pipelines = (0..40).map(|i| Contender {
        key: format!("table-{i}"),
        ctx: ctx.clone(),
        held: Arc::clone(&held),
        peak: Arc::clone(&peak),
        acquired: Arc::clone(&acquired),
    });
    let stats = PipelineRunner::new(ctx.clone(), "table")
        .start(pipelines)
        .run_to_completion()
        .await;

    assert_eq!(stats.counts().completed, 40);
    assert_eq!(acquired.load(Ordering::SeqCst), 40 * 20);
    assert_eq!(peak.load(Ordering::SeqCst), 3, "the limit is reached, never passed");
    let semaphore = ctx.global_semaphore.as_ref().expect("a limit was set");
    assert_eq!(semaphore.available_permits(), 3, "every permit came back");
}

#[tokio::test]
async fn without_a_limit_permits_are_free() {
    let ctx = PipelineContext::from_config(&GlobalConfig::default()).expect("valid config");
    assert!(ctx.global_semaphore.is_none());
    let permits: Vec<_> = futures_free_collect(&ctx, 10_000).await;
    assert!(permits.iter().all(|permit| !permit.is_limited()));
}

async fn futures_free_collect(ctx: &PipelineContext, n: usize) -> Vec<topology::ConcurrencyPermit> {
    let mut permits = Vec::with_capacity(n);
    for _ in 0..n {
        permits.push(ctx.acquire().await);
    }
    permits
}

#[test]
fn a_zero_or_huge_limit_is_rejected_with_the_setting_named() {
    for (limit, shown) in [(0, "`0`"), (usize::MAX, "`18446744073709551615`")] {
        let config = GlobalConfig::default().with_total_concurrency(Some(limit));
        let error = PipelineContext::from_config(&config)
            .expect_err("invalid limit")
            .to_string();
        assert!(error.contains("total_concurrency"), "{error}");
        assert!(error.contains(shown), "{error}");
    }
}
