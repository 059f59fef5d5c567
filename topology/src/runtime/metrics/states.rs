//! `topology_pipelines`: how many runs are in each state, by typetag, read
//! from the records at each scrape. Every state has a line from the first
//! run of a typetag on, 0 included, so that an alert on "a pipeline is dead"
//! (`state="failed"`) compares a number, never an absent series.

use std::collections::BTreeMap;

use prometheus::proto::{Gauge, LabelPair, Metric, MetricFamily, MetricType};

use crate::runtime::{
    metrics::{help, metric_names::PIPELINES},
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
        let mut family = MetricFamily::default();
        family.set_name(PIPELINES.to_owned());
        family.set_help(help(PIPELINES).to_owned());
        family.set_field_type(MetricType::GAUGE);
        let mut metrics = Vec::new();
        for (typetag, counts) in &self.0 {
            for (state, count) in STATES.iter().zip(counts) {
                let mut metric = Metric::from_label(vec![label("state", state), label("typetag", typetag)]);
                let mut gauge = Gauge::default();
                #[allow(clippy::cast_precision_loss)] // a count of runs
                gauge.set_value(*count as f64);
                metric.set_gauge(gauge);
                metrics.push(metric);
            }
        }
        family.set_metric(metrics);
        family
    }
}

fn label(name: &str, value: &str) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_owned());
    pair.set_value(value.to_owned());
    pair
}
