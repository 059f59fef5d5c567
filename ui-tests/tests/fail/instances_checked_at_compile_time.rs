use topology::{Instance, pipeline, topology};

#[derive(serde::Deserialize)]
struct Table {
    _source: String,
}

#[pipeline(key = "ingest", each = Table)]
async fn ingest(_table: Instance<Table>) {}

mod global_section {
    topology::topology! {
        instances: "global:\n  poll_jitter_secs: 1\npipelines:\n  ingest:\n    orders: { _source: a }\n",
        main: false,
        pipelines: [super::ingest],
    }
}

mod bad_name {
    topology::topology! {
        instances: "pipelines:\n  ingest:\n    \"orders/eu\": { _source: a }\n",
        main: false,
        pipelines: [super::ingest],
    }
}

mod bad_yaml_in_a_file {
    topology::topology! {
        instances: include_str!("data/tables_with_a_typo.yaml"),
        main: false,
        pipelines: [super::ingest],
    }
}

topology! {
    instances: "pipelines:\n  ingest:\n    orders: { _source: a }\n  ingst:\n    events: { _source: b }\n",
    pipelines: [ingest],
}
