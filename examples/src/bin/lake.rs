//! The service a new user writes first: tables from YAML with one ingestion
//! pipeline each, one feeder over all of them, and shared state built from
//! the application's own settings.
//!
//! `app: LakeSettings` declares the settings once: they are read from the
//! `app:` section of the configuration file, `TOPOLOGY_APP_*` variables and
//! `--app-*` flags, and `--help` lists them with their defaults. `state:` is
//! a function of them that can fail: a lake URL that cannot be opened stops
//! the program before anything starts (exit code 2).
//!
//! ```text
//! cargo run -p topology-examples --bin lake -- --app-lake-url memory://elsewhere
//! ```

use topology::{
    Entries, Instance, PipelineContext, State, StorageError, StoragePool,
    object_store::{self, ObjectStoreExt, path::Path},
    pipeline, topology,
};

/// The application's own settings; their doc comments are their help.
#[derive(Debug, serde::Serialize, serde::Deserialize, topology::SettingsHelp)]
#[serde(default, deny_unknown_fields)]
struct LakeSettings {
    /// The object store holding every table.
    lake_url: String,
    /// Objects the feeder writes per table and iteration.
    objects_per_feed: u32,
}

impl Default for LakeSettings {
    fn default() -> Self {
        Self {
            lake_url: "memory://lake".to_owned(),
            objects_per_feed: 1,
        }
    }
}

/// Shared by every pipeline: the lake, checked once at start-up.
struct Lake {
    url: String,
    objects_per_feed: u32,
}

impl Lake {
    fn open(settings: &LakeSettings) -> Result<Self, StorageError> {
        // Opening a store checks the URL, its scheme and its options.
        StoragePool::new().store(&settings.lake_url)?;
        Ok(Self {
            url: settings.lake_url.clone(),
            objects_per_feed: settings.objects_per_feed,
        })
    }
}

/// One table of the lake.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Its prefix in the lake.
    prefix: String,
}

/// Why an iteration failed.
#[derive(Debug, thiserror::Error)]
enum LakeError {
    #[error("cannot open the lake")]
    Storage(#[from] StorageError),
    #[error("object store request failed")]
    ObjectStore(#[from] object_store::Error),
}

/// Writes new raw objects for every table, once a second.
#[pipeline(key = "feeder", interval = "1s")]
async fn feeder(tables: Entries<Table>, lake: State<Lake>, ctx: PipelineContext) -> Result<(), LakeError> {
    let store = ctx.store(&lake.url)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    for table in &tables {
        for n in 0..lake.objects_per_feed {
            let path = Path::from(format!("raw/{}/{stamp}-{n}.json", table.prefix));
            store
                .put(&path, format!("{{\"table\":\"{}\"}}", table.name()).into())
                .await?;
        }
    }
    tracing::info!(tables = tables.len(), per_table = lake.objects_per_feed, "fed");
    Ok(())
}

/// Moves one table's raw objects to its clean prefix, once a second.
#[pipeline(key = "ingest", each = Table, interval = "1s")]
async fn ingest(table: Instance<Table>, lake: State<Lake>, ctx: PipelineContext) -> Result<(), LakeError> {
    let store = ctx.store(&lake.url)?;
    let raw = Path::from(format!("raw/{}", table.prefix));
    let listed = store.list_with_delimiter(Some(&raw)).await?;
    for object in &listed.objects {
        let _permit = ctx.acquire().await;
        let body = store.get(&object.location).await?.bytes().await?;
        let name = object.location.filename().unwrap_or("unnamed");
        store
            .put(&Path::from(format!("clean/{}/{name}", table.prefix)), body.into())
            .await?;
        store.delete(&object.location).await?;
    }
    if !listed.objects.is_empty() {
        tracing::info!(objects = listed.objects.len(), "ingested");
    }
    Ok(())
}

topology! {
    description: "Ingests the lake's tables, fed by one feeder.",
    typetag: "table",
    metrics: off,
    global: { poll_jitter_secs: 1, total_concurrency: 4 },
    app: LakeSettings,
    state: Lake::open,
    instances: "pipelines:\n  ingest:\n    orders: { prefix: orders }\n    events: { prefix: events }\n    payments: { prefix: payments }\n",
    pipelines: [feeder, ingest],
}
