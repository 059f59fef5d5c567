//! Signals sent to this very process: counted (a shutdown begun by a
//! pipeline leaves the operator's first signal graceful), and queued when
//! they come before anything runs. In a test binary of its own, since a
//! signal reaches the whole process; the tests here take turns.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::{Signal, raise};
use support::{Behaviour, TestPipeline};
use topology::{OutcomeKind, PipelineContext, PipelineRunner, ShutdownSignals};

/// One test at a time: each one's watcher would see the other's signals.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_begun_by_a_pipeline_leaves_the_first_signal_graceful() {
    let _turn = TURN.lock().await;
    let signals = ShutdownSignals::install().expect("handlers");
    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(None);
    let pipelines = vec![
        TestPipeline::new("quitter", Behaviour::CancelShutdown, &ctx),
        // Still finishing its work when the operator's SIGTERM arrives.
        TestPipeline::new("flushing", Behaviour::FinishAfter(Duration::from_millis(500)), &ctx),
    ];
    let run = tokio::spawn(runner.run_with_signals(signals, pipelines));
    ctx.shutdown.cancelled().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    raise(Signal::SIGTERM).expect("raise");
    let stats = run.await.expect("the run ends");
    assert!(!stats.forced, "{}", stats.summary());
    let flushing = stats.outcome(&"flushing".to_owned()).expect("an outcome");
    assert_eq!(flushing.kind(), OutcomeKind::Completed, "{}", stats.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_before_any_pipeline_starts_is_queued_and_shuts_down_gracefully() {
    let _turn = TURN.lock().await;
    let signals = ShutdownSignals::install().expect("handlers");
    raise(Signal::SIGTERM).expect("raise");
    let ctx = PipelineContext::default().with_poll_jitter_secs(3600);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(Some(Duration::from_secs(5)));
    let pipelines = (0..3).map(|i| TestPipeline::new(&format!("late-{i}"), Behaviour::UntilShutdown, &ctx));
    let stats = runner.run_with_signals(signals, pipelines).await;
    assert!(!stats.forced, "{}", stats.summary());
    assert_eq!(stats.counts().cancelled, 3, "none of them ran: {}", stats.summary());
    assert_eq!(stats.exit_code(), std::process::ExitCode::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recv_sees_each_signal_and_a_new_set_receives_after_a_dropped_one() {
    let _turn = TURN.lock().await;
    let mut signals = ShutdownSignals::install().expect("handlers");
    raise(Signal::SIGQUIT).expect("raise");
    raise(Signal::SIGINT).expect("raise");
    let first = tokio::time::timeout(Duration::from_secs(10), signals.recv())
        .await
        .expect("queued");
    let second = tokio::time::timeout(Duration::from_secs(10), signals.recv())
        .await
        .expect("queued");
    // Both, each once; pending signals come in the kernel's order.
    let mut seen = [first, second].map(|signal| signal.to_string());
    seen.sort_unstable();
    assert_eq!(seen, ["SIGINT", "SIGQUIT"]);
    drop(signals);
    // A new set installs its own handlers, and sees the next signal.
    let mut again = ShutdownSignals::install().expect("handlers");
    raise(Signal::SIGTERM).expect("raise");
    let third = tokio::time::timeout(Duration::from_secs(10), again.recv())
        .await
        .expect("queued");
    assert_eq!(third, topology::ShutdownSignal::Terminate);
}
