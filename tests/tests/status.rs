//! `GET /pipelines`: what each pipeline of this replica is doing, as JSON,
//! scraped over real HTTP from a topology started in-process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;

use serde_json::Value;
use topology::{CancellationToken, Instance, MetricsAddress, RunningTopology, pipeline};

async fn pipelines(address: std::net::SocketAddr) -> Vec<Value> {
    let response = reqwest::get(format!("http://{address}/pipelines")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    body.as_array().unwrap().clone()
}

fn find<'a>(pipelines: &'a [Value], key: &str) -> &'a Value {
    pipelines
        .iter()
        .find(|pipeline| pipeline["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {pipelines:?}"))
}

mod every_state {
    use super::*;

    /// Iterates every 10 ms until shutdown.
    #[pipeline(key = "steady", interval = "10ms")]
    async fn steady() {}

    /// Fails, and waits an hour before its restart.
    #[pipeline(key = "flaky", restart = "on-failure", backoff_min = "1h", backoff_max = "1h")]
    async fn flaky() -> Result<(), String> {
        Err("the disk is full".to_owned())
    }

    /// Fails for good.
    #[pipeline(key = "broken")]
    async fn broken() -> Result<(), String> {
        Err("no such table".to_owned())
    }

    /// Waits for shutdown.
    #[pipeline(key = "idle")]
    async fn idle(shutdown: CancellationToken) {
        shutdown.cancelled().await;
    }

    topology::topology! {
        metrics: "127.0.0.1:0",
        global: { poll_jitter_secs: 0 },
        main: false,
        pipelines: [steady, flaky, broken, idle],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pipeline_says_its_state_restarts_last_error_and_last_iteration() {
    let running = every_state::Topology::start(&every_state::Topology::settings())
        .await
        .unwrap();
    let address = running.metrics_addr().unwrap();
    let mut listed = Vec::new();
    for _ in 0..500 {
        listed = pipelines(address).await;
        let settled = listed.len() == 4
            && find(&listed, "broken")["state"] == "ended"
            && find(&listed, "flaky")["state"] == "restarting"
            && find(&listed, "steady")["last_iteration_unix_ms"].is_u64();
        if settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let keys: Vec<&str> = listed.iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["steady", "flaky", "broken", "idle"], "in start order");

    let broken = find(&listed, "broken");
    assert_eq!(broken["outcome"], "failed");
    assert!(
        broken["last_error"].as_str().unwrap().contains("no such table"),
        "{broken}"
    );

    let flaky = find(&listed, "flaky");
    assert_eq!(flaky["last_error"], "the disk is full", "{flaky}");
    assert_eq!(flaky["restarts"], 0, "the first restart has not happened yet");
    assert_eq!(flaky["next_restart"], 1, "as the log says: (restart 1)");
    assert!(flaky["last_error_unix_ms"].is_u64(), "{flaky}");
    assert!(flaky["healthy_since_unix_ms"].is_null(), "{flaky}");
    let now_ms = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let until = flaky["restarting_until_unix_ms"].as_u64().unwrap();
    assert!(until > now_ms + 1_000_000, "restarting about an hour from now: {flaky}");

    let steady = find(&listed, "steady");
    assert_eq!(steady["state"], "running");
    assert!(
        steady["last_iteration_unix_ms"].as_u64().unwrap() <= now_ms + 1000,
        "{steady}"
    );
    let idle = find(&listed, "idle");
    assert_eq!(
        (&idle["state"], &idle["outcome"], &idle["last_error"]),
        (&Value::from("running"), &Value::Null, &Value::Null)
    );
    assert_eq!(idle["typetag"], "pipeline");

    running.shutdown();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().failed, 1, "{}", stats.summary());
    assert_eq!(
        stats.counts().cancelled,
        1,
        "stopped in its backoff, not failed: {}",
        stats.summary()
    );
}

mod many {
    use super::*;

    #[derive(serde::Deserialize)]
    pub(super) struct Table {}

    #[pipeline(key = "ingest", each = Table)]
    async fn ingest(_table: Instance<Table>, shutdown: CancellationToken) {
        shutdown.cancelled().await;
    }

    topology::topology! {
        typetag: "table",
        metrics: off,
        main: false,
        pipelines: [ingest],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pipelines_waiting_out_their_jitter_come_back_whole() {
    const COUNT: usize = 10_000;
    let mut yaml = String::from("pipelines:\n  ingest:\n");
    for n in 0..COUNT {
        yaml.push_str(&format!("    t{n:05}: {{}}\n"));
    }
    let settings = many::Topology::settings()
        .with_instances("the test", yaml)
        .with_global(|global| global.with_poll_jitter_secs(3600))
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Listen("127.0.0.1:0".parse().unwrap())));
    let running = many::Topology::start(&settings).await.unwrap();
    let listed = pipelines(running.metrics_addr().unwrap()).await;
    assert_eq!(listed.len(), COUNT, "every pipeline, across many chunks");
    assert_eq!(listed[0]["key"], "ingest/t00000");
    assert_eq!(listed[COUNT - 1]["key"], format!("ingest/t{:05}", COUNT - 1));
    let waiting = listed.iter().filter(|p| p["state"] == "waiting").count();
    assert!(waiting > COUNT * 9 / 10, "an hour of jitter: {waiting} waiting");
    running.shutdown();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().cancelled + stats.counts().completed, COUNT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_board_is_an_empty_array() {
    // No pipeline has been spawned yet when the endpoint answers first; an
    // empty shard is the lasting case.
    let settings = many::Topology::settings()
        .with_instances("the test", "pipelines:\n  ingest:\n    only: {}\n")
        .with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Listen("127.0.0.1:0".parse().unwrap())))
        .with_global(|global| global.with_poll_jitter_secs(0));
    let mut settings = settings;
    settings.replica.shard = topology::Shard::new(0, 2).unwrap();
    if settings.replica.shard.owns("ingest/only") {
        settings.replica.shard = topology::Shard::new(1, 2).unwrap();
    }
    let running = many::Topology::start(&settings).await.unwrap();
    assert!(pipelines(running.metrics_addr().unwrap()).await.is_empty());
    running.shutdown();
    running.run_to_completion().await;
}
