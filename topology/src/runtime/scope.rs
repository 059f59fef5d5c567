//! What the runner tells the code running inside a pipeline's task: its
//! metrics, its status for `/pipelines`, and a count of its restarts that
//! ends up in its outcome.

use std::{cell::Cell, fmt::Display, sync::Arc, time::Duration};

use futures_util::FutureExt;

use crate::runtime::{metrics::pipeline::PipelineMetrics, status::PipelineStatus};

/// The pipeline whose task is running.
pub(crate) struct PipelineScope {
    /// Its labelled series, when metrics are on.
    pub(crate) metrics: Option<Arc<PipelineMetrics>>,
    /// Its status, when `/pipelines` is served.
    pub(crate) status: Option<Arc<PipelineStatus>>,
    /// How many times it was restarted after a failure.
    restarts: Cell<u32>,
}

tokio::task_local! {
    static CURRENT: PipelineScope;
}

/// What an interval pipeline reports after each iteration.
pub(crate) type Reporters = (Option<Arc<PipelineMetrics>>, Option<Arc<PipelineStatus>>);

/// Runs `future` as the pipeline with `metrics` and `status`; returns its
/// output and how many times it restarted.
pub(crate) fn scope_pipeline<F: Future>(
    (metrics, status): Reporters,
    future: F,
) -> impl Future<Output = (F::Output, u32)> {
    let scope = PipelineScope {
        metrics,
        status,
        restarts: Cell::new(0),
    };
    // A combinator rather than an `async` block, which would keep a second
    // copy of `future` in the task. The count is read inside the scope, as
    // the future completes.
    CURRENT.scope(
        scope,
        future.map(|output| (output, CURRENT.with(|scope| scope.restarts.get()))),
    )
}

/// The metrics and status of the pipeline running in this task, if any.
pub(crate) fn current_reporters() -> Reporters {
    CURRENT
        .try_with(|scope| (scope.metrics.clone(), scope.status.clone()))
        .unwrap_or_default()
}

/// Notes that the pipeline running in this task failed with `error` and
/// restarts after `delay`.
pub(crate) fn restarting(delay: Duration, error: &dyn Display) {
    let _ = CURRENT.try_with(|scope| {
        if let Some(status) = &scope.status {
            status.restarting(delay, error.to_string());
        }
    });
}

/// Counts a restart of the pipeline running in this task, if any.
pub(crate) fn count_restart() {
    let _ = CURRENT.try_with(|scope| {
        scope.restarts.set(scope.restarts.get().saturating_add(1));
        if let Some(metrics) = &scope.metrics {
            metrics.restarted();
        }
        if let Some(status) = &scope.status {
            status.restarted();
        }
    });
}
