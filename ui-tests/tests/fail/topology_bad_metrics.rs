use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    metrics: "9090",
    pipelines: [orders],
}
