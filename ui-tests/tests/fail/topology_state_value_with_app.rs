use topology::{pipeline, topology};

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct App {
    lake: String,
}

struct Lake;

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    app: App,
    state: Lake,
    pipelines: [orders],
}
