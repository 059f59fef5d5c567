use topology::{Instance, pipeline, topology};

#[derive(serde::Deserialize)]
struct Table {
    _name: String,
}

#[pipeline(key = "orders")]
async fn orders(_dry_run: bool) {}

#[pipeline(key = "events")]
async fn events(_table: Instance<Table>) {}

topology! {
    pipelines: [orders, events],
}
