use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    global: {
        poll_jiter_secs: 10,
        total_concurrency: 0,
        shutdown_timeout_secs: -5,
        connection_pooling: "yes",
    },
    pipelines: [orders],
}
