use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    metrics: off,
    pipelines: [orders, crate::orders],
}
