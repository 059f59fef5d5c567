use topology::{Instance, pipeline};

#[derive(serde::Deserialize)]
struct Table {
    _source: String,
}

#[pipeline(key = "ingest")]
async fn ingest(_table: Instance<Table>) {}

fn main() {}
