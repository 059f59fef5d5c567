//! Restart policy and failure policy: pipelines that heal, crash loops that
//! end as failures, and a topology that stops when told to.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use support::{Behaviour, LogCapture, TestPipeline, context};
use tokio::time::Instant;
use topology::{
    FailurePolicy, OutcomeKind, Pipeline, PipelineContext, PipelineRunner, RestartPolicy, RunningTopology, Supervised,
    Supervisor,
};

/// Fails its first `failures` runs (counted across attempts), then succeeds.
struct Flaky {
    runs: Arc<AtomicU32>,
    failures: u32,
    panics: bool,
}

impl Pipeline for Flaky {
    type Key = &'static str;
    type Error = std::io::Error;

    fn key(&self) -> &&'static str {
        &"flaky"
    }

    async fn run(self) -> std::io::Result<()> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        if run < self.failures {
            if self.panics {
                panic!("attempt {run} panicked");
            }
            return Err(std::io::Error::other(format!("attempt {run} failed")));
        }
        Ok(())
    }
}

fn flaky(
    ctx: &PipelineContext,
    policy: RestartPolicy,
    failures: u32,
    panics: bool,
) -> impl Pipeline<Key = &'static str> {
    let runs = Arc::new(AtomicU32::new(0));
    Supervised::new("flaky", ctx.clone(), policy, move || Flaky {
        runs: Arc::clone(&runs),
        failures,
        panics,
    })
}

#[tokio::test(start_paused = true)]
async fn a_pipeline_that_fails_then_heals_completes_and_counts_its_restarts() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let stats = PipelineRunner::new(ctx.clone(), "table")
        .start([flaky(&ctx, RestartPolicy::on_failure(), 3, false)])
        .run_to_completion()
        .await;
    let outcome = &stats.outcomes[0];
    assert_eq!(outcome.kind(), OutcomeKind::Completed);
    assert_eq!(outcome.restarts, 3);
    let restarts = logs.lines_with(&["pipeline failed; restarting in", "key=flaky"]);
    assert_eq!(restarts.len(), 3, "{}", logs.text());
    assert!(
        restarts[0].contains("attempt 0 failed") && restarts[0].contains("attempt=1"),
        "{}",
        restarts[0]
    );
    assert_eq!(
        logs.lines_with(&["pipeline completed after 3 restarts"]).len(),
        1,
        "{}",
        logs.text()
    );
}

#[tokio::test(start_paused = true)]
async fn a_crash_loop_waits_longer_each_time_then_ends_failed_while_others_run() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let policy = RestartPolicy::on_failure()
        .max_restarts(4)
        .backoff(Duration::from_secs(1), Duration::from_secs(60));
    let started = Instant::now();
    let running = PipelineRunner::new(ctx.clone(), "table").start([flaky(&ctx, policy, u32::MAX, false)]);
    let other =
        PipelineRunner::new(ctx.clone(), "table").start([TestPipeline::new("steady", Behaviour::UntilShutdown, &ctx)]);
    let stats = running.run_to_completion().await;
    let outcome = &stats.outcomes[0];
    assert_eq!(outcome.kind(), OutcomeKind::Failed);
    assert_eq!(
        outcome.restarts, 4,
        "the budget: four restarts, then the fifth failure ends it"
    );
    assert!(
        outcome
            .result
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("attempt 4 failed")
    );
    assert_eq!(stats.exit_code(), std::process::ExitCode::FAILURE);
    // Backoff doubles from 1 s with the upper half jittered and never below
    // the minimum: at least 1 + 1 + 2 + 4 s, at most 1 + 2 + 4 + 8 s.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(8) && waited <= Duration::from_secs(15),
        "{waited:?}"
    );
    // The other pipeline kept running all along.
    assert!(!ctx.shutdown.is_cancelled());
    ctx.shutdown.cancel();
    assert_eq!(other.run_to_completion().await.counts().completed, 1);
}

#[tokio::test(start_paused = true)]
async fn a_crash_loop_of_panics_ends_as_a_panic() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let policy = RestartPolicy::on_failure().max_restarts(2);
    let stats = PipelineRunner::new(ctx.clone(), "table")
        .start([flaky(&ctx, policy, u32::MAX, true)])
        .run_to_completion()
        .await;
    assert_eq!(stats.outcomes[0].kind(), OutcomeKind::Panicked);
    assert_eq!(stats.outcomes[0].restarts, 2, "a panic keeps its run's restart count");
    assert!(
        stats.outcomes[0]
            .result
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("attempt 2 panicked")
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_cuts_a_backoff_short() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let policy = RestartPolicy::on_failure().backoff(Duration::from_secs(3600), Duration::from_secs(3600));
    let running = PipelineRunner::new(ctx.clone(), "table").start([flaky(&ctx, policy, u32::MAX, false)]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let shutdown_at = Instant::now();
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert_eq!(shutdown_at.elapsed(), Duration::ZERO);
    assert_eq!(
        stats.outcomes[0].kind(),
        OutcomeKind::Cancelled,
        "a stop in the backoff is not a failure"
    );
    assert_eq!(stats.outcomes[0].restarts, 0);
    assert!(stats.is_success());
}

#[tokio::test(start_paused = true)]
async fn restarts_outside_the_window_do_not_count() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let supervisor = Supervisor::new(
        RestartPolicy::on_failure()
            .max_restarts(1)
            .window(Duration::from_secs(10))
            .backoff(Duration::from_secs(20), Duration::from_secs(20)),
    );
    let calls = AtomicU32::new(0);
    // Every other call fails: each failure comes long after the previous
    // restart left the window, so the budget of one is never spent.
    let result: Result<(), std::io::Error> = async {
        for _ in 0..5 {
            supervisor
                .run(&ctx, || async {
                    if calls.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                        Err(std::io::Error::other("transient"))
                    } else {
                        Ok(())
                    }
                })
                .await?;
        }
        Ok(())
    }
    .await;
    assert!(result.is_ok());
    assert_eq!(calls.load(Ordering::SeqCst), 10);
}

#[tokio::test(start_paused = true)]
async fn failure_policy_shutdown_stops_the_topology_gracefully() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let stats = PipelineRunner::new(ctx.clone(), "table")
        .failure_policy(FailurePolicy::Shutdown)
        .start([
            TestPipeline::new("broken", Behaviour::Fail, &ctx),
            TestPipeline::new("steady", Behaviour::FinishAfter(Duration::from_secs(2)), &ctx),
        ])
        .run_to_completion()
        .await;
    assert_eq!(stats.outcome(&"broken".to_owned()).unwrap().kind(), OutcomeKind::Failed);
    assert_eq!(
        stats.outcome(&"steady".to_owned()).unwrap().kind(),
        OutcomeKind::Completed
    );
    assert!(!stats.forced);
    assert_eq!(stats.exit_code(), std::process::ExitCode::FAILURE);
    let line = logs.lines_with(&["failure_policy is `shutdown`: stopping the topology", "key=broken"]);
    assert_eq!(line.len(), 1, "{}", logs.text());
}

#[tokio::test(start_paused = true)]
async fn failure_policy_isolate_keeps_the_others_running() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let running = PipelineRunner::new(ctx.clone(), "table").start([
        TestPipeline::new("broken", Behaviour::Fail, &ctx),
        TestPipeline::new("steady", Behaviour::UntilShutdown, &ctx),
    ]);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!ctx.shutdown.is_cancelled());
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().completed, 1);
    assert_eq!(stats.counts().failed, 1);
}

#[test]
fn the_backoff_stays_within_its_bounds_at_any_count() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let policy = RestartPolicy::on_failure().backoff(Duration::from_secs(1), Duration::from_secs(60));
    for consecutive in [0, 1, 2, 7, 32, 33, 64, 1_000, u32::MAX] {
        for _ in 0..100 {
            let delay = policy.delay(consecutive);
            assert!(
                delay >= Duration::from_secs(1) && delay <= Duration::from_secs(60),
                "restart {consecutive}: {delay:?}"
            );
        }
    }
    // The cap's upper half is jittered; the first wait is the minimum.
    assert!(policy.delay(u32::MAX) >= Duration::from_secs(30));
    assert_eq!(policy.delay(1), Duration::from_secs(1));
    // Extremes that would overflow a clock.
    let huge = RestartPolicy::on_failure().backoff(Duration::MAX, Duration::MAX);
    assert_eq!(huge.delay(u32::MAX), Duration::MAX);
    let inverted = RestartPolicy::on_failure().backoff(Duration::from_secs(10), Duration::from_secs(1));
    assert_eq!(inverted.delay(5), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_run_that_lasted_past_the_longest_backoff_starts_the_backoff_over() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let supervisor = Supervisor::new(
        RestartPolicy::on_failure()
            .max_restarts(100)
            .backoff(Duration::from_secs(1), Duration::from_secs(4)),
    );
    let calls = AtomicU32::new(0);
    let starts = std::sync::Mutex::new(Vec::new());
    // Four quick failures (the wait grows to the cap), one after ten
    // seconds of work, then a success.
    let result: Result<(), std::io::Error> = supervisor
        .run(&ctx, || {
            starts.lock().unwrap().push(Instant::now());
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match call {
                    0..=3 => Err(std::io::Error::other("quick failure")),
                    4 => {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                        Err(std::io::Error::other("after a long run"))
                    }
                    _ => Ok(()),
                }
            }
        })
        .await;
    assert!(result.is_ok());
    let starts = starts.lock().unwrap();
    let waits: Vec<Duration> = starts.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert!(waits[3] >= Duration::from_secs(2), "grown: {waits:?}");
    // The last wait follows the ten-second run: back to the minimum.
    assert_eq!(waits[4] - Duration::from_secs(10), Duration::from_secs(1), "{waits:?}");
}
