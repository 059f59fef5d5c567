//! The lifecycle as a property, in paused time: random sequences of reload
//! edits, removals and re-adds of entries whose runs stop slowly, never
//! stop, or fail and restart, with their start jitter changing between
//! reloads, then a shutdown. After every step, never two live runs of one
//! key; at the end, every run's outcome collected once, no operator's stop
//! counted as a failure, and, once settled, `/pipelines` rows and per-key
//! series equal to the live entries.
//!
//! `TOPOLOGY_LIFECYCLE_SEEDS=200 cargo test -p topology --test lifecycle`
//! runs more seeds; a failure names its seed, and `TOPOLOGY_LIFECYCLE_SEED=N`
//! replays it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use support::get;
use topology::{CancellationToken, Instance, Key, MetricsAddress, OutcomeKind, State, pipeline, topology};

/// What every run of every key is doing: how many runs of each key are
/// live, and whether two ever were at once.
#[derive(Default)]
struct Tracker {
    live: Mutex<HashMap<String, u32>>,
    overlaps: Mutex<Vec<String>>,
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

const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
const SHUTDOWN_TIMEOUT_SECS: u64 = 3;

/// A random entry's fields.
fn random_spec(rng: &mut fastrand::Rng, version: u32) -> String {
    match rng.u8(0..6) {
        0 => format!("{{ version: {version}, stubborn: true }}"),
        1 => format!("{{ version: {version}, fails: true }}"),
        2 | 3 => format!("{{ version: {version}, stop_ms: {} }}", rng.u64(0..6000)),
        _ => format!("{{ version: {version} }}"),
    }
}

/// Notes the entries whose runs stop after the shutdown timeout, or never.
fn note_slow(entries: &BTreeMap<&str, String>, slow: &mut BTreeSet<String>) {
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

fn settings(entries: &BTreeMap<&str, String>, jitter: u64, metrics: MetricsAddress) -> topology::Settings {
    let mut yaml = String::from("pipelines:\n  entry:\n");
    for (name, spec) in entries {
        yaml.push_str(&format!("    {name}: {spec}\n"));
    }
    Topology::settings()
        .with_poll_jitter_secs(jitter)
        .with_shutdown_timeout_secs(SHUTDOWN_TIMEOUT_SECS)
        .with_metrics(metrics)
        .with_instances("the test", yaml)
}

async fn run_seed(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let tracker = Arc::new(Tracker::default());
    let mut entries: BTreeMap<&str, String> = BTreeMap::new();
    let mut version = 0;
    for name in &NAMES[..3] {
        version += 1;
        entries.insert(name, random_spec(&mut rng, version));
    }
    let metrics = MetricsAddress::Listen("127.0.0.1:0".parse().unwrap());
    let first = settings(&entries, 0, metrics);
    let running = Topology::start_with_state(&first, Arc::clone(&tracker)).await.unwrap();
    let base = format!("http://{}", running.metrics_addr().unwrap());
    let reloader = running.reloader().unwrap();
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());

    // Runs spawned per key, and the keys whose runs may outlive the
    // shutdown timeout once stopped (stubborn, or slower to stop).
    let mut spawned: BTreeMap<String, usize> = entries.keys().map(|name| (format!("entry/{name}"), 1)).collect();
    let mut stubborn: BTreeSet<String> = BTreeSet::new();
    let mut steps = Vec::new();
    for _ in 0..30 {
        note_slow(&entries, &mut stubborn);
        let name = NAMES[rng.usize(0..NAMES.len())];
        match rng.u8(0..3) {
            // An empty family is an error of the configuration: one stays.
            0 if entries.len() > 1 || !entries.contains_key(name) => {
                entries.remove(name);
            }
            _ => {
                version += 1;
                entries.insert(name, random_spec(&mut rng, version));
            }
        }
        let jitter = if rng.bool() { 0 } else { 5 };
        let report = reloader.reload(&settings(&entries, jitter, metrics)).unwrap();
        for key in report.started.iter().chain(&report.restarted) {
            *spawned.entry(key.clone()).or_default() += 1;
        }
        steps.push(format!("{name}: {report}"));
        tokio::time::sleep(Duration::from_millis(rng.u64(0..8000))).await;
        let overlaps = tracker.overlaps.lock().unwrap().clone();
        assert!(
            overlaps.is_empty(),
            "seed {seed}: two runs of {overlaps:?} at once after {steps:#?}"
        );
    }
    note_slow(&entries, &mut stubborn);

    // Settled: every leaving run has ended (a stubborn one is aborted after
    // the timeout), and its row and series are gone.
    tokio::time::sleep(Duration::from_secs(SHUTDOWN_TIMEOUT_SECS + 5)).await;
    let live: BTreeSet<String> = entries.keys().map(|name| format!("entry/{name}")).collect();
    let (_, body) = get(format!("{base}/pipelines")).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let listed: Vec<String> = rows.iter().map(|row| row["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        listed.iter().cloned().collect::<BTreeSet<_>>(),
        live,
        "seed {seed}: rows {rows:#?} after {steps:#?}"
    );
    assert_eq!(listed.len(), live.len(), "seed {seed}: one row per key: {rows:#?}");
    let (_, scrape) = get(format!("{base}/metrics")).await;
    let series: BTreeSet<String> = scrape
        .lines()
        .filter(|line| line.starts_with("topology_pipeline_starts_total{"))
        .filter_map(|line| line.split("key=\"").nth(1)?.split('"').next().map(str::to_owned))
        .filter(|key| key.starts_with("entry/"))
        .collect();
    assert_eq!(series, live, "seed {seed}: per-key series after {steps:#?}");

    handle.shutdown();
    let stats = collecting.await.unwrap();
    let overlaps = tracker.overlaps.lock().unwrap().clone();
    assert!(overlaps.is_empty(), "seed {seed}: two runs of {overlaps:?} at once");
    // Every run's outcome collected once: the last run of each live entry
    // kept, the others counted.
    let counts = stats.counts();
    assert_eq!(
        counts.total(),
        spawned.values().sum::<usize>(),
        "seed {seed}: one outcome per run after {steps:#?}"
    );
    let kept: BTreeSet<String> = stats.outcomes.iter().map(|outcome| outcome.key.to_string()).collect();
    assert_eq!(kept, live, "seed {seed}: the live entries' last runs are kept");
    assert_eq!(stats.outcomes.len(), live.len(), "seed {seed}");
    assert_eq!(
        (counts.failed, counts.panicked, counts.aborted),
        (0, 0, 0),
        "seed {seed}: an operator's stop is not a failure: {}",
        stats.summary()
    );
    if stubborn.is_empty() {
        assert_eq!(counts.timed_out, 0, "seed {seed}: {}", stats.summary());
    }
    for outcome in &stats.outcomes {
        if outcome.kind() == OutcomeKind::TimedOut {
            let key = outcome.key.to_string();
            assert!(
                stubborn.contains(&key),
                "seed {seed}: {key} timed out but always stopped within the timeout"
            );
        }
    }
}

#[test]
fn random_reloads_keep_one_run_per_key_and_forget_what_left() {
    let seeds: Vec<u64> = match std::env::var("TOPOLOGY_LIFECYCLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..std::env::var("TOPOLOGY_LIFECYCLE_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(8))
            .collect(),
    };
    for seed in seeds {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(run_seed(seed));
    }
}

#[tokio::test(start_paused = true)]
async fn a_replacement_stopped_before_its_predecessor_ended_never_ran() {
    let tracker = Arc::new(Tracker::default());
    let entries = BTreeMap::from([("a", "{ stop_ms: 2000 }".to_owned())]);
    let running = Topology::start_with_state(&settings(&entries, 0, MetricsAddress::Off), Arc::clone(&tracker))
        .await
        .unwrap();
    let reloader = running.reloader().unwrap();
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let edited = BTreeMap::from([("a", "{ version: 2 }".to_owned())]);
    reloader.reload(&settings(&edited, 0, MetricsAddress::Off)).unwrap();
    // The old run takes two seconds to stop; shutdown comes first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    handle.shutdown();
    let stats = collecting.await.unwrap();
    let kinds: Vec<OutcomeKind> = stats.outcomes.iter().map(|outcome| outcome.kind()).collect();
    assert_eq!(
        kinds,
        [OutcomeKind::Cancelled],
        "the replacement never ran: {}",
        stats.summary()
    );
    assert_eq!(stats.forgotten.completed, 1, "the replaced run stopped in time");
    assert!(stats.is_success());
}

#[tokio::test(start_paused = true)]
async fn hundreds_of_reloads_leave_rows_and_series_flat() {
    const ENTRIES: usize = 50;
    let tracker = Arc::new(Tracker::default());
    let metrics = MetricsAddress::Listen("127.0.0.1:0".parse().unwrap());
    let generation = |n: usize| -> BTreeMap<&'static str, String> {
        (0..ENTRIES)
            .map(|i| {
                let name: &'static str = Box::leak(format!("g{n}x{i}").into_boxed_str());
                (name, "{ stop_ms: 100 }".to_owned())
            })
            .collect()
    };
    let running = Topology::start_with_state(&settings(&generation(0), 0, metrics), Arc::clone(&tracker))
        .await
        .unwrap();
    let base = format!("http://{}", running.metrics_addr().unwrap());
    let reloader = running.reloader().unwrap();
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());
    for n in 1..=300 {
        let report = reloader.reload(&settings(&generation(n), 0, metrics)).unwrap();
        assert_eq!((report.started.len(), report.stopped.len()), (ENTRIES, ENTRIES));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, body) = get(format!("{base}/pipelines")).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), ENTRIES, "only the live entries are listed");
    assert!(
        rows.iter()
            .all(|row| row["key"].as_str().unwrap().starts_with("entry/g300x"))
    );
    let (_, scrape) = get(format!("{base}/metrics")).await;
    let per_key = scrape
        .lines()
        .filter(|line| line.starts_with("topology_pipeline_") && line.contains("key=\"entry/"))
        .count();
    // running and starts_total for each live key: nothing of the 15 000 runs gone.
    assert_eq!(per_key, 2 * ENTRIES, "{scrape}");
    handle.shutdown();
    let stats = collecting.await.unwrap();
    assert_eq!(stats.counts().total(), 301 * ENTRIES);
    assert_eq!(
        stats.outcomes.len(),
        ENTRIES,
        "the runs that left are counted, not kept"
    );
    assert!(stats.is_success(), "{}", stats.summary());
}
