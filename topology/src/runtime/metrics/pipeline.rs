//! The distributions of pipeline runs: histograms shared by every pipeline
//! of a `typetag`, registered once, and, when asked for, one key's own.

use std::{sync::Arc, time::Duration};

use metrics::{Histogram, Label};

use crate::runtime::metrics::metric_names::{
    PIPELINE_ITERATION_DURATION, PIPELINE_RUN_DURATION, PIPELINE_START_JITTER,
};

/// The three distributions, registered under some labels.
#[derive(Debug)]
struct Histograms {
    run_duration: Histogram,
    iteration_duration: Histogram,
    start_jitter: Histogram,
}

impl Histograms {
    fn register(labels: &[Label]) -> Self {
        Self {
            run_duration: metrics::histogram!(PIPELINE_RUN_DURATION, labels.iter()),
            iteration_duration: metrics::histogram!(PIPELINE_ITERATION_DURATION, labels.iter()),
            start_jitter: metrics::histogram!(PIPELINE_START_JITTER, labels.iter()),
        }
    }
}

/// Where one run's durations go: its `typetag`'s histograms, and its key's
/// own when per-key histograms are on.
#[derive(Debug)]
pub(crate) struct Distributions {
    shared: Arc<Histograms>,
    own: Option<Histograms>,
}

impl Distributions {
    /// A run's distributions, recorded through whatever `metrics` recorder
    /// the process has (none: nothing is kept). Without per-key histograms,
    /// every run of a `typetag` shares one.
    pub(crate) fn for_run(key: &dyn std::fmt::Display, typetag: &'static str, cache: &mut TypetagCache) -> Arc<Self> {
        let shared = cache.get(typetag);
        if !cache.per_key {
            return shared;
        }
        let labels = [
            Label::new("key", key.to_string()),
            Label::from_static_parts("typetag", typetag),
        ];
        Arc::new(Self {
            shared: Arc::clone(&shared.shared),
            own: Some(Histograms::register(&labels)),
        })
    }

    pub(crate) fn started(&self, jitter: Duration) {
        self.record(|series| &series.start_jitter, jitter);
    }

    pub(crate) fn run_ended(&self, took: Duration) {
        self.record(|series| &series.run_duration, took);
    }

    pub(crate) fn iteration(&self, took: Duration) {
        self.record(|series| &series.iteration_duration, took);
    }

    fn record(&self, which: fn(&Histograms) -> &Histogram, value: Duration) {
        let seconds = value.as_secs_f64();
        which(&self.shared).record(seconds);
        if let Some(own) = &self.own {
            which(own).record(seconds);
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
            shared: Arc::new(Histograms::register(&[Label::from_static_parts("typetag", typetag)])),
            own: None,
        });
        self.typetags.push((typetag, Arc::clone(&series)));
        series
    }
}
