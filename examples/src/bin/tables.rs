//! One ingestion pipeline per table, the tables listed in YAML.
//!
//! `#[pipeline(key = "ingest", each = Table)]` makes `ingest` a family: every
//! entry under `pipelines.ingest` in the configuration file becomes one
//! pipeline, keyed `ingest/<name>`, with every guarantee a single pipeline
//! has. The entries of `examples/tables.yaml` are built in as defaults.
//!
//! ```text
//! cargo run -p topology-examples --bin tables -- --config examples/tables.yaml
//! ```

use topology::{
    Instance, PipelineContext, StorageError,
    object_store::{self, ObjectStoreExt, path::Path},
    pipeline, topology,
};

/// One table: where its raw objects arrive and where clean ones go.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    source: String,
    sink: String,
    /// Sample objects written to the source at start, so the demo has input.
    #[serde(default)]
    seed_objects: u32,
}

/// Why an iteration failed.
#[derive(Debug, thiserror::Error)]
enum IngestError {
    #[error("cannot open a store")]
    Storage(#[from] StorageError),
    #[error("object store request failed")]
    ObjectStore(#[from] object_store::Error),
}

/// Moves the table's new objects from its source to its sink, once a second.
#[pipeline(key = "ingest", each = Table, interval = "1s")]
async fn ingest(table: Instance<Table>, ctx: PipelineContext) -> Result<(), IngestError> {
    let source = ctx.store(&table.source)?;
    let sink = ctx.store(&table.sink)?;
    if table.seed_objects > 0 && source.list_with_delimiter(None).await?.objects.is_empty() {
        for n in 0..table.seed_objects {
            let path = Path::from(format!("seed-{n}.json"));
            source
                .put(&path, format!("{{\"table\":\"{}\",\"n\":{n}}}", table.name()).into())
                .await?;
        }
    }
    let listed = source.list_with_delimiter(None).await?;
    for object in &listed.objects {
        let _permit = ctx.acquire().await;
        let body = source.get(&object.location).await?.bytes().await?;
        sink.put(&object.location, body.into()).await?;
        source.delete(&object.location).await?;
    }
    if !listed.objects.is_empty() {
        tracing::info!(table = table.name(), objects = listed.objects.len(), "ingested");
    }
    Ok(())
}

topology! {
    typetag: "table",
    metrics: off,
    global: { poll_jitter_secs: 1, total_concurrency: 4 },
    instances: include_str!("../../tables.yaml"),
    pipelines: [ingest],
}
