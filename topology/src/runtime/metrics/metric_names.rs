//! The names of every metric the runtime records.

/// Gauge: 1 while the pipeline runs (after its start jitter), else 0.
pub const PIPELINE_RUNNING: &str = "topology_pipeline_running";
/// Counter: how many times the pipeline started running.
pub const PIPELINE_STARTS: &str = "topology_pipeline_starts_total";
/// Counter, labelled `outcome`: how pipeline runs ended.
pub const PIPELINE_OUTCOMES: &str = "topology_pipeline_outcomes_total";
/// Histogram, by `typetag`: how long each run of a pipeline took, in seconds.
pub const PIPELINE_RUN_DURATION: &str = "topology_pipeline_run_duration_seconds";
/// Histogram, by `typetag`: how long each iteration of an interval pipeline took, in seconds.
pub const PIPELINE_ITERATION_DURATION: &str = "topology_pipeline_iteration_duration_seconds";
/// Histogram, by `typetag`: the random delay before a pipeline started, in seconds.
pub const PIPELINE_START_JITTER: &str = "topology_pipeline_start_jitter_seconds";
/// Histogram, by `key` and `typetag` (`per_key_histograms`): how long each run of the key took, in seconds.
pub const PIPELINE_KEY_RUN_DURATION: &str = "topology_pipeline_key_run_duration_seconds";
/// Histogram, by `key` and `typetag` (`per_key_histograms`): how long each iteration of the key took, in seconds.
pub const PIPELINE_KEY_ITERATION_DURATION: &str = "topology_pipeline_key_iteration_duration_seconds";
/// Histogram, by `key` and `typetag` (`per_key_histograms`): the random delay before the key started, in seconds.
pub const PIPELINE_KEY_START_JITTER: &str = "topology_pipeline_key_start_jitter_seconds";
/// Counter: how many times the pipeline was restarted after a failure.
pub const PIPELINE_RESTARTS: &str = "topology_pipeline_restarts_total";
/// Gauge: how long the pipeline's last iteration took, in seconds.
pub const PIPELINE_LAST_ITERATION_DURATION: &str = "topology_pipeline_last_iteration_duration_seconds";
/// Gauge: when the pipeline's last iteration ended, in seconds since the Unix epoch.
pub const PIPELINE_LAST_ITERATION_TIME: &str = "topology_pipeline_last_iteration_timestamp_seconds";
/// Gauge, by `typetag`: the bytes of each pipeline's task, what a pipeline
/// costs in memory besides its own allocations.
pub const PIPELINE_TASK_BYTES: &str = "topology_pipeline_task_bytes";
/// Gauge, by `typetag` and `state` (`waiting`, `running`, `restarting`,
/// `completed`, `failed`): how many runs are in each state.
pub const PIPELINES: &str = "topology_pipelines";
/// Gauge: permits of the global semaphore held right now.
pub const PERMITS_IN_USE: &str = "topology_semaphore_permits_in_use";
/// Gauge: pipelines waiting for a permit of the global semaphore right now.
pub const PERMITS_WAITING: &str = "topology_semaphore_waiting";
/// Gauge: object-store clients held by the storage pool.
pub const POOLED_STORES: &str = "topology_storage_pooled_stores";
/// Gauge: 1 once shutdown has begun.
pub const SHUTTING_DOWN: &str = "topology_shutting_down";
/// Counter: leases of buckets of keys this replica acquired (ownership on).
pub const LEASE_ACQUISITIONS: &str = "topology_lease_acquisitions_total";
/// Counter: lease renewals the coordination store did not accept in time.
pub const LEASE_RENEWALS_FAILED: &str = "topology_lease_renewals_failed_total";
/// Counter: leases this replica lost (not renewed in time, or taken).
pub const LEASES_LOST: &str = "topology_leases_lost_total";
/// Counter: leases this replica took over from another replica.
pub const LEASE_HANDOVERS: &str = "topology_lease_handovers_total";
/// Histogram: how long this replica waited for a lease held by another.
pub const LEASE_HANDOVER_WAIT: &str = "topology_lease_handover_wait_seconds";
/// Gauge: leases this replica holds right now.
pub const LEASES_HELD: &str = "topology_leases_held";

/// Every metric above, for tools that check dashboards and alerts
/// against what the program exports.
pub const ALL: &[&str] = &[
    PIPELINE_RUNNING,
    PIPELINE_STARTS,
    PIPELINE_OUTCOMES,
    PIPELINE_RUN_DURATION,
    PIPELINE_ITERATION_DURATION,
    PIPELINE_START_JITTER,
    PIPELINE_KEY_RUN_DURATION,
    PIPELINE_KEY_ITERATION_DURATION,
    PIPELINE_KEY_START_JITTER,
    PIPELINE_RESTARTS,
    PIPELINE_LAST_ITERATION_DURATION,
    PIPELINE_LAST_ITERATION_TIME,
    PIPELINE_TASK_BYTES,
    PIPELINES,
    PERMITS_IN_USE,
    PERMITS_WAITING,
    POOLED_STORES,
    SHUTTING_DOWN,
    LEASE_ACQUISITIONS,
    LEASE_RENEWALS_FAILED,
    LEASES_LOST,
    LEASE_HANDOVERS,
    LEASE_HANDOVER_WAIT,
    LEASES_HELD,
];
