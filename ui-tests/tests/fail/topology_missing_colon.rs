use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    pipelines [orders],
}
