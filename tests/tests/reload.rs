//! Reloading a running topology in-process, as SIGHUP does in the program:
//! new entries start, removed ones stop with their outcome reported, changed
//! ones restart after the old run has ended, pipelines over `Entries<T>`
//! restart with the family, and a bad configuration changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use topology::{CancellationToken, Entries, Instance, MetricsAddress, RunningTopology, State, pipeline, topology};

/// What the pipelines did, in order.
#[derive(Default)]
struct Journal(Mutex<Vec<String>>);

impl Journal {
    fn note(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Debug, serde::Deserialize)]
struct Table {
    rows: u32,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(table: Instance<Table>, journal: State<Arc<Journal>>, stop: CancellationToken) {
    journal.note(format!("start {}={}", table.name(), table.rows));
    stop.cancelled().await;
    journal.note(format!("stop {}={}", table.name(), table.rows));
}

#[pipeline(key = "report")]
async fn report(tables: Entries<Table>, journal: State<Arc<Journal>>, stop: CancellationToken) {
    let names: Vec<&str> = tables.iter().map(|table| table.name()).collect();
    journal.note(format!("report {}", names.join(",")));
    stop.cancelled().await;
}

#[pipeline(key = "steady")]
async fn steady(journal: State<Arc<Journal>>, stop: CancellationToken) {
    journal.note("steady".to_owned());
    stop.cancelled().await;
}

topology! {
    typetag: "table",
    metrics: off,
    state: Arc::new(Journal::default()),
    main: false,
    pipelines: [ingest, report, steady],
}

fn settings(entries: &str) -> topology::Settings {
    Topology::settings()
        .with_global(|global| global.with_poll_jitter_secs(0))
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Off))
        .with_instances("the test", format!("pipelines:\n  ingest:\n{entries}"))
}

async fn wait_for(journal: &Journal, line: &str) {
    for _ in 0..500 {
        if journal.lines().iter().any(|seen| seen == line) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never saw {line:?} in {:?}", journal.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_start_stop_and_restart_and_the_rest_keeps_running() {
    let journal = Arc::new(Journal::default());
    let first = settings("    a: { rows: 1 }\n    b: { rows: 2 }\n");
    let running = Topology::start_with_state(&first, Arc::clone(&journal)).await.unwrap();
    let reloader = running.reloader().expect("topology! topologies reload");
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());
    for line in ["start a=1", "start b=2", "report a,b", "steady"] {
        wait_for(&journal, line).await;
    }

    // `a` changes, `b` goes, `c` comes.
    let second = settings("    a: { rows: 10 }\n    c: { rows: 3 }\n");
    let report = reloader.reload(&second).unwrap();
    assert_eq!(report.started, ["ingest/c"]);
    assert_eq!(report.stopped, ["ingest/b"]);
    assert_eq!(
        report.restarted,
        ["ingest/a", "report"],
        "`report` takes the family's entries"
    );
    assert_eq!(
        report.to_string(),
        "1 started (ingest/c), 1 stopped (ingest/b), 2 restarted (ingest/a, report)"
    );
    for line in ["stop b=2", "start c=3", "start a=10", "report a,c"] {
        wait_for(&journal, line).await;
    }
    let lines = journal.lines();
    let position = |line: &str| lines.iter().position(|seen| seen == line).unwrap();
    assert!(
        position("stop a=1") < position("start a=10"),
        "the old run ends first: {lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|line| *line == "steady").count(),
        1,
        "untouched: {lines:?}"
    );

    // The same configuration again changes nothing.
    let again = reloader.reload(&second).unwrap();
    assert_eq!(again, topology::ReloadReport::default());

    // A configuration that cannot be planned is rejected whole.
    let error = reloader
        .reload(&settings("    a: { rows: lots }\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`pipelines.ingest.a.rows`"), "{error}");

    // Removing an entry after that works as before; `c` is not started
    // again, so the rejected reload left its run alone (a reload stops runs
    // before it returns: nothing is left to wait for).
    let last = reloader.reload(&settings("    c: { rows: 3 }\n")).unwrap();
    assert_eq!(
        (last.stopped.as_slice(), last.restarted.as_slice()),
        (&["ingest/a".to_owned()][..], &["report".to_owned()][..])
    );
    assert!(last.started.is_empty(), "{last}");
    wait_for(&journal, "stop a=10").await;
    wait_for(&journal, "report c").await;

    handle.shutdown();
    let stats = collecting.await.unwrap();
    // Every run, replaced or not, has its outcome: the replaced and removed
    // ones counted, the last run of each entry kept.
    let mut keys: Vec<String> = stats.outcomes.iter().map(|outcome| outcome.key.to_string()).collect();
    keys.sort();
    assert_eq!(keys, ["ingest/c", "report", "steady"], "{}", stats.summary());
    assert_eq!(stats.forgotten.completed, 5, "{}", stats.summary());
    assert_eq!(stats.counts().completed, 8, "{}", stats.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_settings_change_and_the_others_wait_for_a_restart() {
    let journal = Arc::new(Journal::default());
    let first = settings("    a: { rows: 1 }\n").with_global(|global| global.with_total_concurrency(Some(2)));
    let running = Topology::start_with_state(&first, Arc::clone(&journal)).await.unwrap();
    let reloader = running.reloader().unwrap();
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());

    let second = first.clone().with_global(|global| {
        global
            .with_total_concurrency(Some(5))
            .with_shutdown_timeout_secs(7)
            .with_poll_jitter_secs(3)
            .with_connection_pooling(false)
    });
    let report = reloader.reload(&second).unwrap();
    assert_eq!(
        report.changed,
        [
            "poll_jitter_secs 0 → 3",
            "total_concurrency 2 → 5",
            "shutdown_timeout_secs 25 → 7"
        ]
    );
    assert_eq!(report.needs_restart, ["connection_pooling"]);
    let unlimited = second.clone().with_global(|global| global.with_total_concurrency(None));
    assert_eq!(
        reloader.reload(&unlimited).unwrap().needs_restart,
        ["total_concurrency", "connection_pooling"]
    );

    handle.shutdown();
    collecting.await.unwrap();
}
