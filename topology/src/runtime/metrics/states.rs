//! `topology_pipelines`: how many runs are in each state, by typetag, read
//! from the records at each scrape. Every state has a line from the first
//! run of a typetag on, 0 included, so that an alert on "a pipeline is dead"
//! (`state="failed"`) compares a number, never an absent series.

use std::collections::BTreeMap;

use prometheus::proto::{MetricFamily, MetricType};

use crate::runtime::{
    metrics::{
        family::{family, label, metric},
        help,
        metric_names::PIPELINES,
    },
    record::{Phase, snapshot::Snapshot},
};

/// The states a run is counted in.
const STATES: [&str; 5] = ["waiting", "running", "restarting", "completed", "failed"];

/// Runs counted by typetag and state.
#[derive(Default)]
pub(crate) struct States(BTreeMap<&'static str, [u64; STATES.len()]>);

impl States {
    /// Counts one run.
    pub(crate) fn add(&mut self, snapshot: &Snapshot<'_>) {
        let state = match snapshot.phase {
            Phase::Waiting => 0,
            Phase::Running => 1,
            Phase::Restarting => 2,
            // Ended failed, panicked, timed out or aborted: dead until a
            // restart, a reload or a new process.
            Phase::Ended if snapshot.outcome.is_some_and(|kind| kind.is_failure()) => 4,
            Phase::Ended => 3,
        };
        self.0.entry(snapshot.typetag).or_default()[state] += 1;
    }

    /// The family, one line per typetag and state.
    pub(crate) fn family(&self) -> MetricFamily {
        let mut family = family(PIPELINES, help(PIPELINES), MetricType::GAUGE);
        let mut metrics = Vec::new();
        for (typetag, counts) in &self.0 {
            for (state, count) in STATES.iter().zip(counts) {
                let labels = vec![label("state", state), label("typetag", typetag)];
                #[allow(clippy::cast_precision_loss)] // a count of runs
                metrics.push(metric(MetricType::GAUGE, labels, *count as f64));
            }
        }
        family.set_metric(metrics);
        family
    }
}
