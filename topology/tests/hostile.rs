//! The runner under hostile pipelines and settings: whatever a pipeline does
//! and whatever the settings say, every pipeline gets an outcome, nothing
//! panics, and the run ends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use support::{Behaviour, LogCapture, TestPipeline, context, kind_of};
use topology::{OutcomeKind, Pipeline, PipelineContext, PipelineRunner, RunningTopology, TaskError};

#[tokio::test(start_paused = true)]
async fn a_timeout_too_large_for_the_clock_means_no_deadline() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table")
        .shutdown_timeout(Some(Duration::from_secs(u64::MAX)))
        .progress_interval(Duration::MAX);
    let running = runner.start([TestPipeline::new(
        "flush",
        Behaviour::FinishAfter(Duration::from_secs(7200)),
        &ctx,
    )]);
    tokio::task::yield_now().await;
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert_eq!(kind_of(&stats, "flush"), OutcomeKind::Completed);
    assert_eq!(
        logs.lines_with(&["waiting with no deadline"]).len(),
        1,
        "{}",
        logs.text()
    );
}

#[tokio::test(start_paused = true)]
async fn settings_at_their_extremes_never_panic() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    for jitter in [0, 1, u64::MAX] {
        let ctx = context(jitter);
        let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(Some(Duration::ZERO));
        let running = runner.start([TestPipeline::new("a", Behaviour::UntilShutdown, &ctx)]);
        tokio::task::yield_now().await;
        ctx.shutdown.cancel();
        let stats = running.run_to_completion().await;
        assert_eq!(stats.outcomes.len(), 1, "jitter {jitter}");
    }
}

/// A panic payload whose own drop panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panicked too");
    }
}

struct Bombing(String);

impl Pipeline for Bombing {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        &self.0
    }

    async fn run(self) -> std::io::Result<()> {
        std::panic::panic_any(Bomb)
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_whose_payload_panics_on_drop_is_a_panic_of_that_pipeline() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let stats = runner
        .start([Bombing("orders".to_owned()), Bombing("events".to_owned())])
        .run_to_completion()
        .await;
    assert_eq!(kind_of(&stats, "orders"), OutcomeKind::Panicked);
    assert_eq!(kind_of(&stats, "events"), OutcomeKind::Panicked);
    assert!(!stats.forced);
    assert!(logs.lines_with(&["ended abnormally"]).is_empty(), "{}", logs.text());
    assert!(logs.lines_with(&["aborted"]).is_empty(), "{}", logs.text());
    assert_eq!(
        logs.lines_with(&["orders", "pipeline panicked"]).len(),
        1,
        "{}",
        logs.text()
    );
}

#[tokio::test(start_paused = true)]
async fn a_forced_shutdown_reports_pipelines_still_in_their_jitter_as_cancelled() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(3600);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(None);
    // Without jitter, so it is running when the shutdown is forced.
    let running =
        PipelineRunner::new(context(0), "table").start([TestPipeline::new("running", Behaviour::Stubborn, &ctx)]);
    let waiting = runner.start((0..50).map(|i| TestPipeline::new(&format!("waiting-{i}"), Behaviour::Stubborn, &ctx)));
    tokio::task::yield_now().await;
    running.shutdown_handle().force();
    waiting.shutdown_handle().force();
    let (running, waiting) = tokio::join!(running.run_to_completion(), waiting.run_to_completion());
    assert_eq!(kind_of(&running, "running"), OutcomeKind::Aborted);
    // A pipeline whose jitter was too short to notice may have started: it
    // is then aborted. Every other one never started.
    assert!(waiting.counts().cancelled >= 49, "{}", waiting.summary());
    assert_eq!(waiting.counts().cancelled + waiting.counts().aborted, 50);
}

#[tokio::test(start_paused = true)]
async fn the_summary_line_names_a_bounded_number_of_keys() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let stats = runner
        .start((0..10_000).map(|i| TestPipeline::new(&format!("table-{i:05}"), Behaviour::Fail, &ctx)))
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().failed, 10_000, "every outcome is in the stats");
    let summary = stats.summary();
    assert!(summary.len() < 1_000, "{} bytes", summary.len());
    assert!(summary.ends_with(" and 9980 more"), "{summary}");
    let line = logs.lines_with(&["topology stopped:"]);
    assert_eq!(line.len(), 1);
    assert!(line[0].len() < 1_200, "{}", line[0]);
}

/// Blocks its worker thread after shutdown begins, as `std::thread::sleep`
/// in async code does.
struct Blocking {
    key: String,
    ctx: PipelineContext,
    unblocked: Arc<AtomicBool>,
}

impl Pipeline for Blocking {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> std::io::Result<()> {
        self.ctx.shutdown.cancelled().await;
        // Long past the deadline and its grace, bounded so the test's
        // runtime can still be dropped afterwards.
        std::thread::sleep(Duration::from_secs(4));
        self.unblocked.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Runs one pipeline that blocks its thread once shutdown begins, with a
/// short deadline; the run must end while the thread is still blocked.
async fn run_with_a_blocked_thread() {
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(Some(Duration::from_millis(200)));
    let unblocked = Arc::new(AtomicBool::new(false));
    let running = runner.start([Blocking {
        key: "blocking".to_owned(),
        ctx: ctx.clone(),
        unblocked: Arc::clone(&unblocked),
    }]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert!(
        !unblocked.load(Ordering::SeqCst),
        "the run ended without waiting for the blocked thread"
    );
    assert_eq!(kind_of(&stats, "blocking"), OutcomeKind::TimedOut);
    match &stats.outcome(&"blocking".to_owned()).unwrap().result {
        Err(TaskError::TimedOut) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_blocking_its_thread_past_the_deadline_is_timed_out_and_the_run_ends() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    run_with_a_blocked_thread().await;
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_pipelines_shut_down_together_with_one_outcome_each() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let running =
        runner.start((0..10_000).map(|i| TestPipeline::new(&format!("t{i}"), Behaviour::UntilShutdown, &ctx)));
    tokio::task::yield_now().await;
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.outcomes.len(), 10_000);
    let mut keys: Vec<&String> = stats.outcomes.iter().map(|outcome| &outcome.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 10_000, "no outcome lost or doubled");
    assert_eq!(stats.counts().completed, 10_000);
}

#[tokio::test(start_paused = true)]
async fn pipelines_that_finish_before_the_others_start_end_nothing_early() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(60);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let started = tokio::time::Instant::now();
    let stats = runner
        .start((0..20).map(|i| TestPipeline::new(&format!("t{i}"), Behaviour::Complete, &ctx)))
        .run_to_completion()
        .await;
    assert_eq!(stats.counts().completed, 20, "{}", stats.summary());
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(
        !ctx.shutdown.is_cancelled(),
        "one finishing pipeline does not stop the others"
    );
}

/// With its only worker thread blocked, tokio's own timers stop; the
/// deadline and the grace still fire, on the wall clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_deadline_fires_even_when_every_worker_thread_is_blocked() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    run_with_a_blocked_thread().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_sees_the_lines_of_every_thread() {
    let logs = LogCapture::start();
    tokio::spawn(async { topology::tracing::info!("from a worker") })
        .await
        .unwrap();
    std::thread::spawn(|| topology::tracing::info!("from a thread of its own"))
        .join()
        .unwrap();
    assert_eq!(logs.lines_with(&["from a"]).len(), 2, "{}", logs.text());
}

/// Fails with an error whose text spans lines, as an S3 XML body does.
struct XmlFailure;

impl Pipeline for XmlFailure {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        KEY.get_or_init(|| "s3-sink".to_owned())
    }

    async fn run(self) -> std::io::Result<()> {
        Err(std::io::Error::other("<Error>\n  <Code>SlowDown</Code>\n</Error>"))
    }
}

#[tokio::test(start_paused = true)]
async fn a_multi_line_error_stays_one_log_line() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let stats = PipelineRunner::new(ctx, "table")
        .start([XmlFailure])
        .run_to_completion()
        .await;
    assert_eq!(kind_of(&stats, "s3-sink"), OutcomeKind::Failed);
    let lines = logs.lines_with(&["pipeline failed", "key=s3-sink"]);
    assert_eq!(lines.len(), 1, "{}", logs.text());
    assert!(
        lines[0].contains("<Error>\\n  <Code>SlowDown</Code>\\n</Error>"),
        "{}",
        logs.text()
    );
}
