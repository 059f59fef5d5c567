use topology::{pipeline, topology};

#[pipeline(kye = "orders")]
async fn orders() {}

#[pipeline(key = "events")]
async fn events() {}

topology! {
    pipelines: [orders, events],
}
