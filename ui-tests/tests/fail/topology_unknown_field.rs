use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    typetg: "table",
    pipeline: [orders],
    workers: 4,
}
