//! One pipeline's series: registered once when it is spawned, with label
//! values shared rather than copied, and only the cheap ones per key; the
//! distributions go to histograms shared by every pipeline of a `typetag`.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use metrics::{Counter, Gauge, Histogram, Label};

use crate::runtime::{
    metrics::{
        enabled,
        metric_names::{
            PIPELINE_ITERATION_DURATION, PIPELINE_LAST_ITERATION_DURATION, PIPELINE_LAST_ITERATION_TIME,
            PIPELINE_OUTCOMES, PIPELINE_RESTARTS, PIPELINE_RUN_DURATION, PIPELINE_RUNNING, PIPELINE_START_JITTER,
            PIPELINE_STARTS,
        },
        per_key_histograms,
    },
    stats::OutcomeKind,
};

/// The three distributions, registered under some labels: a `typetag`'s,
/// shared by its pipelines, or one key's own.
#[derive(Debug)]
pub(crate) struct Distributions {
    run_duration: Histogram,
    iteration_duration: Histogram,
    start_jitter: Histogram,
}

impl Distributions {
    fn register(labels: &[Label]) -> Self {
        Self {
            run_duration: metrics::histogram!(PIPELINE_RUN_DURATION, labels.iter()),
            iteration_duration: metrics::histogram!(PIPELINE_ITERATION_DURATION, labels.iter()),
            start_jitter: metrics::histogram!(PIPELINE_START_JITTER, labels.iter()),
        }
    }
}

/// The distributions of each `typetag` a runner has spawned, registered once
/// each (a runner sees one or a few).
#[derive(Debug, Default)]
pub(crate) struct TypetagCache(Vec<(&'static str, Arc<Distributions>)>);

impl TypetagCache {
    fn get(&mut self, typetag: &'static str) -> Arc<Distributions> {
        if let Some((_, series)) = self.0.iter().find(|(known, _)| *known == typetag) {
            return Arc::clone(series);
        }
        let series = Arc::new(Distributions::register(&[Label::from_static_parts("typetag", typetag)]));
        self.0.push((typetag, Arc::clone(&series)));
        series
    }
}

/// One pipeline's handles: its per-key counters and gauges, and its
/// `typetag`'s histograms.
#[derive(Debug)]
pub(crate) struct PipelineMetrics {
    labels: [Label; 2],
    running: Gauge,
    starts: Counter,
    shared: Arc<Distributions>,
    /// The last iteration's duration and time, registered at the first.
    last_iteration: OnceLock<(Gauge, Gauge)>,
    /// The same distributions for this key alone, when asked for.
    own: Option<Box<Distributions>>,
}

impl PipelineMetrics {
    /// The pipeline's series, or `None` while metrics are not enabled.
    pub(crate) fn new(
        key: &impl std::fmt::Display,
        typetag: &'static str,
        cache: &mut TypetagCache,
    ) -> Option<Arc<Self>> {
        if !enabled() {
            return None;
        }
        let key: Arc<str> = Arc::from(key.to_string());
        let labels = [Label::new("key", key), Label::from_static_parts("typetag", typetag)];
        let own = per_key_histograms().then(|| Box::new(Distributions::register(&labels)));
        Some(Arc::new(Self {
            running: metrics::gauge!(PIPELINE_RUNNING, labels.iter()),
            starts: metrics::counter!(PIPELINE_STARTS, labels.iter()),
            shared: cache.get(typetag),
            last_iteration: OnceLock::new(),
            own,
            labels,
        }))
    }

    /// Records the start and marks the pipeline running until the returned
    /// guard drops, which also happens when its task is aborted.
    pub(crate) fn started(self: &Arc<Self>, jitter: Duration) -> RunningGuard {
        self.record(|series| &series.start_jitter, jitter);
        self.starts.increment(1);
        self.running.set(1.0);
        RunningGuard {
            metrics: Arc::clone(self),
            started: tokio::time::Instant::now(),
        }
    }

    /// Counted on the first restart: a pipeline that never restarts has no
    /// line for it.
    pub(crate) fn restarted(&self) {
        metrics::counter!(PIPELINE_RESTARTS, self.labels.iter()).increment(1);
    }

    pub(crate) fn iteration(&self, took: Duration) {
        self.record(|series| &series.iteration_duration, took);
        let (duration, time) = self.last_iteration.get_or_init(|| {
            (
                metrics::gauge!(PIPELINE_LAST_ITERATION_DURATION, self.labels.iter()),
                metrics::gauge!(PIPELINE_LAST_ITERATION_TIME, self.labels.iter()),
            )
        });
        duration.set(took.as_secs_f64());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        time.set(now.as_secs_f64());
    }

    pub(crate) fn outcome(&self, kind: OutcomeKind) {
        let [key, typetag] = self.labels.clone();
        let labels = [key, typetag, Label::from_static_parts("outcome", kind.as_str())];
        metrics::counter!(PIPELINE_OUTCOMES, labels.iter()).increment(1);
    }

    /// Records into the `typetag`'s histogram, and the key's own if any.
    fn record(&self, which: fn(&Distributions) -> &Histogram, value: Duration) {
        let seconds = value.as_secs_f64();
        which(&self.shared).record(seconds);
        if let Some(own) = &self.own {
            which(own).record(seconds);
        }
    }
}

/// Keeps the running gauge at 1 and records the run's duration on drop.
pub(crate) struct RunningGuard {
    metrics: Arc<PipelineMetrics>,
    started: tokio::time::Instant,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.metrics.running.set(0.0);
        self.metrics
            .record(|series| &series.run_duration, self.started.elapsed());
    }
}
