use topology::{Entries, Instance, pipeline, topology};

#[derive(serde::Deserialize)]
struct Table {
    _source: String,
}

#[derive(serde::Deserialize)]
struct Topic {
    _name: String,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_table: Instance<Table>) {}

#[pipeline(key = "feeder")]
async fn feeder(_topics: Entries<Topic>) {}

topology! {
    pipelines: [ingest, feeder],
    instances: "pipelines: { ingest: { orders: { _source: x } } }",
}
