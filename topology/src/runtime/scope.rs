//! What the runner tells the code running inside a pipeline's task: its
//! metrics, and a count of its restarts that ends up in its outcome.

use std::{cell::Cell, sync::Arc};

use crate::runtime::metrics::PipelineMetrics;

/// The pipeline whose task is running.
pub(crate) struct PipelineScope {
    /// Its labelled series, when metrics are on.
    pub(crate) metrics: Option<Arc<PipelineMetrics>>,
    /// How many times it was restarted after a failure.
    restarts: Cell<u32>,
}

tokio::task_local! {
    static CURRENT: PipelineScope;
}

/// Runs `future` as the pipeline with `metrics`; returns its output and how
/// many times it restarted.
pub(crate) async fn scope_pipeline<F: Future>(metrics: Option<Arc<PipelineMetrics>>, future: F) -> (F::Output, u32) {
    let scope = PipelineScope {
        metrics,
        restarts: Cell::new(0),
    };
    CURRENT
        .scope(scope, async {
            let output = future.await;
            (output, CURRENT.with(|scope| scope.restarts.get()))
        })
        .await
}

/// The metrics of the pipeline running in this task, if any.
pub(crate) fn current_metrics() -> Option<Arc<PipelineMetrics>> {
    CURRENT.try_with(|scope| scope.metrics.clone()).ok().flatten()
}

/// Counts a restart of the pipeline running in this task, if any.
pub(crate) fn count_restart() {
    let _ = CURRENT.try_with(|scope| {
        scope.restarts.set(scope.restarts.get().saturating_add(1));
        if let Some(metrics) = &scope.metrics {
            metrics.restarted();
        }
    });
}
