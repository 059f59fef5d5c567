//! Signals are counted: a shutdown begun by a pipeline leaves the operator's
//! first signal graceful. In a test binary of its own, since it signals the
//! whole process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::{Signal, raise};
use support::{Behaviour, TestPipeline};
use topology::{OutcomeKind, PipelineContext, PipelineRunner, ShutdownSignals};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_begun_by_a_pipeline_leaves_the_first_signal_graceful() {
    let signals = ShutdownSignals::install().expect("handlers");
    let ctx = PipelineContext {
        poll_jitter_secs: 0,
        ..PipelineContext::default()
    };
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
