use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    global: {
        poll_jitter_secs: 1.5,
        total_concurrency: "ten",
        shutdown_timeout_secs: 30,
        shutdown_timeout_secs: 60,
    },
    pipelines: [orders],
}
