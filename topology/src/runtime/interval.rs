//! Pipelines that do one iteration of work on a fixed period.

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior, interval};

use crate::runtime::{context::PipelineContext, reporter::RunReporter};

/// Calls `iteration` every `period` until shutdown begins or an iteration
/// fails.
///
/// The first iteration starts at once. Iterations never overlap: one that
/// takes longer than `period` delays the next instead of piling up. Shutdown
/// is observed only *between* iterations, so an iteration in flight always
/// completes; the wait for the next one ends as soon as shutdown begins.
/// Each iteration's duration is recorded in
/// `topology_pipeline_iteration_duration_seconds` when run by the runner.
///
/// ```
/// # topology::block_on(async {
/// use std::time::Duration;
/// use topology::{PipelineContext, run_every};
///
/// let ctx = PipelineContext::default().with_poll_jitter_secs(0);
/// let mut runs = 0;
/// let result: Result<(), std::io::Error> = run_every(&ctx, Duration::from_millis(10), || {
///     runs += 1;
///     if runs == 3 {
///         ctx.shutdown.cancel(); // the third iteration still completes
///     }
///     async { Ok(()) }
/// })
/// .await;
/// assert!(result.is_ok());
/// assert_eq!(runs, 3);
/// # }).unwrap();
/// ```
pub async fn run_every<F, Fut, E>(ctx: &PipelineContext, period: Duration, iteration: F) -> Result<(), E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    run_every_reporting(ctx, period, &RunReporter::default(), iteration).await
}

/// [`run_every`], reporting each iteration (its end and duration) to
/// `reporter`, the run's record: `/pipelines` shows the last iteration, and
/// `/metrics` its duration and time.
///
/// ```
/// # topology::block_on(async {
/// use std::time::Duration;
/// use topology::{PipelineContext, RunReporter, run_every_reporting};
///
/// let ctx = PipelineContext::default().with_poll_jitter_secs(0);
/// ctx.shutdown.cancel();
/// let done: Result<(), std::io::Error> =
///     run_every_reporting(&ctx, Duration::from_secs(1), &RunReporter::default(), || async { Ok(()) }).await;
/// assert!(done.is_ok());
/// # }).unwrap();
/// ```
pub async fn run_every_reporting<F, Fut, E>(
    ctx: &PipelineContext,
    period: Duration,
    reporter: &RunReporter,
    mut iteration: F,
) -> Result<(), E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let mut ticks = interval(period.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        if ctx.shutdown.run_until_cancelled(ticks.tick()).await.is_none() {
            return Ok(());
        }
        let started = Instant::now();
        let result = iteration().await;
        if let Some(record) = reporter.record() {
            record.iterated(started.elapsed(), result.is_ok());
        }
        result?;
    }
}
