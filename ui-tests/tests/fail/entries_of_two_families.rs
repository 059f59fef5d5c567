use topology::{Entries, Instance, pipeline, topology};

#[derive(serde::Deserialize)]
struct Table {
    _source: String,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_table: Instance<Table>) {}

#[pipeline(key = "export", each = Table)]
async fn export(_table: Instance<Table>) {}

#[pipeline(key = "feeder")]
async fn feeder(_tables: Entries<Table>) {}

topology! {
    pipelines: [ingest, export, feeder],
}
