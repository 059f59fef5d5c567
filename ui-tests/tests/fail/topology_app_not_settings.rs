use topology::{pipeline, topology};

#[derive(serde::Deserialize)]
struct Lake {
    _url: String,
}

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    app: Lake,
    pipelines: [orders],
}
