use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

#[pipeline(key = "events")]
async fn events() {}

topology! {
    pipelines: [orders events],
}
