//! The distributions of pipeline runs: histograms shared by every pipeline
//! of a `typetag`, registered once, and, when asked for, one key's own,
//! kept with its run's record.

use std::{sync::Arc, time::Duration};

use metrics::{Histogram, Label};
use prometheus::{HistogramOpts, core::Metric as _, proto};

use crate::runtime::metrics::{
    DURATION_BUCKETS, help,
    metric_names::{
        PIPELINE_ITERATION_DURATION, PIPELINE_KEY_ITERATION_DURATION, PIPELINE_KEY_RUN_DURATION,
        PIPELINE_KEY_START_JITTER, PIPELINE_RUN_DURATION, PIPELINE_START_JITTER,
    },
};

/// What a distribution measures; its place in [`NAMES`] and in each array
/// of histograms below.
#[derive(Clone, Copy, Debug)]
enum Measure {
    RunDuration = 0,
    IterationDuration = 1,
    StartJitter = 2,
}

/// Each measure's histogram names, by `typetag` and by key, in the order of
/// [`Measure`].
pub(crate) const NAMES: [(&str, &str); 3] = [
    (PIPELINE_RUN_DURATION, PIPELINE_KEY_RUN_DURATION),
    (PIPELINE_ITERATION_DURATION, PIPELINE_KEY_ITERATION_DURATION),
    (PIPELINE_START_JITTER, PIPELINE_KEY_START_JITTER),
];

/// A `typetag`'s three distributions, registered with the process's
/// `metrics` recorder, in the order of [`Measure`].
#[derive(Debug)]
struct TypetagHistograms([Histogram; 3]);

impl TypetagHistograms {
    fn register(typetag: &'static str) -> Self {
        let labels = [Label::from_static_parts("typetag", typetag)];
        Self(NAMES.map(|(name, _)| metrics::histogram!(name, labels.iter())))
    }
}

/// One key's own distributions, in the order of [`Measure`]. Kept with the
/// run's record, not in the `metrics` recorder (which cannot remove a
/// series), and served from the record like the other per-key series: they
/// leave `/metrics` when the key's entry leaves the configuration.
#[derive(Debug)]
pub(crate) struct KeyHistograms([prometheus::Histogram; 3]);

impl KeyHistograms {
    /// Three empty histograms with the runtime's duration buckets; `None`
    /// if the `prometheus` crate refused them (it checks names and bounds,
    /// which are the runtime's own constants).
    fn new() -> Option<Self> {
        let make = |(_, name): (&str, &str)| {
            prometheus::Histogram::with_opts(HistogramOpts::new(name, help(name)).buckets(DURATION_BUCKETS.to_vec()))
        };
        let [run, iteration, jitter] = NAMES.map(make);
        Some(Self([run.ok()?, iteration.ok()?, jitter.ok()?]))
    }

    /// Adds this run's counts to `sums` (one key's, over its runs), in the
    /// order of [`Measure`].
    pub(crate) fn add_to(&self, sums: &mut [proto::Histogram; 3]) {
        for (histogram, sum) in self.0.iter().zip(sums.iter_mut()) {
            let metric = histogram.metric();
            let ours = metric.get_histogram();
            sum.set_sample_count(sum.get_sample_count() + ours.get_sample_count());
            sum.set_sample_sum(sum.get_sample_sum() + ours.get_sample_sum());
            // Every run has the same bounds: the first run's buckets, then
            // the counts of the others added bucket by bucket.
            let mut buckets = ours.get_bucket().to_vec();
            for (bucket, before) in buckets.iter_mut().zip(sum.get_bucket()) {
                bucket.set_cumulative_count(bucket.cumulative_count() + before.cumulative_count());
            }
            sum.set_bucket(buckets);
        }
    }
}

/// Where one run's durations go: its `typetag`'s histograms, and its key's
/// own when per-key histograms are on.
#[derive(Debug)]
pub(crate) struct Distributions {
    shared: Arc<TypetagHistograms>,
    own: Option<KeyHistograms>,
}

impl Distributions {
    /// A run's distributions: its `typetag`'s, recorded through whatever
    /// `metrics` recorder the process has (none: nothing is kept), shared
    /// by every run of the `typetag`; and its own, when the cache says
    /// per-key histograms are on.
    pub(crate) fn for_run(typetag: &'static str, cache: &mut TypetagCache) -> Arc<Self> {
        let shared = cache.get(typetag);
        if !cache.per_key {
            return shared;
        }
        Arc::new(Self {
            shared: Arc::clone(&shared.shared),
            own: KeyHistograms::new(),
        })
    }

    /// The key's own histograms, when per-key histograms are on.
    pub(crate) fn own(&self) -> Option<&KeyHistograms> {
        self.own.as_ref()
    }

    pub(crate) fn started(&self, jitter: Duration) {
        self.record(Measure::StartJitter, jitter);
    }

    pub(crate) fn run_ended(&self, took: Duration) {
        self.record(Measure::RunDuration, took);
    }

    pub(crate) fn iteration(&self, took: Duration) {
        self.record(Measure::IterationDuration, took);
    }

    fn record(&self, measure: Measure, value: Duration) {
        let seconds = value.as_secs_f64();
        self.shared.0[measure as usize].record(seconds);
        if let Some(own) = &self.own {
            own.0[measure as usize].observe(seconds);
        }
    }
}

/// The distributions of each `typetag` a runner has spawned, registered once
/// each (a runner sees one or a few), and whether each key gets its own too.
#[derive(Clone, Debug, Default)]
pub(crate) struct TypetagCache {
    typetags: Vec<(&'static str, Arc<Distributions>)>,
    per_key: bool,
}

impl TypetagCache {
    /// No typetag yet; `per_key` adds each key's own histograms.
    pub(crate) fn new(per_key: bool) -> Self {
        Self {
            typetags: Vec::new(),
            per_key,
        }
    }

    fn get(&mut self, typetag: &'static str) -> Arc<Distributions> {
        if let Some((_, series)) = self.typetags.iter().find(|(known, _)| *known == typetag) {
            return Arc::clone(series);
        }
        let series = Arc::new(Distributions {
            shared: Arc::new(TypetagHistograms::register(typetag)),
            own: None,
        });
        self.typetags.push((typetag, Arc::clone(&series)));
        series
    }
}
