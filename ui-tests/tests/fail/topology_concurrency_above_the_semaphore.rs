use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    global: { total_concurrency: 3000000000000000000 },
    main: false,
    pipelines: [orders],
}

fn main() {}
