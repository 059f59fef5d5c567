//! The user's expressions keep their meaning: generated bindings cannot
//! capture the names they use.
#![deny(warnings)]

use topology::{RunningTopology, State, pipeline, topology};

struct AppState {
    bucket: String,
}

struct Config {
    bucket: String,
}

fn settings() -> Config {
    Config {
        bucket: "memory://lake".to_owned(),
    }
}

const fn state() -> &'static str {
    "pipelines:\n  ingest:\n    orders: {}\n"
}

#[derive(serde::Deserialize)]
struct Table {}

#[pipeline(key = "orders")]
async fn orders(state: State<AppState>) {
    assert_eq!(state.bucket, "memory://lake");
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_table: topology::Instance<Table>) {}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    state: AppState { bucket: settings().bucket },
    instances: state(),
    main: false,
    pipelines: [orders, ingest],
}

fn main() {
    let stats = topology::block_on(async {
        let running = Topology::start(&Topology::settings()).await.unwrap();
        running.run_to_completion().await
    })
    .unwrap();
    assert_eq!(stats.counts().completed, 2, "{}", stats.summary());
}
