//! The life of each run through reloads, in paused time, on a topology of
//! entries whose runs stop slowly, never stop, or fail and restart.
//! `property`: random sequences of reload edits, removals and re-adds, with
//! the start jitter changing between reloads, then a shutdown. After every
//! step, never two live runs of one key; at the end, every run's outcome
//! collected and logged once (one line with an `outcome` field per run),
//! no operator's stop counted as a failure, and, once settled,
//! `/pipelines` rows and per-key series equal to the live entries.
//! `reloads`: the edges one at a time.
//!
//! `TOPOLOGY_LIFECYCLE_SEEDS=200 cargo test -p topology --test lifecycle`
//! runs more seeds; a failure names its seed, and `TOPOLOGY_LIFECYCLE_SEED=N`
//! replays it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod property;
mod reloads;
#[path = "../support/mod.rs"]
mod support;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use topology::{CancellationToken, Instance, Key, MetricsAddress, RunningTopology, State, pipeline, topology};

/// What every run of every key is doing: how many runs of each key are
/// live, and whether two ever were at once.
#[derive(Default)]
pub(crate) struct Tracker {
    live: Mutex<HashMap<String, u32>>,
    pub(crate) overlaps: Mutex<Vec<String>>,
}

/// One live run, counted off when dropped (an aborted run too).
struct LiveRun(Arc<Tracker>, String);

impl Tracker {
    fn begin(tracker: &Arc<Self>, key: String) -> LiveRun {
        let mut live = tracker.live.lock().unwrap();
        let count = live.entry(key.clone()).or_default();
        *count += 1;
        if *count > 1 {
            tracker.overlaps.lock().unwrap().push(key.clone());
        }
        LiveRun(Arc::clone(tracker), key)
    }
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        if let Some(count) = self.0.live.lock().unwrap().get_mut(&self.1) {
            *count -= 1;
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct Spec {
    #[serde(default)]
    #[allow(dead_code)] // read by the fingerprint: an edit restarts the run
    version: u32,
    #[serde(default)]
    stop_ms: u64,
    #[serde(default)]
    stubborn: bool,
    #[serde(default)]
    fails: bool,
    #[serde(default)]
    panics: bool,
}

#[pipeline(
    key = "entry",
    each = Spec,
    restart = "on-failure",
    max_restarts = 1000000,
    backoff_min = "1s",
    backoff_max = "4s"
)]
async fn entry(
    spec: Instance<Spec>,
    key: Key,
    stop: CancellationToken,
    tracker: State<Arc<Tracker>>,
) -> Result<(), String> {
    let _live = Tracker::begin(&tracker, key.to_string());
    if spec.fails {
        return Err("injected".to_owned());
    }
    assert!(!spec.panics, "injected panic");
    if spec.stubborn {
        std::future::pending::<()>().await;
    }
    stop.cancelled().await;
    tokio::time::sleep(Duration::from_millis(spec.stop_ms)).await;
    Ok(())
}

topology! {
    typetag: "prop",
    metrics: off,
    state: Arc::new(Tracker::default()),
    main: false,
    pipelines: [entry],
}

pub(crate) const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
pub(crate) const SHUTDOWN_TIMEOUT_SECS: u64 = 3;

/// A random entry's fields.
pub(crate) fn random_spec(rng: &mut fastrand::Rng, version: u32) -> String {
    match rng.u8(0..7) {
        0 => format!("{{ version: {version}, stubborn: true }}"),
        1 => format!("{{ version: {version}, fails: true }}"),
        2 => format!("{{ version: {version}, panics: true }}"),
        3 | 4 => format!("{{ version: {version}, stop_ms: {} }}", rng.u64(0..6000)),
        _ => format!("{{ version: {version} }}"),
    }
}

/// A topology of `entries` started in-process, its outcomes collected in
/// a task of their own.
pub(crate) struct Started {
    pub(crate) tracker: Arc<Tracker>,
    pub(crate) reloader: topology::Reloader,
    pub(crate) handle: topology::ShutdownHandle,
    /// Where `/metrics` and `/pipelines` are served, when they are.
    pub(crate) base: Option<String>,
    pub(crate) collecting: tokio::task::JoinHandle<topology::RunStats<PipelineKey>>,
}

pub(crate) async fn start(entries: &BTreeMap<&str, String>, jitter: u64, metrics: MetricsAddress) -> Started {
    start_with(&settings(entries, jitter, metrics)).await
}

/// The test program started with `settings`.
pub(crate) async fn start_with(settings: &topology::Settings) -> Started {
    let tracker = Arc::new(Tracker::default());
    let running = Topology::start_with_state(settings, Arc::clone(&tracker))
        .await
        .unwrap();
    Started {
        tracker,
        reloader: running.reloader().unwrap(),
        handle: running.shutdown_handle(),
        base: running.metrics_addr().map(|address| format!("http://{address}")),
        collecting: tokio::spawn(running.run_to_completion()),
    }
}

/// Notes the entries whose runs stop after the shutdown timeout, or never.
pub(crate) fn note_slow(entries: &BTreeMap<&str, String>, slow: &mut BTreeSet<String>) {
    for (name, spec) in entries {
        let stop_ms: u64 = spec
            .split("stop_ms: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(0);
        if spec.contains("stubborn") || stop_ms >= SHUTDOWN_TIMEOUT_SECS * 1000 {
            slow.insert(format!("entry/{name}"));
        }
    }
}

pub(crate) fn settings(entries: &BTreeMap<&str, String>, jitter: u64, metrics: MetricsAddress) -> topology::Settings {
    let mut yaml = String::from("pipelines:\n  entry:\n");
    for (name, spec) in entries {
        yaml.push_str(&format!("    {name}: {spec}\n"));
    }
    Topology::settings()
        .with_global(|global| global.with_poll_jitter_secs(jitter))
        .with_global(|global| global.with_shutdown_timeout_secs(SHUTDOWN_TIMEOUT_SECS))
        .with_replica(|replica| replica.with_metrics_addr(metrics))
        .with_instances("the test", yaml)
}
