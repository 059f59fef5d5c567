//! Generated items take no name the user could have: a pipeline may be named
//! like a crate it uses, or like a module beside it.
#![deny(warnings)]

use topology::{RunningTopology, pipeline, topology};

/// Named like the `metrics` crate it calls.
#[pipeline(key = "metrics")]
async fn metrics() {
    metrics::counter!("orders_seen").increment(1);
}

mod orders {
    pub(crate) const fn table() -> &'static str {
        "orders"
    }
}

/// Named like the module beside it, which it uses.
#[pipeline(key = "orders")]
async fn orders() {
    assert_eq!(orders::table(), "orders");
}

mod tables {
    use topology::pipeline;

    #[pipeline(key = "events")]
    pub(crate) async fn events() {}
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    main: false,
    pipelines: [metrics, orders, tables::events],
}

fn main() {
    let stats = topology::block_on(async {
        let running = Topology::start(&Topology::settings()).await.unwrap();
        running.run_to_completion().await
    })
    .unwrap();
    assert_eq!(stats.counts().completed, 3);
    assert_eq!(PipelineId::Metrics.as_str(), "metrics");
    assert_eq!(PipelineId::Events.as_str(), "events");
}
