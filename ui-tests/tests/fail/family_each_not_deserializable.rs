use topology::{Instance, pipeline};

struct Table {
    _source: String,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_table: Instance<Table>) {}

#[pipeline(key = "export", each)]
async fn export() {}

fn main() {}
