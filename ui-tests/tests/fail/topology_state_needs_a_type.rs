use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    state: Default::default(),
    pipelines: [orders],
}
