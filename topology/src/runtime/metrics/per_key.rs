//! The per-key series, read from the runs' records at each scrape: a series
//! exists exactly while a run of its key is on the status board, so a key
//! whose entry left the configuration leaves `/metrics` too. Rendered in
//! Prometheus text by the `prometheus` crate's encoder.

use std::{collections::HashMap, sync::Arc};

use prometheus::{
    Encoder, TextEncoder,
    proto::{self, LabelPair, Metric, MetricFamily, MetricType},
};

use crate::runtime::{
    metrics::{
        family::{family as empty_family, label, metric},
        help,
        metric_names::{
            PIPELINE_LAST_ITERATION_DURATION, PIPELINE_LAST_ITERATION_TIME, PIPELINE_OUTCOMES, PIPELINE_RESTARTS,
            PIPELINE_RUNNING, PIPELINE_STARTS,
        },
        pipeline::{Distributions, NAMES},
        states::States,
    },
    record::{Phase, PipelineRecord},
    stats::OutcomeKind,
    status::{StatusBoard, for_each},
};

/// One key's values, summed over its runs on the board (a run stopping and
/// its successor waiting for it share a key).
#[derive(Default)]
struct KeySeries {
    key: String,
    typetag: &'static str,
    running: f64,
    starts: u64,
    restarts: u64,
    outcomes: [u64; OutcomeKind::ALL.len()],
    /// The latest iteration: when it ended, and how long it took.
    last_iteration: Option<(u64, f64)>,
    /// Its own distributions, summed over its runs, when per-key histograms
    /// are on.
    histograms: Option<[proto::Histogram; 3]>,
}

impl KeySeries {
    /// The labels every series of the key carries.
    fn labels(&self) -> Vec<LabelPair> {
        vec![label("key", &self.key), label("typetag", self.typetag)]
    }
}

/// How many records are read under one lock.
const CHUNK: usize = 4096;

/// The per-key series of every run on `boards`, in Prometheus text.
pub(crate) fn render(boards: &[Arc<StatusBoard>]) -> Vec<u8> {
    let mut keys: Vec<KeySeries> = Vec::new();
    let mut places: HashMap<String, usize> = HashMap::new();
    let mut states = States::default();
    for_each(boards, CHUNK, |record: &PipelineRecord| {
        let snapshot = record.snapshot();
        states.add(&snapshot);
        let index = *places.entry(snapshot.key.to_owned()).or_insert_with(|| {
            keys.push(KeySeries {
                key: snapshot.key.to_owned(),
                typetag: snapshot.typetag,
                ..KeySeries::default()
            });
            keys.len() - 1
        });
        let series = &mut keys[index];
        series.running += f64::from(u8::from(snapshot.phase == Phase::Running));
        series.starts += snapshot.starts();
        series.restarts += u64::from(snapshot.restarts);
        if let Some(kind) = snapshot.outcome {
            series.outcomes[kind as usize] += 1;
        }
        if let Some((at, took)) = snapshot.last_iteration
            && series.last_iteration.is_none_or(|(seen, _)| at >= seen)
        {
            series.last_iteration = Some((at, took.as_secs_f64()));
        }
        if let Some(own) = record.distributions().and_then(Distributions::own) {
            own.add_to(series.histograms.get_or_insert_with(Default::default));
        }
    });
    let families = [
        family(
            PIPELINE_RUNNING,
            help(PIPELINE_RUNNING),
            MetricType::GAUGE,
            &keys,
            |series| vec![(None, series.running)],
        ),
        family(
            PIPELINE_STARTS,
            help(PIPELINE_STARTS),
            MetricType::COUNTER,
            &keys,
            |series| vec![(None, series.starts as f64)],
        ),
        family(
            PIPELINE_RESTARTS,
            help(PIPELINE_RESTARTS),
            MetricType::COUNTER,
            &keys,
            |series| {
                // A key that never restarted has no line: most never do.
                (series.restarts > 0)
                    .then_some((None, series.restarts as f64))
                    .into_iter()
                    .collect()
            },
        ),
        family(
            PIPELINE_OUTCOMES,
            help(PIPELINE_OUTCOMES),
            MetricType::COUNTER,
            &keys,
            |series| {
                OutcomeKind::ALL
                    .iter()
                    .filter(|kind| series.outcomes[**kind as usize] > 0)
                    .map(|kind| (Some(kind.as_str()), series.outcomes[*kind as usize] as f64))
                    .collect()
            },
        ),
        family(
            PIPELINE_LAST_ITERATION_DURATION,
            help(PIPELINE_LAST_ITERATION_DURATION),
            MetricType::GAUGE,
            &keys,
            |series| {
                series
                    .last_iteration
                    .map(|(_, took)| (None, took))
                    .into_iter()
                    .collect()
            },
        ),
        family(
            PIPELINE_LAST_ITERATION_TIME,
            help(PIPELINE_LAST_ITERATION_TIME),
            MetricType::GAUGE,
            &keys,
            |series| {
                series
                    .last_iteration
                    .map(|(at, _)| (None, at as f64 / 1000.0))
                    .into_iter()
                    .collect()
            },
        ),
    ];
    let histograms = NAMES
        .iter()
        .enumerate()
        .map(|(measure, (_, name))| histogram_family(name, measure, &keys));
    let families: Vec<MetricFamily> = families
        .into_iter()
        .chain(histograms)
        .chain([states.family()])
        .filter(|family| !family.get_metric().is_empty())
        .collect();
    let mut text = Vec::new();
    // Writing to a `Vec` fails only on a malformed family, which is built here.
    if let Err(error) = TextEncoder::new().encode(&families, &mut text) {
        tracing::error!(%error, "cannot render the per-key series");
    }
    text
}

/// The per-key histogram `name` (the `measure`-th of each key's), for the
/// keys that have their own.
fn histogram_family(name: &str, measure: usize, keys: &[KeySeries]) -> MetricFamily {
    let mut family = empty_family(name, help(name), MetricType::HISTOGRAM);
    let metrics = keys
        .iter()
        .filter_map(|series| {
            let histogram = series.histograms.as_ref()?.get(measure)?.clone();
            let mut metric = Metric::from_label(series.labels());
            metric.set_histogram(histogram);
            Some(metric)
        })
        .collect();
    family.set_metric(metrics);
    family
}

/// One metric family: for each key, the values `values` gives, each with an
/// optional `outcome` label.
fn family(
    name: &str,
    help: &str,
    kind: MetricType,
    keys: &[KeySeries],
    values: impl Fn(&KeySeries) -> Vec<(Option<&'static str>, f64)>,
) -> MetricFamily {
    let mut family = empty_family(name, help, kind);
    let mut metrics = Vec::new();
    for series in keys {
        for (outcome, value) in values(series) {
            let mut labels = series.labels();
            if let Some(outcome) = outcome {
                labels.push(label("outcome", outcome));
            }
            metrics.push(metric(kind, labels, value));
        }
    }
    family.set_metric(metrics);
    family
}
