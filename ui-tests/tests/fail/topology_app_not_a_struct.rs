use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    app: u32,
    pipelines: [orders],
}
