//! The README's "Testing your topology" example, as a test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use topology::{FailurePolicy, Instance, MetricsAddress, RunningTopology, State, pipeline, topology};

/// Where the pipelines write.
pub struct Lake {
    written: Mutex<Vec<String>>,
}

#[derive(serde::Deserialize)]
/// One table of the family.
pub struct Table {
    rows: u32,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(table: Instance<Table>, lake: State<Arc<Lake>>) {
    lake.written
        .lock()
        .unwrap()
        .push(format!("{}: {} rows", table.name(), table.rows));
}

topology! {
    state: Arc::new(Lake { written: Mutex::new(Vec::new()) }),
    main: false,
    pipelines: [ingest],
}

#[tokio::test(flavor = "multi_thread")]
async fn every_table_is_ingested() {
    topology::init_test_logging();
    let settings = Topology::settings()
        .with_global(|global| global.with_poll_jitter_secs(0))
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Off))
        .with_global(|global| global.with_failure_policy(FailurePolicy::Shutdown))
        .with_instances(
            "the test",
            "pipelines:\n  ingest:\n    orders: { rows: 3 }\n    events: { rows: 5 }\n",
        );
    let lake = Arc::new(Lake {
        written: Mutex::new(Vec::new()),
    });
    let running = Topology::start_with_state(&settings, Arc::clone(&lake)).await.unwrap();
    // Wait for the condition the test is about, then stop.
    while lake.written.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.shutdown();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().completed, 2, "{}", stats.summary());
    let mut written = lake.written.lock().unwrap().clone();
    written.sort();
    assert_eq!(written, ["events: 5 rows", "orders: 3 rows"]);
}
