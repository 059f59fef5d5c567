use topology::{Instance, pipeline};

#[derive(serde::Deserialize)]
struct Table {
    _source: String,
}

#[derive(serde::Deserialize)]
struct Topic {
    _name: String,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_topic: Instance<Topic>) {}

fn main() {}
