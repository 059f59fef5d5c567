//! Metrics through the `metrics` facade, exported in Prometheus text.
//!
//! Per-pipeline series carry the labels `key` and `typetag` and are only the
//! cheap ones (a gauge or a counter, one line each); outcome counters add
//! `outcome` (`completed`, `failed`, `cancelled`, `panicked`, `timed_out`,
//! `aborted`). Distributions are histograms labelled by `typetag` alone,
//! unless `per_key_histograms` asks for one per key too. See
//! [`metric_names`] for the full list.

pub(crate) mod family;
pub mod metric_names;
pub(crate) mod per_key;
pub(crate) mod pipeline;
mod routes;
pub(crate) mod server;
pub(crate) mod states;

use std::sync::{Mutex, OnceLock, PoisonError};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::runtime::error::TopologyError;

pub(crate) use metric_names::{PERMITS_IN_USE, PERMITS_WAITING, POOLED_STORES, SHUTTING_DOWN};

use metric_names::{
    LEASE_ACQUISITIONS, LEASE_HANDOVER_WAIT, LEASE_HANDOVERS, LEASE_RENEWALS_FAILED, LEASES_HELD, LEASES_LOST,
    PIPELINE_ITERATION_DURATION, PIPELINE_KEY_ITERATION_DURATION, PIPELINE_KEY_RUN_DURATION, PIPELINE_KEY_START_JITTER,
    PIPELINE_LAST_ITERATION_DURATION, PIPELINE_LAST_ITERATION_TIME, PIPELINE_OUTCOMES, PIPELINE_RESTARTS,
    PIPELINE_RUN_DURATION, PIPELINE_RUNNING, PIPELINE_START_JITTER, PIPELINE_STARTS, PIPELINE_TASK_BYTES, PIPELINES,
};

/// Each metric's `# HELP` text, in the order of [`metric_names::ALL`]: what
/// a dashboard's reader sees, and what `promtool check metrics` asks for.
const HELP: [(&str, &str); 24] = [
    (
        PIPELINE_RUNNING,
        "1 while a run of the pipeline is running (after its start jitter, outside its restart backoff), else 0.",
    ),
    (
        PIPELINE_STARTS,
        "How many times the pipeline started running, restarts included.",
    ),
    (PIPELINE_OUTCOMES, "How the pipeline's runs ended, by outcome."),
    (
        PIPELINE_RUN_DURATION,
        "How long each run of a pipeline took, in seconds.",
    ),
    (
        PIPELINE_ITERATION_DURATION,
        "How long each reported iteration of a pipeline took, in seconds.",
    ),
    (
        PIPELINE_START_JITTER,
        "The random delay before a pipeline started, in seconds.",
    ),
    (
        PIPELINE_KEY_RUN_DURATION,
        "How long each run of this key took, in seconds.",
    ),
    (
        PIPELINE_KEY_ITERATION_DURATION,
        "How long each reported iteration of this key took, in seconds.",
    ),
    (
        PIPELINE_KEY_START_JITTER,
        "The random delay before this key started, in seconds.",
    ),
    (
        PIPELINE_RESTARTS,
        "How many times the pipeline was restarted after a failure.",
    ),
    (
        PIPELINE_LAST_ITERATION_DURATION,
        "How long the pipeline's last iteration took, in seconds.",
    ),
    (
        PIPELINE_LAST_ITERATION_TIME,
        "When the pipeline's last iteration ended, in seconds since the Unix epoch.",
    ),
    (
        PIPELINE_TASK_BYTES,
        "The bytes of each pipeline's task: what a pipeline costs in memory besides its own allocations.",
    ),
    (
        PIPELINES,
        "Runs of pipelines by state: waiting, running, restarting, completed, or failed (ended failed, panicked, timed out or aborted).",
    ),
    (PERMITS_IN_USE, "Permits of the global semaphore held right now."),
    (
        PERMITS_WAITING,
        "Pipelines waiting for a permit of the global semaphore right now.",
    ),
    (POOLED_STORES, "Object-store clients held by the storage pool."),
    (SHUTTING_DOWN, "1 once shutdown has begun, else 0."),
    (
        LEASE_ACQUISITIONS,
        "Leases of buckets of keys this replica acquired in the coordination store.",
    ),
    (
        LEASE_RENEWALS_FAILED,
        "Lease renewals the coordination store did not accept in time.",
    ),
    (
        LEASES_LOST,
        "Leases this replica lost, not renewed in time or taken by another replica; their pipelines were stopped.",
    ),
    (
        LEASE_HANDOVERS,
        "Leases this replica took over from another replica, after a release or an expiry.",
    ),
    (
        LEASE_HANDOVER_WAIT,
        "How long this replica waited for a lease another replica held, in seconds.",
    ),
    (LEASES_HELD, "Leases this replica holds right now."),
];

/// The `# HELP` text of the metric `name`.
pub(crate) fn help(name: &str) -> &'static str {
    HELP.iter()
        .find(|(known, _)| *known == name)
        .map_or("", |(_, help)| help)
}

/// Describes the metrics recorded through the facade, and sets the gauges a
/// dashboard reads to 0, so that a replica's panels read 0 from its start
/// rather than "no data".
fn describe() {
    for name in [
        PIPELINE_RUN_DURATION,
        PIPELINE_ITERATION_DURATION,
        PIPELINE_START_JITTER,
        LEASE_HANDOVER_WAIT,
    ] {
        ::metrics::describe_histogram!(name, ::metrics::Unit::Seconds, help(name));
    }
    for name in [
        PIPELINE_TASK_BYTES,
        PERMITS_IN_USE,
        PERMITS_WAITING,
        POOLED_STORES,
        SHUTTING_DOWN,
        LEASES_HELD,
    ] {
        ::metrics::describe_gauge!(name, help(name));
    }
    for name in [LEASE_ACQUISITIONS, LEASE_RENEWALS_FAILED, LEASES_LOST, LEASE_HANDOVERS] {
        ::metrics::describe_counter!(name, help(name));
    }
    for name in [PERMITS_IN_USE, PERMITS_WAITING, SHUTTING_DOWN] {
        ::metrics::gauge!(name).set(0.0);
    }
}

/// Bucket bounds for every `_seconds` histogram: from 5 ms to an hour.
pub(crate) const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

/// The process's Prometheus recorder: what the `metrics` facade records
/// into, and what `/metrics` renders.
///
/// Installing it is an explicit step, since a process has one recorder:
/// [`run_pipelines`](crate::run_pipelines) and the generated program install
/// it before serving `/metrics`; a program that installs its own `metrics`
/// recorder instead runs its pipelines with
/// [`PipelineRunner`](crate::PipelineRunner), and every metric goes to its
/// recorder.
///
/// ```
/// use topology::PrometheusRecorder;
///
/// let recorder = PrometheusRecorder::install().unwrap();
/// // Once per process: installing it again gives the same recorder.
/// let again = PrometheusRecorder::install().unwrap();
/// metrics::counter!("demo_total").increment(1);
/// assert!(again.render().contains("demo_total 1"));
/// # drop(recorder);
/// ```
#[derive(Clone)]
pub struct PrometheusRecorder {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for PrometheusRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrometheusRecorder").finish_non_exhaustive()
    }
}

impl PrometheusRecorder {
    /// Installs the Prometheus recorder as the process's `metrics` recorder,
    /// with the runtime's histogram buckets, or returns the one installed
    /// by an earlier call.
    ///
    /// # Errors
    ///
    /// [`TopologyError::MetricsRecorder`] when another recorder was
    /// installed first.
    pub fn install() -> Result<Self, TopologyError> {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        static INSTALL: Mutex<()> = Mutex::new(());

        if let Some(handle) = HANDLE.get() {
            return Ok(Self { handle: handle.clone() });
        }
        let _installing = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(handle) = HANDLE.get() {
            return Ok(Self { handle: handle.clone() });
        }
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), DURATION_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(TopologyError::MetricsRecorder)?;
        describe();
        Ok(Self {
            handle: HANDLE.get_or_init(|| handle).clone(),
        })
    }

    /// Every metric recorded so far, in Prometheus text.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    pub(crate) fn handle(&self) -> &PrometheusHandle {
        &self.handle
    }
}

pub(crate) fn shutting_down() {
    ::metrics::gauge!(SHUTTING_DOWN).set(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_help() {
        let described: Vec<&str> = HELP.iter().map(|(name, _)| *name).collect();
        assert_eq!(described, metric_names::ALL);
        assert!(HELP.iter().all(|(_, help)| help.ends_with('.')));
    }
}
