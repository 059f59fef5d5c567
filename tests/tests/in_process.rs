//! A topology started in-process, as a user's own tests would: entries of a
//! family supplied from code, static pipelines beside them, every outcome and
//! metric keyed by the full instance key.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::{Arc, Mutex};

use topology::{Entries, Instance, Key, MetricsAddress, RunningTopology, Shard, State, pipeline, topology};

/// Which pipelines ran, shared with the test.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

#[derive(Debug, serde::Deserialize)]
struct Table {
    rows: u32,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(table: Instance<Table>, key: Key, seen: State<Arc<Seen>>) {
    seen.0
        .lock()
        .unwrap()
        .push(format!("{key}: {} rows from {}", table.rows, table.name()));
}

/// One pipeline over every table: the family's entries, in order.
#[pipeline(key = "report")]
async fn report(tables: Entries<Table>, seen: State<Arc<Seen>>) {
    let tables: Vec<String> = tables
        .iter()
        .map(|table| format!("{}={}", table.name(), table.rows))
        .collect();
    seen.0.lock().unwrap().push(format!("report: {}", tables.join(", ")));
}

topology! {
    typetag: "table",
    metrics: off,
    global: { poll_jitter_secs: 0 },
    state: Arc::new(Seen::default()),
    instances: "pipelines:\n  ingest:\n    built_in: { rows: 1 }\n",
    main: false,
    pipelines: [ingest, report],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_from_code_win_over_the_defaults() {
    let mut settings = Topology::settings();
    settings.add_instances(
        "the test",
        "pipelines:\n  ingest:\n    orders: { rows: 3 }\n    events: { rows: 5 }\n",
    );
    let keys: Vec<String> = Topology::keys(&settings)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(keys, ["ingest/orders", "ingest/events", "report"]);

    let seen = Arc::new(Seen::default());
    let running = Topology::start_with_state(&settings, Arc::clone(&seen)).await.unwrap();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().completed, 3);
    let done: Vec<String> = stats.outcomes.iter().map(|outcome| outcome.key.to_string()).collect();
    for key in ["ingest/orders", "ingest/events", "report"] {
        assert!(done.contains(&key.to_owned()), "{key} in {done:?}");
    }
    let mut ran = seen.0.lock().unwrap().clone();
    ran.sort();
    assert_eq!(
        ran,
        [
            "ingest/events: 5 rows from events",
            "ingest/orders: 3 rows from orders",
            "report: orders=3, events=5"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_hold_the_whole_family_on_every_shard() {
    let mut settings = Topology::settings();
    settings.add_instances(
        "the test",
        "pipelines:\n  ingest:\n    a: { rows: 1 }\n    b: { rows: 2 }\n    c: { rows: 3 }\n    d: { rows: 4 }\n",
    );
    let all = Topology::keys(&settings).unwrap();
    // The shard that runs `report` runs only some of the tables...
    let shard = (0..2)
        .map(|index| Shard::new(index, 2).unwrap())
        .find(|shard| shard.owns("report"))
        .unwrap();
    let ingested_here = all.iter().filter(|key| shard.owns(&key.to_string())).count() - 1;
    assert!(ingested_here < 4, "{shard}: {all:?}");
    settings.replica.shard = shard;
    let seen = Arc::new(Seen::default());
    let running = Topology::start_with_state(&settings, Arc::clone(&seen)).await.unwrap();
    running.run_to_completion().await;
    // ...and still sees every table.
    let ran = seen.0.lock().unwrap().clone();
    assert!(ran.contains(&"report: a=1, b=2, c=3, d=4".to_owned()), "{ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_defaults_of_topology_apply_without_other_entries() {
    let running = Topology::start(&Topology::settings()).await.unwrap();
    let stats = running.run_to_completion().await;
    let done: Vec<String> = stats.outcomes.iter().map(|outcome| outcome.key.to_string()).collect();
    assert!(done.contains(&"ingest/built_in".to_owned()), "{done:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_carry_the_full_instance_key() {
    let mut settings = Topology::settings();
    settings.replica.metrics_addr = MetricsAddress::Listen("127.0.0.1:0".parse().unwrap());
    settings.add_instances("the test", "pipelines:\n  ingest:\n    metered: { rows: 7 }\n");
    let running = Topology::start(&settings).await.unwrap();
    let address = running.metrics_addr().expect("metrics are on");
    // Every pipeline completes at once; the endpoint lives until collected.
    let expected = r#"topology_pipeline_starts_total{key="ingest/metered",typetag="table"} 1"#;
    let mut scrape = String::new();
    for _ in 0..500 {
        scrape = reqwest::get(format!("http://{address}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if scrape.contains(expected) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        scrape.contains(r#"topology_pipeline_starts_total{key="ingest/metered",typetag="table"} 1"#),
        "{scrape}"
    );
    running.run_to_completion().await;
}
