use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

async fn events() {}

topology! {
    pipelines: [orders, events],
}
