//! The lifecycle as a property over random reloads, in paused time.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Once,
    time::Duration,
};

use topology::{MetricsAddress, OutcomeKind};

use crate::{NAMES, SHUTDOWN_TIMEOUT_SECS, Started, note_slow, random_spec, settings, start, support::get};

async fn run_seed(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut entries: BTreeMap<&str, String> = BTreeMap::new();
    let mut version = 0;
    for name in &NAMES[..3] {
        version += 1;
        entries.insert(name, random_spec(&mut rng, version));
    }
    let metrics = MetricsAddress::Listen("127.0.0.1:0".parse().unwrap());
    let Started {
        tracker,
        reloader,
        handle,
        base,
        collecting,
    } = start(&entries, 0, metrics).await;
    let base = base.unwrap();

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

    // A signal, and now and then a second one during the shutdown wait.
    handle.shutdown();
    let forced = rng.u8(0..3) == 0;
    if forced {
        tokio::time::sleep(Duration::from_millis(rng.u64(0..(SHUTDOWN_TIMEOUT_SECS + 1) * 1000))).await;
        handle.force();
    }
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
        (counts.failed, counts.panicked),
        (0, 0),
        "seed {seed}: an operator's stop is not a failure: {}",
        stats.summary()
    );
    if !forced {
        assert_eq!(counts.aborted, 0, "seed {seed}: {}", stats.summary());
    }
    if stubborn.is_empty() {
        assert_eq!(counts.timed_out, 0, "seed {seed}: {}", stats.summary());
    }
    // Every run's outcome logged once: one outcome line per run of each key.
    assert_eq!(
        ThreadLines::outcome_lines_per_key(),
        spawned,
        "seed {seed}: one outcome line per run after {steps:#?}"
    );
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
        ThreadLines::install();
        ThreadLines::take();
        runtime.block_on(run_seed(seed));
    }
}

/// Lines written on this thread since it last took them. One subscriber
/// serves the whole test binary (scoped ones can miss lines while other
/// threads log), and writes each line to the buffer of the thread that
/// logged it: a seed's runtime runs on its test's thread alone.
struct ThreadLines;

thread_local! {
    static LINES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl ThreadLines {
    fn install() {
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(|| ThreadLines)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
    }

    fn take() -> String {
        String::from_utf8(LINES.with_borrow_mut(std::mem::take)).unwrap()
    }

    /// How many outcome lines (those with an `outcome` field) each key has
    /// among the lines taken.
    fn outcome_lines_per_key() -> BTreeMap<String, usize> {
        let mut lines = BTreeMap::new();
        for line in Self::take().lines().filter(|line| line.contains(" outcome=")) {
            let key = line
                .split(" key=")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .unwrap();
            *lines.entry(key.to_owned()).or_default() += 1;
        }
        lines
    }
}

impl std::io::Write for ThreadLines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LINES.with_borrow_mut(|lines| lines.extend_from_slice(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
