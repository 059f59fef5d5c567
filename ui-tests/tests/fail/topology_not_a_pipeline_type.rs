use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

struct Config;

topology! {
    pipelines: [orders, Config],
}
