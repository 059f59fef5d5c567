use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

#[pipeline(key = "events")]
async fn events() {}

topology! {
    metrics: off,
    pipelines: [orders, #[cfg(feature = "events")] events],
}
